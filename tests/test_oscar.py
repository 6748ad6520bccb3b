"""upcross in an unmodified django-oscar 4.2 shop (the real package from PyPI), set up
with the contrib preset only (``tests/settings_oscar.py``): no hook written by the shop.

Run with ``--ds=tests.settings_oscar`` (``make test`` does).
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from upcross import recompute as recomputing
from upcross.analytics.attribution import SESSION_KEY
from upcross.analytics.flush import flush_events
from upcross.models import OrderExposure, ProductRelation, RelationDailyStat, WidgetDailyStat

pytestmark = [pytest.mark.shop("oscar"), pytest.mark.django_db,
              pytest.mark.usefixtures("fresh_counters")]


@pytest.fixture
def shop() -> dict[str, Any]:
    """A small Oscar catalogue: a tent and its pricier upgrade in one category, pegs, and
    boots as a parent with two sizes; one partner's stock records carry the prices."""
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.test.factories import create_product

    camping = create_from_breadcrumbs("Outdoor > Camping")
    products: dict[str, Any] = {}
    for key, title, price in (("tent", "Tent", "199.00"), ("tent_pro", "Tent Pro", "249.00"),
                              ("pegs", "Steel pegs", "12.50")):
        products[key] = create_product(title=title, price=Decimal(price), num_in_stock=50,
                                       partner_name="Outfitters")
        products[key].categories.add(camping)
    boots = create_product(title="Boots", structure="parent")
    boots.categories.add(camping)
    products["boots"] = boots
    for size in ("42", "43"):
        products[f"boots_{size}"] = create_product(
            title=f"Boots {size}", parent=boots, price=Decimal("89.00"), num_in_stock=5,
            partner_name="Outfitters")
    return products


def relate(source: Any, target: Any, kind: str = "complement") -> None:
    ProductRelation.objects.create(source=source, target=target, kind=kind, origin="manual")


def forms_in(html: str, css_class: str) -> list[tuple[str, dict[str, str]]]:
    """Every form inside the widget with this class: its action and hidden fields."""
    section = html[html.index(css_class):]
    section = section[:section.index("</section>")]
    return [(action, dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                      body)))
            for action, body in re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>',
                                           section, re.S)]


def basket_lines(client: Client) -> dict[str, int]:
    html = client.get(reverse("widgets-basket")).content.decode()
    return {title: int(qty) for title, qty in
            re.findall(r'<li class="line">(.+?) x (\d+)</li>', html)}


def test_preset_passes_the_system_checks() -> None:
    out = StringIO()
    call_command("check", "--fail-level", "WARNING", stdout=out)
    assert "no issues" in out.getvalue()


def test_widget_add_puts_the_product_in_oscars_basket(shop: dict[str, Any]) -> None:
    relate(shop["tent"], shop["pegs"])
    client = Client()
    page = client.get(reverse("widgets-product", args=[shop["tent"].pk])).content.decode()
    assert "Steel pegs" in page
    assert "€12.50" in page  # Oscar's currency format (OSCAR_DEFAULT_CURRENCY = "EUR")
    [(action, fields)] = forms_in(page, "upcross-complements")
    assert action == reverse("basket:add", kwargs={"pk": shop["pegs"].pk})
    assert fields["quantity"] == "1" and fields["upcross_widget"] == "complements"

    response = client.post(action, fields)
    assert response.status_code == 302
    assert basket_lines(client) == {"Steel pegs": 1}
    # Oscar's basket_addition signal told upcross: the add is counted and remembered.
    assert client.session[SESSION_KEY] == {str(shop["pegs"].pk):
                                           ["complements", str(shop["tent"].pk)]}


