"""Category-level co-purchase and best sellers: the cold-start fallback (numpy only).

From the same item and pair counts as association rules, per category ``C``:

- ``category`` picks: products ``d`` outside ``C`` most often bought with products
  of ``C``: ``n(C, d) = sum over a in C of n(a, d)``, kept when its lift
  ``n(C, d) * N / (n(C) * n(d))`` is at least ``min_lift``, ranked by ``n(C, d)``;
- ``best_seller`` picks: the best sellers of the categories bought with ``C``
  (category-to-category lift at least ``min_lift``, strongest first), one category
  after the other in turn, so the picks of one category do not crowd out the others;
- the whole catalogue's best sellers (category ``-1``): the empty cart, and the last
  resort of a product whose categories are bought with nothing.

``n(C)`` is the sum of its products' order counts: an order holding two products of
``C`` counts twice, so confidence and lift are slightly understated for categories
whose products are bought together. Counting exactly would need the baskets, which
the additive counts (partitions, merges) do not keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

_Item = TypeVar("_Item")
_Tag = TypeVar("_Tag")

CATALOGUE = -1
CATEGORY = "category"
BEST_SELLER = "best_seller"


@dataclass(frozen=True)
class FallbackParams:
    per_category: int = 8
    related_categories: int = 3
    catalogue: int = 12
    min_lift: float = 1.0


@dataclass(frozen=True)
class Pick:
    """A fallback suggestion for the products of ``category`` (codes throughout; stored
    picks read back carry the category value and product pk instead)."""

    category: Any
    product: int
    origin: str
    rank: int
    via: int  # best sellers: the related category they come from; else -1
    pair_count: int | None
    confidence: float | None
    lift: float | None
    orders: int


@dataclass(frozen=True)
class Memberships:
    """Category codes of each product code, as CSR arrays (products may have several)."""

    start: np.ndarray  # int64, len n_products + 1
    category: np.ndarray  # int64 category codes, grouped by product

    @classmethod
    def of(cls, member_product: np.ndarray, member_category: np.ndarray,
           n_products: int) -> Memberships:
        order = np.lexsort((member_category, member_product))
        product = np.asarray(member_product, np.int64)[order]
        counts = np.bincount(product, minlength=n_products)
        start = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return cls(start, np.asarray(member_category, np.int64)[order])

    def of_product(self, product: int) -> np.ndarray:
        return self.category[self.start[product]:self.start[product + 1]]

    def expand(self, products: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(index into products, category)`` for every membership of ``products``."""
        if bool(np.all(np.diff(self.start) == 1)):  # one category each: no repeats
            return np.arange(len(products)), self.category[self.start[products]]
        reps = self.start[products + 1] - self.start[products]
        index = np.repeat(np.arange(len(products)), reps)
        first = np.repeat(self.start[products], reps)
        offset = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        return index, self.category[first + offset]


