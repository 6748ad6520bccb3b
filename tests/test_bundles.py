"""Bundles: curated or built from complements, the bundle box tag, "Add all", admin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from pytest_django import Settings

from tests import factories as f
from upcross import bundles
from upcross.models import Bundle, BundleItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _upcross_settings(fresh_cache: None, settings: Settings) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": 10, "BUNDLE_SIZE": 3,
                        "PRICE_QUANTUM": "0.01"}


@pytest.fixture
def tent() -> tuple[Any, Any, Any]:
    tent = f.product("Tent", "200.00")
    pegs, mat = f.product("Pegs", "10.00"), f.product("Mat", "40.00")
    f.relation(tent, pegs, position=0)
    f.relation(tent, mat, position=1)
    return tent, pegs, mat


def test_built_bundle_is_the_product_and_its_top_complements(tent: tuple[Any, Any, Any]) -> None:
    product, pegs, mat = tent
    offer = bundles.bundle_for(product)
    assert offer is not None and not offer.curated
    assert [p.pk for p in offer.products] == [product.pk, pegs.pk, mat.pk]
    assert offer.regular_price == Decimal("250.00")
    assert offer.saving == Decimal("25.00")
    assert offer.price == Decimal("225.00")


def test_too_few_complements_or_no_percent_means_no_built_bundle(
        settings: Settings, tent: tuple[Any, Any, Any]) -> None:
    product = tent[0]
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_SIZE": 4}
    assert bundles.bundle_for(product) is None
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_SIZE": 3, "BUNDLE_DISCOUNT_PERCENT": None}
    assert bundles.bundle_for(product) is None


def test_curated_bundle_wins_over_the_built_one(tent: tuple[Any, Any, Any]) -> None:
    product, _pegs, mat = tent
    stove = f.product("Stove", "60.00")
    bundle = Bundle.objects.create(product=product, name="Weekend kit", discount_percent=15)
    BundleItem.objects.create(bundle=bundle, product=stove, quantity=2)
    BundleItem.objects.create(bundle=bundle, product=mat)

    offer = bundles.bundle_for(product)
    assert offer is not None and offer.curated and offer.name == "Weekend kit"
    assert offer.needs == {product.pk: 1, stove.pk: 2, mat.pk: 1}
    assert offer.saving == Decimal("54.00")  # 15 % of 360.00


def test_bundle_box_with_add_all_form(settings: Settings, tent: tuple[Any, Any, Any]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ADD_MANY_TO_CART_URL": "/cart/add-many/"}
    product, pegs, mat = tent
    html = f.render_tags("{% upcross_bundle product %}", product=product)

    assert "Frequently bought together" in html
    assert "Buy all and save 10 %" in html
    assert html.count('class="upcross-form') == 1  # one button for all
    assert 'action="/cart/add-many/"' in html
    for item in (product, pegs, mat):
        assert f'name="product_id" value="{item.pk}"' in html
    assert "csrfmiddlewaretoken" in html


def test_bundle_box_without_add_many_hook_falls_back_to_one_button_each(
        settings: Settings, tent: tuple[Any, Any, Any]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ADD_MANY_TO_CART_URL": None}
    product = tent[0]
    html = f.render_tags("{% upcross_bundle product %}", product=product)
    assert "Add all to cart" not in html
    assert html.count('class="upcross-form"') == 3


def test_bundle_box_renders_nothing_without_a_bundle_or_when_switched_off(
        tent: tuple[Any, Any, Any]) -> None:
    assert f.render_tags("{% upcross_bundle product %}", product=f.product("Alone")).strip() == ""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.upcross_disabled = True
    html = Template("{% load upcross %}{% upcross_bundle product %}").render(
        RequestContext(request, {"product": tent[0]}))
    assert html.strip() == ""


@pytest.mark.shop("demo")
def test_demo_add_many_adds_every_product_all_or_nothing(tent: tuple[Any, Any, Any]) -> None:
    from demo_shop.cart.cart import SESSION_KEY

    product, pegs, mat = tent
    client = Client()
    response = client.post("/cart/add-many/", {"product_id": [product.pk, pegs.pk, pegs.pk]})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == {str(product.pk): 1, str(pegs.pk): 2}

    f.set_available(mat, False)
    assert client.post("/cart/add-many/", {"product_id": [product.pk, mat.pk]}).status_code == 404
    assert client.post("/cart/add-many/", {"product_id": ["x"]}).status_code == 302
    assert client.session[SESSION_KEY] == {str(product.pk): 1, str(pegs.pk): 2}


@pytest.mark.shop("demo")
def test_demo_cart_and_checkout_apply_the_bundle_discount(tent: tuple[Any, Any, Any]) -> None:
    from demo_shop.orders.models import Order

    product, pegs, mat = tent
    client = Client()
    client.post("/cart/add-many/", {"product_id": [product.pk, pegs.pk, mat.pk]})
    page = client.get("/cart/").content.decode()
    assert "bundle discount" in page
    client.post("/orders/checkout/", {"email": "a@example.com"})
    order = Order.objects.get()
    assert order.discount == Decimal("25.00")
    assert order.total == Decimal("225.00")


def test_bundle_admin_pages(admin_client: Client, tent: tuple[Any, Any, Any]) -> None:
    product, pegs, _mat = tent
    bundle = Bundle.objects.create(product=product, discount_percent=10)
    BundleItem.objects.create(bundle=bundle, product=pegs)
    assert admin_client.get("/admin/upcross/bundle/").status_code == 200
    assert admin_client.get(f"/admin/upcross/bundle/{bundle.pk}/change/").status_code == 200
    assert admin_client.get("/admin/upcross/bundle/add/").status_code == 200


def test_add_many_url_that_does_not_reverse_is_e012(settings: Settings) -> None:
    from django.core import checks

    settings.UPCROSS = {**settings.UPCROSS, "ADD_MANY_TO_CART_URL": "nowhere:add_many"}
    assert [m.id for m in checks.run_checks() if m.id == "upcross.E012"] == ["upcross.E012"]
    settings.UPCROSS = {**settings.UPCROSS, "ADD_MANY_TO_CART_URL": "/cart/add-many/"}
    assert not [m for m in checks.run_checks() if m.id == "upcross.E012"]


def test_admin_rejects_a_bundle_without_other_products(admin_client: Client) -> None:
    anchor = f.product("Solo")
    data = {"name": "", "product": anchor.pk, "discount_percent": "10", "is_active": "on",
            "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    response = admin_client.post("/admin/upcross/bundle/add/", data)
    assert response.status_code == 200
    assert "at least one more product" in response.content.decode()
    assert not Bundle.objects.exists()
