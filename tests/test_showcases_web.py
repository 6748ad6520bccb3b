"""Showcases on a page, in the API, in the events endpoint and in admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.middleware.csrf import get_token
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.admin_support import make_merchandiser
from tests.test_api_support import client_for, fresh_throttle, pk_json  # noqa: F401
from upcross.api.events import event_count
from upcross.models import ShowcaseDecision
from upcross.showcases import VIEWED_SESSION_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def render(source: str, viewed: list[Any] | None = None, **context: Any) -> str:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {VIEWED_SESSION_KEY: [p.pk for p in viewed or ()]}  # type: ignore[assignment]
    get_token(request)
    return Template("{% load upcross %}" + source).render(RequestContext(request, context))


@pytest.fixture
def sold() -> list[Any]:
    products = [f.product(f"Seller {i}") for i in range(5)]
    for i, product in enumerate(products):
        for _ in range(5 - i):
            f.order([product])
    return products


def test_the_showcase_tag_renders_a_titled_box_with_reasons_and_add_forms(sold: list[Any]) -> None:
    html = render('{% upcross_showcase "best_sellers" limit=3 %}')
    assert 'class="upcross upcross-showcase upcross-showcase-best-sellers"' in html
    assert "Best sellers" in html and "One of our best sellers" in html
    assert html.index("Seller 0") < html.index("Seller 1") < html.index("Seller 2")
    assert "Seller 3" not in html
    assert 'name="upcross_widget" value="best_sellers"' in html
    assert render("{% upcross_best_sellers limit=3 %}").count("upcross-item") == 3


def test_unknown_or_disabled_showcase_renders_nothing(sold: list[Any]) -> None:
    assert render('{% upcross_showcase "nope" %}').strip() == ""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.upcross_disabled = {"best_sellers"}
    html = Template('{% load upcross %}{% upcross_best_sellers %}'
                    '{% get_upcross_best_sellers as items %}{{ items|length }}').render(
        RequestContext(request, {}))
    assert html.strip() == "0"


def test_for_you_tag_reads_the_session_views_and_falls_back_for_a_new_visitor(
        sold: list[Any]) -> None:
    tent, pegs = f.product("Tent"), f.product("Pegs")
    f.relation(tent, pegs, origin="mined", score=0.4)
    returning = render("{% upcross_for_you limit=2 %}", viewed=[tent])
    assert returning.index("Pegs") < returning.index("Seller 0")
    assert "Picked for you from what you viewed" in returning
    new = render("{% upcross_for_you limit=2 %}")
    assert "Pegs" not in new and "Seller 0" in new


def test_showcase_widget_cold_two_queries_warm_none_and_counts_impressions(
        sold: list[Any]) -> None:
    before = event_count("best_sellers", "impression")
    with CaptureQueriesContext(connection) as cold:
        first = render("{% upcross_best_sellers limit=4 %}")
    with CaptureQueriesContext(connection) as warm:
        second = render("{% upcross_best_sellers limit=4 %}")
    assert len(cold) <= 2 and len(warm) == 0
    assert first.count("upcross-item") == second.count("upcross-item") == 4
    assert event_count("best_sellers", "impression") == before + 2


def test_api_showcase(sold: list[Any]) -> None:
    ShowcaseDecision.objects.create(showcase="best_sellers", product=sold[4], position=0)
    response = client_for().get(reverse("upcross_api:showcase", args=["best_sellers"]),
                                {"limit": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["showcase"] == "best_sellers" and body["title"] == "Best sellers"
    assert [r["product"]["name"] for r in body["results"]] == ["Seller 4", "Seller 0",
                                                               "Seller 1"]
    assert [r["pinned"] for r in body["results"]] == [True, False, False]
    assert body["results"][1]["reason"] == "One of our best sellers"


def test_api_for_you_takes_the_visitor_in_the_query(sold: list[Any]) -> None:
    tent, pegs = f.product("Tent"), f.product("Pegs")
    f.relation(tent, pegs, origin="mined", score=0.4)
    url = reverse("upcross_api:showcase", args=["for_you"])
    response = client_for().get(url, {"viewed": f"{tent.pk}", "cart": str(sold[0].pk)})
    names = [r["product"]["name"] for r in response.json()["results"]]
    assert names[0] == "Pegs" and "Seller 0" not in names and "Tent" not in names


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": "x"}, {"viewed": "not an id!"},
                                   {"viewed": ",".join(["1"] * 21)}])
def test_api_showcase_rejects_bad_input_with_json_400(query: dict[str, Any]) -> None:
    if "viewed" in query and not f.is_demo():
        query = {"viewed": query["viewed"].replace("1", "zz")}
    response = client_for().get(reverse("upcross_api:showcase", args=["for_you"]), query)
    assert response.status_code == 400
    assert response.json()["code"]


def test_api_unknown_showcase_is_a_json_404() -> None:
    response = client_for().get(reverse("upcross_api:showcase", args=["nope"]))
    assert response.status_code == 404
    assert response.json()["message"] == "Unknown showcase."


@pytest.mark.usefixtures("fresh_throttle")
def test_a_click_on_a_showcase_suggestion_is_counted(sold: list[Any]) -> None:
    before = event_count("best_sellers", "click", sold[0].pk)
    response = client_for().post(reverse("upcross_api:events"), {
        "widget": "best_sellers", "event": "click", "products": [pk_json(sold[0])]},
        format="json")
    assert response.status_code == 202, response.content
    assert event_count("best_sellers", "click", sold[0].pk) == before + 1
    response = client_for().post(reverse("upcross_api:events"), {
        "widget": "not_a_showcase", "event": "click", "products": [pk_json(sold[0])]},
        format="json")
    assert response.status_code == 400


def test_merchandisers_pin_and_block_in_admin(client: Any, sold: list[Any]) -> None:
    make_merchandiser()
    assert client.login(username="merch", password="pw-merch-1")
    url = reverse("admin:upcross_showcasedecision_add")
    page = client.get(url)
    assert page.status_code == 200
    assert b"Best sellers" in page.content and b"For you" in page.content
    response = client.post(url, {"showcase": "best_sellers", "product": sold[3].pk,
                                 "status": "active", "position": 0, "scope": ""})
    assert response.status_code == 302, response.content
    html = render("{% upcross_best_sellers limit=1 %}")
    assert "Seller 3" in html and "Our pick" in html
    listing = client.get(reverse("admin:upcross_showcasedecision_changelist"))
    assert listing.status_code == 200 and b"Seller 3" in listing.content


def test_a_warm_showcase_answer_is_one_cache_read_and_a_pin_makes_it_stale(
        sold: list[Any], django_assert_num_queries: Any) -> None:
    client = client_for()
    url = reverse("upcross_api:showcase", args=["best_sellers"])
    cold = client.get(url, {"limit": 2})
    with django_assert_num_queries(0):
        warm = client.get(url, {"limit": 2})
    assert warm.content == cold.content and warm["ETag"] == cold["ETag"]
    assert client.get(url, {"limit": 3}).json()["results"][2]["product"]["name"] == "Seller 2"
    ShowcaseDecision.objects.create(showcase="best_sellers", product=sold[4], position=0)
    fresh = client.get(url, {"limit": 2}).json()
    assert fresh["results"][0]["product"]["name"] == "Seller 4"


def test_a_new_order_reranks_the_best_sellers_in_the_tag_and_the_api_at_once(
        sold: list[Any]) -> None:
    """Orders feed the best sellers (and "for you" falls back to them): an order bumps the
    orders token, so the cached list, the rendered box and the API answer go stale."""
    client = client_for()

    def first_in_api(name: str) -> str:
        response = client.get(reverse("upcross_api:showcase", args=[name]), {"limit": 2})
        return str(response.json()["results"][0]["product"]["name"])

    def first_in_box(tag: str) -> str:
        html = render("{% " + tag + " limit=2 %}")
        titles = [f"Seller {i}" for i in range(len(sold))]
        return min((html.index(title), title) for title in titles if title in html)[1]

    assert first_in_box("upcross_best_sellers") == first_in_api("best_sellers") == "Seller 0"
    assert first_in_box("upcross_for_you") == first_in_api("for_you") == "Seller 0"
    for _ in range(6):
        f.order([sold[4]])
    assert first_in_box("upcross_best_sellers") == first_in_api("best_sellers") == "Seller 4"
    assert first_in_box("upcross_for_you") == first_in_api("for_you") == "Seller 4"
