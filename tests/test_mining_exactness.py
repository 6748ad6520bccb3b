"""Acceptance 1: pair statistics equal an independent brute-force count.

The brute force walks every basket with ``itertools.combinations`` in plain
Python; mining uses numpy. Support, confidence and lift must agree to 1e-9
relative, ``pair_count`` exactly.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from upcross.mining import (
    GUEST,
    CoCounts,
    RuleParams,
    build_baskets,
    complement_rules,
    count_baskets,
    merge_counts,
)
from upcross.mining.counting import WEIGHT_SCALE
from upcross.mining.synthetic import generate

GROCERIES = Path(__file__).parent / "data" / "groceries.csv"
REL = 1e-9


def groceries_lines() -> tuple[np.ndarray, np.ndarray]:
    orders, products = [], []
    with GROCERIES.open(newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            for item in row:
                if item:
                    orders.append(number)
                    products.append(item)
    product_array = np.empty(len(products), dtype=object)
    product_array[:] = products
    return np.asarray(orders), product_array


def brute_force_rules(orders, products, min_pair_count: int, weights=None):
    """Rules {(a, b): (count, support, confidence, lift)} from first principles."""
    baskets: dict = {}
    for order, product in zip(orders, products, strict=True):
        baskets.setdefault(order, set()).add(product)
    weight = weights or dict.fromkeys(baskets, 1.0)
    item_w, pair_w, pair_n = Counter(), Counter(), Counter()
    for order, basket in baskets.items():
        for item in basket:
            item_w[item] += weight[order]
        for a, b in itertools.combinations(sorted(basket), 2):
            pair_w[(a, b)] += weight[order]
            pair_n[(a, b)] += 1
    total = sum(weight.values())
    rules = {}
    for (a, b), n in pair_n.items():
        if n < min_pair_count:
            continue
        for source, target in ((a, b), (b, a)):
            together = pair_w[(a, b)]
            confidence = together / item_w[source]
            rules[(source, target)] = (
                n, together / total, confidence, confidence / (item_w[target] / total)
            )
    return rules


def mined_rules(counts: CoCounts, min_pair_count: int):
    rules = complement_rules(counts, RuleParams(min_pair_count=min_pair_count))
    return {(s, t): (n, sup, conf, lift) for s, t, n, sup, conf, lift, _score in rules.rows()}


def assert_same_rules(mined, expected, rel=REL) -> None:
    assert mined.keys() == expected.keys()
    for key, (n, support, confidence, lift) in expected.items():
        got = mined[key]
        assert got[0] == n, key
        assert math.isclose(got[1], support, rel_tol=rel), key
        assert math.isclose(got[2], confidence, rel_tol=rel), key
        assert math.isclose(got[3], lift, rel_tol=rel), key


def test_groceries_known_figures() -> None:
    orders, products = groceries_lines()
    counts = count_baskets(build_baskets(orders, products))
    assert counts.n_orders == 9_835
    assert counts.n_products == 169
    assert int(counts.item_count.sum()) == 43_367
    assert int((counts.pair_count >= 5).sum()) == 4_782
    assert len(mined_rules(counts, 5)) == 9_564


def test_groceries_equals_brute_force() -> None:
    orders, products = groceries_lines()
    counts = count_baskets(build_baskets(orders, products))
    expected = brute_force_rules(orders.tolist(), products.tolist(), 5)
    assert len(expected) == 9_564
    assert_same_rules(mined_rules(counts, 5), expected)


@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_equals_brute_force(seed: int) -> None:
    shop = generate(4_000, 300, seed=seed)
    # Duplicate some lines: an order is a basket of *distinct* products.
    order = np.concatenate([shop.order, shop.order[::7]])
    product = np.concatenate([shop.product, shop.product[::7]])
    counts = count_baskets(build_baskets(order, product))
    expected = brute_force_rules(order.tolist(), product.tolist(), 2)
    assert len(expected) > 1_000
    assert_same_rules(mined_rules(counts, 2), expected)


def test_recency_weighted_statistics_match_brute_force() -> None:
    shop = generate(3_000, 200, seed=3)
    now, half_life = float(shop.time.max()), 90.0
    counts = count_baskets(build_baskets(shop.order, shop.product, times=shop.time),
                           now=now, half_life_days=half_life)
    order_time = dict(zip(shop.order.tolist(), shop.time.tolist(), strict=True))
    weights = {o: 0.5 ** (max(now - t, 0) / 86_400 / half_life) for o, t in order_time.items()}
    expected = brute_force_rules(shop.order.tolist(), shop.product.tolist(), 3, weights)
    # Weights are fixed point (2**-20): agreement to a few parts per million.
    assert_same_rules(mined_rules(counts, 3), expected, rel=50 / WEIGHT_SCALE)
    # pair_count stays the integer count of orders.
    plain = mined_rules(count_baskets(build_baskets(shop.order, shop.product)), 3)
    assert {k: v[0] for k, v in mined_rules(counts, 3).items()} == {
        k: v[0] for k, v in plain.items()
    }


@pytest.mark.parametrize("half_life", [None, 30.0])
def test_partition_merge_is_exact(half_life: float | None) -> None:
    shop = generate(6_000, 400, seed=5)
    customer = np.where(shop.customer < 0, GUEST, shop.customer)
    now = float(shop.time.max())

    def counts_of(mask: np.ndarray) -> CoCounts:
        baskets = build_baskets(shop.order[mask], shop.product[mask], customer[mask],
                                shop.time[mask])
        return count_baskets(baskets, now=now, half_life_days=half_life)

    whole = counts_of(np.ones(len(shop.order), bool))
    cuts = np.quantile(shop.order, [0.25, 0.5, 0.75]).astype(int)
    ranges = np.digitize(shop.order, cuts)
    parts = [counts_of(ranges == k) for k in range(4)]
    # Partitions travel between Celery tasks as bytes.
    merged = merge_counts([CoCounts.from_bytes(p.to_bytes()) for p in parts])
    for name in ("product_ids", "item_count", "pair_key", "pair_count", "customer_ids",
                 "hist_customer", "hist_product", "hist_first", "hist_last"):
        assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
    if half_life:
        assert np.array_equal(merged.pair_weight, whole.pair_weight)
        assert merged.total_weight == whole.total_weight
    assert merged.n_orders == whole.n_orders and merged.lines == whole.lines
    a = complement_rules(merged, RuleParams(min_pair_count=3, max_per_product=10)).rows()
    b = complement_rules(whole, RuleParams(min_pair_count=3, max_per_product=10)).rows()
    assert a == b


def test_empty_input() -> None:
    counts = count_baskets(build_baskets(np.empty(0, np.int64), np.empty(0, np.int64)))
    assert counts.n_orders == 0
    assert len(complement_rules(counts, RuleParams())) == 0
