"""What the widgets cost in SQL: at most 2 queries cold per product widget, none warm;
a cart costs the same for 1 line as for 30."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.middleware.csrf import get_token
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from upcross import cache

pytestmark = pytest.mark.django_db

PRODUCT_PAGE = "{% load upcross %}{% upcross_complements product limit=4 %}" \
               "{% upcross_upgrades product limit=2 %}"
CART_PAGE = ("{% load upcross %}{% upcross_cart_complements items limit=4 %}"
             "{% upcross_cart_upgrades items %}"
             "{% for line in items %}{% upcross_cart_upgrades items line=line %}{% endfor %}")


def render(source: str, **context: Any) -> str:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    get_token(request)
    return Template(source).render(RequestContext(request, context))


def without_tokens(html: str) -> str:
    # per request (CSRF) and per second (the signed attribution token's time)
    return re.sub(r'name="(csrfmiddlewaretoken|upcross_relation)" value="[^"]*"', "", html)


def queries(source: str, **context: Any) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        html = render(source, **context)
    return len(captured), html


def phone_with_relations() -> Any:
    phone = f.product("Phone", 300)
    for i in range(6):
        f.relation(phone, f.product(f"Accessory {i}", 10 + i), origin="mined", score=i,
                   pair_count=10 + i)
    f.relation(phone, f.product("Phone Pro", 400), kind="upgrade", origin="rule")
    f.relation(phone, f.product("Phone Max", 500), kind="upgrade")
    return phone


@pytest.mark.parametrize("tag", ["upcross_complements", "upcross_upgrades"])
def test_product_widget_cold_at_most_two_queries_warm_none(tag: str,
                                                           django_assert_max_num_queries: Any,
                                                           django_assert_num_queries: Any) -> None:
    phone = phone_with_relations()
    source = "{% load upcross %}{% " + tag + " product %}"
    cache.clear()
    with django_assert_max_num_queries(2):
        cold = render(source, product=phone)
    with django_assert_num_queries(0):
        warm = render(source, product=phone)
    assert without_tokens(cold) == without_tokens(warm)
    assert cold.count('<li class="upcross-item"') >= 2


def test_whole_product_page_cold_two_queries_warm_none(django_assert_num_queries: Any) -> None:
    """Both widgets share one entry: the second widget on the page costs nothing."""
    phone = phone_with_relations()
    cache.clear()
    with django_assert_num_queries(2):
        render(PRODUCT_PAGE, product=phone)
    with django_assert_num_queries(0):
        html = render(PRODUCT_PAGE, product=phone)
    assert "Add this too" in html and "Upgrade to" in html


def test_warm_after_a_product_changed_costs_two_queries(django_assert_max_num_queries: Any) -> None:
    phone = phone_with_relations()
    render(PRODUCT_PAGE, product=phone)
    pro = f.product_model().objects.get(**{f.name_field(): "Phone Pro"})
    pro.save()  # its card is dropped: rebuilt with one availability and one facts query
    with django_assert_max_num_queries(2):
        render(PRODUCT_PAGE, product=phone)


def cart_of(size: int) -> list[f.Line]:
    lines = []
    for i in range(size):
        product = f.product(f"Cart product {i}", 100 + i)
        f.relation(product, f.product(f"Goes with {i}", 5), origin="mined", score=1,
                   pair_count=9)
        f.relation(product, f.product(f"Better {i}", 200 + i), kind="upgrade")
        lines.append(f.Line(product, quantity=1 + i % 3))
    return lines


def test_cart_widgets_cost_the_same_for_1_and_30_lines() -> None:
    small, large = cart_of(1), cart_of(30)
    cache.clear()
    cold_small, html_small = queries(CART_PAGE, items=small)
    warm_small, _ = queries(CART_PAGE, items=small)
    cache.clear()
    cold_large, html_large = queries(CART_PAGE, items=large)
    warm_large, _ = queries(CART_PAGE, items=large)

    assert cold_small == cold_large <= 2
    assert warm_small == warm_large == 0
    assert html_small.count("upcross-line-upgrade") == 1
    assert html_large.count("upcross-line-upgrade") == 30
    assert "Goes with 0" in html_small and "Better 29" in html_large


def test_cart_for_a_signed_in_customer_adds_one_query_cold_none_warm() -> None:
    lines = cart_of(5)
    buyer = f.customer()
    source = "{% load upcross %}{% upcross_cart_complements items %}"

    def run() -> int:
        request = RequestFactory().get("/")
        request.user = buyer
        get_token(request)
        with CaptureQueriesContext(connection) as captured:
            Template(source).render(RequestContext(request, {"items": lines}))
        return len(captured)

    cache.clear()
    assert run() == 3  # relations, facts, the customer's past purchases
    assert run() == 0


def test_bundle_box_cold_costs_queries_warm_none(django_assert_num_queries: Any) -> None:
    """The bundle box is fragment-cached like the other product widgets; saving a curated
    bundle makes it stale."""
    from upcross.models import Bundle

    phone = phone_with_relations()
    source = "{% load upcross %}{% upcross_bundle product %}"
    cache.clear()
    cold = render(source, product=phone)
    assert "data-upcross-bundle" in cold
    with django_assert_num_queries(0):
        warm = render(source, product=phone)
    assert without_tokens(cold) == without_tokens(warm)
    Bundle.objects.create(product=phone, name="Curated kit", discount_percent=15)
    with CaptureQueriesContext(connection) as captured:
        render(source, product=phone)
    assert len(captured) > 0  # rebuilt after the curated bundle was saved
