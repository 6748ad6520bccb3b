"""The merchandiser admin in a real browser: headless Chromium against the demo shop.

A merchandiser logs into the demo admin, blocks a mined complement in the
relations list, and the product page no longer shows it.

The screens a seeded demo shows (a year of orders, recomputed) are rendered and
photographed into ``test-artifacts/``; ``UPCROSS_SCREENSHOTS=1`` writes them to
``docs/admin-*.png`` instead, the pictures the README shows.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.admin_support import make_merchandiser
from tests.browser_support import ARTIFACTS, open_page
from upcross import cache

pytestmark = [pytest.mark.browser, pytest.mark.shop("demo")]

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" if os.environ.get("UPCROSS_SCREENSHOTS") else ARTIFACTS
PASSWORD = "pw-merch-1"


@pytest.fixture
def shop(transactional_db: Any) -> dict[str, Any]:
    from demo_shop.catalog.models import Category, Product
    from upcross.models import ProductRelation

    phones = Category.objects.create(name="Phones", slug="phones", position=1)
    accessories = Category.objects.create(name="Accessories", slug="accessories", position=2)

    def product(name: str, slug: str, price: str, category: Any) -> Product:
        return Product.objects.create(category=category, name=name, slug=slug,
                                      sku=slug.upper(), price=Decimal(price), stock=10)

    phone = product("Nusa Phone 12", "nusa-12", "4999000", phones)
    case = product("Batik Leather Case", "batik-case", "249000", accessories)
    glass = product("Tempered Glass Guard", "glass-guard", "99000", accessories)
    ProductRelation.objects.create(source=phone, target=case, kind="complement",
                                   origin="manual")
    mined = ProductRelation.objects.create(
        source=phone, target=glass, kind="complement", origin="mined", score=0.8,
        pair_count=134, support=0.01, confidence=0.3, lift=4.2)
    ProductRelation.objects.create(source=case, target=glass, kind="complement",
                                   origin="mined", pair_count=40)
    cache.clear()
    return {"phone": phone, "case": case, "glass": glass, "mined": mined}


def log_in(page: Any, base_url: str, username: str, next_url: str) -> None:
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def test_merchandiser_blocks_a_mined_complement(live_server: Any,
                                                shop: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    from upcross.models import ProductRelation

    make_merchandiser("merch", PASSWORD)
    phone, case, glass = shop["phone"], shop["case"], shop["glass"]
    product_url = f"{live_server.url}{phone.get_absolute_url()}"
    with open_page(1280, 900) as page:
        page.goto(product_url)
        # Shown once on the page: in the bundle, which takes the two complements there are.
        widgets = page.locator("section.upcross")
        expect(widgets.get_by_role("link", name=glass.name)).to_have_count(1)
        expect(widgets.get_by_role("link", name=glass.name)).to_be_visible()

        log_in(page, live_server.url, "merch", "/admin/upcross/productrelation/")
        page.fill("#searchbar", "Nusa")
        page.keyboard.press("Enter")
        row = page.locator("#result_list tbody tr").filter(has_text=glass.name)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("134 orders")
        row.locator("input.action-select").check()
        page.select_option("select[name=action]", "block")
        # The action button says "Go" up to Django 5.2 and "Run" from 6.0.
        page.locator(".actions button[name=index]").click()
        expect(page.locator("ul.messagelist")).to_contain_text("1 relation(s) blocked")

        page.goto(product_url)
        complements = page.get_by_role("region", name="Add this too")
        expect(complements.get_by_role("link", name=case.name)).to_be_visible()
        expect(complements.get_by_role("link", name=glass.name)).to_have_count(0)
    blocked = ProductRelation.objects.get(pk=shop["mined"].pk)
    assert (blocked.status, blocked.origin) == ("blocked", "mined")
    assert ProductRelation.objects.get(source=shop["case"], target=glass).status == "active"


def test_admin_screenshots(live_server: Any, transactional_db: Any) -> None:
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from demo_shop.catalog.models import Product
    from demo_shop.catalog.seeding import seed_demo
    from upcross import recompute as recomputing
    from upcross.models import ProductRelation

    seed_demo(orders=4000)
    recomputing.recompute("all")
    # A few curated rows, as a merchandiser would have them.
    mined = ProductRelation.objects.filter(origin="mined", kind="complement")
    for relation in mined.order_by("-pair_count")[:3]:
        relation.origin = "manual"
        relation.save()
    # A list, not a sliced subquery: MariaDB refuses LIMIT inside IN (...).
    weakest = list(mined.order_by("pair_count").values_list("pk", flat=True)[:2])
    ProductRelation.objects.filter(pk__in=weakest).update(status="blocked")
    get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    source = (ProductRelation.objects.filter(kind="upgrade").values_list("source", flat=True)
              .first() or ProductRelation.objects.values_list("source", flat=True).first())
    product = Product.objects.get(pk=source)
    DOCS.mkdir(exist_ok=True)
    with open_page(1440, 1000) as page:
        log_in(page, live_server.url, "boss", "/admin/upcross/productrelation/")
        page.locator("#toggle-nav-sidebar").click()  # more room for the columns
        page.reload()
        expect(page.locator("#result_list tbody tr").first).to_be_visible()
        page.screenshot(path=str(DOCS / "admin-relations.png"))
        page.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
        top, bottom = page.evaluate("""() => {
            const groups = [...document.querySelectorAll('.inline-group')]
                .filter(g => g.id.startsWith('upcross_relations_from'));
            if (groups.length < 2) throw new Error('upcross inlines missing');
            const first = groups[0].getBoundingClientRect();
            const last = groups[groups.length - 1].getBoundingClientRect();
            return [first.top + window.scrollY, last.bottom + window.scrollY];
        }""")
        page.screenshot(path=str(DOCS / "admin-product-inline.png"), full_page=True,
                        clip={"x": 0, "y": max(0, top - 20), "width": 1440,
                              "height": bottom - top + 40})
        page.goto(f"{live_server.url}/admin/upcross/productrelation/dashboard/")
        expect(page.locator("svg").first).to_be_visible()
        page.screenshot(path=str(DOCS / "admin-dashboard.png"), full_page=True)
