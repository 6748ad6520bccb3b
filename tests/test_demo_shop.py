"""The demo shop through the test client: catalog, cart, swap, checkout, admin, demo_admin."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from demo_shop.cart.cart import SESSION_KEY
from demo_shop.catalog.models import Category, Product
from demo_shop.orders.models import Order
from upcross.adapters import get_adapter

pytestmark = [pytest.mark.shop("demo"), pytest.mark.django_db]


@pytest.fixture
def catalog() -> dict[str, Product]:
    phones = Category.objects.create(name="Smartphones", slug="smartphones", position=1)
    cases = Category.objects.create(name="Cases", slug="cases", position=2)

    def make(sku: str, name: str, category: Category, price: str, **extra: object) -> Product:
        return Product.objects.create(
            sku=sku, name=name, slug=sku.lower(), category=category, price=Decimal(price),
            stock=10, **extra,
        )

    return {
        "64": make("NX-64", "Nova X 64 GB", phones, "3999000"),
        "128": make("NX-128", "Nova X 128 GB", phones, "4799000"),
        "case": make("CASE", "Nova X Clear Case", cases, "149000"),
        "glass": make("GLASS", "Nova X Screen Protector", cases, "99000"),
        "retired": make("OLD", "Retired Phone", phones, "999000", is_active=False),
    }


def cart_keys(client: Client) -> list[int]:
    return [int(pk) for pk in client.session.get(SESSION_KEY, {})]


def cart_of(client: Client) -> dict[int, int]:
    return {int(pk): qty for pk, qty in client.session.get(SESSION_KEY, {}).items()}


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


def add(client: Client, product: Product, quantity: int = 1, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("cart:add"),
                       {"product_id": product.pk, "quantity": quantity, **extra})


# --- catalog ----------------------------------------------------------------------------


def test_product_list_shows_active_products_with_prices_and_forms(
    client: Client, catalog: dict[str, Product]
) -> None:
    response = client.get(reverse("catalog:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nova X 64 GB" in html and "Nova X Clear Case" in html
    assert "Retired Phone" not in html
    assert "Rp\u00a03,999,000" in html
    assert html.count('action="/cart/add/"') == 4
    assert "csrfmiddlewaretoken" in html
    assert reverse("catalog:placeholder", args=[catalog["64"].pk]) in html
    assert 'alt="Nova X 64 GB"' in html


def test_category_page_filters_and_unknown_category_is_404(
    client: Client, catalog: dict[str, Product]
) -> None:
    html = client.get(reverse("catalog:category", args=["cases"])).content.decode()
    assert "Nova X Clear Case" in html
    assert "Nova X 64 GB" not in html.split("<main")[1]
    assert client.get(reverse("catalog:category", args=["nope"])).status_code == 404


def test_product_detail_has_add_form_and_widget_include(
    client: Client, catalog: dict[str, Product]
) -> None:
    response = client.get(catalog["64"].get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Nova X 64 GB</h1>" in html
    assert 'name="quantity"' in html and 'for="quantity"' in html
    assert "demo/_product_widgets.html" in [t.name for t in response.templates]
    assert response.context["product"] == catalog["64"]


def test_inactive_or_unknown_product_detail_is_404(
    client: Client, catalog: dict[str, Product]
) -> None:
    assert client.get(reverse("catalog:product", args=["old"])).status_code == 404
    assert client.get(reverse("catalog:product", args=["missing"])).status_code == 404


def test_placeholder_is_an_svg_with_escaped_initials(
    client: Client, catalog: dict[str, Product]
) -> None:
    response = client.get(reverse("catalog:placeholder", args=[catalog["64"].pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert b">NX</text>" in response.content


# --- cart -------------------------------------------------------------------------------


def test_add_to_cart_shows_message_and_line(client: Client, catalog: dict[str, Product]) -> None:
    response = add(client, catalog["64"], 2)
    assert response.status_code == 302 and response.url == reverse("cart:detail")
    assert cart_of(client) == {catalog["64"].pk: 2}
    page = client.get(response.url)
    html = page.content.decode()
    assert "Added Nova X 64 GB to your cart." in html
    assert "Rp\u00a07,998,000" in html  # line total and cart total
    assert "(2 items in your cart)" in html  # the header's cart link
    names = [t.name for t in page.templates]
    assert "demo/_cart_widgets.html" in names and "demo/_cart_line_upgrade.html" in names


def test_add_to_cart_follows_same_host_next_only(
    client: Client, catalog: dict[str, Product]
) -> None:
    detail = catalog["case"].get_absolute_url()
    assert add(client, catalog["case"], next=detail).url == detail
    assert add(client, catalog["case"], next="https://evil.example/").url == reverse("cart:detail")
    assert add(client, catalog["case"], next="//evil.example/x").url == reverse("cart:detail")
    assert cart_of(client) == {catalog["case"].pk: 3}


@pytest.mark.parametrize("data", [
    {}, {"product_id": "abc"}, {"product_id": "-1"}, {"product_id": "9" * 40},
])
def test_add_bad_product_id_redirects_with_message(
    client: Client, catalog: dict[str, Product], data: dict[str, str]
) -> None:
    response = client.post(reverse("cart:add"), data)
    assert response.status_code == 302
    assert messages_of(response) == ["Please choose a product to add."]
    assert cart_of(client) == {}


def test_add_unknown_inactive_or_bad_quantity(client: Client, catalog: dict[str, Product]) -> None:
    assert client.post(reverse("cart:add"), {"product_id": 10**9}).status_code == 404
    assert add(client, catalog["retired"]).status_code == 404
    response = client.post(reverse("cart:add"),
                           {"product_id": catalog["64"].pk, "quantity": "lots"})
    assert response.status_code == 302
    assert messages_of(response) == ["Please enter a quantity of at least 1."]
    assert add(client, catalog["64"], 0).status_code == 302
    assert cart_of(client) == {}
    assert client.get(reverse("cart:add")).status_code == 405


def test_add_caps_absurd_quantities(client: Client, catalog: dict[str, Product]) -> None:
    add(client, catalog["case"], 10**12)
    assert cart_of(client) == {catalog["case"].pk: 99}


def test_update_and_remove(client: Client, catalog: dict[str, Product]) -> None:
    add(client, catalog["64"])
    add(client, catalog["case"])
    client.post(reverse("cart:update"), {"product_id": catalog["case"].pk, "quantity": 4})
    assert cart_of(client) == {catalog["64"].pk: 1, catalog["case"].pk: 4}
    client.post(reverse("cart:update"), {"product_id": catalog["case"].pk, "quantity": 0})
    assert cart_of(client) == {catalog["64"].pk: 1}
    response = client.post(reverse("cart:remove"), {"product_id": catalog["64"].pk})
    assert response.status_code == 302
    assert cart_of(client) == {}
    assert "Your cart is empty." in client.get(reverse("cart:detail")).content.decode()


@pytest.mark.parametrize("view", ["cart:update", "cart:remove"])
@pytest.mark.parametrize("data", [{}, {"product_id": "x", "quantity": "y"},
                                  {"product_id": "123456", "quantity": "2"}])
def test_update_and_remove_bad_input_never_500(
    client: Client, catalog: dict[str, Product], view: str, data: dict[str, str]
) -> None:
    add(client, catalog["64"])
    response = client.post(reverse(view), data)
    assert response.status_code == 302
    assert messages_of(response)[-1].startswith("That ")
    assert cart_of(client) == {catalog["64"].pk: 1}


def test_swap_keeps_quantity_and_position(client: Client, catalog: dict[str, Product]) -> None:
    add(client, catalog["case"])
    add(client, catalog["64"], 2)
    add(client, catalog["glass"])
    response = client.post(reverse("cart:swap"), {"product_id": catalog["64"].pk,
                                                  "replacement_id": catalog["128"].pk})
    assert response.status_code == 302
    assert cart_keys(client) == [catalog["case"].pk, catalog["128"].pk, catalog["glass"].pk]
    assert cart_of(client)[catalog["128"].pk] == 2
    assert messages_of(response)[-1] == "Replaced Nova X 64 GB with Nova X 128 GB."


def test_swap_into_an_existing_line_merges_in_place(
    client: Client, catalog: dict[str, Product]
) -> None:
    add(client, catalog["64"], 1)
    add(client, catalog["case"])
    add(client, catalog["128"], 2)
    client.post(reverse("cart:swap"), {"product_id": catalog["64"].pk,
                                       "replacement_id": catalog["128"].pk})
    assert cart_keys(client) == [catalog["128"].pk, catalog["case"].pk]
    assert cart_of(client)[catalog["128"].pk] == 3


def test_swap_form_from_the_upcross_adapter_works(
    client: Client, catalog: dict[str, Product]
) -> None:
    """The URL and fields upcross's "Upgrade" button posts are the ones this view takes."""
    add(client, catalog["64"])
    form = get_adapter().swap_cart_line(catalog["64"], catalog["128"])
    assert form is not None and form.url == reverse("cart:swap")
    response = client.post(form.url, {**form.fields, "next": reverse("cart:detail")})
    assert response.status_code == 302
    assert cart_of(client) == {catalog["128"].pk: 1}


