"""How many demo pages show a full "Add this too" widget: with and without the fallback.

    .venv/bin/python bench/coverage.py [--limit 4]

Builds a throwaway demo shop (SQLite in a temporary directory, local-memory cache),
seeds it as ``make demo`` does and runs the recompute. Then, with the fallback off
(``UPCROSS["FALLBACK"]``: manual, rule and mined suggestions only) and on, renders
every active product's page and the empty cart through Django's test client and
counts the suggestions the widgets show; and creates a product (no orders) to render
its page. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import throwaway

ITEM = re.compile(r'<li class="upcross-item"[\s>]')


def section(html: str, name: str) -> str:
    """The HTML of the ``upcross-<name>`` widget box (empty when the page has none)."""
    match = re.search(rf'<section class="upcross upcross-{name}"(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def shown(client: Any, url: str, name: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ITEM.findall(section(response.content.decode(), name)))


def measure(fallback_on: bool, new_product: Any, limit: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client, override_settings

    from demo_shop.catalog.models import Product
    from upcross import cache

    widgets = {"complements": fallback_on, "cart_complements": fallback_on}
    with override_settings(UPCROSS={**settings.UPCROSS, "FALLBACK": widgets},
                           ALLOWED_HOSTS=["testserver"]):
        cache.clear()
        client = Client()
        counts = {product.pk: shown(client, product.get_absolute_url(), "complements")
                  for product in Product.objects.filter(is_active=True).order_by("pk")}
        new = shown(client, new_product.get_absolute_url(), "complements")
        empty_cart = shown(Client(), "/cart/", "cart-complements")
    pages = len(counts)
    return {
        "pages": pages,
        "pages_below_limit": sum(1 for n in counts.values() if n < limit),
        "pages_empty": sum(1 for n in counts.values() if n == 0),
        "shown_histogram": dict(sorted(Counter(counts.values()).items())),
        "new_product": new,
        "empty_cart": empty_cart,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=4)
    args = parser.parse_args()
    throwaway.demo_shop("upcross-coverage-")
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from demo_shop.catalog.models import Category, Product
    from upcross import recommend

    call_command("seed_demo", verbosity=0)
    call_command("upcross_recompute", kind="all", verbosity=0)
    category = Category.objects.order_by("pk").first()
    # Created after the recompute, never ordered: the cold-start path (on commit).
    new_product = Product.objects.create(category=category, name="Brand-new product",
                                         slug="brand-new-product", sku="NEW-1",
                                         price=Decimal(150_000), stock=5)
    before = measure(False, new_product, args.limit)
    after = measure(True, new_product, args.limit)
    widgets = {"complements": True, "cart_complements": True}
    with override_settings(UPCROSS={**settings.UPCROSS, "FALLBACK": widgets}):
        origins = Counter(item.origin for item in recommend.complements(new_product,
                                                                        limit=args.limit))
    print(f"demo catalogue: {after['pages']} active product pages, widget limit {args.limit}")
    print(f"{'':28}{'fallback off':>14}{'fallback on':>14}")
    for key, label in (("pages_below_limit", f"pages with < {args.limit} shown"),
                       ("pages_empty", "pages with none"),
                       ("new_product", "new product: shown"),
                       ("empty_cart", "empty cart: shown")):
        print(f"{label:28}{before[key]:>14}{after[key]:>14}")
    print(f"new product's suggestions by origin: {dict(origins)}")
    print(json.dumps({"limit": args.limit, "fallback_off": before, "fallback_on": after,
                      "new_product_origins": dict(origins)}, default=str))


if __name__ == "__main__":
    main()
