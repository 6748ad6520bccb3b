"""Limited-time offers: a relation's window end shows ("Offer ends 30 Nov", localized) and
the suggestion disappears once it has passed, without a recompute (both shapes)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import override
from pytest_django import Settings

from tests import factories as f
from upcross import recommend
from upcross.models import MiningRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _upcross_settings(fresh_cache: None, settings: Settings) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "CACHE_FRAGMENTS": True}


def make_request() -> Any:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    get_token(request)  # fragments are cached only with a CSRF token to swap in
    return request


def without_token(html: str) -> str:
    # per request (CSRF) and per second (the signed attribution token's time)
    return re.sub(r'name="(csrfmiddlewaretoken|upcross_relation)" value="[^"]*"', "", html)


def render(source: str, request: Any = None, **context: Any) -> str:
    return Template("{% load upcross %}" + source).render(
        RequestContext(request or make_request(), context))


def test_offer_end_is_shown_localized() -> None:
    grill = f.product("Grill")
    ends = datetime(2099, 11, 30, 12, 0, tzinfo=UTC)
    f.relation(grill, f.product("Charcoal"), ends_at=ends)
    f.relation(grill, f.product("Tongs"))

    html = render("{% upcross_complements product %}", product=grill)
    assert html.count("Offer ends") == 1
    assert "Offer ends 30 Nov" in html
    [charcoal, tongs] = recommend.complements(grill)
    assert charcoal.ends_at == ends and tongs.ends_at is None
    with override("pl"):
        assert "30 Lis" in render("{% upcross_complements product %}", product=grill)
    with override("id"):
        assert "30 Nov" in render("{% upcross_complements product %}", product=grill)


def test_offer_disappears_after_its_end_without_a_recompute() -> None:
    """Real time moves on: the cached entry and the cached fragment both expire at the end."""
    grill = f.product("Grill")
    ends = timezone.now() + timedelta(seconds=2)
    f.relation(grill, f.product("Charcoal"), ends_at=ends)
    f.relation(grill, f.product("Tongs"))
    runs = MiningRun.objects.count()

    request = make_request()
    before = render("{% upcross_complements product %}", request, product=grill)
    assert "Charcoal" in before and "Offer ends" in before
    # Cached now: the same HTML comes back (tokens aside: each rendering masks it anew) on
    # the next page view (a new request: one page shows a product once).
    again = render("{% upcross_complements product %}", make_request(), product=grill)
    assert without_token(again) == without_token(before)

    time.sleep(max(0.0, (ends - timezone.now()).total_seconds()) + 0.2)

    after = render("{% upcross_complements product %}", product=grill)
    assert "Charcoal" not in after and "Offer ends" not in after
    assert "Tongs" in after
    assert [r.product.name if f.is_demo() else r.product.title
            for r in recommend.complements(grill)] == ["Tongs"]
    assert MiningRun.objects.count() == runs  # nothing was recomputed


def test_offer_that_has_not_started_yet_appears_at_its_start() -> None:
    grill = f.product("Grill")
    starts = timezone.now() + timedelta(seconds=2)
    f.relation(grill, f.product("Charcoal"), starts_at=starts)
    assert "Charcoal" not in render("{% upcross_complements product %}", product=grill)
    time.sleep(max(0.0, (starts - timezone.now()).total_seconds()) + 0.2)
    assert "Charcoal" in render("{% upcross_complements product %}", product=grill)


def test_cart_and_upgrade_widgets_show_the_end_too() -> None:
    phone = f.product("Phone", "100.00")
    ends = datetime(2099, 11, 30, tzinfo=UTC)
    f.relation(phone, f.product("Case", "10.00"), ends_at=ends)
    f.relation(phone, f.product("Phone Pro", "120.00"), kind="upgrade", ends_at=ends)
    cart = [f.Line(phone)]
    assert "Offer ends 30 Nov" in render("{% upcross_cart_complements cart %}", cart=cart)
    assert "Offer ends 30 Nov" in render("{% upcross_upgrades product %}", product=phone)
    assert recommend.cart_upgrades(cart)[0].ends_at == ends
