"""Template tags: thin shells over :mod:`upcross.recommend`.

```django
{% load upcross %}
{% upcross_complements product limit=4 %}
{% upcross_upgrades product limit=2 %}
{% upcross_complements product limit=4 cart=cart %}  {# leave out what the cart holds #}
{% upcross_cart_complements cart_items limit=4 %}
{% upcross_cart_upgrades cart_items %}              {# every line with an upgrade #}
{% upcross_cart_upgrades cart_items line=line %}    {# just this line's offer      #}
{% get_upcross_complements product limit=4 as items %}   {# and get_upcross_upgrades, #}
{% get_upcross_cart_complements cart_items as items %}   {# get_upcross_cart_upgrades #}
{% upcross_tracking %}            {# the tracking script, on every page          #}
{% upcross_tracking product %}    {# on a product page: also counts its view      #}
```

Switching widgets off for one request (an A/B holdout, a page that must stay
plain): set ``request.upcross_disabled = True`` for all of them, or to a set of
widget names (``{"complements", "upgrades", "cart_complements", "cart_upgrades"}``).
The ``get_`` tags then return an empty list and the widget tags render nothing.

The signed-in customer (``request.user``) is passed on, so products they already
bought are left out.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django import template
from django.template import engines
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from upcross import bundles, cache, nudges, recommend, tracking
from upcross.adapters import get_adapter
from upcross.analytics import counters
from upcross.analytics.attribution import relation_value, sign_touch
from upcross.analytics.counters import pk_text as analytics_pk
from upcross.conf import upcross_settings
from upcross.price_display import price_html
from upcross.read_timeout import RelationsUnavailable
from upcross.recommend import Recommendation

register = template.Library()

WIDGETS = ("complements", "upgrades", "cart_complements", "cart_upgrades")

Tag = TypeVar("Tag", bound=Callable[..., Any])


#: How many upcross tags are running in this context: a widget tag calls a data tag.
_tag_depth: contextvars.ContextVar[int] = contextvars.ContextVar("upcross_tag_depth", default=0)


def _empty_when_unavailable(empty: Callable[[], Any]) -> Callable[[Tag], Tag]:
    """The tag gives ``empty()`` when the relations cannot be read in time
    (``READ_TIMEOUT``): the page still answers. Only the outermost tag does so; a
    widget built on a data tag sees the error, so it never caches the empty answer."""
    def decorate(tag: Tag) -> Tag:
        @functools.wraps(tag)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth = _tag_depth.set(_tag_depth.get() + 1)
            try:
                return tag(*args, **kwargs)
            except RelationsUnavailable:
                if _tag_depth.get() > 1:
                    raise
                return empty()
            finally:
                _tag_depth.reset(depth)
        return wrapper  # type: ignore[return-value]
    return decorate


_no_items = _empty_when_unavailable(list)
_no_html = _empty_when_unavailable(str)
_no_offer = _empty_when_unavailable(lambda: None)


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


def _enabled(widget: str) -> bool:
    """The ``COMPLEMENTS_ENABLED`` / ``UPGRADES_ENABLED`` settings."""
    if widget in ("complements", "cart_complements", "bundle"):
        return upcross_settings.COMPLEMENTS_ENABLED
    if widget in ("upgrades", "cart_upgrades"):
        return upcross_settings.UPGRADES_ENABLED
    return True  # showcases: a host shows or leaves out their tags


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


def _memo(request: Any, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
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


# --- one page shows a product once ------------------------------------------------------
#
# The widgets of one page (bundle, "Add this too", upgrades; the nudge and the cart
# complements) note what they showed on the request; a widget rendered later leaves
# those products out. The shown products are part of the later widget's fragment key,
# so its cached HTML stays right (a page renders its widgets in the same order).


def page_shown(request: Any) -> tuple[str, ...]:
    """Pks (as text) of the products the page's upcross widgets showed so far, sorted."""
    return tuple(sorted(getattr(request, "_upcross_shown", ()) or ()))


