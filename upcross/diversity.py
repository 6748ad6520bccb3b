"""Diversity of one widget: no two substitutes, at most N suggestions of one category.

Substitutes are products a shopper buys one *instead of* the other: two versions of
one shoe, two storage sizes of one phone. The test is the upgrade test (a pair linked
by an upgrade relation of any origin, in either direction, the same evidence the
recompute mined it on), plus the categories a merchandiser declared substitutes
(``SUBSTITUTE_CATEGORIES``). Offering both in one "Add this too" box or one bundle
asks the shopper to buy the same thing twice.

The read path collects the pairs in the cached entries (:class:`upcross.recommend.Entry`
``substitute_pairs``), so applying the rules costs no query. :class:`Diversity` is a
stateful ``accept(target, card)`` for ``_Snapshot.pick``: candidates come in rank order,
and one is refused when it is a substitute of one already taken, or when each of its
categories already holds ``max_per_category`` taken suggestions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from upcross.conf import upcross_settings

#: ``accept(target, card) -> bool`` as ``_Snapshot.pick`` takes it.
Accept = Callable[[Any, Any], bool]


class Diversity:
    """Accepts candidates in rank order while keeping one widget diverse.

    ``substitute_pairs``: ``(a, b)`` pairs of substitutes (either order: the test looks
    both ways). ``max_per_category``: ``None`` for no cap. ``also``: another acceptor
    that must agree first (e.g. "pricier than the source"). ``seen``: products the
    page or the cart shows already: their substitutes are refused too (the Pro version
    of a shoe in the bundle, the plain one not in "Add this too"). Pks are compared as
    text (a cart may hold them as strings).
    """

    def __init__(self, substitute_pairs: Iterable[tuple[Any, Any]] = (),
                 max_per_category: int | None = None, also: Accept | None = None,
                 substitute_categories: Iterable[Any] | None = None,
                 seen: Iterable[Any] = ()) -> None:
        self.pairs: set[tuple[str, str]] = set()
        for a, b in substitute_pairs:
            self.pairs.add((str(a), str(b)))
            self.pairs.add((str(b), str(a)))
        self.seen = {str(pk) for pk in seen}
        self.max_per_category = max_per_category
        self.also = also
        categories = (upcross_settings.SUBSTITUTE_CATEGORIES if substitute_categories is None
                      else substitute_categories)
        self.substitute_categories = {str(c) for c in categories}
        self.taken: list[str] = []
        self.taken_substitute_categories: set[str] = set()
        self.per_category: Counter[str] = Counter()

    @classmethod
    def for_widget(cls, substitute_pairs: Iterable[tuple[Any, Any]] = (),
                   also: Accept | None = None, seen: Iterable[Any] = ()) -> Diversity:
        """The configured rules (``MAX_PER_CATEGORY``, ``SUBSTITUTE_CATEGORIES``)."""
        return cls(substitute_pairs, upcross_settings.MAX_PER_CATEGORY, also, seen=seen)

    def is_substitute(self, target: Any, categories: Iterable[Any]) -> bool:
        """Whether ``target`` replaces a product taken (or seen) already."""
        key = str(target)
        if any((key, other) in self.pairs for other in (*self.taken, *self.seen)):
            return True
        names = {str(c) for c in categories} & self.substitute_categories
        return bool(names & self.taken_substitute_categories)

    def __call__(self, target: Any, card: Any) -> bool:
        if self.also is not None and not self.also(target, card):
            return False
        categories = [str(c) for c in getattr(card, "categories", ())]
        if self.is_substitute(target, categories):
            return False
        cap = self.max_per_category
        if cap is not None and categories and all(self.per_category[c] >= cap
                                                  for c in categories):
            return False
        self.taken.append(str(target))
        self.per_category.update(categories)
        self.taken_substitute_categories.update(set(categories) & self.substitute_categories)
        return True
