"""Oscar's signals -> upcross analytics (connected in ``UpcrossOscarConfig.ready``)."""

from __future__ import annotations

from typing import Any

from upcross import analytics
from upcross.analytics.attribution import SESSION_KEY, signed_targets


def _quantity(request: Any) -> int:
    try:
        return max(1, int(request.POST.get("quantity", 1)))
    except (TypeError, ValueError):
        return 1


def credited_product(request: Any, product: Any) -> Any:
    """The product a widget form named: a child added through its parent's form is
    credited to the parent, which is what the widget showed."""
    parent_id = getattr(product, "parent_id", None)
    if parent_id is not None and str(parent_id) in signed_targets(request.POST):
        return product.parent
    return product


def basket_line_added(sender: Any, product: Any, request: Any = None, **kwargs: Any) -> None:
    """``basket_addition``: count a widget add (no-op for a post not made by a widget)."""
    if request is not None:
        analytics.widget_add(request, credited_product(request, product), _quantity(request))


def order_lines(request: Any, order: Any) -> list[tuple[Any, int, Any]]:
    """``(product pk, quantity, unit price incl. tax)`` per line with a product; a child
    whose parent a widget added counts as that parent (as in ``credited_product``)."""
    session = getattr(request, "session", None)
    remembered = (session.get(SESSION_KEY) if session is not None else None) or {}
    rows = []
    for line in order.lines.select_related("product").all():
        if line.product_id is None:
            continue
        pk = line.product_id
        parent_id = line.product.parent_id
        if str(pk) not in remembered and parent_id is not None and str(parent_id) in remembered:
            pk = parent_id
        rows.append((pk, line.quantity, line.unit_price_incl_tax))
    return rows


def order_placed(sender: Any, order: Any, request: Any = None, **kwargs: Any) -> None:
    """``post_checkout`` (sent by Oscar's checkout with the request, unlike
    ``order_placed``): attribute the order and store its holdout group."""
    if request is None:
        return
    analytics.order_placed(request, order.pk, lines=order_lines(request, order),
                           total=order.total_incl_tax)
