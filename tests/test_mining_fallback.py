"""``upcross.mining.fallback``: category-level co-purchase and best sellers, in codes."""

from __future__ import annotations

import numpy as np
import pytest

from upcross.mining.fallback import (
    BEST_SELLER,
    CATALOGUE,
    CATEGORY,
    FallbackParams,
    Memberships,
    Pick,
    category_picks,
    product_fallback,
)

# Products 0-1: phones (category 0); 2-3: cases (1); 4: charger (2); 5: sock (3), also in
# category 1 (a product may have several categories).
MEMBERS = Memberships.of(np.array([0, 1, 2, 3, 4, 5, 5]), np.array([0, 0, 1, 1, 2, 3, 1]), 6)


def picks_of(picks: list[Pick], category: int, origin: str) -> list[int]:
    return [p.product for p in sorted(picks, key=lambda p: p.rank)
            if p.category == category and p.origin == origin]


def run(available: list[bool] | None = None, **params: float) -> list[Pick]:
    # Orders: 4x phone0+case2, 2x phone1+charger4, 1x case3+phone0, 6x charger alone,
    # 1x sock alone; 14 orders.
    item_count = np.array([5, 2, 4, 1, 8, 1])
    pair_a, pair_b = np.array([0, 1, 0]), np.array([2, 4, 3])
    pair_count = np.array([4, 2, 1])
    mask = np.array(available if available is not None else [True] * 6)
    return category_picks(14, item_count, pair_a, pair_b, pair_count, MEMBERS, 4, mask,
                          FallbackParams(per_category=3, **params))


def test_memberships_expand_every_category_of_each_product() -> None:
    index, category = MEMBERS.expand(np.array([5, 0]))
    assert sorted(zip(index.tolist(), category.tolist(), strict=True)) == [(0, 1), (0, 3),
                                                                           (1, 0)]
    assert MEMBERS.of_product(5).tolist() == [1, 3]


def test_category_picks_are_products_bought_with_the_category_above_chance() -> None:
    picks = run()
    # Phones: case 2 (4 orders with phones, lift 14*4/(7*4) = 2) and case 3 (lift 2);
    # the charger sells mostly alone: lift 14*2/(7*8) = 0.5, not a category pick.
    assert picks_of(picks, 0, CATEGORY) == [2, 3]
    first = next(p for p in picks if p.category == 0 and p.product == 2)
    assert (first.pair_count, first.orders) == (4, 4)
    assert abs(first.lift - 2.0) < 1e-9 and abs(first.confidence - 4 / 7) < 1e-9
    # Nothing of a category is its own category pick.
    assert all(p.product not in (0, 1) for p in picks if p.category == 0)


def test_min_lift_zero_lets_the_charger_in() -> None:
    assert picks_of(run(min_lift=0.0), 0, CATEGORY) == [2, 4, 3]  # by orders together


def test_best_sellers_of_related_categories_then_the_catalogue() -> None:
    picks = run()
    # Cases are bought with phones: the phones' best sellers are the cases' category's
    # best sellers not already category picks (sock 5 is in category 1 too).
    assert picks_of(picks, 0, BEST_SELLER) == [5]
    assert picks_of(picks, CATALOGUE, BEST_SELLER) == [4, 0, 2, 1, 3, 5]  # ties: by code
    via = [p.via for p in picks if p.category == 0 and p.origin == BEST_SELLER]
    assert via == [1]


def test_unavailable_products_are_never_picked() -> None:
    picks = run(available=[True, True, False, True, False, True])
    assert 2 not in {p.product for p in picks} and 4 not in {p.product for p in picks}


def test_no_orders_no_picks() -> None:
    assert category_picks(0, np.zeros(6, np.int64), np.array([], np.int64),
                          np.array([], np.int64), np.array([], np.int64), MEMBERS, 4,
                          np.ones(6, bool)) == []


def test_product_fallback_chains_steps_and_skips_excluded_and_same_category() -> None:
    picks = run()
    by_category: dict[int, list[Pick]] = {}
    for pick in sorted(picks, key=lambda p: (p.origin != CATEGORY, p.rank)):
        by_category.setdefault(pick.category, []).append(pick)
    categories_of = {i: frozenset(MEMBERS.of_product(i).tolist()) for i in range(6)}
    chosen = product_fallback([0], by_category, {0, 3}, 10, categories_of)
    # Case 3 excluded; then best seller 5; then the catalogue's charger (phone 0 is the
    # product's own category, case 2 already chosen).
    assert [(p.product, p.origin) for p in chosen] == [(2, CATEGORY), (5, BEST_SELLER),
                                                        (4, BEST_SELLER)]
    assert len(product_fallback([0], by_category, {0}, 2, categories_of)) == 2
    # Chargers are bought with phone 1: that first, then the phones' best seller.
    charger = product_fallback([2], by_category, {4}, 2, categories_of)
    assert [(p.product, p.origin) for p in charger] == [(1, CATEGORY), (0, BEST_SELLER)]
    # A category nobody buys with (3: the sock's): the catalogue's best sellers.
    lonely = product_fallback([3], by_category, {5}, 3, categories_of)
    assert [(p.product, p.origin) for p in lonely] == [(4, BEST_SELLER), (0, BEST_SELLER),
                                                       (2, BEST_SELLER)]


def test_sparse_and_dense_sums_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big catalogues sum n(C, d) by sorting instead of one dense array: same picks."""
    import upcross.mining.fallback as module

    dense = run(min_lift=0.0)
    monkeypatch.setattr(module, "DENSE_CELLS", 0)
    assert run(min_lift=0.0) == dense


def test_expand_with_one_category_each_and_with_none() -> None:
    single = Memberships.of(np.array([0, 1, 2]), np.array([2, 0, 1]), 3)
    index, category = single.expand(np.array([2, 2, 0]))
    assert index.tolist() == [0, 1, 2] and category.tolist() == [1, 1, 2]
    gaps = Memberships.of(np.array([0, 0, 2]), np.array([1, 0, 1]), 3)  # 1 has none
    index, category = gaps.expand(np.array([1, 0, 2]))
    assert list(zip(index.tolist(), category.tolist(), strict=True)) == [(1, 0), (1, 1),
                                                                         (2, 1)]