def _note_shown(request: Any, shown: Iterable[tuple[str, str]]) -> None:
    if request is None:
        return
    found = getattr(request, "_upcross_shown", None)
    if found is None:
        found = set()
        try:
            request._upcross_shown = found
        except AttributeError:
            return
    found.update(target for _source, target in shown)


# --- data tags (own markup) --------------------------------------------------------


@register.simple_tag(takes_context=True)
@_no_items
def get_upcross_complements(context: template.Context, product: Any, limit: Any = None,
                            cart: Any = None) -> list[Recommendation]:
    """``cart=`` (optional): leave out what the cart holds."""
    return _of_product(context, "complements", recommend.complements, product, limit, cart)


@register.simple_tag(takes_context=True)
@_no_items
def get_upcross_upgrades(context: template.Context, product: Any, limit: Any = None,
                         cart: Any = None) -> list[Recommendation]:
    return _of_product(context, "upgrades", recommend.upgrades, product, limit, cart)


def _of_product(context: template.Context, widget: str,
                read: Callable[..., list[Recommendation]], product: Any, limit: Any,
                cart: Any) -> list[Recommendation]:
    """A product widget's suggestions for this request (none when the widget is off)."""
    request = context.get("request")
    if widget_disabled(request, widget):
        return []
    return read(product, limit=_limit(limit), customer=_customer(request),
                exclude=recommend.product_pks(cart))


@register.simple_tag(takes_context=True)
@_no_items
def get_upcross_cart_complements(context: template.Context, cart_items: Any,
                                 limit: Any = None, exclude: Any = None) -> list[Recommendation]:
    """``exclude=`` (optional): products (or pks) to leave out."""
    request = context.get("request")
    if widget_disabled(request, "cart_complements"):
        return []
    items = list(cart_items or ())  # empty: the best sellers (when the fallback is on)
    left_out = tuple(sorted(map(str, recommend.product_pks(exclude))))
    return _memo(request, ("cart_complements", _limit(limit), _cart_key(items), left_out),
                 lambda: recommend.cart_complements(items, limit=_limit(limit),
                                                    customer=_customer(request),
                                                    exclude=left_out))


@register.simple_tag(takes_context=True)
@_no_items
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
#
# A widget's HTML is cached too (``CACHE_FRAGMENTS``, :mod:`upcross.cache`).

def _render(context: template.Context, template_name: str, values: dict[str, Any],
            csrf_token: Any) -> str:
    engine = context.template.engine if context.template is not None else None
    if engine is None:
        engine = engines["django"].engine  # type: ignore[attr-defined]
    new_context = context.new(values)
    if csrf_token is not None:
        new_context["csrf_token"] = csrf_token
    return engine.get_template(template_name).render(new_context)


def _widget(context: template.Context, widget: str, template_name: str, subject: Any,
            limit: Any, compute: Callable[[], Any],
            values: Callable[[Any], dict[str, Any]],
            prefetched: dict[str, Any] | None = None, fragment: str | None = None,
            shown_of: Callable[[Any], tuple[tuple[str, str], ...]] | None = None,
            from_orders: bool = False) -> str:
    request = context.get("request")
    if widget_disabled(request, widget) or not _enabled(widget):
        return ""
    csrf = context.get("csrf_token")
    token = None if csrf is None else str(csrf)
    if not upcross_settings.CACHE_FRAGMENTS or not token or token == "NOTPROVIDED":
        results = compute()
        html = _render(context, template_name, values(results), csrf)
        shown = (shown_of or shown_pairs)(results)
        _count_impressions(widget, html, shown)
        _note_shown(request, shown)
        return html
    customer_pk = getattr(_customer(request), "pk", None)
    key = _fragment_key(fragment or widget, subject, limit, customer_pk)
    found = prefetched if prefetched is not None else cache.get_many([*cache.TOKEN_KEYS, key])
    stamp = cache.fragment_stamp(found, orders=from_orders or customer_pk is not None)
    hit = cache.fragment_hit(found.get(key), stamp)
    if hit is not None:
        html, shown = hit
    else:
        results = compute()
        html = _render(context, template_name, values(results), cache.CSRF_PLACEHOLDER)
        shown = (shown_of or shown_pairs)(results)
        cache.store_fragment(key, stamp, html, shown, getattr(results, "expires_at", None))
    _count_impressions(widget, html, shown)
    _note_shown(request, shown)
    return mark_safe(html.replace(cache.CSRF_PLACEHOLDER, token))  # rendered and escaped above


