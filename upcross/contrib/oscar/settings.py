"""The settings preset for an unmodified django-oscar 4.2 shop.

Oscar's models: ``catalogue.Product`` (standalone, parent and child products; public
flag; categories through ``ProductCategory``), prices on ``partner.StockRecord`` (the
lowest wins), orders in ``order.Order`` / ``order.Line`` (``user`` is null for guest
orders). Variants fold into their parent when mining; adding a parent adds its first
child that can be bought (``hooks.add_to_cart``).
"""

from __future__ import annotations

from typing import Any

#: Put these in INSTALLED_APPS after Oscar's apps: the contrib app must come before
#: "upcross" so its templates (Oscar's currency format) win.
UPCROSS_OSCAR_APPS = ["rest_framework", "django_celery_beat", "upcross.contrib.oscar", "upcross"]

UPCROSS_OSCAR_PRODUCT_MODEL = "catalogue.Product"

UPCROSS_OSCAR: dict[str, Any] = {
    "ORDER_LINE_MODEL": "order.Line",
    "ORDER_LINE_FIELDS": {
        "order": "order",
        "product": "product",
        "quantity": "quantity",
        "customer": "order__user",          # null for guest orders
        "placed_at": "order__date_placed",
    },
    # Lines whose product was deleted since (Oscar keeps the line, product NULL).
    "ORDER_LINE_FILTER": {"product__isnull": False},
    "PRODUCT_FIELDS": {"price": "stockrecords__price", "category": "categories",
                       "parent": "parent"},
    "PRODUCT_AVAILABLE": {"is_public": True},
    "PRODUCT_DISPLAY": {"name": "get_title", "url": None, "image_url": None},
    "PRODUCT_SEARCH_FIELDS": ["title", "upc"],
    "CSV_LOOKUP_FIELDS": ["upc", "pk"],
    "ADD_TO_CART_URL": "upcross.contrib.oscar.hooks.add_to_cart",
    "SWAP_CART_LINE_URL": "upcross_oscar:swap",
}
