"""The fallback chain's category-level data, as the read path holds it.

The complements recompute stores per-category picks (:class:`~upcross.models.FallbackPick`:
products bought with products of a category, best sellers of the categories bought
with it, the catalogue's best sellers). They are *not* copied to every product: a
product short of suggestions of its own gets its fallback from its categories' picks
when a widget is rendered. The table is small (a few dozen picks per category), is
cached as one value stamped with the relations' generation token (like the entries),
and choosing one product's fallback from it costs no query. When the cache lost it,
its picks are read in the same statement as the relation rows of the widget's
products (:mod:`upcross.read_rows`), so the first widget costs no query more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from upcross.mining import fallback as picking


@dataclass(frozen=True)
class FallbackTable:
    """Available picks by category text (``picking.CATALOGUE``: the whole catalogue)."""

    token: str
    by_category: Mapping[Any, tuple[picking.Pick, ...]]
    #: Category texts of every picked product (a pick never shares one with its product).
    categories_of: Mapping[Any, frozenset[str]]
    #: Picked products that replace one another (the recompute's substitute groups).
    substitute_pairs: frozenset[tuple[Any, Any]]

    @classmethod
    def of(cls, token: str, rows: Iterable[Any],
           categories: Mapping[Any, Iterable[Any]]) -> FallbackTable:
        """The table of stored picks (``FallbackPick`` rows, or :class:`upcross.read_rows.PickRow`
        of the read path; available products only, in rank order); ``categories``: each
        picked product's category values."""
        picks: dict[Any, list[picking.Pick]] = defaultdict(list)
        groups: dict[str, set[Any]] = defaultdict(set)
        for row in rows:
            category = row.category or picking.CATALOGUE
            picks[category].append(picking.Pick(
                category, row.product_id, row.origin, row.rank, -1, row.pair_count,
                row.confidence, row.lift, row.orders))
            if row.substitute_group:
                groups[row.substitute_group].add(row.product_id)
        pairs = frozenset(pair for members in groups.values()
                          for pair in combinations(sorted(members, key=str), 2))
        ordered = {category: tuple(sorted(items, key=lambda p: (
            p.origin != picking.CATEGORY, p.rank))) for category, items in picks.items()}
        return cls(token, ordered,
                   {pk: frozenset(str(c) for c in values) for pk, values in categories.items()},
                   pairs)

    @property
    def products(self) -> set[Any]:
        return {pick.product for items in self.by_category.values() for pick in items}

    def for_product(self, categories: Iterable[Any], excluded: set[Any],
                    want: int) -> list[picking.Pick]:
        """A product's fallback, best first: its categories' co-purchase picks, then the
        best sellers of the categories bought with them, then the catalogue's; never a
        product of its own categories nor one of ``excluded``."""
        return picking.product_fallback(sorted({str(c) for c in categories}),
                                        self.by_category, excluded, want, self.categories_of)

    def best_sellers(self) -> tuple[picking.Pick, ...]:
        return self.by_category.get(picking.CATALOGUE, ())