def shown_pairs(results: Iterable[Recommendation]) -> tuple[tuple[str, str], ...]:
    """(source pk, target pk) of each suggestion shown, as the analytics counters key them."""
    return tuple((analytics_pk(relation_source(item)),
                  analytics_pk(getattr(item, "product", item))) for item in results)


def relation_source(item: Any) -> Any:
    """The product a suggestion is shown for: its source, or a cart complement's first."""
    source = getattr(item, "source", None)
    if source is not None:
        return source
    sources = getattr(item, "sources", None) or ()
    return sources[0] if sources else None


def _count_impressions(widget: str, html: str, shown: tuple[tuple[str, str], ...]) -> None:
    """One impression of the widget and of each suggestion in it (Redis, no database).

    Not with ``IMPRESSIONS = "seen"``: the tracking script counts what was on screen.
    """
    if shown and html.strip() and upcross_settings.IMPRESSIONS == "render":
        counters.increment_with_page(counters.event_counts(widget, "impressions", shown))


@register.filter
def upcross_relation(item: Any, widget: str = "") -> str:
    """The widget forms' ``upcross_relation`` field: a signed token for ``widget``'s
    suggestion of the item (see :mod:`upcross.analytics.attribution`)."""
    return relation_value(relation_source(item), getattr(item, "product", item), widget)


@register.filter
def upcross_item_pk(item: Any) -> str:
    """A suggestion's product pk as the events endpoint takes it (``data-upcross-product``)."""
    return analytics_pk(getattr(item, "product", item))


@register.filter
def upcross_source_pk(item: Any) -> str:
    """The pk of the product a suggestion is shown for, blank if none."""
    return analytics_pk(relation_source(item))


@register.simple_tag(takes_context=True)
def upcross_tracking(context: template.Context, product: Any = None) -> str:
    """The tracking script with its config; with ``product``, the page's product view
    (counted by the script, and kept in the visitor's session for "recently viewed")."""
    if product is not None:
        tracking.remember_view(context.get("request"), product)
    return _render(context, "upcross/tracking.html",
                   {"config": tracking.script_config(product)}, None)


@register.filter
def upcross_bundle_token(bundle: Any) -> str:
    """The bundle box "Add all" form's signed token: any product of the bundle."""
    return sign_touch("bundle", None, [part.product for part in bundle.parts])


def _fragment_key(widget: str, subject: Any, limit: Any, customer_pk: Any) -> str:
    return cache.fragment_key(widget, subject, _limit(limit), get_language(),
                              get_script_prefix(), customer_pk)


def _pk(product: Any) -> Any:
    return getattr(product, "pk", product)


def _product_subject(product: Any, cart: Any, shown: tuple[str, ...] = ()) -> tuple[Any, ...]:
    return (_pk(product), tuple(sorted(map(str, recommend.product_pks(cart)))), shown)


@register.simple_tag(takes_context=True)
@_no_html
def upcross_complements(context: template.Context, product: Any, limit: Any = None,
                        cart: Any = None) -> str:
    return _product_widget(context, "complements", get_upcross_complements, product, limit,
                           cart)


