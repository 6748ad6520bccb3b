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
of every showcase, come from the cache the other widgets share; when that is cold too,
a list being built marks them in its ranking query (cold stays two queries) and keeps
the marks beside it, per customer, stamped like the list and with the orders token.
Only a cached list read by a customer neither cached costs one query (the purchases,
then cached for every widget).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
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
        keys += [cache.bought_key(customer), bought_in_list_key(key, customer)]
    found = cache.get_many(keys)
    generation, bought_generation = cache.tokens(found)
    by_orders = found_showcase.from_orders or (found_showcase.personal and customer is not None)
    stamp = (generation, cache.html_token(found), bought_generation if by_orders else None)
    bought: frozenset[Any] | None = frozenset()
    if customer is not None:
        bought = _stamped(found.get(cache.bought_key(customer)), bought_generation)
    items: tuple[Item, ...] | None = _stamped(found.get(key), stamp)
    if items is not None:
        if bought is None:
            bought = _stamped(found.get(bought_in_list_key(key, customer)),
                              (stamp, bought_generation))
    else:
        # The customer's purchases not cached: the ranking query marks them.
        items, bought_ranked = build(found_showcase, scope,
                                     buyer=customer if bought is None else None)
        values: dict[str, Any] = {key: (stamp, items)}
        if bought is None and bought_ranked is not None:
            bought = bought_ranked
            values[bought_in_list_key(key, customer)] = ((stamp, bought_generation), bought)
        cache.set_many(values)
    if bought is None:
        bought = _load_bought(customer, bought_generation)
    return _pick(found_showcase, items, limit, visitor, bought, exclude)


def _stamped(value: Any, stamp: Any) -> Any:
    """What a cached ``(stamp, value)`` pair holds, if stamped with ``stamp``; else ``None``."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == stamp:
        return value[1]
    return None


def list_key(found_showcase: Showcase, scope: Scope) -> str:
    digest = hashlib.sha1(repr((scope.category, found_showcase.visitor_key(scope),
                                scope.product)).encode(),
                          usedforsecurity=False).hexdigest()[:20]
    return f"{cache.PREFIX}s:{found_showcase.name}:{digest}"


def bought_in_list_key(key: str, customer: Any) -> str:
    """Which products of the cached list ``key`` the customer bought (marked by the
    ranking query that built it; see :func:`build`)."""
    return f"{key}:b:{customer}"


def build(found_showcase: Showcase, scope: Scope,
          buyer: Any = None) -> tuple[tuple[Item, ...], frozenset[Any] | None]:
    """Rank the showcase (one query) and fetch the ranked products' facts (one more).

    With ``buyer`` (a customer pk) the ranking query also marks the ranked products the
    customer bought (``upcross_bought``, an uncorrelated ``IN`` the database runs once):
    returned beside the items, which stay the same for everyone (they are cached
    shared). ``None`` when not asked for, or when a showcase's ``rank()`` dropped the
    mark (it did not build on the queryset it was given).
    """
    adapter = get_adapter()
    products = decided(found_showcase.name, scope.category,
                       adapter.available_products(adapter.product_model()._default_manager.all()))
    bought_query = None if buyer is None else adapter.bought_products(buyer)
    if bought_query is not None:
        products = products.annotate(upcross_bought=ExpressionWrapper(
            Q(pk__in=bought_query), output_field=BooleanField()))
    ranked = found_showcase.rank(products, scope, POOL)
    bought = None
    if bought_query is not None and all(hasattr(p, "upcross_bought") for p, _row in ranked):
        bought = frozenset(row.pk for product, row in ranked
                           if getattr(product, "upcross_bought", False))
    facts = adapter.product_facts([row.pk for _product, row in ranked]) if ranked else {}
    items = []
    for product, row in ranked:
        product.__dict__.pop("upcross_bought", None)  # nobody's purchases in the shared list
        fact = facts.get(row.pk)
        items.append(Item(ranked=row, pinned=getattr(product, "upcross_pin", None) is not None,
                          product=product, price=fact.price if fact else None,
                          categories=fact.categories if fact else frozenset()))
    return tuple(items), bought


def decided(name: str, category: str, products: models.QuerySet) -> models.QuerySet:
    """``products`` less the ones blocked in this showcase, annotated with ``upcross_pin``
    (the pinned position, ``None`` when not pinned)."""
    decisions = ShowcaseDecision._default_manager.filter(showcase=name,
                                                         scope__in=("", category or ""))
    blocked = decisions.filter(status=RelationStatus.BLOCKED.value)
    pins = decisions.filter(status=RelationStatus.ACTIVE.value, product=OuterRef("pk"))
    return (products.exclude(pk__in=blocked.values("product"))
            .annotate(upcross_pin=Subquery(pins.order_by("position").values("position")[:1])))


def _load_bought(customer: Any, bought_generation: str) -> frozenset[Any]:
    """The customer's purchases (one query), cached for the widgets and showcases."""
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
