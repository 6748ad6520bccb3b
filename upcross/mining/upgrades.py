"""Upgrades: pricier substitutes of a product (a better version of the same thing).

B is an upgrade of A only with evidence that a shopper would buy B *instead of* A:

1. **Same category** (a category both are in: the leaf, or a broader one a shop's
   categories or a rule's scope share) and B's price inside the band above A's:
   ``price(A) * (1 + min%) <= price(B) <= price(A) * (1 + max%)``.
2. **Rarely bought together**: not more often together than a substitute would be.
   With ``E = n(A) n(B) / N`` the orders expected to hold both if they were unrelated,
   a substitute (lift ``max_together_lift``, well below 1: a shopper takes one or the
   other) shows ``m = max_together_lift * max(E, min_expected)`` of them; the pair
   passes when ``n(A∧B) <= m + 2 sqrt(m)`` (two standard deviations of a Poisson
   count) and never more often than chance (``n(A∧B) <= max(E, min_expected)``).
   Popular pairs must show a low lift; two rare products seen together once by
   chance are not thereby complements.
3. **The same neighbourhood**: bought with the same other products (cosine
   similarity of their co-purchase profiles over the ``CONTEXTS`` most bought
   products) at least ``min_neighbourhood``: the phone and its bigger version both
   come with cases and chargers; socks and a cap, a cleanser and a toner do too, but
   they are bought *together* (2. rules them out).
4. **Close in name**: the cosine of the products' texts (:mod:`upcross.mining.text`,
   the adapter's text hook: the name by default) at least ``min_name``: the same
   product line ("Nova X 128 GB" / "Nova X 256 GB"). Pairs whose texts are not known
   (``Catalog.text`` is ``None``, or an empty text) are judged on 1.-3. alone.

"Bought A, later B" alone is not upgrade evidence: it is a repeat or a next
purchase (a cap after socks).

5. **Viewed together** (:mod:`upcross.mining.coviews`, when the shop runs the tracking
   script): a pair viewed in the same browsing sessions with a similarity of at least
   ``min_coview`` passes 3. without a shared co-purchase neighbourhood (new products,
   shops with few orders); the evidence is then the larger of the two.

``score = evidence * name * apartness`` (``evidence``: the neighbourhood, or the
co-view similarity when larger) (``name`` = 1 when unknown; apartness 1
when never together, down to 0.5 when together as often as unrelated products), plus
a tie-breaker ``TIE * popularity(B)``. The figures stored on an upgrade row are the
co-purchase figures of the pair, as for complements: ``pair_count`` = orders with
both (few), ``support``, ``confidence = n(A∧B) / n(A)`` and ``lift`` (below 1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - a dependency; an environment installed before it
    def threadpool_limits(limits: int | None = None, user_api: str | None = None) -> Any:
        """Without threadpoolctl: BLAS keeps its own thread count (slower, same result)."""
        return contextlib.nullcontext()

from upcross.mining.counting import CoCounts, sorted_member, sorted_unique
from upcross.mining.coviews import CoViews
from upcross.mining.rules import MinedRules, cap_per_source
from upcross.mining.text import TextVectors

CONTEXTS = 512
TIE = 1e-6

#: ``similarity(members) -> matrix``: pairwise similarity of the product codes ``members``.
BlockSimilarity = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class UpgradeParams:
    min_price_increase: float = 5.0  # percent
    max_price_increase: float = 60.0
    max_together_lift: float = 0.5
    min_neighbourhood: float = 0.5
    min_name: float = 0.3
    min_expected: float = 1.0
    max_per_product: int | None = None
    #: Co-view similarity that stands in for the neighbourhood (``None``: co-views unused).
    min_coview: float | None = 0.2


@dataclass
class Catalog:
    """Product facts aligned with ``CoCounts.product_ids`` codes."""

    price: np.ndarray  # float64 per product code, NaN when unknown
    member_product: np.ndarray  # int64 product code per (product, category) membership
    member_category: np.ndarray  # int64 category code per membership
    #: Product texts (names by default) per code; ``None``: no text evidence.
    text: Sequence[str | None] | None = None


def candidate_pairs(
    catalog: Catalog, params: UpgradeParams, n_products: int,
    similarities: Sequence[BlockSimilarity] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Same-category, in-band pairs: sorted unique keys ``a * P + b`` and their similarities.

    Members are sorted by (category, price), so each source's targets are one
    contiguous run found with ``searchsorted``. Each of ``similarities`` is computed one
    category at a time (a small matrix); the second value has one column per similarity.
    """
    price = catalog.price
    valid = ~np.isnan(price[catalog.member_product])
    product = catalog.member_product[valid]
    category = catalog.member_category[valid]
    if not len(product):
        return np.empty(0, np.int64), np.empty((0, len(similarities)))
    order = np.lexsort((price[product], category))
    product, category = product[order], category[order]
    member_price = price[product]
    # Sort key that keeps categories apart: categories in blocks, price inside.
    bounds = np.flatnonzero(np.r_[True, category[1:] != category[:-1], True])
    block_of = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    span = float(np.abs(member_price).max()) * (2 + params.max_price_increase / 100.0) + 1.0
    sort_key = block_of * span + member_price
    low = sort_key + member_price * params.min_price_increase / 100.0 - 1e-6
    high = sort_key + member_price * params.max_price_increase / 100.0 + 1e-6
    lo = np.searchsorted(sort_key, low, side="left")
    hi = np.searchsorted(sort_key, high, side="right")
    widths = np.maximum(hi - lo, 0)
    source_pos = np.repeat(np.arange(len(product)), widths)
    offsets = np.arange(widths.sum()) - np.repeat(np.cumsum(widths) - widths, widths)
    target_pos = np.repeat(lo, widths) + offsets
    a, b = product[source_pos], product[target_pos]
    pa, pb = price[a], price[b]
    ok = (a != b) & (pb >= pa * (1 + params.min_price_increase / 100.0))
    ok &= pb <= pa * (1 + params.max_price_increase / 100.0)
    source_pos, target_pos = source_pos[ok], target_pos[ok]
    keys = a[ok] * n_products + b[ok]
    similarity = np.zeros((len(keys), len(similarities)))
    if similarities and len(keys):
        _block_similarities(similarity, similarities, product, bounds, block_of,
                            source_pos, target_pos)
    order = np.argsort(keys, kind="stable")
    keys, similarity = keys[order], similarity[order]
    first_of_key = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.empty(0, bool)
    return keys[first_of_key], similarity[first_of_key]


