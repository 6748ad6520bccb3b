"""Template tags: thin shells over :mod:`upcross.recommend`.

```django
{% load upcross %}
{% upcross_complements product limit=4 %}
{% upcross_upgrades product limit=2 %}
{% upcross_cart_complements cart_items limit=4 %}
{% upcross_cart_upgrades cart_items %}              {# every line with an upgrade #}
{% upcross_cart_upgrades cart_items line=line %}    {# just this line's offer      #}
{% get_upcross_complements product limit=4 as items %}   {# and get_upcross_upgrades, #}
{% get_upcross_cart_complements cart_items as items %}   {# get_upcross_cart_upgrades #}
```

Switching widgets off for one request (an A/B holdout, a page that must stay
plain): set ``request.upcross_disabled = True`` for all of them, or to a set of
widget names (``{"complements", "upgrades", "cart_complements", "cart_upgrades"}``).
The ``get_`` tags then return an empty list and the widget tags render nothing.

The signed-in customer (``request.user``) is passed on, so products they already
bought are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from upcross import recommend
from upcross.recommend import Recommendation

register = template.Library()

WIDGETS = ("complements", "upgrades", "cart_complements", "cart_upgrades")


def widget_disabled(request: Any, widget: str) -> bool:
    """Whether ``request.upcross_disabled`` switches ``widget`` off."""
    flag = getattr(request, "upcross_disabled", None)
    if not flag:
        return False
    if flag is True:
        return True
    if isinstance(flag, str):
        return flag == widget
    try:
        return widget in flag
    except TypeError:
        return bool(flag)


def _customer(request: Any) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _limit(limit: Any) -> int | None:
    """A template's ``limit`` may be a string or junk: junk means the default."""
    if limit is None or limit == "":
        return None
    try:
        value = int(limit)
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


def _memo(request: Any, key: tuple[Any, ...], compute: Any) -> list[Recommendation]:
    """One computation per request and cart: the per-line tag may run once per line."""
    if request is None:
        return compute()
    store = getattr(request, "_upcross_memo", None)
    if store is None:
        store = {}
        try:
            request._upcross_memo = store
        except AttributeError:
            return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def _cart_key(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(getattr(getattr(item, "product", item), "pk", None) for item in items)


# --- data tags (own markup) --------------------------------------------------------


@register.simple_tag(takes_context=True)
def get_upcross_complements(context: template.Context, product: Any,
                            limit: Any = None) -> list[Recommendation]:
    request = context.get("request")
    if widget_disabled(request, "complements"):
        return []
    return recommend.complements(product, limit=_limit(limit), customer=_customer(request))


@register.simple_tag(takes_context=True)
def get_upcross_upgrades(context: template.Context, product: Any,
                         limit: Any = None) -> list[Recommendation]:
    request = context.get("request")
    if widget_disabled(request, "upgrades"):
        return []
    return recommend.upgrades(product, limit=_limit(limit), customer=_customer(request))


@register.simple_tag(takes_context=True)
def get_upcross_cart_complements(context: template.Context, cart_items: Any,
                                 limit: Any = None) -> list[Recommendation]:
    request = context.get("request")
    if widget_disabled(request, "cart_complements") or not cart_items:
        return []
    items = list(cart_items)
    return _memo(request, ("cart_complements", _limit(limit), _cart_key(items)),
                 lambda: recommend.cart_complements(items, limit=_limit(limit),
                                                    customer=_customer(request)))


@register.simple_tag(takes_context=True)
def get_upcross_cart_upgrades(context: template.Context, cart_items: Any,
                              line: Any = None) -> list[Recommendation]:
    """Upgrades of every line, or of ``line`` only (a line object or a product)."""
    request = context.get("request")
    if widget_disabled(request, "cart_upgrades") or not cart_items:
        return []
    items = list(cart_items)
    offers = _memo(request, ("cart_upgrades", _cart_key(items)),
                   lambda: recommend.cart_upgrades(items, customer=_customer(request)))
    if line is None:
        return offers
    line_pk = getattr(getattr(line, "product", line), "pk", None)
    return [offer for offer in offers if offer.source is not None and offer.source.pk == line_pk]


# --- widget tags (upcross's markup, overridable templates) -------------------------


@register.inclusion_tag("upcross/widgets/complements.html", takes_context=True)
def upcross_complements(context: template.Context, product: Any,
                        limit: Any = None) -> dict[str, Any]:
    return {"items": get_upcross_complements(context, product, limit), "product": product,
            "widget": "complements", "request": context.get("request")}


@register.inclusion_tag("upcross/widgets/upgrades.html", takes_context=True)
def upcross_upgrades(context: template.Context, product: Any,
                     limit: Any = None) -> dict[str, Any]:
    return {"items": get_upcross_upgrades(context, product, limit), "product": product,
            "widget": "upgrades", "request": context.get("request")}


@register.inclusion_tag("upcross/widgets/cart_complements.html", takes_context=True)
def upcross_cart_complements(context: template.Context, cart_items: Any,
                             limit: Any = None) -> dict[str, Any]:
    return {"items": get_upcross_cart_complements(context, cart_items, limit),
            "widget": "cart_complements", "request": context.get("request")}


@register.inclusion_tag("upcross/widgets/cart_upgrades.html", takes_context=True)
def upcross_cart_upgrades(context: template.Context, cart_items: Any,
                          line: Any = None) -> dict[str, Any]:
    return {"items": get_upcross_cart_upgrades(context, cart_items, line), "line": line,
            "widget": "cart_upgrades", "request": context.get("request")}
