"""The showcases' read path: rank once, cache the result, filter per shopper.

``showcase(name, limit, category=…, visitor=…, exclude=…)`` returns
:class:`~upcross.recommend.Recommendations`, like the widgets' read path.

Cost. A showcase is ranked in one query over the host's product table (available
products, the merchandiser's blocked ones left out, pinned ones first, then the
showcase's own ranking), and one more fetches the facts (price, categories) of the
ranked products: cold two queries, warm none. The ranked list (with the product
instances) is cached per showcase, category and, for a personal showcase, visitor,
stamped with the relations and fragment tokens (and, ranked from orders or personal
to a signed-in customer, the orders token): a recompute, a relation, a decision, a
product or an order change makes it stale. A signed-in shopper's purchases, left out
of every showcase, come from the cache the other widgets share (one query when it is
cold).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross import cache
from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.models import RelationStatus, ShowcaseDecision
from upcross.recommend import Recommendation, Recommendations, checked_limit, product_pks
from upcross.showcases import registry
from upcross.showcases.registry import Ranked, Scope, Showcase
from upcross.showcases.visitor import Visitor

#: Products ranked and cached per showcase: the API's largest limit, plus room for the
#: shopper's own exclusions (cart, purchases, what the page shows already).
POOL = 80
#: The reason of a product a merchandiser pinned.
PINNED_REASON = _("Our pick")
#: ``Recommendation.kind`` of every showcase suggestion (``origin`` names the showcase).
KIND = "showcase"


@dataclass(frozen=True)
class Item:
    """One ranked product as cached: the ranking figures and the card."""

    ranked: Ranked
    pinned: bool
    product: models.Model
    price: Decimal | None
    categories: frozenset[Any]


class UnknownShowcase(LookupError):
    pass


def showcase(name: str, limit: int | None = None, *, category: Any = "",
             visitor: Visitor | None = None, exclude: Iterable[Any] = (),
             product: Any = None) -> Recommendations:
    """The showcase ``name`` for a shopper, best first.

    ``category``: a category value (per-category showcases). ``visitor``: who is
    looking (personal showcases; the signed-in customer's purchases are left out of
    every showcase). ``exclude``: products or pks to leave out (the page shows them).
    ``product``: the product a showcase about one product (similar products) is for.
    """
    found_showcase = registry.get(name)
    if found_showcase is None:
        raise UnknownShowcase(name)
    limit = checked_limit(limit)
    visitor = visitor or Visitor()
    product_pk = getattr(product, "pk", product)
    scope = Scope(category=str(category or "") if found_showcase.scoped else "",
                  visitor=visitor if found_showcase.personal else None,
                  product=str(product_pk) if found_showcase.about_product
                  and product_pk is not None else "")
    if limit == 0 or (found_showcase.about_product and not scope.product):
        return Recommendations()
    results = _read(found_showcase, scope, visitor, limit, exclude)
    fallback = found_showcase.fallback(scope) if len(results) < limit else None
    if fallback and fallback != name:
        shown = {str(r.product.pk) for r in results}
        more = showcase(fallback, limit - len(results), category=category, visitor=visitor,
                        exclude=[*product_pks(exclude), *shown])
        results = Recommendations.of([*results, *more], _earliest(
            results.expires_at, more.expires_at))
    return results


def _read(found_showcase: Showcase, scope: Scope, visitor: Visitor, limit: int,
          exclude: Iterable[Any]) -> Recommendations:
    customer = visitor.customer
    key = list_key(found_showcase, scope)
    keys = [*cache.TOKEN_KEYS, key]
    if customer is not None:
        keys.append(cache.bought_key(customer))
    found = cache.get_many(keys)
    generation, bought_generation = cache.tokens(found)
    by_orders = found_showcase.from_orders or (found_showcase.personal and customer is not None)
    stamp = (generation, cache.html_token(found), bought_generation if by_orders else None)
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == stamp:
        items: tuple[Item, ...] = stored[1]
    else:
        items = build(found_showcase, scope)
        cache.set_many({key: (stamp, items)})
    bought = _bought(found, customer, bought_generation) if customer is not None else frozenset()
    return _pick(found_showcase, items, limit, visitor, bought, exclude)


def list_key(found_showcase: Showcase, scope: Scope) -> str:
    digest = hashlib.sha1(repr((scope.category, found_showcase.visitor_key(scope),
                                scope.product)).encode(),
                          usedforsecurity=False).hexdigest()[:20]
    return f"{cache.PREFIX}s:{found_showcase.name}:{digest}"


def build(found_showcase: Showcase, scope: Scope) -> tuple[Item, ...]:
    """Rank the showcase (one query) and fetch the ranked products' facts (one more)."""
    adapter = get_adapter()
    products = decided(found_showcase.name, scope.category,
                       adapter.available_products(adapter.product_model()._default_manager.all()))
    ranked = found_showcase.rank(products, scope, POOL)
    facts = adapter.product_facts([row.pk for _product, row in ranked]) if ranked else {}
    items = []
    for product, row in ranked:
        fact = facts.get(row.pk)
        items.append(Item(ranked=row, pinned=getattr(product, "upcross_pin", None) is not None,
                          product=product, price=fact.price if fact else None,
                          categories=fact.categories if fact else frozenset()))
    return tuple(items)


