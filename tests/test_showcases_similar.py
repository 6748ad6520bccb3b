"""Similar products: same category, co-views and substitutes first, then shared name words."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from upcross.models import CoViewDailyStat, ShowcaseDecision
from upcross.showcases import make_visitor, showcase

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


names = f.names


def coviewed(first: Any, second: Any, sessions: int, days_ago: int = 0) -> None:
    day = timezone.now().date() - datetime.timedelta(days=days_ago)
    CoViewDailyStat.objects.create(day=day, product=first, other=second, sessions=sessions)
    CoViewDailyStat.objects.create(day=day, product=second, other=first, sessions=sessions)


@pytest.fixture
def phones() -> dict[str, Any]:
    shelf, other_shelf = f.category("Phones"), f.category("Cases")
    made = {name: f.product(name, in_category=shelf) for name in (
        "Nova X 128 GB", "Lumos 5", "Trail Hawk", "Nova X 256 GB", "Pixelated Brick")}
    made["Case"] = f.product("Nova X Case", in_category=other_shelf)
    page = made["Nova X 128 GB"]
    coviewed(page, made["Lumos 5"], 8)
    coviewed(page, made["Case"], 30)  # another category: never similar
    coviewed(page, made["Pixelated Brick"], 40, days_ago=200)  # outside the window
    f.relation(page, made["Trail Hawk"], kind="upgrade", origin="mined", score=0.5)
    return made


def test_evidence_first_then_shared_name_words(phones: dict[str, Any]) -> None:
    results = showcase("similar", 8, product=phones["Nova X 128 GB"])
    assert names(results) == ["Lumos 5", "Trail Hawk", "Nova X 256 GB", "Pixelated Brick"]
    assert results[0].reason == "Shoppers compare these"
    assert results[2].reason == "Similar to what you are looking at"
    assert results[0].origin == "similar"


def test_no_product_no_suggestions(phones: dict[str, Any]) -> None:
    assert names(showcase("similar", 4)) == []


def test_leaves_out_itself_unavailable_cart_and_bought(phones: dict[str, Any]) -> None:
    buyer = f.customer()
    f.order([phones["Trail Hawk"]], buyer=buyer)
    f.set_available(phones["Lumos 5"], False)
    visitor = make_visitor(cart=[phones["Pixelated Brick"]], customer=buyer)
    results = showcase("similar", 8, product=phones["Nova X 128 GB"], visitor=visitor)
    assert names(results) == ["Nova X 256 GB"]


def test_pins_blocks_and_invalidation(phones: dict[str, Any]) -> None:
    page = phones["Nova X 128 GB"]
    assert names(showcase("similar", 2, product=page)) == ["Lumos 5", "Trail Hawk"]
    coviewed(page, phones["Nova X 256 GB"], 50)
    assert names(showcase("similar", 2, product=page)) == ["Lumos 5", "Trail Hawk"]  # cached
    f.relation(phones["Pixelated Brick"], page, kind="upgrade")  # a relation change: rebuilt
    assert names(showcase("similar", 2, product=page)) == ["Nova X 256 GB", "Lumos 5"]
    ShowcaseDecision.objects.create(showcase="similar", product=phones["Pixelated Brick"],
                                    position=0)
    ShowcaseDecision.objects.create(showcase="similar", product=phones["Lumos 5"],
                                    status="blocked")
    ShowcaseDecision.objects.create(showcase="similar", product=page, position=1)
    ShowcaseDecision.objects.create(showcase="best_sellers", product=phones["Trail Hawk"],
                                    status="blocked")
    results = showcase("similar", 3, product=page)
    assert names(results) == ["Pixelated Brick", "Nova X 256 GB", "Trail Hawk"]
    assert results[0].reason == "Our pick"  # and the page's own product, pinned, stays out


def test_cold_two_queries_warm_none(phones: dict[str, Any],
                                    django_assert_num_queries: Any) -> None:
    page = phones["Nova X 128 GB"]
    with django_assert_num_queries(2):
        cold = showcase("similar", 3, product=page)
    with django_assert_num_queries(0):
        warm = showcase("similar", 3, product=page)
    assert names(cold) == names(warm) == ["Lumos 5", "Trail Hawk", "Nova X 256 GB"]
    other = showcase("similar", 3, product=phones["Lumos 5"])  # its own list
    assert names(other)[0] == "Nova X 128 GB"


@pytest.mark.shop("altshop")
def test_variants_of_the_product_are_left_out() -> None:
    shelf = f.category("Shirts")
    tee = f.product("Plain Tee", in_category=shelf)
    small = f.product("Plain Tee S", in_category=shelf, parent=tee)
    sibling = f.product("Plain Tee M", in_category=shelf, parent=tee)
    other = f.product("Striped Tee", in_category=shelf)
    assert names(showcase("similar", 8, product=tee)) == ["Striped Tee"]
    assert names(showcase("similar", 8, product=small)) == ["Striped Tee"]
    assert other and sibling


def test_tag_and_api(phones: dict[str, Any], client: Any) -> None:
    page = phones["Nova X 128 GB"]
    html = f.render_tags("{% upcross_similar product limit=2 %}", product=page)
    assert "Similar products" in html and 'data-upcross-widget="similar"' in html
    assert html.index("Lumos 5") < html.index("Trail Hawk")
    response = client.get(reverse("upcross_api:showcase", args=["similar"]),
                          {"product": page.pk, "limit": 2})
    assert response.status_code == 200, response.content
    assert [row["product"]["name"] for row in response.json()["results"]] == [
        "Lumos 5", "Trail Hawk"]