@register.simple_tag(takes_context=True)
@_no_html
def upcross_upgrades(context: template.Context, product: Any, limit: Any = None,
                     cart: Any = None) -> str:
    return _product_widget(context, "upgrades", get_upcross_upgrades, product, limit, cart)


def _product_widget(context: template.Context, widget: str, get: Callable[..., Any],
                    product: Any, limit: Any, cart: Any) -> str:
    """A product page's widget: its suggestions leave out the cart and what the page
    already shows (and are cached per that)."""
    cart = list(cart or ())
    shown = page_shown(context.get("request"))
    return _widget(
        context, widget, f"upcross/widgets/{widget}.html",
        _product_subject(product, cart, shown), limit,
        lambda: get(context, product, limit, [*cart, *shown]),
        lambda items: {"items": items, "product": product, "widget": widget,
                       "request": context.get("request")})


@register.simple_tag(takes_context=True)
@_no_html
def upcross_cart_complements(context: template.Context, cart_items: Any,
                             limit: Any = None) -> str:
    items = list(cart_items or ())
    shown = page_shown(context.get("request"))
    return _widget(
        context, "cart_complements", "upcross/widgets/cart_complements.html",
        (_cart_key(items), shown) if shown else _cart_key(items), limit,
        lambda: get_upcross_cart_complements(context, items, limit, shown),
        lambda results: {"items": results, "widget": "cart_complements",
                         "best_sellers": not items, "request": context.get("request")})


@register.simple_tag(takes_context=True)
@_no_html
def upcross_cart_upgrades(context: template.Context, cart_items: Any, line: Any = None) -> str:
    """All lines' upgrades, or (``line=``) one line's offer, rendered inside that line.

    Per-line use renders once per line: the fragments of every line of the cart are
    fetched in one cache round trip on the first line, the offers computed once.
    """
    items = list(cart_items or ())
    cart = _cart_key(items)
    values = {"widget": "cart_upgrades", "line": line, "request": context.get("request")}
    if line is None:
        return _widget(
            context, "cart_upgrades", "upcross/widgets/cart_upgrades.html", cart, None,
            lambda: get_upcross_cart_upgrades(context, items),
            lambda results: {**values, "items": results})
    line_pk = _pk(getattr(line, "product", line))
    request = context.get("request")
    customer_pk = getattr(_customer(request), "pk", None)

    def prefetch() -> dict[str, Any]:
        keys = [_fragment_key("cart_upgrade_line", (cart, pk), None, customer_pk) for pk in cart]
        return cache.get_many([*cache.TOKEN_KEYS, *keys])

    prefetched = None
    if upcross_settings.CACHE_FRAGMENTS and not widget_disabled(request, "cart_upgrades"):
        prefetched = _memo(request, ("line_fragments", cart, customer_pk, get_language()),
                           prefetch)
    return _widget(
        context, "cart_upgrades", "upcross/widgets/cart_upgrades.html", (cart, line_pk), None,
        lambda: get_upcross_cart_upgrades(context, items, line),
        lambda results: {**values, "items": results},
        prefetched=prefetched, fragment="cart_upgrade_line",
    )


# --- bundles, the free-shipping nudge, after the order ---------------------------------
#
# The bundle box is fragment-cached like the other product widgets (curated bundles
# invalidate the relations token when saved). The nudge is not: it depends on
# quantities and prices, which a fragment key of the cart's products would not capture.


@register.simple_tag(takes_context=True)
@_no_offer
def get_upcross_bundle(context: template.Context, product: Any) -> Any:
    """``{% get_upcross_bundle product as bundle %}``: a ``BundleOffer`` or ``None``."""
    if widget_disabled(context.get("request"), "bundle") or not _enabled("complements"):
        return None
    return bundles.bundle_for(product)


