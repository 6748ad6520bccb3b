"""Adds from widget forms, and purchases of what they added (last touch wins).

The widget forms post two hidden fields with the host's own add-to-cart form:
``upcross_widget`` (which widget) and ``upcross_relation`` (``<source pk>:<target
pk>``). The host's add (or swap) view calls :func:`widget_add` after it put the
product in the cart: the add is counted and remembered in the session. When the
order is placed, the host calls :func:`order_placed`; every order line whose
product a widget added is counted as a purchase of that widget and suggestion,
with its revenue, and the order's holdout group is stored for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from upcross.analytics import counters, holdout
from upcross.analytics.counters import Field
from upcross.conf import upcross_settings
from upcross.models import ExposureGroup, OrderExposure

SESSION_KEY = "upcross_attribution"
WIDGET_FIELD = "upcross_widget"
RELATION_FIELD = "upcross_relation"
#: Widgets whose adds are counted; other names in a form are ignored (no junk rows).
WIDGETS = frozenset({"complements", "upgrades", "cart_complements", "cart_upgrades",
                     "bundle", "free_shipping_nudge", "order_complements"})
#: A product pk as a form carries it: digits, or a UUID-like token. Bounded length.
_PK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: A session remembers at most this many widget-added products.
MAX_REMEMBERED = 100


class Touch(NamedTuple):
    widget: str
    source: str
    target: str


class Line(NamedTuple):
    product: str
    quantity: int
    unit_price: Decimal


def relation_value(source: Any, target: Any) -> str:
    """The ``upcross_relation`` field's value: ``<source pk>:<target pk>``."""
    return f"{counters.pk_text(source)}:{counters.pk_text(target)}"


def parse_touch(data: Any, product: Any) -> Touch | None:
    """The widget and relation a form post names, or ``None`` when it names none (or junk).

    The target is always the product actually added: a forged relation field cannot
    credit a widget with another product.
    """
    widget = str(data.get(WIDGET_FIELD) or "")
    if widget not in WIDGETS:
        return None
    target = counters.pk_text(product)
    source = ""
    relation = str(data.get(RELATION_FIELD) or "")
    if ":" in relation:
        source, _sep, named_target = relation.partition(":")
        if named_target and named_target != target:
            source = ""
        if source and not _PK.match(source):
            source = ""
    if not _PK.match(target):
        return None
    return Touch(widget, source, target)


def widget_add(request: Any, product: Any, quantity: int = 1) -> Touch | None:
    """Count an add to cart made from a widget form; remember it for attribution.

    Call it from the host's add-to-cart (and swap) view after the product is in the
    cart. A post without upcross's fields is no widget add: returns ``None``.
    """
    if not upcross_settings.ANALYTICS_ENABLED:
        return None
    touch = parse_touch(getattr(request, "POST", {}), product)
    if touch is None:
        return None
    counters.increment(counters.event_counts(touch.widget, "adds",
                                             [(touch.source, touch.target)]))
    session = getattr(request, "session", None)
    if session is not None:
        remembered = dict(session.get(SESSION_KEY) or {})
        remembered.pop(touch.target, None)
        remembered[touch.target] = [touch.widget, touch.source]
        while len(remembered) > MAX_REMEMBERED:
            remembered.pop(next(iter(remembered)))
        session[SESSION_KEY] = remembered
    return touch


def _lines(lines: Iterable[Any]) -> list[Line]:
    result = []
    for row in lines:
        product, quantity, price = row
        try:
            result.append(Line(counters.pk_text(product), max(0, int(quantity)),
                               Decimal(str(price))))
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"Not an order line (product, quantity, unit price): {row!r}") \
                from exc
    return result


def order_placed(request: Any, order_id: Any, lines: Iterable[Any],
                 total: Decimal | int | float | str | None = None) -> OrderExposure | None:
    """Record a placed order: attribute widget-added lines, store the holdout group.

    ``lines``: ``(product or pk, quantity, unit price)`` per order line; ``total``:
    what the order costs (default: the sum of the lines). Call it once the order is
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
    counts: dict[Field, int] = {}
    attributed_items, attributed_revenue = 0, Decimal("0")
    widgets_in_order: set[str] = set()
    for line in rows:
        touch = remembered.get(line.product)
        if not (isinstance(touch, list) and len(touch) == 2 and touch[0] in WIDGETS):
            continue
        widget, source = str(touch[0]), str(touch[1])
        revenue = line.unit_price * line.quantity
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
