"""The demo with its default settings (fallback on): every product page shows at least 4
complements, a product created after the recompute too, and the empty cart best sellers."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from demo_shop.catalog.models import Category, Product
from upcross import cache

pytestmark = [pytest.mark.shop("demo"), pytest.mark.django_db]

ITEM = '<li class="upcross-item"'
DEMO_FALLBACK = {"complements": True, "cart_complements": True}  # demo_shop.settings: default


def box(html: str, name: str) -> str:
    match = re.search(rf'<section class="upcross upcross-{name}"(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def test_demo_pages_new_product_and_empty_cart(client: Client,
                                               django_capture_on_commit_callbacks: Any) -> None:
    from demo_shop import settings as demo_settings
    from upcross.conf import DEFAULTS

    assert "FALLBACK" not in demo_settings.UPCROSS and DEFAULTS["FALLBACK"] == DEMO_FALLBACK
    with override_settings(UPCROSS={**settings.UPCROSS, "FALLBACK": DEMO_FALLBACK}):
        call_command("seed_demo", "--orders", "1500", stdout=StringIO())
        call_command("upcross_recompute", kind="all", stdout=StringIO())
        with django_capture_on_commit_callbacks(execute=True):
            new = Product.objects.create(
                category=Category.objects.get(slug="smartphones"), name="Brand-new phone",
                slug="brand-new-phone", sku="NEW-1", price=Decimal(3_000_000), stock=3)
        cache.clear()
        short = {}
        for product in Product.objects.filter(is_active=True):
            html = client.get(product.get_absolute_url()).content.decode()
            shown = box(html, "complements").count(ITEM)
            if shown < 4:
                short[product.name] = shown
        new_page = box(client.get(new.get_absolute_url()).content.decode(), "complements")
        cart = box(client.get("/cart/").content.decode(), "cart-complements")
    assert short == {}
    assert new_page.count(ITEM) == 4
    assert "Often bought with products like this" in new_page or "A best seller" in new_page
    assert "Best sellers" in cart and cart.count(ITEM) == 4
