"""No empty widget: what the complements recompute computes besides mined rows.

A complement widget shows, in this order (``recommend.ORIGIN_RANK``)::

    manual → rule (ComplementRule) → mined → category → best_seller

The last two are the *fallback*. The recompute stores them per category, not per
product: :class:`~upcross.models.FallbackPick` rows hold, for each category, the
products bought with products of that category (``category``, with the evidence behind
them) and the best sellers of the categories bought with it (``best_seller``); rows of
the blank category are the whole catalogue's best sellers (the empty cart, the last
resort). The read path gives a product short of suggestions of its own the picks of
its categories (:mod:`upcross.fallback_table`): mined rows always outrank them, a
product created after the recompute is served at once, and the recompute writes a
few rows per category instead of a few per product.

``UPCROSS["FALLBACK"]`` switches the fallback off per widget kind at read time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

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
        #: Product pk → a representative of its substitutes (:func:`substitute_groups`).
        self.groups: dict[Any, Any] = {}

    def rows(self) -> list[FallbackPick]:
        """Unsaved ``FallbackPick`` rows."""
        def text(code: int) -> str:
            return "" if code < 0 else self.categories[code]

        return [FallbackPick(
            category=text(p.category), product_id=self.universe[p.product], origin=p.origin,
            rank=p.rank, via_category=text(p.via), pair_count=p.pair_count,
            confidence=p.confidence, lift=p.lift, orders=p.orders,
            score=1.0 / (1 + p.rank), substitute_group=self._group(self.universe[p.product]),
        ) for p in self.picks]

    def _group(self, pk: Any) -> str:
        group = self.groups.get(pk)
        return "" if group is None else str(group)[:255]


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
    """Every complement row the recompute writes: rule rows, then the mined rows the
    rules did not make. The fallback is stored per category (:func:`store_picks`).

    ``substitutes``: the mined and rule upgrade pairs ``(source, target)`` this run
    writes, or ``None``: the stored upgrade relations. The picks remember which of
    their products replace one another (:func:`substitute_groups`), so a widget filled
    from them never shows two."""
    available = {pk: picks.facts[pk] for pk in picks.available}
    sold = dict(zip(picks.universe, picks.orders.tolist(), strict=True))
    rule_rows: list[Row] = rule_evaluation.complement_rule_rows(available, sold)
    taken = {(row[0], row[1]) for row in rule_rows}
    picks.groups = substitute_groups(substitutes)
    return rule_rows + [row for row in mined if (row[0], row[1]) not in taken]


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


def store_picks(picks: Picks, computed_at: datetime) -> None:
    """Replace the stored per-category picks (inside the recompute's transaction)."""
    rows = picks.rows()
    for row in rows:
        row.computed_at = computed_at
    FallbackPick.objects.all()._raw_delete(FallbackPick.objects.db)  # no cascades: no FK to it
    FallbackPick.objects.bulk_create(rows, batch_size=2_000)
