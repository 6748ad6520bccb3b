"""Adds from widget forms, and purchases of what they added (last touch wins).

The widget forms post two hidden fields with the host's own add-to-cart form:
``upcross_widget`` (which widget) and ``upcross_relation``: a token signed with
``SECRET_KEY`` (:mod:`django.core.signing`) naming the widget, the source and the
product(s) the form adds, with its time, valid for ``ATTRIBUTION_MAX_AGE``. A form
can only credit what a widget really showed: a forged, altered or expired token, or
one for another product, counts nothing. The host's add (or swap) view calls
:func:`widget_add` after it put the product in the cart: the add is counted (at most
``ATTRIBUTION_THROTTLE_RATE`` per client) and remembered in the session. Held-out
visitors see no widgets, so their adds and orders carry no attribution. When the
order is placed, the host calls :func:`order_placed`; every order line whose
product a widget added is counted as a purchase of that widget and suggestion,
with its revenue, and the order's holdout group is stored for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from upcross.adapters import get_adapter
from upcross.analytics import counters, holdout
from upcross.analytics.counters import Field
from upcross.conf import upcross_settings
from upcross.models import ExposureGroup, OrderExposure
from upcross.money import quantize
from upcross.showcases.registry import is_showcase

SESSION_KEY = "upcross_attribution"
WIDGET_FIELD = "upcross_widget"
RELATION_FIELD = "upcross_relation"
#: Widgets whose adds are counted; other names in a form are ignored (no junk rows).
WIDGETS = frozenset({"complements", "upgrades", "cart_complements", "cart_upgrades",
                     "bundle", "free_shipping_nudge", "order_complements"})


def is_widget(name: str) -> bool:
    """A widget whose adds are counted: one of ``WIDGETS`` or a registered showcase."""
    return name in WIDGETS or (isinstance(name, str) and is_showcase(name))


#: A product pk as a form carries it: digits, or a UUID-like token. Bounded length.
_PK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: A session remembers at most this many widget-added products.
MAX_REMEMBERED = 100
SIGNING_SALT = "upcross.attribution"
#: Most products one token names (a bundle's "Add all").
MAX_TOKEN_TARGETS = 20


class Touch(NamedTuple):
    widget: str
    source: str
    target: str


class Line(NamedTuple):
    product: str
    quantity: int
    unit_price: Decimal
    #: What the line cost after the order's discounts (``None``: not given).
    paid: Decimal | None = None


def relation_value(source: Any, target: Any, widget: str = "") -> str:
    """The ``upcross_relation`` field's value: a signed token for ``widget``'s suggestion
    of ``target`` (shown for ``source``)."""
    return sign_touch(widget, source, [target])


def sign_touch(widget: str, source: Any, targets: Sequence[Any]) -> str:
    """A token naming the widget, the source and the product(s) a form may add."""
    return signing.dumps(
        [str(widget), counters.pk_text(source),
         [counters.pk_text(t) for t in targets[:MAX_TOKEN_TARGETS]]],
        salt=SIGNING_SALT)


def _verified(data: Any) -> tuple[str, str, list[str]] | None:
    """``(widget, source, targets)`` of the post's token when it is genuine and unexpired."""
    widget = str(data.get(WIDGET_FIELD) or "")
    token = data.get(RELATION_FIELD)
    if not is_widget(widget) or not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        signed_widget, source, targets = signing.loads(
            token, salt=SIGNING_SALT, max_age=upcross_settings.ATTRIBUTION_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if signed_widget != widget or not isinstance(targets, list):
        return None
    source = source if isinstance(source, str) and _PK.match(source) else ""
    return widget, source, [str(target) for target in targets]


def signed_targets(data: Any) -> list[str]:
    """The product pks (as text) a genuine token of this post may credit; ``[]`` if none.

    For hosts that add another product than the form named (a variant of the shown
    parent) and must decide which one to credit.
    """
    verified = _verified(data)
    return verified[2] if verified is not None else []


def parse_touch(data: Any, product: Any) -> Touch | None:
    """The widget and relation a form post names, or ``None`` when it names none (or junk).

    The token must be valid (signed, not expired), for the named widget and for the
    product actually added: a forged field cannot credit a widget with anything.
    """
    target = counters.pk_text(product)
    verified = _verified(data)
    if verified is None or not _PK.match(target):
        return None
    widget, source, targets = verified
    if target not in targets:
        return None
    return Touch(widget, source, target)


def _throttled(request: Any) -> bool:
    """Whether this client added from widgets more than ``ATTRIBUTION_THROTTLE_RATE``."""
    from upcross.api.throttling import AttributionThrottle

    return not AttributionThrottle().allow_request(request, None)


def widget_add(request: Any, product: Any, quantity: int = 1,
               replaced: Any = None) -> Touch | None:
    """Count an add to cart made from a widget form; remember it for attribution.

    Call it from the host's add-to-cart (and swap) view after the product is in the
    cart. A post without upcross's fields is no widget add: returns ``None``.
    ``replaced``: a swap view's replaced product (or pk). The swap then earns the
    price difference, not the upgrade's full price: the replaced product's price now
    is remembered and taken off the upgrade's when the order is placed.
    """
    if not upcross_settings.ANALYTICS_ENABLED:
        return None
    touch = parse_touch(getattr(request, "POST", {}), product)
    if touch is None or holdout.in_holdout(request) or _throttled(request):
        return None
    counters.increment(counters.event_counts(touch.widget, "adds",
                                             [(touch.source, touch.target)]))
    session = getattr(request, "session", None)
    if session is not None:
        remembered = dict(session.get(SESSION_KEY) or {})
        remembered.pop(touch.target, None)
        remembered[touch.target] = [touch.widget, touch.source]
        replaced_price = _price_of(replaced) if replaced is not None else None
        if replaced_price is not None:
            remembered[touch.target].append(str(replaced_price))
        while len(remembered) > MAX_REMEMBERED:
            remembered.pop(next(iter(remembered)))
        session[SESSION_KEY] = remembered
    return touch


def _price_of(product: Any) -> Decimal | None:
    """The product's price now (one query), to credit a swap with the difference."""
    pk = getattr(product, "pk", product)
    fact = get_adapter().product_facts([pk]).get(pk)
    return fact.price if fact is not None else None


def _lines(lines: Iterable[Any]) -> list[Line]:
    result = []
    for row in lines:
        try:
            product, quantity, price, *rest = row
            if len(rest) > 1:
                raise ValueError("too many fields")
            paid = Decimal(str(rest[0])) if rest and rest[0] is not None else None
            result.append(Line(counters.pk_text(product), max(0, int(quantity)),
                               Decimal(str(price)), paid))
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"Not an order line (product, quantity, unit price): {row!r}") \
                from exc
    return result


