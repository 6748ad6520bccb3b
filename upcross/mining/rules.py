"""Complements: directional association rules A → B from :class:`CoCounts`.

Definitions, with ``n(X)`` the orders containing X and ``N`` all orders:

- ``support    = n(A∧B) / N``
- ``confidence = n(A∧B) / n(A)``
- ``lift       = confidence / (n(B) / N)``

With recency weighting (a half-life in days) every order counts with weight
``w = 0.5 ** (age_days / half_life)`` and the same formulas use weighted sums:
``support = w(A∧B) / W``, ``confidence = w(A∧B) / w(A)``,
``lift = confidence / (w(B) / W)``. ``pair_count`` stays the plain integer count
of orders, and the minimum pair count applies to it.

Ranking score (per source, higher first)::

    score = wilson_lower(confidence, n(A)) * (n(A∧B)' + K) / (E(A∧B) + K)

- ``wilson_lower`` is the lower bound of the 95 % Wilson interval of the
  confidence, taking ``n(A)`` orders as the sample: 2 of 3 orders gives ≈ 0.21,
  not 0.67, while 400 of 1,000 stays ≈ 0.37.
- the second factor is the lift shrunk towards 1 by ``K`` pseudo-orders
  (``SHRINKAGE``): ``E(A∧B) = n(A) n(B) / N`` is the count expected if A and B
  were independent and ``n(A∧B)' = confidence * n(A)`` (the pair count, or its
  recency-weighted equivalent). A pair seen twice among products sold 3 times has
  an astronomic raw lift but a shrunk lift of ≈ 1.2; a pair seen in 400 orders
  where 100 were expected keeps ≈ 3.7.

So the score prefers pairs that are both likely (confidence) and specific
(lift), and needs evidence before believing either.

With an item model (``RuleParams.item_model``, fitted when the catalogue's mined
products are at most ``max_items``) the score is instead the model's weight
``W[A, B]`` (:mod:`upcross.mining.item_model`) and a rule needs a positive weight.
The pair statistics stay the same, so every rule keeps its evidence.

Thresholds left as ``None`` adapt to that choice (:data:`AUTO_THRESHOLDS`): the
item model shrinks weak evidence itself, so it keeps every pair seen together at
least once; the rule score keeps pairs seen together 5 times, with a lift above 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from upcross.mining.counting import CoCounts, sorted_member, sorted_unique
from upcross.mining.item_model import ItemModelParams, item_weights

SHRINKAGE = 10.0
Z_95 = 1.959963984540054
#: Scoring of a run: the rule score of the module docstring, or the item model's weight.
RULE_SCORE = "rules"
ITEM_MODEL = "item_model"
#: ``(min_pair_count, min_confidence, min_lift)`` for thresholds left as ``None``.
AUTO_THRESHOLDS: dict[str, tuple[int, float, float]] = {
    ITEM_MODEL: (1, 0.0, 0.0),
    RULE_SCORE: (5, 0.01, 1.0),
}


@dataclass(frozen=True)
class RuleParams:
    """Thresholds (``None``: :data:`AUTO_THRESHOLDS` of the scoring used), the per-source
    cap, and the item model (``None``: always the rule score)."""

    min_pair_count: int | None = 5
    min_confidence: float | None = 0.0
    min_lift: float | None = 0.0
    max_per_product: int | None = None
    shrinkage: float = SHRINKAGE
    item_model: ItemModelParams | None = None

    def scoring(self, n_products: int) -> str:
        """Which score rules over ``n_products`` mined products get."""
        if self.item_model is not None and self.item_model.applies(n_products):
            return ITEM_MODEL
        return RULE_SCORE

    def thresholds(self, scoring: str) -> tuple[int, float, float]:
        auto = AUTO_THRESHOLDS[scoring]
        given = (self.min_pair_count, self.min_confidence, self.min_lift)
        pair_count, confidence, lift = (a if g is None else g
                                        for g, a in zip(given, auto, strict=True))
        return int(pair_count), float(confidence), float(lift)


@dataclass
class MinedRules:
    """Directional rules as parallel arrays; ``source``/``target`` are product codes."""

    product_ids: np.ndarray
    source: np.ndarray
    target: np.ndarray
    pair_count: np.ndarray
    support: np.ndarray
    confidence: np.ndarray
    lift: np.ndarray
    score: np.ndarray
    #: ``RULE_SCORE`` or ``ITEM_MODEL``: what ``score`` is.
    scoring: str = RULE_SCORE

    def __len__(self) -> int:
        return len(self.source)

    def keys(self) -> np.ndarray:
        """Directional keys ``source * P + target``."""
        n = max(len(self.product_ids), 1)
        keys: np.ndarray = self.source.astype(np.int64) * n + self.target
        return keys

    def take(self, index: np.ndarray) -> MinedRules:
        return MinedRules(
            self.product_ids, self.source[index], self.target[index], self.pair_count[index],
            self.support[index], self.confidence[index], self.lift[index], self.score[index],
            self.scoring,
        )

    def rows(self) -> list[tuple[Any, ...]]:
        """``(source_id, target_id, pair_count, support, confidence, lift, score)``."""
        ids = self.product_ids
        return list(zip(
            ids[self.source].tolist(), ids[self.target].tolist(), self.pair_count.tolist(),
            self.support.tolist(), self.confidence.tolist(), self.lift.tolist(),
            self.score.tolist(), strict=True,
        ))


def wilson_lower(p: np.ndarray, n: np.ndarray, z: float = Z_95) -> np.ndarray:
    """Lower bound of the Wilson score interval of a proportion ``p`` over ``n`` trials."""
    n = np.maximum(np.asarray(n, dtype=np.float64), 1e-12)
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0))
    bound: np.ndarray = np.maximum((centre - margin) / (1 + z2 / n), 0.0)
    return bound


def cap_per_source(rules: MinedRules, limit: int | None) -> MinedRules:
    """Keep the best ``limit`` rules per source (score, then pair count, then target id)."""
    if not len(rules):
        return rules
    order = np.lexsort((rules.target, -rules.pair_count, -rules.score, rules.source))
    rules = rules.take(order)
    if limit is None:
        return rules
    starts = np.flatnonzero(np.r_[True, rules.source[1:] != rules.source[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(rules.source)]))
    rank = np.arange(len(rules.source)) - group_start
    return rules.take(np.flatnonzero(rank < limit))


def complement_rules(
    counts: CoCounts, params: RuleParams, exclude_keys: np.ndarray | None = None
) -> MinedRules:
    """All rules A → B passing the thresholds, best ``max_per_product`` per source.

    ``exclude_keys`` are directional keys (``a * P + b``) never to return, e.g.
    pairs that are substitutes (upgrades) rather than complements.
    """
    n_products = max(counts.n_products, 1)
    scoring = params.scoring(counts.n_products)
    min_pair_count, min_confidence, min_lift = params.thresholds(scoring)
    keep = counts.pair_count >= min_pair_count
    a, b = counts.pair_codes()
    a, b = a[keep], b[keep]
    source = np.concatenate([a, b])
    target = np.concatenate([b, a])
    pair_count = np.tile(counts.pair_count[keep], 2)
    if counts.pair_weight is not None and counts.item_weight is not None:
        together = np.tile(counts.pair_weight[keep], 2).astype(np.float64)
        item = counts.item_weight.astype(np.float64)
        total = float(counts.total_weight or 0)
    else:
        together = pair_count.astype(np.float64)
        item = counts.item_count.astype(np.float64)
        total = float(counts.n_orders)
    with np.errstate(divide="ignore", invalid="ignore"):
        support = together / total
        confidence = together / item[source]
        lift = confidence / (item[target] / total)
        n_source = counts.item_count[source].astype(np.float64)
        expected = n_source * item[target] / total
        shrunk_lift = (confidence * n_source + params.shrinkage) / (expected + params.shrinkage)
        score = wilson_lower(confidence, n_source) * shrunk_lift
    ok = (confidence >= min_confidence) & (lift >= min_lift)
    ok &= np.isfinite(lift)
    if scoring == ITEM_MODEL and params.item_model is not None:
        score = item_weights(counts, params.item_model)[source, target].astype(np.float64)
        ok &= score > 0
    if exclude_keys is not None and len(exclude_keys):
        ok &= ~sorted_member(source * n_products + target, sorted_unique(exclude_keys))
    index = np.flatnonzero(ok)
    rules = MinedRules(
        counts.product_ids, source[index], target[index], pair_count[index],
        support[index], confidence[index], lift[index], score[index], scoring,
    )
    return cap_per_source(rules, params.max_per_product)