def test_swap_to_unknown_or_inactive_replacement_is_404(
    client: Client, catalog: dict[str, Product]
) -> None:
    add(client, catalog["64"])
    for replacement in (10**9, catalog["retired"].pk):
        response = client.post(reverse("cart:swap"), {"product_id": catalog["64"].pk,
                                                      "replacement_id": replacement})
        assert response.status_code == 404
    assert cart_of(client) == {catalog["64"].pk: 1}


@pytest.mark.parametrize("data", [
    {}, {"product_id": "abc", "replacement_id": "1"}, {"product_id": "1"},
    {"product_id": "1", "replacement_id": "9" * 30},
])
def test_swap_bad_input_redirects_with_message(
    client: Client, catalog: dict[str, Product], data: dict[str, str]
) -> None:
    add(client, catalog["64"])
    response = client.post(reverse("cart:swap"), data)
    assert response.status_code == 302
    assert messages_of(response)[-1] == "That cart line could not be changed."
    assert cart_of(client) == {catalog["64"].pk: 1}


def test_swap_of_a_line_not_in_the_cart(client: Client, catalog: dict[str, Product]) -> None:
    add(client, catalog["case"])
    response = client.post(reverse("cart:swap"), {"product_id": catalog["64"].pk,
                                                  "replacement_id": catalog["128"].pk})
    assert response.status_code == 302
    assert messages_of(response)[-1] == "That item is no longer in your cart."
    assert cart_of(client) == {catalog["case"].pk: 1}
    assert client.get(reverse("cart:swap")).status_code == 405


