"""The bundle box in a real browser: "Add all" puts the set in the demo cart, which
shows the bundle discount (headless Chromium, live demo). Screenshots: ``test-artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import ARTIFACTS, demo_complements, open_page

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    press, beans, grinder = demo_complements(
        "Coffee",
        ("Kintamani French Press", "press", "320000", "#0f6e5a"),
        ("Gayo Arabica 250 g", "beans", "95000", "#8a4fb1"),
        ("Hand Grinder", "grinder", "410000", "#d9822b"))
    return {"press": press, "beans": beans, "grinder": grinder}


def test_add_all_puts_the_bundle_in_the_cart_at_the_bundle_price(
        live_server: Any, catalog: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    press = catalog["press"]
    with open_page(1200, 900) as page:
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
