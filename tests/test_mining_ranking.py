"""Thresholds, the documented score, the per-product cap and variant folding."""

from __future__ import annotations

import numpy as np

from upcross.mining import RuleParams, build_baskets, complement_rules, count_baskets


def baskets_from(orders: list[list[str]]):
    order = [i for i, basket in enumerate(orders) for _ in basket]
    product = np.empty(sum(len(b) for b in orders), dtype=object)
    product[:] = [item for basket in orders for item in basket]
    return build_baskets(np.asarray(order), product)


def test_rare_pair_does_not_outrank_a_pair_seen_in_400_orders() -> None:
    """2 orders of two products sold 3 times each vs. 400 of two sold 1,000 times."""
    orders: list[list[str]] = []
    orders += [["rare-a", "rare-b"]] * 2 + [["rare-a"], ["rare-b"]]
    orders += [["bread", "butter"]] * 400 + [["bread"]] * 600 + [["butter"]] * 600
    orders += [["filler"]] * 8_398
    counts = count_baskets(baskets_from(orders))
    rules = complement_rules(counts, RuleParams(min_pair_count=2))
    by_pair = {(s, t): (n, lift, score) for s, t, n, _sup, _conf, lift, score in rules.rows()}
    rare, common = by_pair[("rare-a", "rare-b")], by_pair[("bread", "butter")]
    assert rare[0] == 2 and common[0] == 400
    assert rare[1] > 100 * common[1]  # raw lift would put the noise far ahead...
    assert common[2] > rare[2]  # ...the score does not
    assert common[2] > 2 * rare[2]
    # Globally, the noise is not in the top of the ranking either.
    ranked = sorted(by_pair, key=lambda pair: -by_pair[pair][2])
    assert set(ranked[:2]) == {("bread", "butter"), ("butter", "bread")}


def test_thresholds_filter_rules() -> None:
    orders = [["a", "b"]] * 6 + [["a", "c"]] * 4 + [["a"]] * 10 + [["b"]] * 2 + [["c"]] * 80
    counts = count_baskets(baskets_from(orders))
    pairs = {(s, t) for s, t, *_ in complement_rules(
        counts, RuleParams(min_pair_count=5)).rows()}
    assert pairs == {("a", "b"), ("b", "a")}
    # c is in most orders: a → c has lift below 1 and is dropped by min_lift=1.
    low = complement_rules(counts, RuleParams(min_pair_count=1, min_lift=1.0)).rows()
    assert ("a", "c") not in {(s, t) for s, t, *_ in low}
    strict = complement_rules(counts, RuleParams(min_pair_count=1, min_confidence=0.5)).rows()
    assert {(s, t) for s, t, *_ in strict} == {("b", "a")}  # 6/8; a → b is 6/20


def test_cap_keeps_the_best_per_source() -> None:
    orders = []
    for k, n in enumerate([50, 40, 30, 20, 10]):
        orders += [["hub", f"t{k}"]] * n
    orders += [["other"]] * 200
    counts = count_baskets(baskets_from(orders))
    rules = complement_rules(counts, RuleParams(min_pair_count=5, max_per_product=3))
    hub = [t for s, t, *_ in rules.rows() if s == "hub"]
    assert hub == ["t0", "t1", "t2"]
    assert all(len([1 for s, *_ in rules.rows() if s == f"t{k}"]) == 1 for k in range(5))


def test_variants_fold_into_their_parent() -> None:
    order = np.asarray([0, 0, 1, 1, 2, 2])
    product = np.asarray([10, 21, 10, 22, 11, 21])  # 21, 22 are variants of 20
    baskets = build_baskets(order, product, product_parent={21: 20, 22: 20})
    counts = count_baskets(baskets)
    assert counts.product_ids.tolist() == [10, 11, 20]
    rules = {(s, t): n for s, t, n, *_ in complement_rules(
        counts, RuleParams(min_pair_count=1)).rows()}
    assert rules[(10, 20)] == 2 and rules[(11, 20)] == 1


def test_score_orders_rules_within_a_source() -> None:
    orders = [["a", "b"]] * 30 + [["a", "c"]] * 10 + [["a"]] * 60 + [["x"]] * 400
    counts = count_baskets(baskets_from(orders))
    rules = complement_rules(counts, RuleParams(min_pair_count=5)).rows()
    from_a = [t for s, t, *_ in rules if s == "a"]
    assert from_a == ["b", "c"]
