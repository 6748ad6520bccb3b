"""The free-shipping nudge in a real browser: headless Chromium against the demo.

A cart below the threshold (the demo's Rp 500.000) says how much is missing and
suggests the complement that closes the gap; clicking its "Add" lands back on the
cart, which no longer nudges. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.services import CHROMIUM_PATH
from upcross import cache

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    from demo_shop.catalog.models import Category, Product
    from upcross.models import ProductRelation

    camping = Category.objects.create(name="Camping", slug="camping", position=1)

    def product(name: str, slug: str, price: str, color: str) -> Product:
        return Product.objects.create(category=camping, name=name, slug=slug, sku=slug.upper(),
                                      price=Decimal(price), stock=25, color=color,
                                      description="A demo product.")

    tent = product("Rinjani Tent 2P", "rinjani-tent", "350000", "#0f6e5a")
    pegs = product("Aluminium Pegs", "pegs", "45000", "#d9822b")
    lamp = product("Headlamp 300 lm", "headlamp", "175000", "#5b7db1")
    relation = ProductRelation.objects.create
    # The pegs rank first as a plain complement; the headlamp closes the Rp 150.000 gap.
    relation(source=tent, target=pegs, kind="complement", origin="manual", position=0)
    relation(source=tent, target=lamp, kind="complement", origin="manual", position=1)
    cache.clear()
    return {"tent": tent, "pegs": pegs, "lamp": lamp}


def test_nudge_shows_below_the_threshold_and_goes_once_the_gap_is_closed(
        live_server: Any, catalog: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert settings.UPCROSS["FREE_SHIPPING_THRESHOLD"] == 500000
    ARTIFACTS.mkdir(exist_ok=True)
    tent, lamp = catalog["tent"], catalog["lamp"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{live_server.url}{tent.get_absolute_url()}")
            page.get_by_role("button", name="Add to cart").click()
            page.goto(f"{live_server.url}/cart/")

            nudge = page.locator(".upcross-free-shipping")
            expect(nudge.locator(".upcross-nudge")).to_have_text(
                "Add Rp 150,000 more for free shipping")
            # The headlamp closes the gap: it comes first although the pegs rank higher.
            first = nudge.locator(".upcross-item").first
            expect(first.locator(".upcross-name")).to_have_text(lamp.name)
            page.screenshot(path=str(ARTIFACTS / "nudge-cart-below-threshold.png"),
                            full_page=True)

            first.get_by_role("button", name="Add").click()
            page.wait_for_url(f"{live_server.url}/cart/")
            expect(page.locator(f'.cart-line[data-product-id="{lamp.pk}"]')).to_have_count(1)
            expect(page.locator(".upcross-nudge")).to_have_count(0)
            expect(page.locator(".upcross-free-shipping-reached")).to_contain_text(
                "Your order ships free")
            page.screenshot(path=str(ARTIFACTS / "nudge-cart-free-shipping.png"),
                            full_page=True)
        finally:
            browser.close()