def test_widget_add_of_a_parent_adds_a_child_and_credits_the_parent(
        shop: dict[str, Any]) -> None:
    relate(shop["tent"], shop["boots"])
    client = Client()
    page = client.get(reverse("widgets-product", args=[shop["tent"].pk])).content.decode()
    [(action, fields)] = forms_in(page, "upcross-complements")
    assert fields["child_id"] == str(shop["boots_42"].pk)
    client.post(action, fields)
    assert basket_lines(client) == {"Boots 42": 1}
    assert client.session[SESSION_KEY] == {str(shop["boots"].pk):
                                           ["complements", str(shop["tent"].pk)]}


def test_basket_upgrade_swaps_the_line_keeping_its_quantity(shop: dict[str, Any]) -> None:
    relate(shop["tent"], shop["tent_pro"], kind="upgrade")
    client = Client()
    client.post(reverse("basket:add", kwargs={"pk": shop["tent"].pk}), {"quantity": 2})
    client.post(reverse("basket:add", kwargs={"pk": shop["pegs"].pk}), {"quantity": 1})
    page = client.get(reverse("widgets-basket")).content.decode()
    [(action, fields)] = forms_in(page, "upcross-cart-upgrades")
    assert action == reverse("upcross_oscar:swap")
    assert fields["product_id"] == str(shop["tent"].pk)
    assert fields["replacement_id"] == str(shop["tent_pro"].pk)

    response = client.post(action, fields)
    assert response.status_code == 302
    assert basket_lines(client) == {"Tent Pro": 2, "Steel pegs": 1}
    # the replaced tent's price is remembered: the swap earns the difference
    assert client.session[SESSION_KEY] == {str(shop["tent_pro"].pk):
                                           ["cart_upgrades", str(shop["tent"].pk), "199.00"]}


@pytest.mark.parametrize("data", [{}, {"product_id": "x", "replacement_id": "1"},
                                  {"product_id": "999999", "replacement_id": "1"}])
def test_swap_with_bad_input_redirects_with_a_message(shop: dict[str, Any],
                                                      data: dict[str, str]) -> None:
    client = Client()
    client.post(reverse("basket:add", kwargs={"pk": shop["tent"].pk}), {"quantity": 1})
    response = client.post(reverse("upcross_oscar:swap"), data)
    assert response.status_code == 302
    assert basket_lines(client) == {"Tent": 1}


def test_swap_to_an_unknown_product_is_a_404(shop: dict[str, Any]) -> None:
    client = Client()
    client.post(reverse("basket:add", kwargs={"pk": shop["tent"].pk}), {"quantity": 1})
    response = client.post(reverse("upcross_oscar:swap"),
                           {"product_id": shop["tent"].pk, "replacement_id": 999999})
    assert response.status_code == 404
    assert client.get(reverse("upcross_oscar:swap")).status_code == 405
    assert basket_lines(client) == {"Tent": 1}


def guest_checkout(client: Client) -> Any:
    """Oscar's own checkout, as a guest, step by step; returns the placed order."""
    from oscar.core.loading import get_model
    from oscar.test.factories import CountryFactory

    CountryFactory(iso_3166_1_a2="GB", is_shipping_country=True)
    response = client.post(reverse("checkout:index"),
                           {"username": "ayu@example.com", "options": "anonymous"})
    assert response.status_code == 302, response.content[:2000]
    response = client.post(reverse("checkout:shipping-address"), {
        "first_name": "Ayu", "last_name": "Lestari", "line1": "1 Camp Road",
        "line4": "London", "postcode": "SW1A 1AA", "country": "GB"})
    assert response.status_code == 302, response.content[:2000]
    client.get(reverse("checkout:shipping-method"))
    client.get(reverse("checkout:payment-method"))
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == reverse("checkout:thank-you")
    return get_model("order", "Order").objects.get()