def decided(name: str, category: str, products: models.QuerySet) -> models.QuerySet:
    """``products`` less the ones blocked in this showcase, annotated with ``upcross_pin``
    (the pinned position, ``None`` when not pinned)."""
    decisions = ShowcaseDecision._default_manager.filter(showcase=name,
                                                         scope__in=("", category or ""))
    blocked = decisions.filter(status=RelationStatus.BLOCKED.value)
    pins = decisions.filter(status=RelationStatus.ACTIVE.value, product=OuterRef("pk"))
    return (products.exclude(pk__in=blocked.values("product"))
            .annotate(upcross_pin=Subquery(pins.order_by("position").values("position")[:1])))


def _bought(found: dict[str, Any], customer: Any, bought_generation: str) -> frozenset[Any]:
    stamped = found.get(cache.bought_key(customer))
    if isinstance(stamped, tuple) and len(stamped) == 2 and stamped[0] == bought_generation:
        return stamped[1]
    bought = frozenset(get_adapter().customer_product_pks(customer))
    cache.set_many({cache.bought_key(customer): (bought_generation, bought)})
    return bought


def _pick(found_showcase: Showcase, items: tuple[Item, ...], limit: int, visitor: Visitor,
          bought: frozenset[Any], exclude: Iterable[Any]) -> Recommendations:
    now = timezone.now()
    left_out = {str(pk) for pk in (*product_pks(exclude), *visitor.cart)}
    if found_showcase.personal and found_showcase.leaves_out_viewed:
        left_out |= {str(pk) for pk in visitor.viewed}
    bought_text = {str(pk) for pk in bought}
    repeat = {str(c) for c in upcross_settings.REPEAT_PURCHASE_CATEGORIES}
    chosen: list[Recommendation] = []
    ends: list[datetime | None] = []
    for item in items:
        row = item.ranked
        text = str(row.pk)
        if text in left_out or (row.ends_at is not None and row.ends_at <= now):
            continue
        if text in bought_text and not (repeat and {str(c) for c in item.categories} & repeat):
            continue
        chosen.append(Recommendation(
            product=item.product, kind=KIND, origin=found_showcase.name,
            reason=str(PINNED_REASON) if item.pinned else found_showcase.reason(row, now),
            price=item.price, score=row.score, ends_at=row.ends_at, pinned=item.pinned))
        ends.append(row.ends_at)
        if len(chosen) == limit:
            break
    return Recommendations.of(chosen, _earliest(*ends))


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)




def invalidate() -> None:
    """A decision changed: every showcase list is stale (they share the relations token)."""
    cache.invalidate_relations()
