"""The demo shop speaks English, Indonesian and Polish, prices included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from demo_shop.catalog.models import Category, Product
from demo_shop.catalog.templatetags.shop import format_money

pytestmark = pytest.mark.shop("demo")

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """A request to /id/ leaves Indonesian active in this thread: don't leak it."""
    yield
    translation.deactivate()


@pytest.fixture
def phone(db: None) -> Product:
    category = Category.objects.create(name="Smartphones", slug="smartphones")
    return Product.objects.create(category=category, name="Nova X 64 GB", slug="nova-x-64-gb",
                                  sku="NX-64", price=Decimal("3999000.00"), stock=5)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", f"Rp{NBSP}3,999,000"),
    ("id", f"Rp{NBSP}3.999.000"),
    ("pl", f"3{NBSP}999{NBSP}000{NBSP}Rp"),
])
def test_money_uses_the_locale_grouping_and_sign_position(language: str, expected: str) -> None:
    with translation.override(language):
        assert format_money(Decimal("3999000.00")) == expected


def test_money_rounds_to_whole_rupiah_and_tolerates_junk() -> None:
    with translation.override("en"):
        assert format_money(Decimal("1499.50")) == f"Rp{NBSP}1,500"
        assert format_money(0) == f"Rp{NBSP}0"
        assert format_money(None) == ""
        assert format_money("not a number") == ""


@pytest.mark.parametrize(("prefix", "strings"), [
    ("", ["All products", "Add to cart", f"Rp{NBSP}3,999,000", '<html lang="en">']),
    ("/id", ["Semua produk", "Tambah ke keranjang", f"Rp{NBSP}3.999.000", '<html lang="id">']),
    ("/pl", ["Wszystkie produkty", "Dodaj do koszyka", f"3{NBSP}999{NBSP}000{NBSP}Rp",
             '<html lang="pl">']),
])
def test_pages_render_in_each_language(
    client: Client, phone: Product, prefix: str, strings: list[str]
) -> None:
    for path in ("/", f"/p/{phone.slug}/", "/cart/"):
        response = client.get(prefix + path)
        assert response.status_code == 200, prefix + path
    html = client.get(f"{prefix}/p/{phone.slug}/").content.decode()
    for text in strings:
        assert text in html


def test_language_switcher_posts_to_set_language_and_keeps_the_page(
    client: Client, phone: Product
) -> None:
    html = client.get(phone.get_absolute_url()).content.decode()
    form = re.search(r'<form class="language-form" action="([^"]+)" method="post">(.*?)</form>',
                     html, re.S)
    assert form is not None and form.group(1) == reverse("set_language")
    assert "csrfmiddlewaretoken" in form.group(2)
    assert all(f'value="{code}"' in form.group(2) for code, _name in settings.LANGUAGES)

    response = client.post(reverse("set_language"),
                           {"language": "pl", "next": phone.get_absolute_url()})
    assert response.status_code == 302
    assert response.url == f"/pl/p/{phone.slug}/"
    html = client.get(response.url).content.decode()
    assert "Ilość" in html and f"3{NBSP}999{NBSP}000{NBSP}Rp" in html


def test_messages_are_translated(client: Client, phone: Product) -> None:
    response = client.post("/id/cart/add/", {"product_id": phone.pk}, follow=True)
    assert "Nova X 64 GB ditambahkan ke keranjang Anda." in response.content.decode()
