"""The showcases a shop can show, by name.

A showcase is a ranked list of products that is not about one product page or one
cart line: best sellers, products on offer, a personal pick. Each one is a
:class:`Showcase` registered under a short name, which is also its widget name in
the analytics counters, its template tag argument and its API path
(``showcases/<name>/``). This module imports no model: the analytics and API layers
ask it whether a name is a showcase without pulling in the read path. The built-in
showcases (:mod:`upcross.showcases.builtin`) register from ``UpcrossConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q

if TYPE_CHECKING:
    from django.db import models

    from upcross.showcases.visitor import Visitor


@dataclass(frozen=True)
class Scope:
    """What a showcase is asked for: a category (text, blank for all), the visitor, and
    for a showcase about one product (similar products) that product's pk as text."""

    category: str = ""
    visitor: Visitor | None = None
    product: str = ""


@dataclass(frozen=True)
class Ranked:
    """One product of a computed showcase, best first. ``score``: the ranking figure;
    ``ends_at``: when it leaves the showcase by the clock (an offer's end);
    ``signal``: what a personal pick comes from (``viewed``, ``cart``, ``bought``)."""

    pk: Any
    score: float = 0.0
    ends_at: datetime | None = None
    signal: str = ""


class Showcase:
    """A named, ranked list of products. Subclasses set ``name`` and ``title`` and
    implement :meth:`rank`; the read path (:mod:`upcross.showcases.reading`) adds the
    merchandiser's pins and blocks, availability, caching and the shopper's exclusions.

    ``personal``: the ranking depends on the visitor (cached per visitor).
    ``scoped``: takes a category (per-category best sellers).
    ``from_orders``: ranked from the shop's orders (best sellers): what is cached of it
    is stamped with the orders token, so a new or changed order makes it stale.
    """

    name: str = ""
    title: Any = ""
    personal: bool = False
    scoped: bool = False
    from_orders: bool = False
    #: A personal showcase leaves out what the visitor viewed (not "recently viewed").
    leaves_out_viewed: bool = True
    #: Ranks for one product (``product=``), like "similar products".
    about_product: bool = False
    #: The widget's template (a ``showcase_<name>.html`` next to it is tried first).
    template_name: str = "upcross/widgets/showcase.html"

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        """The best ``pool`` products of ``products`` for ``scope``, best first, in **one**
        query. ``products`` holds the available products less the merchandiser's blocked
        ones, annotated with ``upcross_pin`` (a pinned product's position): keep pinned
        ones whatever the ranking says, first (:meth:`top` does both)."""
        raise NotImplementedError

    @staticmethod
    def top(products: models.QuerySet, candidates: Q, score: Any, pool: int,
            descending: bool = True) -> list[models.Model]:
        """Pinned products by position, then ``candidates`` by ``score`` (annotated as
        ``upcross_score``), ties by pk: one query."""
        order = F("upcross_score").desc(nulls_last=True) if descending \
            else F("upcross_score").asc(nulls_last=True)
        return list(products.filter(Q(upcross_pin__isnull=False) | candidates)
                    .annotate(upcross_score=score)
                    .order_by(F("upcross_pin").asc(nulls_last=True), order, "pk")[:pool])

    def reason(self, item: Ranked, now: datetime) -> str:
        """Why a product is shown, in words (translated at call time)."""
        return str(self.title)

    def visitor_key(self, scope: Scope) -> Any:
        """What, of the visitor, the ranking depends on (part of the cache key)."""
        return None

    def fallback(self, scope: Scope) -> str | None:
        """The showcase shown instead when this one has nothing (``None``: none)."""
        return None

    def shows_orders(self, scope: Scope) -> bool:
        """Whether what is shown for ``scope`` may come from orders: this showcase ranks
        from them, or one down its fallback chain does (an answer or a rendered box
        holding the fallback's products is stamped with the orders token too)."""
        seen: set[str] = set()
        current: Showcase | None = self
        while current is not None and current.name not in seen:
            if current.from_orders:
                return True
            seen.add(current.name)
            name = current.fallback(scope)
            current = get(name) if name else None
        return False


_registry: dict[str, Showcase] = {}


def register(showcase: Showcase) -> Showcase:
    """Add (or replace) a showcase under ``showcase.name``; returns it (usable as a
    class decorator on an instance factory)."""
    if not showcase.name or len(showcase.name) > 32 or not showcase.name.isidentifier():
        raise ValueError(f"A showcase name is a short identifier, not {showcase.name!r}")
    _registry[showcase.name] = showcase
    return showcase


def get(name: str) -> Showcase | None:
    return _registry.get(name)


def names() -> list[str]:
    return list(_registry)


def is_showcase(name: str) -> bool:
    return get(name) is not None


def all_showcases() -> Iterator[Showcase]:
    yield from _registry.values()