@register.simple_tag(takes_context=True)
@_no_html
def upcross_bundle(context: template.Context, product: Any) -> str:
    """"Frequently bought together: A + B + C — buy all and save 10 %", one "Add all" button."""
    def compute() -> _BundleBox:
        bundle = bundles.bundle_for(product)
        return _BundleBox(bundle if bundle is not None and bundle.price is not None else None)

    return _widget(
        context, "bundle", "upcross/widgets/bundle.html", (_pk(product),), None, compute,
        lambda box: {"bundle": box.bundle, "product": product, "widget": "bundle",
                     "request": context.get("request")},
        shown_of=_BundleBox.shown)


@dataclass(frozen=True)
class _BundleBox:
    """A bundle offer as the fragment cache sees results: it expires with the offer,
    and shows each other product next to the anchor."""

    bundle: Any

    @property
    def expires_at(self) -> Any:
        return None if self.bundle is None else self.bundle.ends_at

    def shown(self) -> tuple[tuple[str, str], ...]:
        if self.bundle is None:
            return ()
        anchor = analytics_pk(self.bundle.parts[0].product)
        return tuple((anchor, analytics_pk(part.product)) for part in self.bundle.parts[1:])


@register.simple_tag(takes_context=True)
@_no_offer
def get_upcross_free_shipping(context: template.Context, cart_items: Any,
                              limit: Any = 2, total: Any = None) -> Any:
    """``{% get_upcross_free_shipping cart as nudge %}``: a ``FreeShippingNudge`` or ``None``.

    ``total=``: the cart's total after discounts when the page already has it (e.g.
    ``cart.pricing.total``), so the cart is not priced twice.
    """
    request = context.get("request")
    if widget_disabled(request, "free_shipping_nudge"):
        return None
    items = list(cart_items or ())
    if not items:
        return None
    suggest = not widget_disabled(request, "cart_complements")
    return nudges.free_shipping(items, limit=_limit(limit) if suggest else 0,
                                customer=_customer(request), total=total)


@register.simple_tag(takes_context=True)
@_no_html
def upcross_free_shipping_nudge(context: template.Context, cart_items: Any,
                                limit: Any = 2, total: Any = None) -> str:
    """"Add Rp 25.000 more for free shipping", with cart complements that close the gap."""
    nudge = get_upcross_free_shipping(context, cart_items, limit, total)
    if nudge is None:
        return ""
    # Amounts rendered by the price partial (which hosts override to format money), so
    # a translated sentence can hold them.
    gap = _render(context, "upcross/partials/price.html", {"price": nudge.gap}, None)
    threshold = _render(context, "upcross/partials/price.html", {"price": nudge.threshold}, None)
    html = _render(context, "upcross/widgets/free_shipping_nudge.html",
                   {"nudge": nudge, "items": nudge.suggestions, "widget": "free_shipping_nudge",
                    # rendered (escaped) by the partial; strip() drops the SafeString mark
                    "gap": mark_safe(gap.strip()), "threshold": mark_safe(threshold.strip()),
                    "request": context.get("request")}, context.get("csrf_token"))
    shown = shown_pairs(nudge.suggestions)
    _count_impressions("free_shipping_nudge", html, shown)
    _note_shown(context.get("request"), shown)
    return html


@register.simple_tag(takes_context=True)
@_no_items
def get_upcross_order_complements(context: template.Context, order_items: Any,
                                  limit: Any = None) -> list[Recommendation]:
    """Complements of what was just bought, leaving out what was bought."""
    request = context.get("request")
    if widget_disabled(request, "order_complements") or not order_items:
        return []
    limit = _limit(limit)
    return recommend.cart_complements(
        list(order_items), customer=_customer(request),
        limit=upcross_settings.FOLLOW_UP_LIMIT if limit is None else limit)


