"""The demo as a shopper sees it after ``make demo``: real upgrades, diverse widgets,
no product twice on a page (acceptance 2 and 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from demo_shop.catalog.demo_data import NOT_UPGRADES, true_upgrades
from demo_shop.catalog.models import Category, Product
from demo_shop.orders.models import Order, OrderLine
from upcross import recompute as recomputing
from upcross.models import MiningRun, ProductRelation

pytestmark = [pytest.mark.shop("demo"), pytest.mark.django_db,
              pytest.mark.usefixtures("fresh_cache")]

_SECTION = re.compile(r'<section class="upcross upcross-([\w-]+)"(.*?)</section>', re.S)
_NAME = re.compile(r'<a class="upcross-name" href="([^"]+)">')


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker) -> Iterator[dict[str, Product]]:  # type: ignore[no-untyped-def]
    """``make demo``'s data: the seed and a recompute, once for the module."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=StringIO())
        run = recomputing.recompute("all")
        assert run.status == "succeeded", run.error
        yield {p.sku: p for p in Product.objects.all()}
        ProductRelation.objects.all().delete()
        MiningRun.objects.all().delete()
        from upcross.models import OrderExposure, RelationDailyStat, WidgetDailyStat

        for model in (WidgetDailyStat, RelationDailyStat, OrderExposure):  # seed_demo's visits
            model.objects.all().delete()
        OrderLine.objects.all().delete()
        Order.objects.all().delete()
        Product.objects.all().delete()
        Category.objects.all().delete()
        get_user_model().objects.filter(username__startswith="customer").delete()


def upgrade_pairs() -> set[frozenset[int]]:
    return {frozenset(pair) for pair in ProductRelation.objects.upgrades()
            .values_list("source", "target")}


def widgets(html: str, own_url: str = "") -> list[tuple[str, list[str]]]:
    """``(widget, product URLs)`` of each upcross section (a bundle's anchor left out)."""
    found = []
    for widget, body in _SECTION.findall(html):
        urls = [url for url in _NAME.findall(body) if not (widget == "bundle" and url == own_url)]
        found.append((widget, urls))
    return found


def check_page(html: str, by_url: dict[str, Product], own_url: str = "") -> None:
    sections = widgets(html, own_url)
    shown = [url for _widget, urls in sections for url in urls]
    assert len(shown) == len(set(shown)), f"a product twice on {own_url or 'the cart'}"
    linked = upgrade_pairs()
    for widget, urls in sections:
        if widget in ("complements", "bundle", "cart-complements"):
            pks = [by_url[url].pk for url in urls]
            twins = [(a, b) for i, a in enumerate(pks) for b in pks[i + 1:]
                     if frozenset((a, b)) in linked]
            assert twins == [], f"two substitutes in {widget} on {own_url or 'the cart'}"


def test_only_real_upgrades_are_mined(demo: dict[str, Product]) -> None:
    sku_of = {p.pk: sku for sku, p in demo.items()}
    stored = {(sku_of[s], sku_of[t]) for s, t in ProductRelation.objects.upgrades()
              .values_list("source", "target")}
    truth = true_upgrades()
    assert not stored & set(NOT_UPGRADES)
    assert {("NOVAX-128", "NOVAX-256"), ("SHOE-STRIDE2", "SHOE-STRIDE2-PRO")} <= stored
    assert len(stored & truth) / len(stored) >= 0.9
    assert len(stored & truth) / len(truth) >= 0.8


def test_every_product_page_is_diverse_and_shows_a_product_once(
        demo: dict[str, Product]) -> None:
    client = Client()
    by_url = {p.get_absolute_url(): p for p in demo.values()}
    for product in demo.values():
        url = product.get_absolute_url()
        response = client.get(url)
        assert response.status_code == 200
        check_page(response.content.decode(), by_url, url)


def test_the_socks_page_offers_one_version_of_a_shoe(demo: dict[str, Product]) -> None:
    html = Client().get(demo["SOCKS-RUN"].get_absolute_url()).content.decode()
    urls = [url for _widget, urls in widgets(html) for url in urls]
    versions = {demo["SHOE-STRIDE2"].get_absolute_url(),
                demo["SHOE-STRIDE2-PRO"].get_absolute_url()}
    assert len(versions & set(urls)) <= 1


@pytest.mark.parametrize("skus", [
    ("SOCKS-RUN",), ("CLEANSER",), ("CABLE-USBC-1M",), ("GLASS-NOVAX", "CHARGER-25W"),
    ("NOVAX-128", "SOCKS-RUN", "CLEANSER"),
])
def test_cart_pages_are_diverse_and_upgrade_only_to_real_upgrades(
        demo: dict[str, Product], skus: tuple[str, ...]) -> None:
    client = Client()
    for sku in skus:
        client.post(reverse("cart:add"), {"product_id": demo[sku].pk, "quantity": 1})
    html = client.get(reverse("cart:detail")).content.decode()
    by_url = {p.get_absolute_url(): p for p in demo.values()}
    check_page(html, by_url)
    sku_of = {p.pk: sku for sku, p in demo.items()}
    swaps = {(sku_of[int(a)], sku_of[int(b)]) for a, b in re.findall(
        r'name="product_id" value="(\d+)"><input type="hidden" name="replacement_id" '
        r'value="(\d+)"', html)}
    assert swaps <= true_upgrades()  # never "replace USB-C Cable 1 m with a protector"
    if "NOVAX-128" in skus:
        assert ("NOVAX-128", "NOVAX-256") in swaps
