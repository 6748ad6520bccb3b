"""Free-shipping nudge: the gap after bundle discounts, closers ranked first (both shapes)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from pytest_django import Settings

from tests import factories as f
from upcross import nudges, recommend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(fresh_cache: None, settings: Settings) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "FREE_SHIPPING_THRESHOLD": "100.00",
                        "BUNDLE_DISCOUNT_PERCENT": None, "PRICE_QUANTUM": "0.01"}


@pytest.fixture
def cart() -> tuple[Any, Any, Any, Any]:
    """A 70.00 cart whose best complement (by position) is too cheap to close the 30.00 gap."""
    tent = f.product("Tent", "70.00")
    pegs = f.product("Pegs", "5.00")
    lamp = f.product("Lamp", "29.99")
    mat = f.product("Mat", "35.00")
    f.relation(tent, pegs, position=0)
    f.relation(tent, lamp, position=1)
    f.relation(tent, mat, position=2)
    return tent, pegs, lamp, mat


def test_gap_and_closers_first(cart: tuple[Any, Any, Any, Any]) -> None:
    tent, pegs, _lamp, mat = cart
    nudge = nudges.free_shipping([f.Line(tent)], limit=2)
    assert nudge is not None and not nudge.reached
    assert nudge.gap == Decimal("30.00")
    assert nudge.progress == 70
    # The mat (35.00) closes the gap and ranks first; then the usual order (pegs first).
    assert [item.product.pk for item in nudge.suggestions] == [mat.pk, pegs.pk]
    # Without a gap, the usual order.
    plain = recommend.cart_complements([f.Line(tent)], limit=2)
    assert [item.product.pk for item in plain] == [pegs.pk, cart[2].pk]


def test_gap_counts_quantities_and_bundle_discounts(settings: Settings,
                                                    cart: tuple[Any, Any, Any, Any]) -> None:
    tent, pegs, _lamp, _mat = cart
    assert nudges.free_shipping([f.Line(tent), f.Line(pegs, 4)]).gap == Decimal("10.00")
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": 10, "BUNDLE_SIZE": 2}
    # Tent + pegs form a bundle (75.00, 7.50 off): the gap grows by the discount.
    assert nudges.free_shipping([f.Line(tent), f.Line(pegs)]).gap == Decimal("32.50")


def test_a_total_the_page_already_has_is_used_as_is(settings: Settings,
                                                  cart: tuple[Any, Any, Any, Any],
                                                  django_assert_num_queries: Any) -> None:
    """``total=`` (e.g. ``cart.pricing.total``): the cart is not priced a second time."""
    tent, pegs, _lamp, _mat = cart
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": 10, "BUNDLE_SIZE": 2}
    lines = [f.Line(tent), f.Line(pegs)]
    priced = nudges.free_shipping(lines, limit=0)
    with django_assert_num_queries(0):
        given = nudges.free_shipping(lines, limit=0, total=priced.total)
    assert given.gap == priced.gap == Decimal("32.50")
    assert nudges.free_shipping(lines, limit=0, total="99.00").gap == Decimal("1.00")


def test_reached_threshold_and_no_threshold(settings: Settings,
                                            cart: tuple[Any, Any, Any, Any]) -> None:
    tent, _pegs, _lamp, mat = cart
    nudge = nudges.free_shipping([f.Line(tent), f.Line(mat)])
    assert nudge is not None and nudge.reached and nudge.suggestions == []
    assert nudges.free_shipping([]) is None
    settings.UPCROSS = {**settings.UPCROSS, "FREE_SHIPPING_THRESHOLD": None}
    assert nudges.free_shipping([f.Line(tent)]) is None
    html = f.render_tags("{% upcross_free_shipping_nudge cart %}", cart=[f.Line(tent)])
    assert html.strip() == ""


def test_nudge_widget_says_how_much_is_missing(cart: tuple[Any, Any, Any, Any]) -> None:
    tent, _pegs, _lamp, mat = cart
    html = f.render_tags("{% upcross_free_shipping_nudge cart limit=1 %}", cart=[f.Line(tent)])
    # The amount as the price partial formats it (the demo overrides it: "Rp 30").
    assert re.search(r'Add <span class="upcross-price">[^<]*30[^<]*</span> more for free '
                     r"shipping", html), html
    assert html.count('<li class="upcross-item"') == 1
    assert f'value="{mat.pk}"' in html or str(mat.pk) in html

    html = f.render_tags("{% upcross_free_shipping_nudge cart %}", cart=[f.Line(tent), f.Line(mat)])
    assert "more for free shipping" not in html
    assert "Your order ships free" in html


def test_nudge_hidden_for_a_holdout_request(cart: tuple[Any, Any, Any, Any]) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.upcross_disabled = True
    html = Template("{% load upcross %}{% upcross_free_shipping_nudge cart %}").render(
        RequestContext(request, {"cart": [f.Line(cart[0])]}))
    assert html.strip() == ""