def category_picks(
    n_orders: int,
    item_count: np.ndarray,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    pair_count: np.ndarray,
    members: Memberships,
    n_categories: int,
    available: np.ndarray,
    params: FallbackParams = FallbackParams(),
) -> list[Pick]:
    """The picks of every category and of the catalogue (see the module docstring).

    Product codes index ``item_count``, ``available`` and ``members``; pairs are
    unordered (each counted once). Only available products are picked.
    """
    n_products = len(item_count)
    item_count = np.asarray(item_count, np.int64)
    picks: list[Pick] = []
    if n_products == 0 or n_orders == 0:
        return picks
    category_size = np.zeros(n_categories, np.int64)
    index, category = members.expand(np.arange(n_products))
    np.add.at(category_size, category, item_count[index])

    cat_of_key, product_of_key, together = _together(
        n_products, pair_a, pair_b, pair_count, members, n_categories)

    with np.errstate(divide="ignore", invalid="ignore"):
        lift = together * float(n_orders) / (category_size[cat_of_key].astype(float)
                                              * item_count[product_of_key])
        confidence = np.minimum(together / category_size[cat_of_key].astype(float), 1.0)
    keep = np.flatnonzero(available[product_of_key] & (lift >= params.min_lift))
    keep = keep[_order_by(cat_of_key[keep], together[keep], product_of_key[keep], n_products)]
    rank = _rank_in_group(cat_of_key[keep])
    keep, rank = keep[rank < params.per_category], rank[rank < params.per_category]
    by_category: dict[int, set[int]] = {}
    for i, r in zip(keep.tolist(), rank.tolist(), strict=True):
        c, d = int(cat_of_key[i]), int(product_of_key[i])
        by_category.setdefault(c, set()).add(d)
        picks.append(Pick(c, d, CATEGORY, r, -1, int(together[i]), float(confidence[i]),
                          float(lift[i]), int(item_count[d])))

    best = _best_sellers(item_count, available, members, n_categories, params.per_category)
    related = _related_categories(cat_of_key, product_of_key, together, members,
                                  category_size, n_orders, n_categories, params)
    for c in range(n_categories):
        picked = by_category.get(c, set())
        placed = 0
        for d, via in _round_robin((best[v], v) for v in related.get(c, [])):
            if placed >= params.per_category:
                break
            if d in picked or c in members.of_product(d).tolist():
                continue
            picked.add(d)
            picks.append(Pick(c, d, BEST_SELLER, placed, via, None, None, None,
                              int(item_count[d])))
            placed += 1
    sold = np.flatnonzero(available & (item_count > 0))
    top = sold[np.lexsort((sold, -item_count[sold]))][:params.catalogue]
    picks.extend(Pick(CATALOGUE, int(d), BEST_SELLER, rank, -1, None, None, None,
                      int(item_count[d])) for rank, d in enumerate(top.tolist()))
    return picks


#: Categories x products up to which n(C, d) is summed in one dense array (8 bytes each).
DENSE_CELLS = 1 << 25


