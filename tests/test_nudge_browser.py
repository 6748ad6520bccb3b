"""The free-shipping nudge in a real browser: headless Chromium against the demo.

A cart below the threshold (the demo's Rp 500.000) says how much is missing and
suggests the complement that closes the gap; clicking its "Add" lands back on the
cart, which no longer nudges. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from tests.browser_support import ARTIFACTS, demo_complements, open_page

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    # The pegs rank first as a plain complement; the headlamp closes the Rp 150.000 gap.
    tent, pegs, lamp = demo_complements(
        "Camping",
        ("Rinjani Tent 2P", "rinjani-tent", "350000", "#0f6e5a"),
        ("Aluminium Pegs", "pegs", "45000", "#d9822b"),
        ("Headlamp 300 lm", "headlamp", "175000", "#5b7db1"))
    return {"tent": tent, "pegs": pegs, "lamp": lamp}


def test_nudge_shows_below_the_threshold_and_goes_once_the_gap_is_closed(
        live_server: Any, catalog: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    assert settings.UPCROSS["FREE_SHIPPING_THRESHOLD"] == 500000
    ARTIFACTS.mkdir(exist_ok=True)
    tent, lamp = catalog["tent"], catalog["lamp"]
    with open_page(1200, 900) as page:
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
