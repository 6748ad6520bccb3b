"""Thresholds, the documented scores (rule score, item model), the per-product cap and
variant folding."""

from __future__ import annotations

import numpy as np
import pytest

from upcross.mining import (
    ITEM_MODEL,
    RULE_SCORE,
    ItemModelParams,
    RuleParams,
    build_baskets,
    complement_rules,
    count_baskets,
    item_weights,
)


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


# --- the item model ---------------------------------------------------------------------


def ease_reference(orders: list[list[str]], names: list[str], l2: float,
                   dropout: float) -> np.ndarray:
    """The item model computed from the order-by-product matrix itself, in float64."""
    x = np.zeros((len(orders), len(names)))
    for row, basket in enumerate(orders):
        for item in basket:
            x[row, names.index(item)] = 1.0
    g = x.T @ x
    p = np.linalg.inv(g + np.diag(l2 + dropout / (1 - dropout) * np.diag(g)))
    w = -p / np.diag(p)[None, :]
    np.fill_diagonal(w, 0.0)
    return w


def grocery_like_orders() -> list[list[str]]:
    rng = np.random.default_rng(5)
    names = [f"p{k}" for k in range(12)]
    orders = []
    for _ in range(400):
        size = int(rng.integers(1, 5))
        orders.append(sorted(set(rng.choice(names, size, p=np.r_[[0.2] * 3, [0.4 / 9] * 9]))))
    orders += [["p4", "p5"]] * 30 + [["p4", "p5", "p6"]] * 10 + [["q1", "q2"]] * 2
    return orders


def test_item_model_scores_are_the_model_weights_and_rules_keep_their_evidence() -> None:
    orders = grocery_like_orders()
    counts = count_baskets(baskets_from(orders))
    names = counts.product_ids.tolist()
    model = ItemModelParams(max_items=100, l2=2.0, dropout=0.3)
    reference = ease_reference(orders, names, 2.0, 0.3)
    assert np.allclose(item_weights(counts, model), reference, atol=1e-4)

    scored = complement_rules(counts, RuleParams(None, None, None, item_model=model))
    plain = complement_rules(counts, RuleParams(min_pair_count=1))
    assert scored.scoring == ITEM_MODEL and plain.scoring == RULE_SCORE
    evidence = {(s, t): row for s, t, *row in plain.rows()}
    assert len(scored) > 0
    for s, t, n, support, confidence, lift, score in scored.rows():
        # Every pair seen together once is a candidate (auto threshold), scored by its weight.
        assert n >= 1 and score > 0
        assert score == pytest.approx(reference[names.index(s), names.index(t)], abs=1e-4)
        assert (n, support, confidence, lift) == tuple(evidence[(s, t)][:4])
    # Only positive weights are kept: a pair seen together but "explained away" is not.
    positive = {(s, t) for s, t, n, *_ in plain.rows()
                if reference[names.index(s), names.index(t)] > 1e-4}
    assert {(s, t) for s, t, *_ in scored.rows()} >= positive
    assert ("q1", "q2") in {(s, t) for s, t, *_ in scored.rows()}  # 2 orders: kept


def test_explicit_thresholds_hold_with_the_item_model() -> None:
    counts = count_baskets(baskets_from(grocery_like_orders()))
    model = ItemModelParams(max_items=100)
    rules = complement_rules(counts, RuleParams(min_pair_count=3, item_model=model))
    assert rules.scoring == ITEM_MODEL and len(rules) > 0
    assert rules.pair_count.min() >= 3
    assert ("q1", "q2") not in {(s, t) for s, t, *_ in rules.rows()}


def test_item_model_falls_back_to_the_rule_score_above_its_item_limit() -> None:
    counts = count_baskets(baskets_from(grocery_like_orders()))
    n = counts.n_products
    fallback = complement_rules(counts, RuleParams(
        None, None, None, item_model=ItemModelParams(max_items=n - 1)))
    assert fallback.scoring == RULE_SCORE
    # Auto thresholds of the rule score: 5 orders together, confidence 0.01, lift 1.
    expected = complement_rules(counts, RuleParams(5, 0.01, 1.0))
    assert fallback.rows() == expected.rows()
    assert complement_rules(counts, RuleParams(
        None, None, None, item_model=ItemModelParams(max_items=n))).scoring == ITEM_MODEL
    assert complement_rules(counts, RuleParams(
        item_model=ItemModelParams(max_items=0))).scoring == RULE_SCORE


def test_stored_top_k_is_the_per_product_cap() -> None:
    orders = []
    for k in range(12):
        orders += [["hub", f"t{k}"]] * (3 + k)
    orders += [[f"t{k}"] for k in range(12)] * 3 + [["other"]] * 100
    counts = count_baskets(baskets_from(orders))
    model = ItemModelParams(max_items=100)
    rules = complement_rules(counts, RuleParams(None, None, None, max_per_product=8,
                                                item_model=model))
    hub = [(t, score) for s, t, _n, _sup, _conf, _lift, score in rules.rows() if s == "hub"]
    assert len(hub) == 8
    assert [score for _t, score in hub] == sorted((score for _t, score in hub), reverse=True)
    assert {t for t, _score in hub} == {f"t{k}" for k in range(4, 12)}  # the most bought
