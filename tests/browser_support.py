"""What the browser tests share: a page of headless Chromium, and demo catalogues.

Playwright is imported when a page is opened, not here: without it the browser
tests are skipped by ``conftest.py`` (or fail under CI), not the collection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.environment import CHROMIUM_PATH
from tests.factories import relation
from upcross import cache

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # gitignored
# No sandbox (containers), no GPU, and nothing that reaches out to the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextmanager
def open_page(width: int = 1200, height: int = 900) -> Iterator[Any]:
    """A fresh page of headless Chromium (``/usr/bin/chromium``, never a download);
    the browser is closed however the block ends."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, which makes Django
    # refuse ORM calls from it; the tests use the ORM only around the browser.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def demo_category(name: str, slug: str, position: int = 1) -> Any:
    from demo_shop.catalog.models import Category

    return Category.objects.create(name=name, slug=slug, position=position)


def demo_product(name: str, slug: str, price: str, category: Any, color: str) -> Any:
    """A demo-shop product as the demo pages show it: in stock, coloured, described."""
    from demo_shop.catalog.models import Product

    return Product.objects.create(category=category, name=name, slug=slug, sku=slug.upper(),
                                  price=Decimal(price), stock=25, color=color,
                                  description="A demo product.")


def demo_complements(category: str, *products: tuple[str, str, str, str]) -> list[Any]:
    """Demo products ``(name, slug, price, colour)`` in a new category, the first one
    with the others as its manual complements in this order; the read cache is cleared."""
    shelf = demo_category(category, category.lower())
    made = [demo_product(name, slug, price, shelf, color) for name, slug, price, color in products]
    for position, target in enumerate(made[1:]):
        relation(made[0], target, kind="complement", origin="manual", position=position)
    cache.clear()
    return made