@register.simple_tag(takes_context=True)
@_no_html
def upcross_order_complements(context: template.Context, order_items: Any,
                              limit: Any = None) -> str:
    """The thank-you page's "Complete your set" box (the follow-up e-mail shows the same)."""
    items = get_upcross_order_complements(context, order_items, limit)
    html = _render(context, "upcross/widgets/order_complements.html",
                   {"items": items, "widget": "order_complements",
                    "request": context.get("request")}, context.get("csrf_token"))
    _count_impressions("order_complements", html, shown_pairs(items))
    return html


# --- showcases (upcross.showcases) ------------------------------------------------------
#
# ``{% upcross_showcase "best_sellers" limit=8 category=... %}`` renders any registered
# showcase; ``{% get_upcross_showcase "for_you" limit=8 as items %}`` returns the data.
# The widget name (request.upcross_disabled, analytics) is the showcase's name. The
# shortcuts ``upcross_best_sellers``, ``upcross_on_offer``, ``upcross_for_you``,
# ``upcross_most_viewed`` and ``upcross_recently_viewed`` (and their ``get_`` forms) name
# the built-in ones.


def _visitor(request: Any, cart: Any) -> Any:
    from upcross.showcases import visitor_of

    return visitor_of(request, list(cart or ()))


@register.simple_tag(takes_context=True)
def get_upcross_showcase(context: template.Context, name: str, limit: Any = None,
                         category: Any = "", cart: Any = None,
                         exclude: Any = None, product: Any = None) -> list[Recommendation]:
    """A showcase's suggestions; an unknown name or a disabled widget gives ``[]``.

    ``cart=``: the visitor's cart (left out; "for you" ranks from it too).
    ``exclude=``: products or pks to leave out. ``product=``: the product a showcase
    about one product (``similar``) is for.
    """
    from upcross import showcases
    from upcross.showcases.reading import showcase

    request = context.get("request")
    if widget_disabled(request, name) or not showcases.is_showcase(name):
        return []
    visitor = _visitor(request, cart)
    left_out = tuple(sorted(map(str, recommend.product_pks(exclude))))
    product_pk = _pk(product)
    return _memo(request, ("showcase", name, _limit(limit), str(category or ""), visitor,
                           left_out, product_pk),
                 lambda: showcase(name, _limit(limit), category=category or "",
                                  visitor=visitor, exclude=left_out, product=product_pk))


@register.simple_tag(takes_context=True)
def upcross_showcase(context: template.Context, name: str, limit: Any = None,
                     category: Any = "", cart: Any = None, title: Any = None,
                     product: Any = None) -> str:
    """A showcase's box (``title=`` overrides its heading)."""
    from upcross import showcases
    from upcross.showcases.reading import list_key
    from upcross.showcases.registry import Scope

    found = showcases.get(name)
    if found is None:
        return ""
    request = context.get("request")
    visitor = _visitor(request, cart)
    shown = page_shown(request)
    product_pk = _pk(product)
    scope = Scope(category=str(category or "") if found.scoped else "",
                  visitor=visitor if found.personal else None,
                  product=str(product_pk) if found.about_product and product_pk is not None
                  else "")
    template_name = _showcase_template(context, name, found.template_name)
    return _widget(
        context, name, template_name,
        (list_key(found, scope), visitor.cart, shown, str(title or "")), limit,
        lambda: get_upcross_showcase(context, name, limit, category, cart, shown, product),
        lambda items: {"items": items, "widget": name, "showcase": name,
                       "box_title": title or found.title,
                       "box_name": "showcase upcross-showcase-" + name.replace("_", "-"),
                       "request": request},
        from_orders=found.shows_orders(scope))


def _showcase_template(context: template.Context, name: str, default: str) -> str:
    engine = context.template.engine if context.template is not None else None
    if engine is None:
        from django.template import engines

        engine = engines["django"].engine  # type: ignore[attr-defined]
    specific = f"upcross/widgets/showcase_{name}.html"
    try:
        engine.get_template(specific)
    except template.TemplateDoesNotExist:
        return default
    return specific