def _together(n_products: int, pair_a: np.ndarray, pair_b: np.ndarray,
              pair_count: np.ndarray, members: Memberships, n_categories: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(C, d, n(C, d))`` for every category C of one side of a pair and product d on
    the other, d not itself in C (a product of C is a substitute, not a complement)."""
    a = np.asarray(pair_a, np.int64)
    b = np.asarray(pair_b, np.int64)
    count = np.asarray(pair_count, np.int64)
    side, other = np.r_[a, b], np.r_[b, a]
    weight = np.r_[count, count]
    index, category = members.expand(side)
    key = category * n_products + other[index]
    if n_categories * n_products <= DENSE_CELLS:  # a sum per cell, no sorting
        dense = np.bincount(key, weights=weight[index], minlength=n_categories * n_products)
        own_index, own_category = members.expand(np.arange(n_products))
        dense[own_category * n_products + own_index] = 0
        keys = np.flatnonzero(dense)
        return keys // n_products, keys % n_products, dense[keys].astype(np.int64)
    keys, inverse = np.unique(key, return_inverse=True)
    together = np.bincount(inverse, weights=weight[index]).astype(np.int64)
    cat_of_key, product_of_key = keys // n_products, keys % n_products
    inside = _is_member(members, product_of_key, cat_of_key)
    return cat_of_key[~inside], product_of_key[~inside], together[~inside]


def _order_by(category: np.ndarray, together: np.ndarray, product: np.ndarray,
              n_products: int) -> np.ndarray:
    """Order by category, then most orders together, then product code."""
    if not len(category):
        return np.empty(0, np.int64)
    top = int(together.max()) + 1
    if (int(category.max()) + 1) * top * n_products < 1 << 62:  # one int64 key sorts faster
        return np.argsort((category * top + (top - 1 - together)) * n_products + product,
                          kind="stable")
    return np.lexsort((product, -together, category))


def _rank_in_group(groups: np.ndarray) -> np.ndarray:
    """Position of each element inside its run of equal ``groups`` values (sorted)."""
    if not len(groups):
        return np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def _is_member(members: Memberships, products: np.ndarray, categories: np.ndarray
               ) -> np.ndarray:
    index, category = members.expand(products)
    hit = np.zeros(len(products), bool)
    hit[index[category == categories[index]]] = True
    return hit


def _best_sellers(item_count: np.ndarray, available: np.ndarray, members: Memberships,
                  n_categories: int, limit: int) -> list[list[int]]:
    """Per category, its sold available products, most orders first (then code)."""
    index, category = members.expand(np.arange(len(item_count)))
    ok = available[index] & (item_count[index] > 0)
    index, category = index[ok], category[ok]
    order = np.lexsort((index, -item_count[index], category))
    best: list[list[int]] = [[] for _ in range(n_categories)]
    for d, c in zip(index[order].tolist(), category[order].tolist(), strict=True):
        if len(best[c]) < limit * 2:
            best[c].append(d)
    return best


def _related_categories(cat_of_key: np.ndarray, product_of_key: np.ndarray,
                        together: np.ndarray, members: Memberships, category_size: np.ndarray,
                        n_orders: int, n_categories: int, params: FallbackParams
                        ) -> dict[int, list[int]]:
    """Categories bought with each category: lift at least ``min_lift``, most orders first."""
    index, target = members.expand(product_of_key)
    source = cat_of_key[index]
    ok = source != target
    key = source[ok] * max(n_categories, 1) + target[ok]
    if not len(key):
        return {}
    summed = np.bincount(key, weights=together[index[ok]],
                         minlength=n_categories * n_categories)
    keys = np.flatnonzero(summed)
    pair = summed[keys]
    source, target = keys // n_categories, keys % n_categories
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = pair * float(n_orders) / (category_size[source].astype(float)
                                         * category_size[target])
    related: dict[int, list[int]] = {}
    for i in np.lexsort((target, -pair, source)).tolist():
        if lift[i] >= params.min_lift:
            chosen = related.setdefault(int(source[i]), [])
            if len(chosen) < params.related_categories:
                chosen.append(int(target[i]))
    return related


def _round_robin(lists: Iterable[tuple[Sequence[_Item], _Tag]]) -> Iterator[tuple[_Item, _Tag]]:
    """``(item, tag)`` taking one from each list in turn."""
    pending = [(list(items), tag) for items, tag in lists]
    position = 0
    while any(position < len(items) for items, _tag in pending):
        for items, tag in pending:
            if position < len(items):
                yield items[position], tag
        position += 1


def product_fallback(categories: Iterable[Any], by_category: Mapping[Any, Sequence[Pick]],
                     excluded: set[Any], want: int,
                     categories_of: Mapping[Any, frozenset[Any]] | None = None) -> list[Pick]:
    """A product's fallback: its categories' ``category`` picks, then their
    ``best_seller`` picks, then the catalogue's, skipping ``excluded`` products and
    (with ``categories_of``) products sharing a category with it; at most ``want``."""
    categories = list(categories)
    own = [c for c in categories if c in by_category]
    chosen: list[Pick] = []
    seen = set(excluded)
    own_set = set(categories)
    stages = [
        _round_robin(([p for p in by_category[c] if p.origin == CATEGORY], c) for c in own),
        _round_robin(([p for p in by_category[c] if p.origin == BEST_SELLER], c) for c in own),
        ((p, CATALOGUE) for p in by_category.get(CATALOGUE, [])),
    ]
    for stage in stages:
        for pick, _tag in stage:
            if len(chosen) >= want:
                return chosen
            if pick.product in seen:
                continue
            if categories_of is not None and categories_of.get(pick.product,
                                                               frozenset()) & own_set:
                continue
            seen.add(pick.product)
            chosen.append(pick)
    return chosen