def _paid_share(rows: list[Line], total: Decimal) -> Decimal:
    """What share of the lines' list value the order's total is (at most 1: shipping or
    fees above the lines are no widget's revenue)."""
    listed = sum((line.unit_price * line.quantity for line in rows if line.paid is None),
                 Decimal("0"))
    paid_given = sum((line.paid for line in rows if line.paid is not None), Decimal("0"))
    rest = total - paid_given
    if listed <= 0 or rest >= listed:
        return Decimal("1")
    return max(Decimal("0"), rest / listed)


def _credited(line: Line, share: Decimal, replaced_price: Any) -> Decimal:
    """A line's revenue for its widget: what was paid, less a swapped-out product's price."""
    paid = line.paid if line.paid is not None else line.unit_price * line.quantity * share
    if replaced_price is not None:
        try:
            replaced = Decimal(str(replaced_price))
        except (InvalidOperation, ValueError):
            replaced = Decimal("0")
        paid -= replaced * line.quantity
    return quantize(max(paid, Decimal("0")))


def order_placed(request: Any, order_id: Any, lines: Iterable[Any],
                 total: Decimal | int | float | str | None = None) -> OrderExposure | None:
    """Record a placed order: attribute widget-added lines, store the holdout group.

    ``lines``: ``(product or pk, quantity, unit price)`` per order line, optionally with
    a fourth field, what the line cost after discounts (``CartPricing.paid_per_line()``);
    ``total``: what the order costs (default: the sum of the lines). A widget is
    credited what was paid: the line's paid amount when given, else its share of the
    order's discounts (lines times ``total / sum of lines`` when the total is lower);
    a cart-line swap only the difference to the replaced product. Call it once the order is
    saved (in the same transaction or after it); calling it again for the same
    ``order_id`` changes nothing and returns ``None``, as does ``ANALYTICS_ENABLED``
    off. Lines that are not ``(product, quantity, price)`` raise ``ValueError``.
    """
    rows = _lines(lines)
    if not upcross_settings.ANALYTICS_ENABLED:
        return None
    total_value = Decimal(str(total)) if total is not None else sum(
        (line.unit_price * line.quantity for line in rows), Decimal("0"))
    session = getattr(request, "session", None)
    remembered = dict((session.get(SESSION_KEY) if session is not None else None) or {})
    group = ExposureGroup.HOLDOUT if holdout.in_holdout(request) else ExposureGroup.EXPOSED
    if group == ExposureGroup.HOLDOUT:
        remembered = {}  # held out: shown no widget, so nothing a widget could credit
    counts: dict[Field, int] = {}
    attributed_items, attributed_revenue = 0, Decimal("0")
    widgets_in_order: set[str] = set()
    share = _paid_share(rows, total_value)
    for line in rows:
        touch = remembered.get(line.product)
        if not (isinstance(touch, list) and len(touch) in (2, 3) and is_widget(touch[0])):
            continue
        widget, source = str(touch[0]), str(touch[1])
        revenue = _credited(line, share, touch[2] if len(touch) == 3 else None)
        attributed_items += line.quantity
        attributed_revenue += revenue
        widgets_in_order.add(widget)
        for metric, amount in (("purchases", line.quantity),
                               ("revenue", counters.cents(revenue))):
            for field, value in counters.event_counts(widget, metric, [(source, line.product)],
                                                      amount=amount).items():
                counts[field] = counts.get(field, 0) + value
    for widget in widgets_in_order:
        counts[Field(counters.today(), widget, "", "", "orders")] = 1
    try:
        with transaction.atomic():
            exposure = OrderExposure.objects.create(
                order_id=str(order_id)[:64], placed_at=timezone.now(), group=group,
                total=total_value, items=sum(line.quantity for line in rows),
                attributed_items=attributed_items, attributed_revenue=attributed_revenue)
    except IntegrityError:  # this order was recorded already
        return None
    # Counted once the row is committed, so a rolled-back order counts nothing.
    transaction.on_commit(lambda: counters.increment(counts))
    if session is not None and SESSION_KEY in session:
        del session[SESSION_KEY]
    return exposure
