"""Callables the altshop names in its ``UPCROSS`` settings (dotted paths)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse


def add_to_cart(product: Any, quantity: int) -> tuple[str, dict[str, Any]]:
    """The basket's add view takes the pk in its path and a ``quantity`` field."""
    return reverse("basket:add", args=[product.pk]), {"quantity": quantity}


def real_order_lines(queryset: QuerySet) -> QuerySet:
    """``ORDER_LINE_FILTER``: the shop has no order status; only test orders are left out."""
    return queryset.exclude(order__is_test=True)


def public_items(queryset: QuerySet) -> QuerySet:
    """A ``PRODUCT_AVAILABLE`` callable: public items with at least one offer."""
    return queryset.filter(is_public=True, stockrecords__isnull=False).distinct()


def lowest_price(product: Any) -> Any:
    """A ``PRODUCT_FIELDS`` callable: the lowest offer, computed in Python."""
    prices = [record.price for record in product.stockrecords.all()]
    return min(prices) if prices else None


def section_slugs(product: Any) -> set[str]:
    """A ``PRODUCT_FIELDS`` callable returning several categories."""
    return {section.slug for section in product.sections.all()}