@register.simple_tag(takes_context=True)
def upcross_best_sellers(context: template.Context, limit: Any = None, category: Any = "",
                         cart: Any = None) -> str:
    return upcross_showcase(context, "best_sellers", limit, category, cart)


@register.simple_tag(takes_context=True)
def upcross_on_offer(context: template.Context, limit: Any = None, cart: Any = None) -> str:
    return upcross_showcase(context, "on_offer", limit, "", cart)


@register.simple_tag(takes_context=True)
def upcross_for_you(context: template.Context, limit: Any = None, cart: Any = None) -> str:
    return upcross_showcase(context, "for_you", limit, "", cart)


@register.simple_tag(takes_context=True)
def get_upcross_best_sellers(context: template.Context, limit: Any = None, category: Any = "",
                             cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "best_sellers", limit, category, cart)


@register.simple_tag(takes_context=True)
def get_upcross_on_offer(context: template.Context, limit: Any = None,
                         cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "on_offer", limit, "", cart)


@register.simple_tag(takes_context=True)
def get_upcross_for_you(context: template.Context, limit: Any = None,
                        cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "for_you", limit, "", cart)


@register.simple_tag(takes_context=True)
def upcross_similar(context: template.Context, product: Any, limit: Any = None,
                    cart: Any = None) -> str:
    """Products like ``product`` (viewed together, substitutes, then by name)."""
    return upcross_showcase(context, "similar", limit, "", cart, product=product)


@register.simple_tag(takes_context=True)
def get_upcross_similar(context: template.Context, product: Any, limit: Any = None,
                        cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "similar", limit, "", cart, product=product)


@register.simple_tag(takes_context=True)
def upcross_most_viewed(context: template.Context, limit: Any = None, category: Any = "",
                        cart: Any = None) -> str:
    return upcross_showcase(context, "most_viewed", limit, category, cart)


@register.simple_tag(takes_context=True)
def get_upcross_most_viewed(context: template.Context, limit: Any = None, category: Any = "",
                            cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "most_viewed", limit, category, cart)


@register.simple_tag(takes_context=True)
def upcross_recently_viewed(context: template.Context, limit: Any = None,
                            cart: Any = None, product: Any = None) -> str:
    """The visitor's recently viewed products (kept by ``{% upcross_tracking product %}``);
    ``product=``: the page's own product, left out (and out of later widgets)."""
    if product is not None:
        _note_shown(context.get("request"), [("", analytics_pk(product))])
    return upcross_showcase(context, "recently_viewed", limit, "", cart)


@register.simple_tag(takes_context=True)
def get_upcross_recently_viewed(context: template.Context, limit: Any = None,
                                cart: Any = None) -> list[Recommendation]:
    return get_upcross_showcase(context, "recently_viewed", limit, "", cart)


# --- installments (upcross.installments) ------------------------------------------------


@register.simple_tag
def get_upcross_installment(price: Any, product: Any = None) -> Any:
    """``{% get_upcross_installment price product as plan %}``: an ``Installment``
    (``months``, ``amount``) or ``None`` (installments off, or the price too low)."""
    return get_adapter().installment(_decimal(price), product)


@register.simple_tag(takes_context=True)
def upcross_installment(context: template.Context, price: Any, product: Any = None) -> str:
    """"or 12 x Rp 499.917", the amount through ``upcross/partials/price.html`` (the shop's
    price display); nothing when no plan applies."""
    installment = get_upcross_installment(price, product)
    if installment is None:
        return ""
    amount = _render(context, "upcross/partials/price.html", {"price": installment.amount}, None)
    # rendered (escaped) by the partial; strip() drops the SafeString mark
    return _render(context, "upcross/partials/installment.html",
                   {"installment": installment, "amount_html": mark_safe(amount.strip())}, None)


def _decimal(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def upcross_price(amount: Any) -> str:
    """``{{ amount|upcross_price }}``: the amount through the shop's price partial."""
    return price_html(amount)