def _block_similarities(
    out: np.ndarray, similarities: Sequence[BlockSimilarity], product: np.ndarray,
    bounds: np.ndarray, block_of: np.ndarray, source_pos: np.ndarray, target_pos: np.ndarray,
) -> None:
    """Fill ``out`` (one row per pair, one column per similarity) category by category.

    Pairs come out grouped by category (sources are in member order). A category's
    matrices are small, so BLAS runs on one thread: waking and syncing its threads for
    thousands of small products costs more than it saves (several times over on a
    busy machine).
    """
    pair_block = block_of[source_pos]
    pair_bounds = np.searchsorted(pair_block, np.arange(len(bounds)))
    with threadpool_limits(limits=1, user_api="blas"):
        for k in range(len(bounds) - 1):
            first, last = pair_bounds[k], pair_bounds[k + 1]
            if first == last:
                continue
            start = bounds[k]
            members = product[start : bounds[k + 1]]
            rows, cols = source_pos[first:last] - start, target_pos[first:last] - start
            for column, block_similarity in enumerate(similarities):
                out[first:last, column] = block_similarity(members)[rows, cols]


def _context_profiles(counts: CoCounts) -> np.ndarray:
    """Unit-length co-purchase profile of every product over the top ``CONTEXTS`` products."""
    n_products = counts.n_products
    contexts = np.argsort(-counts.item_count, kind="stable")[: min(CONTEXTS, n_products)]
    column = np.full(n_products, -1, np.int64)
    column[contexts] = np.arange(len(contexts))
    pa, pb = counts.pair_codes()
    profile = np.zeros((n_products, len(contexts)), np.float32)
    for row, other in ((pa, pb), (pb, pa)):
        col = column[other]
        ok = col >= 0
        profile[row[ok], col[ok]] = counts.pair_count[ok]
    norm = np.linalg.norm(profile, axis=1)
    norm[norm == 0] = 1.0
    profile /= norm[:, None]
    return profile


