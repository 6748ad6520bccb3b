"""The bundle box in a real browser: "Add all" puts the set in the demo cart, which
shows the bundle discount (headless Chromium, live demo). Screenshots: ``test-artifacts/``."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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

    coffee = Category.objects.create(name="Coffee", slug="coffee", position=1)

    def product(name: str, slug: str, price: str, color: str) -> Product:
        return Product.objects.create(category=coffee, name=name, slug=slug, sku=slug.upper(),
                                      price=Decimal(price), stock=25, color=color,
                                      description="A demo product.")

    press = product("Kintamani French Press", "press", "320000", "#0f6e5a")
    beans = product("Gayo Arabica 250 g", "beans", "95000", "#8a4fb1")
    grinder = product("Hand Grinder", "grinder", "410000", "#d9822b")
    relation = ProductRelation.objects.create
    relation(source=press, target=beans, kind="complement", origin="manual", position=0)
    relation(source=press, target=grinder, kind="complement", origin="manual", position=1)
    cache.clear()
    return {"press": press, "beans": beans, "grinder": grinder}


def test_add_all_puts_the_bundle_in_the_cart_at_the_bundle_price(
        live_server: Any, catalog: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    press = catalog["press"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{live_server.url}{press.get_absolute_url()}")
            box = page.get_by_role("region", name="Frequently bought together")
            expect(box.get_by_role("listitem")).to_have_count(3)
            # 825.000 regular, 10 % off in whole rupiah: 742.500.
            expect(box.locator(".upcross-bundle-offer")).to_contain_text("Buy all and save 10 %")
            expect(box.locator(".upcross-bundle-price")).to_have_text("Rp 742,500")
            page.screenshot(path=str(ARTIFACTS / "bundle-product-page.png"), full_page=True)

            box.get_by_role("button", name="Add all to cart").click()
            page.wait_for_url(f"{live_server.url}/cart/")
            expect(page.locator("tr.cart-line")).to_have_count(3)
            expect(page.locator(".cart-discount")).to_contain_text("−Rp 82,500")
            expect(page.locator(".cart-total")).to_have_text("Rp 742,500")
            page.screenshot(path=str(ARTIFACTS / "bundle-cart.png"), full_page=True)
        finally:
            browser.close()
