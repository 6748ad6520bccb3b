"""Template tags and widget markup, on both shop shapes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Template
from django.test import RequestFactory
from django.utils.translation import override
from pytest_django import Settings

from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def make_request(user: Any = None, **attrs: Any) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    for key, value in attrs.items():
        setattr(request, key, value)
    return request


def render(source: str, request: HttpRequest | None = None, **context: Any) -> str:
    request = request or make_request()
    get_token(request)  # as CsrfViewMiddleware would: {% csrf_token %} has a value
    from django.template import RequestContext

    return Template("{% load upcross %}" + source).render(RequestContext(request, context))


@pytest.fixture
def phone() -> Any:
    phone = f.product("Phone 128 GB", "300.00")
    f.relation(phone, f.product("Leather case", "25.00"), position=0)
    f.relation(phone, f.product("Charger", "19.00"), origin="mined", score=0.5, pair_count=7)
    f.relation(phone, f.product("Phone 256 GB", "380.00"), kind="upgrade", origin="rule")
    return phone


def test_complements_widget_markup(phone: Any) -> None:
    html = render("{% upcross_complements product limit=4 %}", product=phone)

    assert re.search(r'<section class="upcross upcross-complements" aria-labelledby="([^"]+)"[^>]*>'
                     r'\s*<h2 class="upcross-title" id="\1">Add this too</h2>', html)
    assert html.count('<li class="upcross-item"') == 2
    assert html.index("Leather case") < html.index("Charger")
    case = f.product_model().objects.get(**{f.name_field(): "Leather case"})
    assert f'<a class="upcross-name" href="{case.get_absolute_url()}">Leather case</a>' in html
    assert "Bought together in 7 orders" in html
    assert html.count('name="csrfmiddlewaretoken"') == 2
    assert html.count('<button type="submit" class="upcross-button">Add') == 2
    if f.is_demo():
        assert f'src="{case.image_url}" alt="Leather case"' in html
        assert '<form class="upcross-form" method="post" action="/cart/add/">' in html
        assert f'<input type="hidden" name="product_id" value="{case.pk}">' in html
    else:  # the altshop's add-to-cart callable: pk in the path, a quantity field
        assert f'action="/basket/add/{case.pk}/"' in html
        assert '<input type="hidden" name="quantity" value="1">' in html
        assert "<img" not in html  # no picture configured: a placeholder box, no broken image


def test_upgrades_widget_shows_the_price_difference(phone: Any) -> None:
    html = render("{% upcross_upgrades product limit=2 %}", product=phone)
    assert "Upgrade to</h2>" in html
    assert "Phone 256 GB" in html
    assert "A step up in the same range" in html
    assert re.search(r'<span class="upcross-difference"><span aria-hidden="true">\+&nbsp;</span>'
                     r'<span class="upcross-visually-hidden">costs more by </span>'
                     r'<span class="upcross-price">[^<]*80[^<]*</span>', html), html


def test_no_suggestions_render_nothing() -> None:
    lonely = f.product("Lonely", 10)
    html = render("{% upcross_complements product %}{% upcross_upgrades product %}"
                  "{% upcross_cart_complements items %}{% upcross_cart_upgrades items %}",
                  product=lonely, items=[lonely])
    assert html.strip() == ""


def test_get_variants_return_data(phone: Any) -> None:
    html = render("{% get_upcross_complements product limit=1 as comps %}"
                  "{% for item in comps %}[{{ item.name }}|{{ item.kind }}|{{ item.origin }}]"
                  "{% endfor %}"
                  "{% get_upcross_upgrades product as ups %}"
                  "{% for item in ups %}[{{ item.name }}|{{ item.price_difference }}]{% endfor %}"
                  "{% get_upcross_cart_complements items as cart %}{{ cart|length }}"
                  "{% get_upcross_cart_upgrades items as swaps %}{{ swaps.0.name }}",
                  product=phone, items=[f.Line(phone)])
    assert html == "[Leather case|complement|manual][Phone 256 GB|80.00]2Phone 256 GB"


@pytest.mark.parametrize("flag", [True, {"complements", "upgrades", "cart_complements",
                                         "cart_upgrades"}])
def test_request_switch_turns_every_widget_off(phone: Any, flag: Any) -> None:
    request = make_request(upcross_disabled=flag)
    html = render("{% upcross_complements product %}{% upcross_upgrades product %}"
                  "{% upcross_cart_complements items %}{% upcross_cart_upgrades items %}"
                  "{% get_upcross_complements product as items2 %}{{ items2|length }}",
                  request=request, product=phone, items=[phone])
    assert html.strip() == "0"


def test_request_switch_by_widget_name(phone: Any) -> None:
    request = make_request(upcross_disabled={"upgrades"})
    html = render("{% upcross_complements product %}{% upcross_upgrades product %}",
                  request=request, product=phone)
    assert "Add this too" in html
    assert "Upgrade to" not in html


def test_signed_in_customer_does_not_see_what_they_bought(phone: Any) -> None:
    buyer = f.customer()
    case = f.product_model().objects.get(**{f.name_field(): "Leather case"})
    f.order([case], buyer=buyer)
    html = render("{% upcross_complements product %}", request=make_request(buyer),
                  product=phone)
    assert "Leather case" not in html
    assert "Charger" in html


def test_cart_widgets(phone: Any) -> None:
    case = f.product_model().objects.get(**{f.name_field(): "Leather case"})
    items = [f.Line(phone), f.Line(case, 2)]
    html = render("{% upcross_cart_complements items limit=4 %}"
                  "{% upcross_cart_upgrades items %}", items=items)
    assert "Goes well with your cart</h2>" in html
    assert "Charger" in html and "Leather case</a>" not in html
    assert "Upgrade your cart</h2>" in html
    assert "Instead of Phone 128 GB" in html
    upgrade = f.product_model().objects.get(**{f.name_field(): "Phone 256 GB"})
    assert f'<input type="hidden" name="product_id" value="{phone.pk}">' in html
    assert f'<input type="hidden" name="replacement_id" value="{upgrade.pk}">' in html
    assert 'class="upcross-button upcross-button-upgrade">Upgrade<span' in html
    assert "replace Phone 128 GB with Phone 256 GB" in html


def test_cart_upgrade_for_one_line(phone: Any) -> None:
    laptop = f.product("Laptop", 900)
    f.relation(laptop, f.product("Laptop Pro", 1200), kind="upgrade")
    items = [f.Line(phone), f.Line(laptop)]
    html = render("{% for line in items %}<tr>{% upcross_cart_upgrades items line=line %}</tr>"
                  "{% endfor %}", items=items)
    rows = html.split("<tr>")[1:]
    assert "Phone 256 GB" in rows[0] and "Laptop Pro" not in rows[0]
    assert "Laptop Pro" in rows[1] and "Phone 256 GB" not in rows[1]
    assert 'class="upcross upcross-line-upgrade"' in rows[0]


def test_cart_upgrade_without_swap_url_is_a_plain_add_form(phone: Any,
                                                           settings: Settings) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "SWAP_CART_LINE_URL": None}
    html = render("{% upcross_cart_upgrades items %}", items=[phone])
    assert "replacement_id" not in html
    assert '<button type="submit" class="upcross-button">Add' in html


@pytest.mark.shop("demo")
@pytest.mark.parametrize(("target", "action", "fields"), [
    # The URL-name and path forms post the quantity too (ADD_TO_CART_QUANTITY_PARAM).
    ("cart:add", "/cart/add/", {"product_id": "{pk}", "quantity": "1"}),
    ("/shop/basket/add/", "/shop/basket/add/", {"product_id": "{pk}", "quantity": "1"}),
    ("catalog:placeholder", "/img/{pk}.svg", {"quantity": "1"}),  # a pattern taking the pk
    ("tests.test_templatetags.add_with_quantity", "/cart/add/?variant={pk}",
     {"product_id": "{pk}", "quantity": "2"}),
])
def test_every_form_of_add_to_cart_url(settings: Settings, target: str, action: str,
                                       fields: dict[str, str]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ADD_TO_CART_URL": target}
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    html = render("{% upcross_complements product %}", product=phone)
    form = re.search(r'<form class="upcross-form" method="post" action="([^"]*)">(.*?)</form>',
                     html, re.S)
    assert form is not None
    assert form.group(1) == action.format(pk=case.pk).replace("&", "&amp;")
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             form.group(2)))
    hidden.pop("csrfmiddlewaretoken")
    # upcross's analytics fields ride along with the host's (see test_analytics_attribution).
    assert hidden.pop("upcross_widget") == "complements"
    from upcross.analytics.attribution import parse_touch

    token = hidden.pop("upcross_relation")  # signed: widget, source, target
    assert parse_touch({"upcross_widget": "complements", "upcross_relation": token}, case) == \
        ("complements", str(phone.pk), str(case.pk))
    assert hidden == {k: v.format(pk=case.pk) for k, v in fields.items()}


def add_with_quantity(product: Any, quantity: int) -> tuple[str, dict[str, Any]]:
    return f"/cart/add/?variant={product.pk}", {"product_id": product.pk, "quantity": 2}


def test_widgets_are_translated(phone: Any) -> None:
    with override("pl"):
        html = render("{% upcross_complements product %}{% upcross_upgrades product %}",
                      product=phone)
    assert "Dodaj też</h2>" in html
    assert "Wybierz lepszy</h2>" in html
    assert "Kupione razem w 7 zamówieniach" in html
    with override("id"):
        html = render("{% upcross_complements product %}", product=phone)
    assert "Tambahkan juga</h2>" in html


def test_junk_limit_in_a_template_falls_back_to_the_default(phone: Any) -> None:
    for limit in ('"lots"', "-3"):
        html = render(f"{{% upcross_complements product limit={limit} %}}", product=phone)
        assert html.count('<li class="upcross-item"') == 2


def test_a_page_shows_a_product_once(phone: Any) -> None:
    """A second widget on the page leaves out what the first one showed."""
    html = render("{% upcross_complements product limit=1 %}"
                  "{% upcross_complements product limit=4 %}", product=phone)
    assert html.count('<li class="upcross-item"') == 2
    assert html.count(">Leather case</a>") == 1 and html.count(">Charger</a>") == 1


def test_recommendation_price_is_the_product_facts_price(phone: Any) -> None:
    html = render("{% get_upcross_upgrades product as ups %}{{ ups.0.price }}", product=phone)
    assert Decimal(html) == Decimal("380.00")


# --- cached fragments ---------------------------------------------------------------


def test_cached_fragment_carries_each_requests_own_csrf_token(phone: Any) -> None:
    first, second = make_request(), make_request()
    html_1 = render("{% upcross_complements product %}", request=first, product=phone)
    html_2 = render("{% upcross_complements product %}", request=second, product=phone)
    token_1 = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html_1)
    token_2 = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html_2)
    assert len(token_1) == len(token_2) == 2
    assert set(token_1).isdisjoint(token_2)
    assert "placeholder" not in html_1 + html_2
    from django.middleware.csrf import _does_token_match, _unmask_cipher_token

    secret = first.META["CSRF_COOKIE"]
    assert all(_does_token_match(t, secret) for t in token_1)
    assert _unmask_cipher_token(token_2[0]) == second.META["CSRF_COOKIE"]


def test_renaming_a_suggested_product_updates_other_pages(phone: Any) -> None:
    assert "Leather case" in render("{% upcross_complements product %}", product=phone)
    case = f.product_model().objects.get(**{f.name_field(): "Leather case"})
    setattr(case, f.name_field(), "Suede case")
    case.save()
    html = render("{% upcross_complements product %}", product=phone)
    assert "Suede case" in html and "Leather case" not in html


def test_fragments_are_per_customer(phone: Any) -> None:
    buyer = f.customer()
    case = f.product_model().objects.get(**{f.name_field(): "Leather case"})
    f.order([case], buyer=buyer)
    assert "Leather case" in render("{% upcross_complements product %}", product=phone)
    mine = render("{% upcross_complements product %}", request=make_request(buyer),
                  product=phone)
    assert "Leather case" not in mine and "Charger" in mine


def test_fragment_expires_when_a_window_opens(phone: Any) -> None:
    import time

    from django.utils import timezone

    opens = timezone.now() + timezone.timedelta(seconds=1.5)
    f.relation(phone, f.product("Flash sale", 5), position=0, starts_at=opens)
    assert "Flash sale" not in render("{% upcross_complements product %}", product=phone)
    time.sleep(max(0.0, (opens - timezone.now()).total_seconds()) + 0.1)
    assert "Flash sale" in render("{% upcross_complements product %}", product=phone)


def test_fragment_cache_can_be_switched_off(phone: Any, settings: Settings) -> None:
    cached = render("{% upcross_complements product %}", product=phone)
    settings.UPCROSS = {**settings.UPCROSS, "CACHE_FRAGMENTS": False}
    plain = render("{% upcross_complements product %}", product=phone)
    # per request (CSRF) or per second (the signed attribution token's time)
    strip = re.compile(r'name="(csrfmiddlewaretoken|upcross_relation)" value="[^"]*"')
    assert strip.sub("", cached) == strip.sub("", plain)


def test_fragments_are_per_language(phone: Any) -> None:
    with override("en"):
        assert "Add this too" in render("{% upcross_complements product %}", product=phone)
    with override("pl"):
        assert "Dodaj też" in render("{% upcross_complements product %}", product=phone)
