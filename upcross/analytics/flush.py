"""Move the hot-path counters into daily rows (``WidgetDailyStat``, ``RelationDailyStat``).

Run by the Celery task ``upcross.flush_events`` on ``ANALYTICS_FLUSH_SCHEDULE``
(a django-celery-beat ``PeriodicTask``), and by the report before it renders.
One flush at a time (a Redis lock); each batch is added to the rows in one
transaction and deleted from Redis only after the commit. A flush that dies
between the commit and the delete would add that batch again on the next run:
a window of one ``DEL``, the price of keeping Redis and the database apart.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from upcross.analytics.counters import Field, store
from upcross.models import RelationDailyStat, WidgetDailyStat

logger = logging.getLogger("upcross.analytics")

#: Seconds a flush may hold the lock (and a second flush waits for it).
LOCK_TIMEOUT = 120


@dataclass
class FlushResult:
    batches: int = 0
    fields: int = 0
    widget_rows: int = 0
    relation_rows: int = 0


def flush_events(wait: float = LOCK_TIMEOUT) -> FlushResult:
    """Drain the live counters into the daily rows; return what was written.

    ``wait``: seconds to wait for a flush already running (then ``LockError``).
    """
    counters = store()
    result = FlushResult()
    with counters.lock(LOCK_TIMEOUT, wait):
        for batch, values in counters.drain():
            with transaction.atomic():
                widget_rows, relation_rows = _write(values)
            counters.done(batch)
            result.batches += 1
            result.fields += len(values)
            result.widget_rows += widget_rows
            result.relation_rows += relation_rows
    return result


def _write(values: dict[str, int]) -> tuple[int, int]:
    rows: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for raw, amount in values.items():
        field = Field.decode(raw)
        if field is None:
            logger.warning("upcross ignored an unreadable counter %r", raw)
            continue
        rows[(field.day.isoformat(), field.widget, field.source, field.target)][field.metric] \
            += amount
    widget_rows = relation_rows = 0
    for (day, widget, source, target), metrics in rows.items():
        if target:
            model, keys = RelationDailyStat, {"day": day, "widget": widget[:32],
                                              "source": source[:64], "target": target[:64]}
            metrics.pop("orders", None)
            relation_rows += 1
        else:
            model, keys = WidgetDailyStat, {"day": day, "widget": widget[:32]}
            widget_rows += 1
        model.objects.get_or_create(**keys)
        model.objects.filter(**keys).update(**{
            metric: F(metric) + (Decimal(amount) / 100 if metric == "revenue" else amount)
            for metric, amount in metrics.items()
        })
    return widget_rows, relation_rows