def test_an_order_placed_through_oscars_checkout_is_attributed(
        shop: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    relate(shop["tent"], shop["pegs"])
    client = Client()
    client.post(reverse("basket:add", kwargs={"pk": shop["tent"].pk}), {"quantity": 1})
    page = client.get(reverse("widgets-product", args=[shop["tent"].pk])).content.decode()
    [(action, fields)] = forms_in(page, "upcross-complements")
    client.post(action, {**fields, "quantity": "3"})
    with django_capture_on_commit_callbacks(execute=True):
        order = guest_checkout(client)
    assert order.user is None and order.guest_email == "ayu@example.com"
    assert SESSION_KEY not in client.session

    exposure = OrderExposure.objects.get()
    assert exposure.order_id == str(order.pk)
    assert exposure.group == "exposed" and exposure.items == 4
    assert exposure.total == order.total_incl_tax
    assert exposure.attributed_items == 3
    assert exposure.attributed_revenue == 3 * order.lines.get(
        product=shop["pegs"]).unit_price_incl_tax
    flush_events()
    stat = RelationDailyStat.objects.get(widget="complements", source=str(shop["tent"].pk),
                                         target=str(shop["pegs"].pk))
    assert (stat.impressions, stat.adds, stat.purchases) == (1, 1, 3)
    assert WidgetDailyStat.objects.get(widget="complements").orders == 1


def test_recompute_mines_oscar_orders(shop: dict[str, Any]) -> None:
    from oscar.test.factories import create_basket, create_order

    baskets = [("tent", "pegs")] * 6 + [("tent_pro", "boots_42")] * 3 + [("boots_43", "pegs")] * 3
    for number, keys in enumerate(baskets):
        basket = create_basket(empty=True)
        for key in keys:
            basket.add_product(shop[key])
        create_order(number=f"1000{number}", basket=basket)
    run = recomputing.recompute("complements")
    assert run.status == "succeeded", run.error
    assert run.orders_scanned == len(baskets)
    mined = {(r.source_id, r.target_id): r.pair_count for r in
             ProductRelation.objects.filter(kind="complement", origin="mined")}
    assert mined[(shop["tent"].pk, shop["pegs"].pk)] == 6
    # Both sizes of the boots fold into the parent: 3 + 3 orders with it.
    assert shop["boots_42"].pk not in {source for source, _ in mined}
    # The parent holds its sizes' 3 orders with pegs (the item model, the default for a
    # catalogue this small, keeps a pair bought together once).
    assert mined[(shop["boots"].pk, shop["pegs"].pk)] == 3
    client = Client()
    page = client.get(reverse("widgets-product", args=[shop["tent"].pk])).content.decode()
    assert "Steel pegs" in page


def test_contrib_app_after_upcross_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    from upcross.contrib.oscar import checks as oscar_checks

    assert oscar_checks.check_app_order() == []  # the preset's order
    configs = list(apps.get_app_configs())
    contrib = apps.get_app_config("upcross_oscar")
    late = [config for config in configs if config is not contrib] + [contrib]
    monkeypatch.setattr(oscar_checks.apps, "get_app_configs", lambda: late)
    assert [message.id for message in oscar_checks.check_app_order()] == ["upcross.W201"]


def test_relation_rows_and_fallback_picks_read_in_one_query(
        shop: dict[str, Any], django_assert_num_queries: Any) -> None:
    """The read path's first query (upcross.read_rows) on Oscar's own Product model: the
    relation rows and the fallback picks in one UNION ALL, products built from columns."""
    from upcross import read_rows
    from upcross.models import FallbackPick

    relate(shop["tent"], shop["pegs"])
    FallbackPick.objects.create(category="", product=shop["tent_pro"], origin="best_seller",
                                rank=0, orders=3)
    with django_assert_num_queries(1):
        rows, picks = read_rows.read(ProductRelation.objects.all(), with_picks=True)
    assert [(row.source_id, row.target_id) for row in rows] == [(shop["tent"].pk,
                                                                 shop["pegs"].pk)]
    assert [pick.product_id for pick in picks] == [shop["tent_pro"].pk]
    for built, product in ((rows[0].target, shop["pegs"]), (picks[0].product, shop["tent_pro"])):
        assert built == product and built is not None and built.title == product.title
        assert built.date_created == product.date_created
