"""Showcases on the demo's home page in Chromium: best sellers and on offer for a new
visitor; after three product pages, "For you" first, built from what was viewed.
Screenshots: docs/showcases-home.png (with UPCROSS_SCREENSHOTS=1; else test-artifacts/)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests import factories as f
from tests.browser_support import ARTIFACTS, demo_category, demo_product, open_page
from upcross import cache

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]
DOCS = Path(__file__).resolve().parent.parent / "docs" \
    if os.environ.get("UPCROSS_SCREENSHOTS") else ARTIFACTS


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    outdoor = demo_category("Outdoor", "outdoor", position=1)
    kitchen = demo_category("Kitchen", "kitchen", position=2)
    made = {slug: demo_product(name, slug, price, shelf, color)
            for name, slug, price, shelf, color in (
        ("Trail Tent 2P", "tent", "1899000", outdoor, "#2f6b4f"),
        ("Aluminium Tent Pegs", "pegs", "129000", outdoor, "#6b6b6b"),
        ("Headlamp 300 lm", "headlamp", "249000", outdoor, "#d9822b"),
        ("Down Sleeping Bag", "sleeping-bag", "1299000", outdoor, "#3d5a80"),
        ("Camp Stove", "stove", "459000", outdoor, "#8a4fb1"),
        ("Titanium Pot Set", "pot", "389000", kitchen, "#7a6a53"),
        ("Pour-over Coffee Kit", "coffee", "219000", kitchen, "#5b3a29"),
        ("Enamel Mug", "mug", "89000", kitchen, "#0f6e5a"),
    )}
    for slug, times in (("mug", 9), ("coffee", 6), ("headlamp", 4), ("pot", 2)):
        for _ in range(times):
            f.order([made[slug]])
    for target, score in (("pegs", 0.6), ("sleeping-bag", 0.5), ("headlamp", 0.3)):
        for source in ("tent", "stove"):
            f.relation(made[source], made[target], origin="mined", score=score)
    f.relation(made["stove"], made["pot"], origin="mined", score=0.7)
    f.relation(made["coffee"], made["mug"], ends_at=timezone.now() + datetime.timedelta(days=3))
    f.relation(made["tent"], made["stove"], ends_at=timezone.now() + datetime.timedelta(days=6))
    cache.clear()
    return made


def test_home_page_shows_best_sellers_on_offer_and_for_a_returning_visitor_for_you(
        live_server: Any, catalog: dict[str, Any]) -> None:
    with open_page(1280, 1000) as page:
        page.goto(live_server.url + "/")
        best = page.locator(".upcross-showcase-best-sellers")
        assert best.is_visible() and "Enamel Mug" in best.inner_text()
        offer = page.locator(".upcross-showcase-on-offer")
        assert offer.is_visible() and "Camp Stove" in offer.inner_text()
        assert page.locator(".upcross-showcase-for-you").count() == 0  # a new visitor
        for slug in ("tent", "stove", "pot"):
            page.goto(f"{live_server.url}/p/{slug}/")
        page.goto(live_server.url + "/")
        for_you = page.locator(".upcross-showcase-for-you")
        assert for_you.is_visible()
        text = for_you.inner_text()
        assert "Aluminium Tent Pegs" in text and "Down Sleeping Bag" in text
        assert "Trail Tent 2P" not in text  # viewed: not suggested again
        assert "Picked for you from what you viewed" in text
        DOCS.mkdir(exist_ok=True)
        page.wait_for_function("[...document.images].every(img => img.complete)")
        page.screenshot(path=str(DOCS / "showcases-home.png"), full_page=True)


def test_product_page_shows_similar_products_and_what_this_visitor_viewed(
        live_server: Any, catalog: dict[str, Any]) -> None:
    outdoor = f.category_of(catalog["tent"])
    demo_product("Trail Tent 3P", "tent-3p", "2399000", outdoor, "#24543d")
    cache.clear()
    with open_page(1280, 1400) as page:
        for slug in ("pot", "mug"):
            page.goto(f"{live_server.url}/p/{slug}/")
        page.goto(f"{live_server.url}/p/tent/")
        similar = page.locator(".upcross-showcase-similar")
        assert similar.is_visible()
        text = similar.inner_text()
        assert "Trail Tent 3P" in text  # same category, shares "Trail Tent"
        assert "Trail Tent 2P" not in text  # not the product itself
        assert "Enamel Mug" not in text  # another category
        recent = page.locator(".upcross-showcase-recently-viewed")
        assert recent.is_visible()
        viewed = recent.inner_text()
        assert viewed.index("Enamel Mug") < viewed.index("Titanium Pot Set")  # newest first
        assert "Trail Tent 2P" not in viewed  # the page itself is left out
        DOCS.mkdir(exist_ok=True)
        page.wait_for_function("[...document.images].every(img => img.complete)")
        page.screenshot(path=str(DOCS / "showcases-product.png"), full_page=True)
