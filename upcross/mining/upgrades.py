"""Upgrades: pricier substitutes of a product, ranked by evidence from orders.

Candidates for A → B: B shares a category with A (or a rule's scope) and
``price(A) * (1 + min%) <= price(B) <= price(A) * (1 + max%)``.

Two kinds of evidence rank them:

1. **Trading up**: identified customers who bought A and *later* (strictly
   later order time) bought B. Guest orders cannot show this and do not count.
   ``seq_share = customers(A then B) / customers(A)``, taken at the lower bound
   of its Wilson interval so three customers out of three do not beat 80 out
   of 200.
2. **Same context, not together**: B is bought with the same other products as
   A (cosine similarity of their co-purchase profiles over the ``CONTEXTS``
   most bought products) but rarely with A itself:
   ``substitution = similarity * max(0, 1 - lift(A, B))``. Complements are
   bought together (lift above 1) and score 0 here. "Rarely together" only
   counts when A and B were expected together in at least ``min_expected``
   orders (``n(A) n(B) / N``): never seeing two rare products together says
   nothing.

``score = seq_share_lower + SUBSTITUTION_WEIGHT * substitution + TIE * popularity(B)``
where popularity is ``n(B) / max n`` and ``TIE`` is small enough to only break
ties. A candidate needs ``min_customers`` trading-up customers or a substitution
of at least ``min_substitution`` to be kept.

The figures stored on an upgrade row: ``pair_count`` = customers who bought A
then B, ``support`` = that over all identified customers, ``confidence`` =
that over customers who bought A, ``lift`` = confidence over the share of
customers who bought B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from upcross.mining.counting import CoCounts, sorted_member, sorted_unique
from upcross.mining.rules import MinedRules, cap_per_source, wilson_lower

CONTEXTS = 512
SUBSTITUTION_WEIGHT = 0.5
TIE = 1e-6


@dataclass(frozen=True)
class UpgradeParams:
    min_price_increase: float = 5.0  # percent
    max_price_increase: float = 60.0
    min_customers: int = 2
    min_substitution: float = 0.2
    min_expected: float = 1.0
    max_per_product: int | None = None


@dataclass
class Catalog:
    """Product facts aligned with ``CoCounts.product_ids`` codes."""

    price: np.ndarray  # float64 per product code, NaN when unknown
    member_product: np.ndarray  # int64 product code per (product, category) membership
    member_category: np.ndarray  # int64 category code per membership


def candidate_pairs(
    catalog: Catalog, params: UpgradeParams, n_products: int, profile: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Same-category, in-band pairs: sorted unique keys ``a * P + b`` and their similarity.

    Members are sorted by (category, price), so each source's targets are one
    contiguous run found with ``searchsorted``. With ``profile`` (unit rows), the
    cosine similarity of each pair is computed one category at a time as a small
    matrix product.
    """
    price = catalog.price
    valid = ~np.isnan(price[catalog.member_product])
    product = catalog.member_product[valid]
    category = catalog.member_category[valid]
    if not len(product):
        return np.empty(0, np.int64), np.empty(0)
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
    similarity = np.zeros(len(keys))
    if profile is not None and len(keys):
        # Pairs come out grouped by category (sources are in member order).
        pair_block = block_of[source_pos]
        pair_bounds = np.searchsorted(pair_block, np.arange(len(bounds)))
        for k in range(len(bounds) - 1):
            first, last = pair_bounds[k], pair_bounds[k + 1]
            if first == last:
                continue
            start = bounds[k]
            members = product[start : bounds[k + 1]]
            block = profile[members] @ profile[members].T
            similarity[first:last] = block[source_pos[first:last] - start,
                                           target_pos[first:last] - start]
    order = np.argsort(keys, kind="stable")
    keys, similarity = keys[order], similarity[order]
    first_of_key = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.empty(0, bool)
    return keys[first_of_key], similarity[first_of_key]