def _pair_counts_of(counts: CoCounts, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Orders containing both ``a[i]`` and ``b[i]`` (0 when never together)."""
    n_products = max(counts.n_products, 1)
    if not len(counts.pair_key):
        return np.zeros(len(a), np.int64)
    keys = np.minimum(a, b) * n_products + np.maximum(a, b)
    pos = np.minimum(np.searchsorted(counts.pair_key, keys), len(counts.pair_key) - 1)
    return np.where(counts.pair_key[pos] == keys, counts.pair_count[pos], 0)


def upgrade_rules(counts: CoCounts, catalog: Catalog, params: UpgradeParams,
                  coviews: CoViews | None = None) -> MinedRules:
    """Mined upgrade rules A → B with substitute evidence, best ``max_per_product`` per source.

    ``coviews``: sessions in which pairs were viewed together, aligned with ``counts``'s
    codes (evidence 5. of the module docstring).
    """
    n_products = max(counts.n_products, 1)
    if not len(counts.pair_key):
        profile = np.zeros((counts.n_products, 1), np.float32)
    else:
        profile = _context_profiles(counts)
    similarities: list[BlockSimilarity] = [lambda m: profile[m] @ profile[m].T]
    text = TextVectors.of(catalog.text) if catalog.text is not None else None
    if text is not None:
        similarities.append(text.similarity)
    candidates, similarity = candidate_pairs(catalog, params, n_products, similarities)
    a, b = candidates // n_products, candidates % n_products
    neighbourhood = similarity[:, 0]
    if text is not None:
        known = text.known()
        name = np.where(known[a] & known[b], similarity[:, 1], np.nan)
    else:
        name = np.full(len(candidates), np.nan)

    together = _pair_counts_of(counts, a, b)
    n_orders = max(counts.n_orders, 1)
    expected = counts.item_count[a] * counts.item_count[b] / n_orders
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(expected > 0, together / expected, 0.0)
        confidence = np.where(counts.item_count[a] > 0, together / counts.item_count[a], 0.0)
    support = together / n_orders
    substitute_count = params.max_together_lift * np.maximum(expected, params.min_expected)
    apart = together <= np.minimum(substitute_count + 2.0 * np.sqrt(substitute_count),
                                   np.maximum(expected, params.min_expected))
    named = np.isnan(name) | (name >= params.min_name)
    evidence = neighbourhood
    close = neighbourhood >= params.min_neighbourhood
    if coviews is not None and params.min_coview is not None:
        viewed = coviews.similarity(a, b)
        close |= viewed >= params.min_coview
        evidence = np.maximum(neighbourhood, viewed)
    keep = apart & close & named
    popularity = counts.item_count[b] / max(int(counts.item_count.max(initial=0)), 1)
    # Apartness: 1 never together, 0.5 together as often as unrelated products would be.
    apartness = 1.0 - 0.5 * np.minimum(together / np.maximum(expected, params.min_expected), 1.0)
    score = (evidence * np.where(np.isnan(name), 1.0, name) * apartness
             + TIE * popularity)
    index = np.flatnonzero(keep)
    rules = MinedRules(
        counts.product_ids, a[index], b[index], together[index], support[index],
        confidence[index], lift[index], score[index],
    )
    return cap_per_source(rules, params.max_per_product)


def substitute_keys(upgrades: MinedRules) -> np.ndarray:
    """Directional keys of both directions of each upgrade pair (never complements)."""
    n = max(len(upgrades.product_ids), 1)
    forward = upgrades.source.astype(np.int64) * n + upgrades.target
    backward = upgrades.target.astype(np.int64) * n + upgrades.source
    return sorted_unique(np.concatenate([forward, backward]))


@dataclass(frozen=True)
class RuleSpec:
    """A merchandiser's upgrade rule, in codes (see ``UpgradeRule``)."""

    category: int | None  # category code of the scope (-1: none); None: the source's own
    min_price_increase: float
    max_price_increase: float
    sort: str  # "best_selling" | "closest_price" | "highest_margin"
    limit: int


def rule_upgrades(
    catalog: Catalog, rules: list[RuleSpec], orders: np.ndarray, cost: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rule-made upgrade pairs ``(source, target, rank, rule)``, ``rules`` in priority order.

    The one implementation of upgrade rules (the recompute writes it, the admin
    preview shows it). Semantics of Magento's target rules: every rule whose scope
    a source is in contributes, in priority order, and the results are unioned. A
    later rule skips the targets earlier rules already picked for that source (so it
    still fills its own ``limit`` with new ones) and its picks rank after theirs:
    ``rank`` is the position among all rule picks of the source, ``rule`` the index
    in ``rules`` of the rule that picked the pair.

    Candidates are :func:`candidate_pairs` of the rule's category (or of any category
    the source shares with the target) in the rule's price band. Order: best-selling
    (``orders`` per product code, most first), closest price, or highest margin
    (``cost`` per code, NaN when unknown: those last; ``cost=None``, a shop without
    costs: best-selling). Ties: lower price, then lower code, so callers that number
    products in primary-key order get the same ties on any subset of the catalogue.
    A rule with ``category=-1`` (a category no product has) picks nothing.
    """
    n_products = max(len(catalog.price), 1)
    taken = np.empty(0, np.int64)  # sorted keys a * P + b picked by earlier rules
    picked_before = np.zeros(n_products, np.int64)  # picks per source so far
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for index, rule in enumerate(rules):
        if rule.limit <= 0:
            continue
        scoped = catalog
        if rule.category is not None:
            keep = catalog.member_category == rule.category
            scoped = Catalog(catalog.price, catalog.member_product[keep],
                             catalog.member_category[keep])
        keys, _similarity = candidate_pairs(scoped, UpgradeParams(
            min_price_increase=rule.min_price_increase,
            max_price_increase=rule.max_price_increase), n_products)
        keys = keys[~sorted_member(keys, taken)]
        a, b = keys // n_products, keys % n_products
        if rule.sort == "closest_price":
            primary = catalog.price[b] - catalog.price[a]
        elif rule.sort == "highest_margin" and cost is not None:
            margin = catalog.price[b] - cost[b]
            primary = np.where(np.isnan(margin), np.inf, -margin)
        else:
            primary = -orders[b].astype(float)
        order = np.lexsort((b, catalog.price[b], primary, a))
        a, b = a[order], b[order]
        starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else np.empty(0, int)
        rank = np.arange(len(a)) - np.repeat(starts, np.diff(np.r_[starts, len(a)]))
        keep = rank < rule.limit
        a, b, rank = a[keep], b[keep], rank[keep]
        parts.append((a, b, picked_before[a] + rank, np.full(len(a), index, np.int64)))
        picked_before += np.bincount(a, minlength=n_products)
        taken = sorted_unique(np.concatenate([taken, a * n_products + b]))
    if not parts:
        empty = np.empty(0, np.int64)
        return empty, empty, empty, empty
    a, b, rank, rule_index = (np.concatenate(column) for column in zip(*parts, strict=True))
    return a, b, rank, rule_index