def test_tampered_session_cart_does_not_break_pages(
    client: Client, catalog: dict[str, Product]
) -> None:
    session = client.session
    session[SESSION_KEY] = {"abc": 1, str(catalog["case"].pk): "2", str(catalog["64"].pk): 1}
    session.save()
    response = client.get(reverse("cart:detail"))
    assert response.status_code == 200
    assert [line.product for line in response.context["cart"].lines] == [catalog["64"]]


# --- checkout ---------------------------------------------------------------------------


def test_checkout_creates_a_paid_order_and_clears_the_cart(
    client: Client, catalog: dict[str, Product]
) -> None:
    add(client, catalog["64"])
    add(client, catalog["case"], 2)
    add(client, catalog["glass"])
    Product.objects.filter(pk=catalog["glass"].pk).update(is_active=False)  # retired meanwhile
    page = client.get(reverse("orders:checkout"))
    assert page.status_code == 200 and 'type="email"' in page.content.decode()

    response = client.post(reverse("orders:checkout"), {"email": "ayu@example.com"})
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:thanks", args=[order.pk])
    assert order.status == Order.Status.PAID and order.customer is None
    assert order.email == "ayu@example.com"
    assert sorted((line.product.sku, line.quantity, line.unit_price)
                  for line in order.lines.all()) == [
        ("CASE", 2, Decimal("149000")), ("NX-64", 1, Decimal("3999000")),
    ]
    assert order.total == Decimal("4297000")
    assert cart_of(client) == {}
    thanks = client.get(response.url).content.decode()
    assert f"Order #{order.pk} is paid" in thanks and "Rp\u00a04,297,000" in thanks
    assert Client().get(response.url).status_code == 302  # another shopper: not shown


def test_checkout_of_a_signed_in_customer(client: Client, catalog: dict[str, Product]) -> None:
    user = get_user_model().objects.create_user("ayu", "ayu@example.com", "pw")
    client.force_login(user)
    add(client, catalog["128"])
    assert 'value="ayu@example.com"' in client.get(reverse("orders:checkout")).content.decode()
    client.post(reverse("orders:checkout"), {"email": "ayu@example.com"})
    assert Order.objects.get().customer == user


@pytest.mark.parametrize("email", ["", "not-an-address", "x" * 300 + "@example.com"])
def test_checkout_with_bad_email_shows_the_error(
    client: Client, catalog: dict[str, Product], email: str
) -> None:
    add(client, catalog["64"])
    response = client.post(reverse("orders:checkout"), {"email": email})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Order.objects.exists()
    assert cart_of(client) == {catalog["64"].pk: 1}


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client: Client, catalog) -> None:  # type: ignore[no-untyped-def]
    for response in (client.get(reverse("orders:checkout")),
                     client.post(reverse("orders:checkout"), {"email": "a@example.com"})):
        assert response.status_code == 302 and response.url == reverse("cart:detail")
    assert not Order.objects.exists()


# --- admin and demo_admin ---------------------------------------------------------------


def test_admin_screens_render(admin_client: Client, catalog: dict[str, Product]) -> None:
    add(admin_client, catalog["64"])
    admin_client.post(reverse("orders:checkout"), {"email": "admin@example.com"})
    order = Order.objects.get()
    for url in (
        reverse("admin:catalog_product_changelist"),
        reverse("admin:catalog_product_changelist") + "?q=NX-64",
        reverse("admin:catalog_product_change", args=[catalog["64"].pk]),
        reverse("admin:catalog_category_add"),
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_order_change", args=[order.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    changelist = admin_client.get(reverse("admin:catalog_product_changelist") + "?q=NX-64")
    assert changelist.context["cl"].result_count == 1
    assert "form-0-price" in changelist.content.decode()  # list_editable


def test_demo_admin_refuses_without_debug_and_is_idempotent(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_admin", stdout=StringIO())
    out = StringIO()
    call_command("demo_admin", "--force", stdout=out)
    call_command("demo_admin", "--force", stdout=out)
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("admin")
    assert "Admin: http://127.0.0.1:8000/admin/  user: admin  password: admin" in out.getvalue()
    assert get_user_model().objects.filter(username="admin").count() == 1
