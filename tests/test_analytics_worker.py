"""The flush task ``upcross.flush_events`` served by a real Celery worker (Redis broker)."""

from __future__ import annotations

import pytest

from tests.analytics_support import discard_counters
from tests.celery_support import celery_worker_app  # noqa: F401  (fixture)
from upcross import tasks
from upcross.analytics import counters
from upcross.models import RelationDailyStat, WidgetDailyStat


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_flushes_the_counters_into_daily_rows(celery_worker_app) -> None:  # noqa: F811
    discard_counters()
    day = counters.today()
    counters.increment({counters.Field(day, "cart_complements", "", "", "adds"): 3,
                        counters.Field(day, "cart_complements", "5", "9", "adds"): 3})
    try:
        result = tasks.flush_events.delay().get(timeout=60)
        assert result["batches"] == 1 and result["fields"] == 2
        assert WidgetDailyStat.objects.get(day=day, widget="cart_complements").adds == 3
        assert RelationDailyStat.objects.get(day=day, source="5", target="9").adds == 3
        assert counters.store().peek() == {}
    finally:
        WidgetDailyStat.objects.all().delete()
        RelationDailyStat.objects.all().delete()
