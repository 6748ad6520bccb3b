"""The widgets in a real browser: headless Chromium against the demo on a live server.

Open a phone's page, see both widgets, click "Add" on a complement, land on the
cart holding it; on the cart, click "Upgrade" on the phone's line and see the line
swapped. Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories as f
from tests.browser_support import ARTIFACTS, demo_category, demo_product, open_page
from upcross import cache

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    phones = demo_category("Phones", "phones", position=1)
    accessories = demo_category("Accessories", "accessories", position=2)
    phone = demo_product("Nusa Phone 12 128 GB", "nusa-12-128", "4999000", phones, "#0f6e5a")
    bigger = demo_product("Nusa Phone 12 256 GB", "nusa-12-256", "5799000", phones, "#0a5242")
    case = demo_product("Batik Leather Case", "batik-case", "249000", accessories, "#d9822b")
    glass = demo_product("Tempered Glass Screen Guard", "glass-guard", "99000", accessories,
                         "#5b7db1")
    charger = demo_product("GaN Charger 33 W", "gan-charger", "289000", accessories,
                           "#8a4fb1")
    f.relation(phone, case, kind="complement", origin="manual", position=0)
    f.relation(phone, glass, kind="complement", origin="mined", score=0.8,
               pair_count=134, support=0.01, confidence=0.3, lift=4.2)
    f.relation(phone, charger, kind="complement", origin="mined", score=0.5,
               pair_count=61, support=0.005, confidence=0.2, lift=2.9)
    mount = demo_product("Car Mount", "car-mount", "159000", accessories, "#7a6a53")
    cable = demo_product("USB-C Cable 1 m", "usb-cable", "79000", accessories, "#3d5a80")
    f.relation(phone, mount, kind="complement", origin="mined", score=0.4, pair_count=40)
    f.relation(phone, cable, kind="complement", origin="mined", score=0.3, pair_count=30)
    f.relation(phone, bigger, kind="upgrade", origin="rule", score=1.0)
    f.relation(case, glass, kind="complement", origin="mined", score=0.6, pair_count=48)
    cache.clear()
    return {"phone": phone, "bigger": bigger, "case": case, "glass": glass,
            "charger": charger}


def screenshot(page: Any, name: str) -> None:
    """A full-page screenshot once lazy images below the fold have loaded."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("[...document.images].every(img => img.complete)")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_add_a_complement_then_upgrade_the_phone_line(live_server: Any,
                                                     catalog: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    phone, bigger, charger = catalog["phone"], catalog["bigger"], catalog["charger"]
    case, glass = catalog["case"], catalog["glass"]
    with open_page(1200, 900) as page:
        page.goto(f"{live_server.url}{phone.get_absolute_url()}")

        bundle = page.get_by_role("region", name="Frequently bought together")
        complements = page.get_by_role("region", name="Add this too")
        upgrades = page.get_by_role("region", name="Upgrade to")
        expect(bundle).to_be_visible()
        expect(complements).to_be_visible()
        expect(upgrades).to_be_visible()
        # The bundle takes the two best complements; "Add this too" the next ones.
        expect(bundle.get_by_role("link", name=case.name)).to_be_visible()
        expect(bundle.get_by_role("link", name=glass.name)).to_be_visible()
        expect(complements.get_by_role("listitem")).to_have_count(3)
        expect(complements.get_by_role("link", name=case.name)).to_have_count(0)
        expect(complements.get_by_role("link", name=glass.name)).to_have_count(0)
        expect(complements.get_by_role("link", name=charger.name)).to_be_visible()
        expect(complements.get_by_role("img", name=charger.name)).to_be_visible()
        expect(complements).to_contain_text("Bought together in 61 orders")
        expect(upgrades.get_by_role("link", name=bigger.name)).to_be_visible()
        expect(upgrades).to_contain_text("800,000")  # + the price difference
        screenshot(page, "widgets-product.png")

        complements.get_by_role("listitem").filter(has_text=charger.name).get_by_role(
            "button", name=re.compile(r"^Add")).click()

        page.wait_for_url(re.compile(r"/cart/$"))
        lines = page.locator("tr.cart-line")
        expect(lines).to_have_count(1)
        expect(lines.first).to_contain_text(charger.name)

        # Put the phone in too, from its page, then upgrade its line on the cart.
        page.goto(f"{live_server.url}{phone.get_absolute_url()}")
        page.locator("form.add-form-detail").get_by_role("button").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/cart/")
        phone_line = page.locator(f'tr.cart-line[data-product-id="{phone.pk}"]')
        expect(phone_line).to_contain_text(f"Upgrade to {bigger.name}")
        cart_widget = page.get_by_role("region", name="Goes well with your cart")
        expect(cart_widget).to_be_visible()
        expect(cart_widget).to_contain_text("Tempered Glass Screen Guard")
        screenshot(page, "widgets-cart.png")

        phone_line.get_by_role("button", name=re.compile(r"^Upgrade")).click()

        page.wait_for_url(re.compile(r"/cart/$"))
        expect(page.locator(f'tr.cart-line[data-product-id="{phone.pk}"]')).to_have_count(0)
        swapped = page.locator(f'tr.cart-line[data-product-id="{bigger.pk}"]')
        expect(swapped).to_have_count(1)
        expect(swapped).to_contain_text(bigger.name)
        expect(page.locator("tr.cart-line")).to_have_count(2)
        expect(page.locator("tr.cart-line").first).to_contain_text(charger.name)
        screenshot(page, "widgets-cart-swapped.png")
