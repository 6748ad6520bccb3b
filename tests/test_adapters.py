"""The adapter turns settings into host values, on both shop shapes.

Each shape gets its own tests (``pytest.mark.shop``) because the point is that the
same adapter reads two very different models, configured by settings alone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.upcross_overrides import with_upcross
from upcross.adapters import AddToCart, ProductFacts, ShopAdapter, get_adapter

pytestmark = pytest.mark.django_db




def test_get_adapter_follows_the_setting() -> None:
    assert type(get_adapter()) is ShopAdapter
    with override_settings(UPCROSS=with_upcross(ADAPTER="tests.test_adapters.CustomAdapter")):
        assert type(get_adapter()) is CustomAdapter
    assert type(get_adapter()) is ShopAdapter  # cleared again on setting_changed


class CustomAdapter(ShopAdapter):
    """Named by ``UPCROSS['ADAPTER']`` in the test above."""


def add_with_variant(product: Any, quantity: int) -> tuple[str, dict[str, Any]]:
    """An ``ADD_TO_CART_URL`` callable for a cart that wants more than the product id."""
    return reverse("cart:add"), {"product_id": product.pk, "quantity": quantity, "variant": ""}


def test_product_facts_of_nothing_costs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert get_adapter().product_facts([]) == {}


# =========================================================================================
# The altshop: UUID items, prices on stock records, M2M sections, variants, guest orders.
# =========================================================================================


@pytest.fixture
def alt() -> dict[str, Any]:
    from tests.altshop.catalog.models import Item, Section, StockRecord

    shoes, running = Section.objects.create(name="Shoes", slug="shoes"), Section.objects.create(
        name="Running", slug="running")
    socks = Section.objects.create(name="Socks", slug="socks")
    trainer = Item.objects.create(title="Trainer", slug="trainer")
    trainer.sections.set([shoes, running])
    size_42 = Item.objects.create(title="Trainer 42", slug="trainer-42", parent=trainer)
    size_42.sections.set([shoes])
    sock = Item.objects.create(title="Sock", slug="sock")
    sock.sections.set([socks])
    hidden = Item.objects.create(title="Prototype", slug="prototype", is_public=False)
    unpriced = Item.objects.create(title="Coming soon", slug="coming-soon")
    for partner, price in (("north", "89.00"), ("south", "74.50"), ("east", "99.99")):
        StockRecord.objects.create(item=trainer, partner=partner, price=Decimal(price))
    StockRecord.objects.create(item=size_42, partner="north", price=Decimal("79.00"))
    StockRecord.objects.create(item=sock, partner="north", price=Decimal("6.00"))
    StockRecord.objects.create(item=hidden, partner="north", price=Decimal("1.00"))
    return {"trainer": trainer, "size_42": size_42, "sock": sock, "hidden": hidden,
            "unpriced": unpriced, "shoes": shoes, "running": running, "socks": socks}


@pytest.mark.shop("altshop")
def test_alt_product_facts_lowest_price_m2m_categories_parent(alt: dict[str, Any]) -> None:
    facts = get_adapter().product_facts(
        [alt["trainer"].pk, alt["size_42"].pk, alt["sock"].pk, alt["unpriced"].pk])
    assert facts[alt["trainer"].pk] == ProductFacts(
        price=Decimal("74.50"),  # the lowest of three stock records
        categories=frozenset({alt["shoes"].pk, alt["running"].pk}), parent=None)
    assert facts[alt["size_42"].pk] == ProductFacts(
        price=Decimal("79.00"), categories=frozenset({alt["shoes"].pk}),
        parent=alt["trainer"].pk)
    assert facts[alt["sock"].pk].categories == frozenset({alt["socks"].pk})
    assert facts[alt["unpriced"].pk] == ProductFacts(price=None, categories=frozenset(),
                                                    parent=None)
    assert isinstance(next(iter(facts)), uuid.UUID)


@pytest.mark.shop("altshop")
def test_alt_product_facts_is_one_query(alt: dict[str, Any],
                                        django_assert_num_queries: Any) -> None:
    pks = [item.pk for key, item in alt.items() if key in ("trainer", "size_42", "sock")]
    with django_assert_num_queries(1):
        facts = get_adapter().product_facts(pks)
    assert [facts[pk].price for pk in pks] == [Decimal("74.50"), Decimal("79.00"),
                                               Decimal("6.00")]


@pytest.mark.shop("altshop")
def test_alt_facts_for_a_product_unknown_pk(alt: dict[str, Any]) -> None:
    assert get_adapter().facts_for(alt["sock"]).price == Decimal("6.00")
    ghost = uuid.uuid4()
    assert get_adapter().product_facts([ghost]) == {ghost: ProductFacts()}


@pytest.mark.shop("altshop")
def test_alt_callable_product_fields(alt: dict[str, Any]) -> None:
    fields = {"price": "tests.altshop.hooks.lowest_price",
              "category": "tests.altshop.hooks.section_slugs",
              "parent": lambda item: item.parent}  # a callable object works too
    with override_settings(UPCROSS=with_upcross(PRODUCT_FIELDS=fields)):
        facts = get_adapter().product_facts([alt["trainer"].pk, alt["size_42"].pk,
                                             alt["unpriced"].pk])
    assert facts[alt["trainer"].pk] == ProductFacts(
        price=Decimal("74.50"), categories=frozenset({"shoes", "running"}), parent=None)
    # The callable returned the parent object; facts carry its pk like the path does.
    assert facts[alt["size_42"].pk].parent == alt["trainer"].pk
    assert facts[alt["unpriced"].pk].price is None


@pytest.mark.shop("altshop")
def test_alt_mixed_path_and_callable_fields(alt: dict[str, Any]) -> None:
    fields = {"category": "tests.altshop.hooks.section_slugs"}  # price, parent stay paths
    with override_settings(UPCROSS=with_upcross(PRODUCT_FIELDS=fields)):
        facts = get_adapter().facts_for(alt["size_42"])
    assert facts == ProductFacts(price=Decimal("79.00"), categories=frozenset({"shoes"}),
                                 parent=alt["trainer"].pk)


@pytest.mark.shop("altshop")
def test_alt_available_products_lookups_and_callable(alt: dict[str, Any]) -> None:
    adapter = get_adapter()
    public = set(adapter.available_products())
    assert public == {alt["trainer"], alt["size_42"], alt["sock"], alt["unpriced"]}
    with override_settings(UPCROSS=with_upcross(
            PRODUCT_AVAILABLE="tests.altshop.hooks.public_items")):
        # Public AND priced: the item without a stock record drops out, no duplicates
        # from the three stock records of the trainer.
        assert list(get_adapter().available_products().order_by("title")) == [
            alt["sock"], alt["trainer"], alt["size_42"]]
    from tests.altshop.catalog.models import Item

    narrowed = adapter.available_products(Item.objects.filter(slug__startswith="trainer"))
    assert set(narrowed) == {alt["trainer"], alt["size_42"]}


@pytest.fixture
def alt_orders(alt: dict[str, Any]) -> dict[str, Any]:
    from tests.altshop.ordering.models import Line, Order

    customer = get_user_model().objects.create_user("ana", password="x")
    now = timezone.now()
    guest = Order.objects.create(customer=None, placed_on=now - timedelta(days=2))
    Line.objects.create(order=guest, item=alt["size_42"], qty=1)
    Line.objects.create(order=guest, item=alt["sock"], qty=3)
    known = Order.objects.create(customer=customer, placed_on=now - timedelta(days=1))
    Line.objects.create(order=known, item=alt["sock"], qty=2)
    staff_test = Order.objects.create(customer=customer, placed_on=now, is_test=True)
    Line.objects.create(order=staff_test, item=alt["trainer"], qty=1)
    return {"guest": guest, "known": known, "test": staff_test, "customer": customer}


@pytest.mark.shop("altshop")
def test_alt_order_line_rows_guest_variant_and_filter_callable(
        alt: dict[str, Any], alt_orders: dict[str, Any]) -> None:
    rows = sorted(get_adapter().order_line_rows(), key=lambda row: (row[4], row[2]))
    guest, known = alt_orders["guest"], alt_orders["known"]
    assert rows == [
        (guest.pk, alt["size_42"].pk, 1, None, guest.placed_on),  # the variant, no customer
        (guest.pk, alt["sock"].pk, 3, None, guest.placed_on),
        (known.pk, alt["sock"].pk, 2, alt_orders["customer"].pk, known.placed_on),
    ]  # the test order is left out by tests.altshop.hooks.real_order_lines


@pytest.mark.shop("altshop")
def test_alt_order_lines_without_optional_fields(alt: dict[str, Any],
                                                 alt_orders: dict[str, Any]) -> None:
    fields = {"quantity": None, "customer": None, "placed_at": None}
    with override_settings(UPCROSS=with_upcross(ORDER_LINE_FIELDS=fields,
                                                 ORDER_LINE_FILTER={})):
        rows = list(get_adapter().order_line_rows())
    assert len(rows) == 4  # no filter: the test order counts too
    assert {row[2:] for row in rows} == {(1, None, None)}


@pytest.mark.shop("altshop")
def test_alt_add_to_cart_callable_with_quantity_field(alt: dict[str, Any], client: Any) -> None:
    item = alt["sock"]
    target = get_adapter().add_to_cart(item, quantity=2)
    assert target == AddToCart(url=f"/basket/add/{item.pk}/", fields={"quantity": "2"})
    response = client.post(target.url, target.fields)
    assert response.status_code == 302
    assert client.session["altshop_basket"] == {str(item.pk): 2}
    # The same view without the quantity field is refused.
    assert client.post(target.url, {}).status_code == 400


@pytest.mark.shop("altshop")
def test_alt_add_to_cart_url_name_reversed_with_pk(alt: dict[str, Any], client: Any) -> None:
    item = alt["trainer"]
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL="basket:add")):
        target = get_adapter().add_to_cart(item)
    assert target == AddToCart(url=reverse("basket:add", args=[item.pk]),
                               fields={"quantity": "1"})
    assert str(item.pk) in target.url
    # The quantity field is what a cart like this one (and django-oscar's) requires.
    assert client.post(target.url, target.fields).status_code == 302
    assert client.session["altshop_basket"] == {str(item.pk): 1}
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL="basket:add",
                                                 ADD_TO_CART_QUANTITY_PARAM=None)):
        bare = get_adapter().add_to_cart(item)
    assert bare == AddToCart(url=reverse("basket:add", args=[item.pk]), fields={})
    assert client.post(bare.url, bare.fields).status_code == 400


@pytest.mark.shop("altshop")
@pytest.mark.parametrize("setting", ["basket:add_posted", "/basket/add/"])
def test_alt_add_to_cart_url_with_post_param(alt: dict[str, Any], client: Any,
                                             setting: str) -> None:
    item = alt["trainer"]
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL=setting,
                                                 ADD_TO_CART_PRODUCT_PARAM="item")):
        target = get_adapter().add_to_cart(item)
    assert target == AddToCart(url="/basket/add/", fields={"item": str(item.pk), "quantity": "1"})
    assert client.post(target.url, target.fields).status_code == 302
    assert client.session["altshop_basket"] == {str(item.pk): 1}


@pytest.mark.shop("altshop")
def test_alt_add_to_cart_callable_object_and_no_extra_fields(alt: dict[str, Any]) -> None:
    def add(product: Any, quantity: int) -> tuple[str, None]:
        return f"/custom/{product.slug}/{quantity}/", None

    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL=add)):
        assert get_adapter().add_to_cart(alt["sock"], 3) == AddToCart(
            url="/custom/sock/3/", fields={})


@pytest.mark.shop("altshop")
def test_alt_swap_view_replaces_the_line(alt: dict[str, Any], client: Any) -> None:
    client.post(reverse("basket:add", args=[alt["size_42"].pk]), {"quantity": 2})
    response = client.post(reverse("basket:swap"), {"product_id": alt["size_42"].pk,
                                                     "replacement_id": alt["trainer"].pk})
    assert response.status_code == 302
    assert client.session["altshop_basket"] == {str(alt["trainer"].pk): 2}
    bad = client.post(reverse("basket:swap"), {"product_id": "x", "replacement_id": "y"})
    assert bad.status_code == 400


@pytest.mark.shop("altshop")
def test_alt_pages_render(alt: dict[str, Any], client: Any) -> None:
    assert b"Trainer" in client.get(reverse("item_list")).content
    assert client.get(alt["trainer"].get_absolute_url()).status_code == 200
    assert client.get(alt["hidden"].get_absolute_url()).status_code == 404
    client.post(reverse("basket:add", args=[alt["sock"].pk]), {"quantity": 1})
    assert b"Sock" in client.get(reverse("basket:detail")).content


# =========================================================================================
# The demo shop: integer pks, plain price and category fields, an order status.
# =========================================================================================


@pytest.fixture
def demo() -> dict[str, Any]:
    from demo_shop.catalog.models import Category, Product

    phones = Category.objects.create(name="Phones", slug="phones")
    cases = Category.objects.create(name="Cases", slug="cases")

    def product(name: str, category: Any, price: str, **extra: Any) -> Any:
        slug = name.lower().replace(" ", "-")
        return Product.objects.create(name=name, slug=slug, sku=slug.upper(), category=category,
                                      price=Decimal(price), **extra)

    return {
        "phone": product("Phone 64", phones, "299.00"),
        "phone_big": product("Phone 256", phones, "399.00"),
        "case": product("Phone case", cases, "19.90"),
        "retired": product("Old phone", phones, "99.00", is_active=False),
        "phones": phones, "cases": cases,
    }


@pytest.mark.shop("demo")
def test_demo_product_facts_in_one_query(demo: dict[str, Any],
                                         django_assert_num_queries: Any) -> None:
    pks = [demo["phone"].pk, demo["case"].pk]
    with django_assert_num_queries(1):
        facts = get_adapter().product_facts(pks)
    assert facts == {
        demo["phone"].pk: ProductFacts(price=Decimal("299.00"),
                                       categories=frozenset({demo["phones"].pk})),
        demo["case"].pk: ProductFacts(price=Decimal("19.90"),
                                      categories=frozenset({demo["cases"].pk})),
    }


@pytest.mark.shop("demo")
def test_demo_callable_category(demo: dict[str, Any]) -> None:
    with override_settings(UPCROSS=with_upcross(
            PRODUCT_FIELDS={"category": lambda product: product.category})):
        assert get_adapter().facts_for(demo["case"]).categories == frozenset({demo["cases"].pk})


@pytest.mark.shop("demo")
def test_demo_available_products(demo: dict[str, Any]) -> None:
    assert demo["retired"] not in set(get_adapter().available_products())
    assert demo["phone"] in set(get_adapter().available_products())
    with override_settings(UPCROSS=with_upcross(PRODUCT_AVAILABLE={})):
        assert demo["retired"] in set(get_adapter().available_products())


@pytest.mark.shop("demo")
def test_demo_order_line_rows_guest_and_status_filter(demo: dict[str, Any]) -> None:
    from demo_shop.orders.models import Order, OrderLine

    customer = get_user_model().objects.create_user("bo", password="x")
    paid_guest = Order.objects.create(customer=None, status=Order.Status.PAID)
    paid_known = Order.objects.create(customer=customer, status=Order.Status.PAID)
    cancelled = Order.objects.create(customer=customer, status=Order.Status.CANCELLED)
    for order, product, quantity in ((paid_guest, demo["phone"], 1),
                                     (paid_guest, demo["case"], 2),
                                     (paid_known, demo["case"], 1),
                                     (cancelled, demo["phone_big"], 1)):
        OrderLine.objects.create(order=order, product=product, quantity=quantity,
                                 unit_price=product.price)
    rows = {row[:4] for row in get_adapter().order_line_rows()}
    assert rows == {
        (paid_guest.pk, demo["phone"].pk, 1, None),
        (paid_guest.pk, demo["case"].pk, 2, None),
        (paid_known.pk, demo["case"].pk, 1, customer.pk),
    }


@pytest.mark.shop("demo")
def test_demo_add_to_cart_url_name_with_post_param(demo: dict[str, Any], client: Any) -> None:
    target = get_adapter().add_to_cart(demo["case"])
    assert target == AddToCart(url=reverse("cart:add"),
                               fields={"product_id": str(demo["case"].pk), "quantity": "1"})
    response = client.post(target.url, target.fields)
    assert response.status_code == 302
    assert str(demo["case"].pk) in str(dict(client.session))


@pytest.mark.shop("demo")
def test_demo_add_to_cart_literal_path_and_callable(demo: dict[str, Any]) -> None:
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL="/shop/cart/add.php")):
        target = get_adapter().add_to_cart(demo["case"])
    assert target == AddToCart(url="/shop/cart/add.php",
                               fields={"product_id": str(demo["case"].pk), "quantity": "1"})
    with override_settings(UPCROSS=with_upcross(
            ADD_TO_CART_URL="tests.test_adapters.add_with_variant")):
        target = get_adapter().add_to_cart(demo["case"], 4)
    assert target.url == reverse("cart:add")
    assert target.fields == {"product_id": str(demo["case"].pk), "quantity": "4",
                             "variant": ""}


def test_product_texts_default_to_the_name_and_follow_the_setting() -> None:
    """The text upgrade mining compares: ``name`` (demo) or ``title`` (altshop) by
    default, or a configured path or callable; an empty text is left out."""
    from tests import factories

    nova = factories.product("Nova X 128 GB")
    blank = factories.product("")
    adapter = get_adapter()
    assert adapter.product_texts([nova.pk, blank.pk]) == {nova.pk: "Nova X 128 GB"}
    fields = {"text": lambda product: f"{product} (phone)"}
    with override_settings(UPCROSS=with_upcross(PRODUCT_FIELDS=fields)):
        assert get_adapter().product_texts([nova.pk]) == {nova.pk: "Nova X 128 GB (phone)"}
    path = "name" if factories.is_demo() else "title"
    with override_settings(UPCROSS=with_upcross(PRODUCT_FIELDS={"text": path})):
        assert get_adapter().product_texts([nova.pk, blank.pk]) == {nova.pk: "Nova X 128 GB"}