def _trading_up(counts: CoCounts, catalog: Catalog, candidates: np.ndarray) -> np.ndarray:
    """Customers who bought A and later B, per candidate key (aligned with ``candidates``)."""
    n_products = max(counts.n_products, 1)
    result = np.zeros(len(candidates), np.int64)
    if not len(counts.hist_customer) or not len(candidates):
        return result
    # Explode histories by category so pairs are generated within (customer, category) only.
    per_product = np.bincount(catalog.member_product, minlength=n_products)
    first_member = np.r_[0, np.cumsum(per_product)[:-1]]
    member_order = np.argsort(catalog.member_product, kind="stable")
    member_category = catalog.member_category[member_order]
    repeat = per_product[counts.hist_product]
    row = np.repeat(np.arange(len(counts.hist_product)), repeat)
    offset = np.arange(repeat.sum()) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    category = member_category[first_member[counts.hist_product[row]] + offset]
    customer = counts.hist_customer[row]
    order = np.lexsort((category, customer))
    row, category, customer = row[order], category[order], customer[order]
    group = np.flatnonzero(
        np.r_[True, (customer[1:] != customer[:-1]) | (category[1:] != category[:-1])]
    )
    sizes = np.diff(np.r_[group, len(row)])
    found_keys, found_customers = [], []
    for size in np.unique(sizes):
        if size < 2:
            continue
        starts = group[sizes == size]
        i, j = np.nonzero(~np.eye(int(size), dtype=bool))
        step = max(1, 2_000_000 // len(i))
        for lo in range(0, len(starts), step):
            rows = row[starts[lo : lo + step][:, None] + np.arange(size)]
            a, b = rows[:, i].ravel(), rows[:, j].ravel()
            later = counts.hist_first[a] < counts.hist_last[b]
            a, b = a[later], b[later]
            keys = counts.hist_product[a] * n_products + counts.hist_product[b]
            hit = sorted_member(keys, candidates)
            found_keys.append(keys[hit])
            found_customers.append(counts.hist_customer[a[hit]])
    if not found_keys:
        return result
    keys = np.concatenate(found_keys)
    customers = np.concatenate(found_customers)
    # A customer counts once per pair even when both products share several categories.
    n_customers = max(len(counts.customer_ids), 1)
    once = sorted_unique(keys * n_customers + customers) // n_customers
    if len(once):
        starts = np.flatnonzero(np.r_[True, once[1:] != once[:-1]])
        result[np.searchsorted(candidates, once[starts])] = np.diff(np.r_[starts, len(once)])
    return result


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


def upgrade_rules(counts: CoCounts, catalog: Catalog, params: UpgradeParams) -> MinedRules:
    """Mined upgrade rules A → B, best ``max_per_product`` per source."""
    n_products = max(counts.n_products, 1)
    profile = _context_profiles(counts) if len(counts.pair_key) else None
    candidates, similarity = candidate_pairs(catalog, params, n_products, profile)
    a, b = candidates // n_products, candidates % n_products
    sequential = _trading_up(counts, catalog, candidates)

    n_customers = max(len(counts.customer_ids), 1)
    customers_of = np.bincount(counts.hist_product, minlength=counts.n_products).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = np.where(customers_of[a] > 0, sequential / customers_of[a], 0.0)
        support = sequential / n_customers
        lift = np.where(customers_of[b] > 0, confidence / (customers_of[b] / n_customers), 0.0)
        together = _pair_counts_of(counts, a, b).astype(float)
        expected = counts.item_count[a] * counts.item_count[b] / max(counts.n_orders, 1)
        pair_lift = np.where(expected > 0, together / expected, 0.0)
    substitution = similarity * np.clip(1.0 - pair_lift, 0.0, 1.0)
    substitution[expected < params.min_expected] = 0.0
    popularity = counts.item_count[b] / max(int(counts.item_count.max(initial=0)), 1)
    score = (
        wilson_lower(confidence, customers_of[a])
        + SUBSTITUTION_WEIGHT * substitution
        + TIE * popularity
    )
    keep = (sequential >= params.min_customers) | (substitution >= params.min_substitution)
    index = np.flatnonzero(keep)
    rules = MinedRules(
        counts.product_ids, a[index], b[index], sequential[index], support[index],
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
