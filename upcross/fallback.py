"""No empty widget: the complements the recompute writes besides mined ones.

A complement widget shows, in this order (``recommend.ORIGIN_RANK``)::

    manual → rule (ComplementRule) → mined → category → best_seller

The last two are the *fallback*: for every available product with fewer than
``PICKS_PER_PRODUCT`` suggestions of its own, the complements recompute writes
``origin="category"`` rows (products bought with products of its category) and
``origin="best_seller"`` rows (best sellers of the categories bought with its
category, then of the whole catalogue), with the evidence behind them. They are
plain ``ProductRelation`` rows, so the read path keeps its query budget, a
merchandiser can block one like any suggestion, and mined rows always outrank
them. The per-category picks are kept as :class:`~upcross.models.FallbackPick`
rows: a product created after the recompute gets its rows from them
(:mod:`upcross.cold_start`), and an empty cart shows the catalogue's best sellers.

``UPCROSS["FALLBACK"]`` switches the fallback off per widget kind at read time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count

from upcross import loading, rule_evaluation
from upcross.adapters import ProductFacts, get_adapter
from upcross.conf import upcross_settings
from upcross.mining import fallback as picking
from upcross.models import FallbackPick, ProductRelation, RelationOrigin, RelationStatus
from upcross.writing import Row

CATEGORY = RelationOrigin.CATEGORY.value
BEST_SELLER = RelationOrigin.BEST_SELLER.value
FALLBACK_ORIGINS = frozenset({CATEGORY, BEST_SELLER})
#: Every origin the complements recompute writes, and so replaces: all but manual.
COMPUTED_ORIGINS: tuple[str, ...] = (RelationOrigin.MINED.value, RelationOrigin.RULE.value,
                                     CATEGORY, BEST_SELLER)
#: Distinct suggestions of its own (manual, rule, mined) below which a product gets
#: fallback rows, up to this many in all: the page's bundle takes two and "Add this too"
#: still shows 4 when some are substitutes, in the cart or bought.
PICKS_PER_PRODUCT = 8
#: Every fallback row is written by the recompute: above this many available products,
#: a product gets rows up to ``PICKS_PER_PRODUCT_LARGE`` only (a bundle of 2 and a widget
#: of 4), which bounds the recompute's write on big catalogues (bench/mining.py).
LARGE_CATALOGUE = 5_000
PICKS_PER_PRODUCT_LARGE = 6
PARAMS = picking.FallbackParams(per_category=8)


def enabled(widget: str) -> bool:
    """Whether ``widget`` (``complements``, ``cart_complements``) may show fallbacks."""
    return upcross_settings.FALLBACK.get(widget, False)


def is_fallback(origin: str) -> bool:
    return origin in FALLBACK_ORIGINS


class Picks:
    """The per-category picks of one recompute, with what turns codes back into values."""

    def __init__(self, picks: list[picking.Pick], universe: list[Any], available: int,
                 categories: list[str], facts: dict[Any, ProductFacts], orders: np.ndarray,
                 n_orders: int) -> None:
        self.picks = picks
        #: Product pks by code; the first ``available`` of them are the available ones.
        self.universe = universe
        self.available = universe[:available]
        self.categories = categories
        self.facts = facts
        self.orders = orders  # orders per product code
        self.n_orders = n_orders

    def rows(self) -> list[FallbackPick]:
        """Unsaved ``FallbackPick`` rows."""
        def text(code: int) -> str:
            return "" if code < 0 else self.categories[code]

        return [FallbackPick(
            category=text(p.category), product_id=self.universe[p.product], origin=p.origin,
            rank=p.rank, via_category=text(p.via), pair_count=p.pair_count,
            confidence=p.confidence, lift=p.lift, orders=p.orders,
            score=1.0 / (1 + p.rank),
        ) for p in self.picks]


def compute_picks(product_ids: Sequence[Any], item_count: np.ndarray, pair_key: np.ndarray,
                  pair_count: np.ndarray, n_orders: int) -> Picks:
    """Per-category picks from a recompute's counts (``product_ids``: pks of the codes)."""
    adapter = get_adapter()
    available = list(adapter.available_products().order_by("pk")
                     .values_list("pk", flat=True).distinct())
    universe = list(dict.fromkeys([*available, *product_ids]))
    code = {pk: i for i, pk in enumerate(universe)}
    facts = loading.product_facts(universe)
    categories: dict[str, int] = {}
    member_product: list[int] = []
    member_category: list[int] = []
    for i, pk in enumerate(universe):
        for value in facts[pk].categories:
            member_product.append(i)
            member_category.append(categories.setdefault(str(value), len(categories)))
    members = picking.Memberships.of(np.asarray(member_product, np.int64),
                                     np.asarray(member_category, np.int64), len(universe))
    remap = np.asarray([code[pk] for pk in product_ids], np.int64)
    counts = np.zeros(len(universe), np.int64)
    if len(remap):
        counts[remap] = item_count
    n = max(len(product_ids), 1)
    is_available = np.zeros(len(universe), bool)
    is_available[:len(available)] = True
    picks = picking.category_picks(
        n_orders, counts, remap[pair_key // n] if len(pair_key) else pair_key,
        remap[pair_key % n] if len(pair_key) else pair_key, pair_count, members,
        len(categories), is_available, PARAMS)
    return Picks(picks, universe, len(available), list(categories), facts, counts, n_orders)


def complement_rows(picks: Picks, mined: list[Row],
                    substitutes: Iterable[tuple[Any, Any]] | None = None) -> list[Row]:
    """Everything the complements recompute writes: rule rows, then the mined rows the
    rules did not make, then fallback rows for the products still short.

    ``substitutes``: the mined and rule upgrade pairs ``(source, target)`` this run
    writes (with the stored manual ones), or ``None``: the stored upgrade relations
    (see :func:`substitute_groups`)."""
    available = {pk: picks.facts[pk] for pk in picks.available}
    sold = dict(zip(picks.universe, picks.orders.tolist(), strict=True))
    rule_rows: list[Row] = rule_evaluation.complement_rule_rows(available, sold)
    taken = {(row[0], row[1]) for row in rule_rows}
    rows = rule_rows + [row for row in mined if (row[0], row[1]) not in taken]
    if not any(upcross_settings.FALLBACK.values()):  # no widget shows them
        return rows
    return rows + fallback_rows(picks, rows, available, substitute_groups(substitutes))


def substitute_groups(pairs: Iterable[tuple[Any, Any]] | None = None) -> dict[Any, Any]:
    """Product → one representative of its substitutes (products linked by upgrade
    relations: ``pairs`` and the active manual ones stored, or without ``pairs`` every
    active one stored), for counting distinct suggestions.

    A widget shows one product of a group (:mod:`upcross.diversity`): three storage
    sizes of one phone among a case's complements fill one place, not three.
    """
    stored = ProductRelation.objects.upgrades().filter(status=RelationStatus.ACTIVE)
    if pairs is not None:
        stored = stored.manual()
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in [*(pairs or ()), *stored.order_by().values_list("source", "target")]:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


def fallback_rows(picks: Picks, evidence: list[Row], available: dict[Any, ProductFacts],
                  groups: dict[Any, Any] | None = None) -> list[Row]:
    """Fallback rows of the available products with fewer than ``PICKS_PER_PRODUCT``
    distinct suggestions of their own (``evidence`` rows, plus active manual
    complements). Substitutes (``groups``) count once, and a fallback never adds a
    substitute of the product or of its suggestions (a widget would not show it)."""
    groups = groups or {}
    own: dict[Any, set[Any]] = defaultdict(set)
    for row in evidence:
        own[row[0]].add(row[1])
    manual = dict(ProductRelation.objects.complements().manual()
                  .filter(status=RelationStatus.ACTIVE).order_by()
                  .values("source").annotate(n=Count("pk")).values_list("source", "n"))
    code = {pk: i for i, pk in enumerate(picks.universe)}
    category_code = {text: i for i, text in enumerate(picks.categories)}
    by_category = grouped(picks.picks)
    categories_of = {i: frozenset(category_code[str(c)] for c in picks.facts[pk].categories)
                     for i, pk in enumerate(picks.universe)}
    # Products of the same categories share one list (their own picks are left out after).
    shared: dict[frozenset[int], list[picking.Pick]] = {}
    rows: list[Row] = []
    size = PICKS_PER_PRODUCT if len(available) <= LARGE_CATALOGUE else PICKS_PER_PRODUCT_LARGE
    for pk, fact in available.items():
        taken = {groups.get(target, target) for target in own.get(pk, ())}
        want = size - len(taken) - manual.get(pk, 0)
        if want <= 0:
            continue
        categories = categories_of[code[pk]]
        if categories not in shared:
            # Ask for more: the product's own picks and substitutes of taken are skipped.
            shared[categories] = picking.product_fallback(
                sorted(categories), by_category, set(), 3 * PICKS_PER_PRODUCT, categories_of)
        excluded = {code[target] for target in own.get(pk, ()) if target in code}
        excluded.add(code[pk])
        if fact.parent is not None and fact.parent in code:
            excluded.add(code[fact.parent])
        taken.add(groups.get(pk, pk))
        chosen = []
        for p in shared[categories]:
            if p.product in excluded:
                continue
            group = groups.get(picks.universe[p.product], picks.universe[p.product])
            if group in taken:
                continue
            taken.add(group)
            chosen.append(p)
            if len(chosen) == want:
                break
        rows.extend(as_row(pk, picks.universe[p.product], p, i, picks.n_orders)
                    for i, p in enumerate(chosen))
    return rows


def grouped(picks: Sequence[picking.Pick]) -> dict[Any, list[picking.Pick]]:
    """Picks by category: ``category`` picks, then ``best_seller`` ones, each by rank."""
    by_category: dict[Any, list[picking.Pick]] = defaultdict(list)
    for pick in picks:
        by_category[pick.category].append(pick)
    return {category: sorted(items, key=lambda p: (p.origin != picking.CATEGORY, p.rank))
            for category, items in by_category.items()}


def as_row(source: Any, target: Any, pick: Any, position: int, n_orders: int) -> Row:
    """A relation row of a pick (``picking.Pick`` or ``FallbackPick``): its evidence, and
    a score that keeps the product's fallback order (``position``)."""
    count = pick.pair_count if pick.origin == CATEGORY else pick.orders
    support = count / n_orders if n_orders and count is not None else None
    return (source, target, pick.pair_count, support, pick.confidence, pick.lift,
            1.0 / (1 + position), pick.origin)


def store_picks(picks: Picks, computed_at: datetime) -> None:
    """Replace the stored per-category picks (inside the recompute's transaction)."""
    rows = picks.rows()
    for row in rows:
        row.computed_at = computed_at
    FallbackPick.objects.all()._raw_delete(FallbackPick.objects.db)  # no cascades: no FK to it
    FallbackPick.objects.bulk_create(rows, batch_size=2_000)
