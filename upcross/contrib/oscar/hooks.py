"""Where an upcross widget posts in an Oscar shop."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def strategy(request: Any = None) -> Any:
    """Oscar's pricing and availability strategy (the shop's own ``partner.strategy``)."""
    from oscar.core.loading import get_class

    selector = get_class("partner.strategy", "Selector")()
    user = getattr(request, "user", None)
    return selector.strategy(request=request, user=user)


def buyable(product: Any, request: Any = None) -> Any:
    """``product`` itself, or for a parent its first public child (lowest pk) that can be
    bought, or ``None`` when nothing of it can be bought."""
    choose = strategy(request)
    candidates = (product.get_public_children().order_by("pk") if product.is_parent
                  else [product])
    for candidate in candidates:
        if choose.fetch_for_product(candidate).availability.is_available_to_buy:
            return candidate
    return None


def add_to_cart(product: Any, quantity: int) -> tuple[str, dict[str, Any]]:
    """``ADD_TO_CART_URL``: Oscar's ``basket:add`` with the quantity; a parent product is
    posted with ``child_id`` of its first child that can be bought (Oscar's own form)."""
    fields: dict[str, Any] = {"quantity": quantity}
    if product.is_parent:
        child = buyable(product)
        if child is not None:
            fields["child_id"] = child.pk
    return reverse("basket:add", kwargs={"pk": product.pk}), fields
