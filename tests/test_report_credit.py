"""The report credits what was paid: after bundle discounts, and a swap only with the
price difference; it labels widgets in words, formats money like the shop and keeps
its charts readable."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.admin_support import make_merchandiser
from upcross.analytics import order_placed as record_order
from upcross.analytics import widget_add
from upcross.analytics.attribution import relation_value
from upcross.analytics.flush import flush_events
from upcross.models import OrderExposure, WidgetDailyStat
from upcross.pricing import BundleDiscount, CartPricing, PricedLine

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]
REPORT = "admin:upcross_widgetdailystat_changelist"


def added_from(widget: str, source: Any, product: Any, replaced: Any = None) -> Any:
    request = RequestFactory().post("/", {"upcross_widget": widget,
                                          "upcross_relation": relation_value(source, product,
                                                                             widget)})
    request.session = {}  # type: ignore[attr-defined]
    assert widget_add(request, product, replaced=replaced) is not None
    return request


def order_placed(*args: Any, **kwargs: Any) -> None:
    """The hook, with its on-commit counting run (the test's transaction never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_order(*args, **kwargs)


def revenue(widget: str) -> Decimal:
    flush_events()
    return sum(WidgetDailyStat.objects.filter(widget=widget).values_list("revenue", flat=True),
               Decimal(0))


def test_paid_per_line_shares_a_bundle_discount_by_list_price() -> None:
    a, b, c = f.product("A", "300"), f.product("B", "100"), f.product("C", "50")
    pricing = CartPricing(
        lines=(PricedLine(a, 1, Decimal(300)), PricedLine(b, 1, Decimal(100)),
               PricedLine(c, 2, Decimal(50))),
        subtotal=Decimal(500),
        discounts=(BundleDiscount("k", "AB", (a, b), 1, Decimal("0.1"), Decimal(40)),))
    paid = pricing.paid_per_line()
    assert paid == {a.pk: Decimal(270), b.pk: Decimal(90), c.pk: Decimal(100)}
    assert sum(paid.values()) == pricing.total


def test_a_widget_is_credited_the_paid_line_not_the_list_price() -> None:
    phone, case = f.product("Phone", "300"), f.product("Case", "100")
    request = added_from("complements", phone, case)
    order_placed(request, "o-paid", [(phone, 1, "300", "270"), (case, 1, "100", "90")],
                 total="360")
    assert revenue("complements") == Decimal(90)
    assert OrderExposure.objects.get(order_id="o-paid").attributed_revenue == Decimal(90)


def test_without_paid_lines_the_order_discount_is_shared_by_list_value() -> None:
    phone, case = f.product("Phone", "300"), f.product("Case", "100")
    request = added_from("complements", phone, case)
    order_placed(request, "o-share", [(phone, 1, "300"), (case, 1, "100")], total="360")
    assert revenue("complements") == Decimal(90)  # 100 x 360/400


def test_shipping_above_the_lines_is_not_credited() -> None:
    phone, case = f.product("Phone", "300"), f.product("Case", "100")
    request = added_from("complements", phone, case)
    order_placed(request, "o-ship", [(phone, 1, "300"), (case, 1, "100")], total="425")
    assert revenue("complements") == Decimal(100)


def test_a_cart_upgrade_swap_is_credited_with_the_price_difference() -> None:
    phone, pro = f.product("Phone", "300"), f.product("Phone Pro", "420")
    request = added_from("cart_upgrades", phone, pro, replaced=phone)
    order_placed(request, "o-swap", [(pro, 2, "420")])
    assert revenue("cart_upgrades") == Decimal(240)  # 2 x (420 - 300)


def test_an_upgrade_added_without_a_swap_is_credited_in_full() -> None:
    phone, pro = f.product("Phone", "300"), f.product("Phone Pro", "420")
    request = added_from("upgrades", phone, pro)
    order_placed(request, "o-full", [(pro, 1, "420")])
    assert revenue("upgrades") == Decimal(420)


def report_page(days: int = 3, widgets: tuple[str, ...] = ("order_complements",)) -> str:
    today = timezone.now().date()
    for back in range(days):
        day = today - datetime.timedelta(days=back)
        for widget in widgets:
            WidgetDailyStat.objects.create(day=day, widget=widget, impressions=100, clicks=9,
                                           adds=4, purchases=2, orders=2,
                                           revenue=Decimal("1234567"))
        for group, total in (("exposed", "450000"), ("holdout", "400000")):
            OrderExposure.objects.create(
                order_id=f"{group}-{back}", group=group, total=Decimal(total), items=2,
                placed_at=timezone.now() - datetime.timedelta(days=back))
    make_merchandiser()
    client = Client()
    assert client.login(username="merch", password="pw-merch-1")
    return client.get(reverse(REPORT)).content.decode()


def test_the_report_labels_widgets_in_words_and_shows_money_like_the_shop() -> None:
    html = report_page(widgets=("order_complements", "best_sellers"))
    assert "Thank-you page: complete your set" in html
    assert "Showcase: Best sellers" in html
    expected = f.render_tags("{{ value|upcross_price }}", value=Decimal("3703701"))
    assert expected and expected in html  # the 3-day total, through the price partial


def test_few_days_draw_dots_and_labels_fit() -> None:
    from upcross.admin.report import CHAR_WIDTH, aov_chart, revenue_chart
    from upcross.analytics.report import Row

    html = report_page(days=3)
    assert "<circle" in html and "<polyline" not in html
    long_row = Row(widget="order_complements", revenue=Decimal("987654321"))
    chart = revenue_chart([long_row])
    assert chart["label_width"] >= CHAR_WIDTH * len(long_row.label)
    assert chart["width"] - chart["label_width"] - chart["bar_width"] >= CHAR_WIDTH * len(
        chart["bars"][0]["value"])
    start = timezone.now().date() - datetime.timedelta(days=29)
    series = [{"day": start + datetime.timedelta(days=i), "exposed": 12_345_678.0,
               "holdout": None} for i in range(30)]
    month = aov_chart(series, start, start + datetime.timedelta(days=29))
    assert month["lines"]["exposed"] and month["left"] >= CHAR_WIDTH * max(
        len(tick["label"]) for tick in month["ticks"])
