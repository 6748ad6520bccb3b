"""Co-views as substitute evidence: pure mining, and the recompute reading the daily rows."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from tests import factories
from tests.upcross_overrides import with_upcross
from upcross import recompute as recomputing
from upcross.mining import GUEST, Catalog, CoViews, UpgradeParams, build_baskets, count_baskets
from upcross.mining import upgrade_rules as mine_upgrades
from upcross.mining.coviews import MIN_SESSIONS
from upcross.models import CoViewDailyStat, ProductRelation, ProductViewDailyStat

#: code: (price, category). 0 and 1 are two versions of one phone, 2 a phone of another
#: line; 3 a case. Nothing but co-views says 0 and 1 are substitutes.
PRODUCTS = {0: (100.0, 0), 1: (125.0, 0), 2: (120.0, 0), 3: (10.0, 1)}


def counts_of(baskets: list[list[int]]) -> Any:
    order, product = [], []
    for index, items in enumerate(baskets):
        order += [index] * len(items)
        product += items
    n = len(order)
    return count_baskets(build_baskets(np.asarray(order), np.asarray(product),
                                       np.full(n, GUEST), np.arange(1000, 1000 + n)))


def upgrades(coviews: CoViews | None, **params: Any) -> set[tuple[int, int]]:
    # Each phone bought alone, the case alone: no shared co-purchase neighbourhood.
    counts = counts_of([[0]] * 10 + [[1]] * 8 + [[2]] * 9 + [[3]] * 5)
    ids = counts.product_ids.tolist()
    catalog = Catalog(np.asarray([PRODUCTS[p][0] for p in ids]), np.arange(len(ids)),
                      np.asarray([PRODUCTS[p][1] for p in ids]))
    rules = mine_upgrades(counts, catalog, UpgradeParams(**params), coviews=coviews)
    return {(ids[s], ids[t]) for s, t, *_rest in rules.rows()}


def coviews(sessions: int, views: int = 10) -> CoViews:
    code_of = {product: product for product in PRODUCTS}
    return CoViews.of(code_of, [(p, views) for p in PRODUCTS],
                      [(0, 1, sessions), (1, 0, sessions), (0, 2, 1)])


def test_coview_similarity_is_sessions_over_the_views_and_needs_a_few_sessions() -> None:
    found = coviews(5)
    a, b = np.asarray([0, 1, 0, 0]), np.asarray([1, 0, 2, 3])
    assert found.sessions_of(a, b).tolist() == [5, 5, 1, 0]
    assert found.similarity(a, b).tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert coviews(MIN_SESSIONS - 1).similarity(a[:1], b[:1]).tolist() == [0.0]
    assert CoViews.empty(4).similarity(a, b).tolist() == [0, 0, 0, 0]


def test_viewed_together_makes_the_pricier_version_an_upgrade() -> None:
    assert upgrades(None) == set()
    assert upgrades(coviews(0)) == set()
    assert upgrades(coviews(5)) == {(0, 1)}  # not 1 -> 0 (cheaper), not 0 -> 2 (one session)
    assert upgrades(coviews(5), min_coview=0.6) == set()
    assert upgrades(coviews(5), min_coview=None) == set()


def test_coviews_do_not_excuse_products_bought_together() -> None:
    counts = counts_of([[0, 1]] * 10 + [[3]] * 5)
    ids = counts.product_ids.tolist()
    catalog = Catalog(np.asarray([PRODUCTS[p][0] for p in ids]), np.arange(len(ids)),
                      np.asarray([PRODUCTS[p][1] for p in ids]))
    found = CoViews.of({p: code for code, p in enumerate(ids)}, [(0, 10), (1, 10)],
                       [(0, 1, 9)])
    assert mine_upgrades(counts, catalog, UpgradeParams(), coviews=found).rows() == []


@pytest.mark.django_db
def test_the_recompute_reads_the_window_of_co_views() -> None:
    shelf = factories.category("Phones")
    small = factories.product("Nova X 128 GB", "100.00", in_category=shelf)
    big = factories.product("Nova X 256 GB", "125.00", in_category=shelf)
    other = factories.product("Trail Hawk", "120.00", in_category=shelf)
    for product, n in ((small, 6), (big, 5), (other, 5)):
        for _ in range(n):
            factories.order([product])
    today = timezone.now().date()
    for product in (small, big, other):
        ProductViewDailyStat.objects.create(day=today, product=product, views=12)
    for first, second in ((small, big), (big, small)):
        CoViewDailyStat.objects.create(day=today, product=first, other=second, sessions=6)
    # Long ago (outside a 30-day window): small and the other phone.
    old = today - datetime.timedelta(days=90)
    for first, second in ((small, other), (other, small)):
        CoViewDailyStat.objects.create(day=old, product=first, other=second, sessions=40)
    ProductViewDailyStat.objects.create(day=old, product=other, views=40)

    def mined() -> set[tuple[Any, Any]]:
        return set(ProductRelation.objects.filter(kind="upgrade", origin="mined")
                   .values_list("source", "target"))

    settings = with_upcross(LOOKBACK_DAYS=30, UPGRADE_MIN_NAME_SIMILARITY=0.0)
    with override_settings(UPCROSS=settings):
        assert recomputing.recompute("upgrades").status == "succeeded"
    assert mined() == {(small.pk, big.pk)}
    with override_settings(UPCROSS={**settings, "LOOKBACK_DAYS": None}):
        recomputing.recompute("upgrades", force=True)
    assert mined() == {(small.pk, big.pk), (small.pk, other.pk)}
    with override_settings(UPCROSS={**settings, "UPGRADE_MIN_COVIEW": None}):
        recomputing.recompute("upgrades", force=True)
    assert mined() == set()
