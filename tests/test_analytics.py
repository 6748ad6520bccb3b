"""Widget analytics: counting, attribution through to a placed order, the flush.

The concurrency test runs against the real Redis (``redis`` marker): threads
increment while another thread flushes, and not one count is lost or doubled.
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.analytics_support import discard_counters
from upcross.analytics import counters
from upcross.analytics.attribution import SESSION_KEY, parse_touch, relation_value
from upcross.analytics.flush import flush_events
from upcross.models import OrderExposure, RelationDailyStat, WidgetDailyStat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]


def hidden_fields(html: str, widget_class: str) -> dict[str, str]:
    """The first add form inside the widget with this class: its hidden fields."""
    section = html[html.index(widget_class):]
    form = re.search(r"<form[^>]*>(.*?)</form>", section, re.S)
    assert form is not None
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           form.group(1)))


def relation_stat(widget: str, source: Any, target: Any) -> RelationDailyStat:
    return RelationDailyStat.objects.get(widget=widget, source=str(source.pk),
                                         target=str(target.pk))


@pytest.mark.shop("demo")
def test_a_widget_add_is_attributed_through_to_the_placed_order(
        django_capture_on_commit_callbacks: Any) -> None:
    phone, case = f.product("Phone", "300.00"), f.product("Case", "25.50")
    f.relation(phone, case)
    client = Client()
    page = client.get(phone.get_absolute_url()).content.decode()
    fields = hidden_fields(page, "upcross-complements")
    assert fields["upcross_widget"] == "complements"
    assert parse_touch(fields, case) == ("complements", str(phone.pk), str(case.pk))

    client.post(reverse("cart:add"), {"product_id": phone.pk})        # not from a widget
    client.post(reverse("cart:add"), {**fields, "quantity": 2})       # from the widget
    assert client.session[SESSION_KEY] == {str(case.pk): ["complements", str(phone.pk)]}
    with django_capture_on_commit_callbacks(execute=True):  # counted once the order commits
        response = client.post(reverse("orders:checkout"), {"email": "ayu@example.com"})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session

    flush_events()
    stat = relation_stat("complements", phone, case)
    assert (stat.impressions, stat.adds, stat.purchases, stat.revenue) == (1, 1, 2,
                                                                           Decimal("51.00"))
    widget = WidgetDailyStat.objects.get(widget="complements")
    assert (widget.impressions, widget.adds, widget.purchases, widget.orders) == (1, 1, 2, 1)
    assert widget.revenue == Decimal("51.00")
    exposure = OrderExposure.objects.get()
    assert exposure.group == "exposed"
    assert exposure.items == 3
    assert exposure.attributed_items == 2 and exposure.attributed_revenue == Decimal("51.00")
    assert not RelationDailyStat.objects.filter(target=str(phone.pk)).exists()


@pytest.mark.shop("demo")
def test_a_cart_upgrade_swap_is_attributed_to_the_upgrade_with_the_price_difference(
        django_capture_on_commit_callbacks: Any) -> None:
    phone = f.product("Phone", "300.00")
    better = f.product("Phone Pro", "360.00", in_category=f.category_of(phone))
    f.relation(phone, better, kind="upgrade")
    client = Client()
    client.post(reverse("cart:add"), {"product_id": phone.pk})
    page = client.get(reverse("cart:detail")).content.decode()
    fields = hidden_fields(page, "upcross-line-upgrade")
    assert fields["replacement_id"] == str(better.pk)
    client.post(reverse("cart:swap"), fields)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:checkout"), {"email": "ayu@example.com"})
    flush_events()
    stat = relation_stat("cart_upgrades", phone, better)
    # the swap earned what the order gained: 360 - 300, not the upgrade's full price
    assert (stat.adds, stat.purchases, stat.revenue) == (1, 1, Decimal("60.00"))


def test_forged_fields_cannot_credit_another_product_or_invent_widgets() -> None:
    assert parse_touch({"upcross_widget": "sidebar", "upcross_relation": "1:2"}, 2) is None
    assert parse_touch({}, 2) is None
    # the old clear-text form, or any unsigned value, credits nothing
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": "1:2"}, 2) is None
    token = relation_value(1, 2, "complements")
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": token}, 2) == \
        ("complements", "1", "2")
    # a genuine token for another product, or another widget, credits nothing
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": token}, 3) is None
    assert parse_touch({"upcross_widget": "upgrades", "upcross_relation": token}, 2) is None
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": altered}, 2) \
        is None


def test_an_expired_token_credits_nothing(settings: Any) -> None:
    import time

    token = relation_value(1, 2, "complements")
    settings.UPCROSS = {**settings.UPCROSS, "ATTRIBUTION_MAX_AGE": 0}
    time.sleep(1.1)
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": token}, 2) is None


def test_order_placed_twice_counts_once(django_capture_on_commit_callbacks: Any) -> None:
    from django.test import RequestFactory

    from upcross.analytics import order_placed

    request = RequestFactory().post("/")
    request.session = {SESSION_KEY: {"7": ["complements", "3"]}}  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        first = order_placed(request, 41, [(7, 1, "10.00"), (8, 2, "5.00")])
    request.session = {SESSION_KEY: {"7": ["complements", "3"]}}  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        again = order_placed(request, 41, [(7, 1, "10.00")])
    assert first is not None and again is None
    assert first.total == Decimal("20.00") and first.attributed_revenue == Decimal("10.00")
    flush_events()
    assert WidgetDailyStat.objects.get(widget="complements").purchases == 1
    with pytest.raises(ValueError, match="Not an order line"):
        order_placed(request, 42, [(7, "many", "10.00")])


def test_widget_impressions_count_on_cache_hits_too(settings: Any) -> None:
    from django.template import engines

    settings.UPCROSS = {**settings.UPCROSS, "CACHE_FRAGMENTS": True}
    phone, case, glass = f.product("Phone", 300), f.product("Case", 10), f.product("Glass", 5)
    f.relation(phone, case)
    f.relation(phone, glass, position=1)
    template = engines["django"].from_string("{% load upcross %}{% upcross_complements p %}")
    from django.test import RequestFactory

    for _ in range(3):
        request = RequestFactory().get("/")
        with CaptureQueriesContext(connection) as queries:
            html = template.render({"p": phone, "csrf_token": "t" * 32}, request)
        assert "upcross-complements" in html
    assert not [q for q in queries.captured_queries
                if not q["sql"].lstrip().upper().startswith("SELECT")]
    flush_events()
    assert WidgetDailyStat.objects.get(widget="complements").impressions == 3
    assert relation_stat("complements", phone, case).impressions == 3
    assert relation_stat("complements", phone, glass).impressions == 3


def test_held_out_requests_render_and_count_nothing() -> None:
    from django.template import engines
    from django.test import RequestFactory

    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    request = RequestFactory().get("/")
    request.upcross_disabled = True  # type: ignore[attr-defined]
    html = engines["django"].from_string("{% load upcross %}{% upcross_complements p %}").render(
        {"p": phone}, request)
    assert html.strip() == ""
    assert counters.store().peek() == {}


def test_the_events_endpoint_feeds_the_daily_rows_without_a_database_write() -> None:
    from tests.test_api_support import client_for, pk_json

    phone, case, glass = f.product("Phone", 300), f.product("Case", 10), f.product("Glass", 5)
    f.relation(phone, case, kind="upgrade")
    f.relation(phone, glass, kind="upgrade")
    body = {"widget": "upgrades", "event": "impression", "source": pk_json(phone),
            "products": [pk_json(case), pk_json(glass)]}
    with CaptureQueriesContext(connection) as queries:
        for _ in range(4):
            assert client_for().post(reverse("upcross_api:events"), body,
                                     format="json").status_code == 202
        client_for().post(reverse("upcross_api:events"),
                          {**body, "event": "click", "products": [pk_json(case)]}, format="json")
    writes = [q["sql"] for q in queries.captured_queries
              if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    flush_events()
    stat = relation_stat("upgrades", phone, case)
    assert (stat.impressions, stat.clicks) == (4, 1)
    assert WidgetDailyStat.objects.get(widget="upgrades").impressions == 4


def test_analytics_off_counts_and_records_nothing(settings: Any) -> None:
    from django.test import RequestFactory

    from upcross.analytics import order_placed, widget_add

    settings.UPCROSS = {**settings.UPCROSS, "ANALYTICS_ENABLED": False}
    request = RequestFactory().post("/", {"upcross_widget": "complements",
                                          "upcross_relation": "1:2"})
    request.session = {}  # type: ignore[attr-defined]
    assert widget_add(request, 2) is None and request.session == {}
    assert order_placed(request, 7, [(2, 1, "3.00")]) is None
    assert not OrderExposure.objects.exists() and counters.store().peek() == {}


def test_local_memory_fallback_counts_and_drains() -> None:
    store = counters.CacheCounters(LocMemCache("upcross-test-fallback", {}))
    assert store.exact is False
    store.increment({"a": 2, "b": 1})
    store.increment({"a": 3})
    assert store.peek() == {"a": 5, "b": 1}
    assert store.drain() == [("local", {"a": 5, "b": 1})]
    assert store.peek() == {} and store.drain() == []


def test_a_redis_outage_loses_counts_not_the_request(settings: Any) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ANALYTICS_REDIS_URL": "redis://127.0.0.1:1/0"}
    assert counters.increment({counters.Field(counters.today(), "complements", "", "",
                                              "impressions"): 1}) is False


def test_unreadable_fields_are_skipped_by_the_flush() -> None:
    store = counters.store()
    today = counters.today().isoformat()
    store.increment({"garbage": 1, f"{today}|complements|||impressions": 2,
                     "not-a-day|complements|||impressions": 5})
    result = flush_events()
    assert result.widget_rows == 1
    assert WidgetDailyStat.objects.get(widget="complements").impressions == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_and_flushes_lose_nothing() -> None:
    """8 threads x 400 increments of 3 fields, while a thread flushes in a loop."""
    assert isinstance(counters.store(), counters.RedisCounters)
    discard_counters()
    day = counters.today()
    threads, rounds = 8, 400
    fields = {counters.Field(day, "complements", "", "", "impressions"): 1,
              counters.Field(day, "complements", "1", "2", "impressions"): 1,
              counters.Field(day, "complements", "1", "2", "revenue"): 250}
    done = threading.Event()
    flushes = []

    def increment() -> None:
        for _ in range(rounds):
            assert counters.increment(fields)

    def flush() -> None:
        from django.db import connection as thread_connection

        try:
            while not done.is_set():
                flushes.append(flush_events().batches)
        finally:
            thread_connection.close()

    flusher = threading.Thread(target=flush)
    flusher.start()
    workers = [threading.Thread(target=increment) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    flusher.join()
    flush_events()
    total = threads * rounds
    assert sum(flushes) > 1  # flushes really ran between the increments
    widget = WidgetDailyStat.objects.get(day=day, widget="complements")
    relation = RelationDailyStat.objects.get(day=day, widget="complements", source="1",
                                             target="2")
    assert widget.impressions == total
    assert relation.impressions == total
    assert relation.revenue == Decimal(total * 250) / 100
    WidgetDailyStat.objects.all().delete()
    RelationDailyStat.objects.all().delete()


def test_the_flush_schedule_is_created_once(settings: Any) -> None:
    from django_celery_beat.models import PeriodicTask

    from upcross.schedule import FLUSH_TASK, FLUSH_TASK_NAME, ensure_flush_schedule

    task = ensure_flush_schedule()
    assert task is not None and task.task == FLUSH_TASK
    assert task.crontab.minute == "*/5"
    task.enabled = False
    task.save()
    assert ensure_flush_schedule().enabled is False  # an admin's edit survives
    assert PeriodicTask.objects.filter(name=FLUSH_TASK_NAME).count() == 1


def test_the_flush_task_returns_what_it_wrote() -> None:
    from upcross.tasks import flush_events as task

    counters.increment({counters.Field(counters.today(), "upgrades", "", "", "clicks"): 2})
    result = task.apply().get()
    assert result["batches"] == 1 and result["widget_rows"] == 1
    assert WidgetDailyStat.objects.get(widget="upgrades").clicks == 2
