"""``manage.py seed_demo``: an idempotent catalog and an order history with true stories."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from demo_shop.catalog.demo_data import (
    COMPLEMENT_STORIES,
    NOT_UPGRADES,
    PRODUCT_LINES,
    PRODUCTS,
    UPGRADE_PATHS,
    true_upgrades,
)
from demo_shop.catalog.models import Category, Product
from demo_shop.catalog.seeding import OrderHistory
from demo_shop.orders.models import Order, OrderLine
from upcross.adapters import get_adapter

pytestmark = [pytest.mark.shop("demo"), pytest.mark.django_db]


def _counts() -> dict[str, int]:
    return {
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "users": get_user_model().objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker) -> Iterator[float]:  # type: ignore[no-untyped-def]
    """Seed once for the module (a few seconds), clean up after it."""
    with django_db_blocker.unblock():
        started = time.monotonic()
        call_command("seed_demo", stdout=StringIO())
        elapsed = time.monotonic() - started
        yield elapsed
        from upcross.models import OrderExposure, RelationDailyStat, WidgetDailyStat

        for model in (WidgetDailyStat, RelationDailyStat, OrderExposure):
            model.objects.all().delete()
        OrderLine.objects.all().delete()
        Order.objects.all().delete()
        Product.objects.all().delete()
        Category.objects.all().delete()
        get_user_model().objects.filter(username__startswith="customer").delete()


def test_seeding_is_fast(seeded: float) -> None:
    assert seeded < 15


def test_seeding_twice_creates_nothing_new(seeded: float) -> None:
    before = _counts()
    assert before["products"] == len(PRODUCTS)
    assert before["orders"] >= 3000 and before["lines"] > before["orders"]
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == before
    assert "0 products created" in out.getvalue()
    assert "history left as it is" in out.getvalue()


def test_if_empty_leaves_an_existing_catalog_alone(seeded: float) -> None:
    Product.objects.filter(sku="NOVAX-64").update(price=1)
    before = _counts()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "nothing to seed" in out.getvalue()
    assert _counts() == before
    assert Product.objects.get(sku="NOVAX-64").price == 1
    call_command("seed_demo", stdout=StringIO())  # without the flag it restores the catalog
    assert Product.objects.get(sku="NOVAX-64").price == 3_999_000


@pytest.mark.parametrize(("story", "sources", "complements"), COMPLEMENT_STORIES,
                         ids=[story for story, _s, _c in COMPLEMENT_STORIES])
def test_each_story_pair_is_in_at_least_50_paid_orders(
    seeded: float, story: str, sources: tuple[str, ...], complements: tuple[str, ...]
) -> None:
    together = (
        Order.objects.filter(status=Order.Status.PAID)
        .filter(lines__product__sku__in=sources)
        .filter(lines__product__sku__in=complements)
        .distinct()
        .count()
    )
    assert together >= 50, story


@pytest.mark.parametrize(("source", "target"), [
    ("NOVAX-64", "CASE-NOVAX-CLEAR"), ("NOVAX-128", "GLASS-NOVAX"),
    ("SHOE-STRIDE2", "SOCKS-RUN"), ("MOIST-50", "TONER"),
])
def test_planted_pairs_beat_chance(seeded: float, source: str, target: str) -> None:
    """Lift > 1.5 on paid orders: the complement is really bought *with* the source."""
    paid = Order.objects.filter(status=Order.Status.PAID)
    total = paid.count()
    with_source = paid.filter(lines__product__sku=source)
    n_source = with_source.count()
    n_target = paid.filter(lines__product__sku=target).count()
    n_both = with_source.filter(lines__product__sku=target).count()
    assert (n_both / n_source) / (n_target / total) > 1.5


def test_guests_and_repeat_customers(seeded: float) -> None:
    total = Order.objects.count()
    guests = Order.objects.filter(customer=None).count()
    assert 0.15 * total < guests < 0.5 * total
    per_customer = list(Order.objects.exclude(customer=None).values("customer")
                        .annotate(n=Count("id")).values_list("n", flat=True))
    assert len(per_customer) >= 200  # a few hundred registered customers
    assert sum(1 for n in per_customer if n > 1) >= 150
    assert max(per_customer) < 100  # loyal, not absurd


def test_cancelled_and_pending_orders_exist_and_mining_skips_them(seeded: float) -> None:
    statuses = dict(Order.objects.values_list("status").annotate(n=Count("id")))
    assert statuses[Order.Status.CANCELLED] >= 50
    assert statuses[Order.Status.PENDING] >= 10
    mined = get_adapter().order_lines()
    assert mined.count() == OrderLine.objects.filter(order__status=Order.Status.PAID).count()
    assert not mined.exclude(order__status=Order.Status.PAID).exists()


def test_history_spans_the_past_year(seeded: float) -> None:
    span = Order.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    now = timezone.now()
    assert span["first"] < now - timedelta(days=330)
    assert now - timedelta(days=7) < span["last"] <= now
    months = {(when.year, when.month) for when in Order.objects.values_list("created_at",
                                                                              flat=True)}
    assert len(months) >= 12


@pytest.mark.parametrize(("small", "large"), [("NOVAX-64", "NOVAX-128"),
                                              ("MOIST-50", "MOIST-100")])
def test_customers_come_back_for_the_upgrade(seeded: float, small: str, large: str) -> None:
    """Registered customers who bought the small one later bought the large one."""
    paid = OrderLine.objects.filter(order__status=Order.Status.PAID,
                                    order__customer__isnull=False)
    first_small = dict(paid.filter(product__sku=small).values_list("order__customer")
                       .annotate(at=Min("order__created_at")))
    last_large = dict(paid.filter(product__sku=large).values_list("order__customer")
                      .annotate(at=Max("order__created_at")))
    upgraded = [customer for customer, at in first_small.items()
                if customer in last_large and last_large[customer] > at]
    assert len(upgraded) >= 20


def test_upgrade_tiers_cost_15_to_40_percent_more() -> None:
    prices = {spec.sku: spec.price for spec in PRODUCTS}
    for small, large in UPGRADE_PATHS.items():
        assert 1.15 <= prices[large] / prices[small] <= 1.40, (small, large)


def test_the_labelled_upgrades_are_pricier_members_of_one_line() -> None:
    """The truth of ``bench/upgrade_check.py``: each line one category, tiers by price;
    every upgrade path customers follow is a true upgrade, the wrong ones are not."""
    specs = {spec.sku: spec for spec in PRODUCTS}
    for line, skus in PRODUCT_LINES.items():
        assert len({specs[sku].category for sku in skus}) == 1, line
        prices = [specs[sku].price for sku in skus]
        assert prices == sorted(prices) and len(set(prices)) == len(prices), line
    truth = true_upgrades()
    assert len(truth) == sum(len(s) * (len(s) - 1) // 2 for s in PRODUCT_LINES.values())
    assert set(UPGRADE_PATHS.items()) <= truth
    assert ("NOVAX-64", "NOVAX-256") in truth and ("NOVAX-256", "NOVAX-64") not in truth
    assert not set(NOT_UPGRADES) & truth
    assert {sku for pair in NOT_UPGRADES for sku in pair} <= set(specs)


def test_the_history_is_deterministic_for_a_seed() -> None:
    def baskets(seed: int) -> list[tuple[int | None, dict[str, int]]]:
        history = OrderHistory(random.Random(seed), customer_count=50)
        result = []
        for _ in range(300):
            customer = history.customer()
            basket = history.basket(customer)
            history.remember(customer, basket)
            result.append((customer, basket))
        return result

    assert baskets(7) == baskets(7)
    assert baskets(7) != baskets(8)


def test_thirty_days_of_visits_give_the_report_a_funnel_and_a_holdout_interval(
        seeded: float) -> None:
    from upcross.analytics.report import holdout_comparison, widget_rows
    from upcross.models import CoViewDailyStat, ProductViewDailyStat

    end = timezone.now().date()
    start = end - timedelta(days=29)
    rows = {row.widget: row for row in widget_rows(start, end)}
    assert set(rows) == {"complements", "upgrades", "cart_complements", "cart_upgrades"}
    for row in rows.values():
        assert row.impressions > row.clicks > 0
        assert row.clicks >= row.adds >= row.purchases
    assert rows["complements"].purchases > 0 and rows["complements"].revenue > 0
    comparison = holdout_comparison(start, end)
    assert comparison.holdout.orders > 5 and comparison.exposed.orders > 8 * 5
    assert comparison.aov.low is not None and comparison.aov.high is not None
    paid = Order.objects.filter(status="paid",
                                created_at__gte=timezone.now() - timedelta(days=30)).count()
    from upcross.models import OrderExposure

    assert OrderExposure.objects.count() == paid  # each paid order of the window, once
    assert ProductViewDailyStat.objects.filter(day__gte=start).count() > 30
    small, big = (Product.objects.get(sku=sku) for sku in ("NOVAX-64", "NOVAX-128"))
    assert CoViewDailyStat.objects.filter(product=small, other=big).exists()
