"""The tracking-fed showcases: most viewed (decayed daily views) and recently viewed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from tests import factories as f
from upcross import tracking
from upcross.models import ProductViewDailyStat, ShowcaseDecision
from upcross.showcases import make_visitor, showcase, visitor_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


names = f.names


def viewed(product: Any, views: int, days_ago: int = 0) -> None:
    day = timezone.now().date() - datetime.timedelta(days=days_ago)
    ProductViewDailyStat.objects.create(day=day, product=product, views=views)


# --- most viewed -----------------------------------------------------------------------


def test_most_viewed_ranks_recent_views_above_older_ones() -> None:
    old, recent, quiet = f.product("Old star"), f.product("Recent star"), f.product("Quiet")
    viewed(old, 100, days_ago=40)   # weight ~0.14 per view: ~14
    viewed(recent, 30, days_ago=1)  # ~0.84: ~25
    viewed(quiet, 3)
    viewed(quiet, 500, days_ago=80)  # past four half-lives: counts nothing
    results = showcase("most_viewed", 4)
    assert names(results) == ["Recent star", "Old star", "Quiet"]
    assert results[0].reason == "Many shoppers are looking at this"
    assert results[0].origin == "most_viewed"


def test_most_viewed_per_category() -> None:
    shoes = f.shoes_and_hats(rank=viewed)
    assert names(showcase("most_viewed", 4)) == ["Cap", "Sandal", "Boot"]
    assert names(showcase("most_viewed", 4, category=f.category_value(shoes))) == [
        "Sandal", "Boot"]


def test_most_viewed_leaves_out_unavailable_cart_and_bought() -> None:
    visitor = f.left_out_catalog(rank=viewed)
    assert names(showcase("most_viewed", 4, visitor=visitor)) == ["Left"]
    assert names(showcase("most_viewed", 4)) == ["Carted", "Owned", "Left"]


def test_most_viewed_pins_blocks_and_invalidation() -> None:
    a, b, pinned = f.product("A"), f.product("B"), f.product("Pinned")
    viewed(a, 9)
    viewed(b, 5)
    assert names(showcase("most_viewed", 4)) == ["A", "B"]
    viewed(b, 50, days_ago=1)
    assert names(showcase("most_viewed", 4)) == ["A", "B"]  # cached: views bump no token
    ShowcaseDecision.objects.create(showcase="most_viewed", product=pinned, position=1)
    ShowcaseDecision.objects.create(showcase="most_viewed", product=a, status="blocked")
    ShowcaseDecision.objects.create(showcase="best_sellers", product=b, status="blocked")
    results = showcase("most_viewed", 4)
    assert names(results) == ["Pinned", "B"]
    assert results[0].reason == "Our pick"
    ShowcaseDecision.objects.all().delete()
    assert names(showcase("most_viewed", 4)) == ["B", "A"]
    f.set_available(b, False)  # a product change: rebuilt at once
    assert names(showcase("most_viewed", 4)) == ["A"]


def test_most_viewed_cold_two_queries_warm_none(django_assert_num_queries: Any) -> None:
    for i in range(6):
        viewed(f.product(f"P{i}"), i + 1)
    with django_assert_num_queries(2):
        cold = showcase("most_viewed", 4)
    with django_assert_num_queries(0):
        warm = showcase("most_viewed", 4)
    assert names(cold) == names(warm) == ["P5", "P4", "P3", "P2"]


# --- recently viewed -------------------------------------------------------------------


def session_request(*products: Any) -> Any:
    """A request whose session holds ``products`` viewed in this order (the tag's way)."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    for product in products:
        tracking.remember_view(request, product)
    return request


def test_recently_viewed_is_the_session_newest_first() -> None:
    a, b, c = f.product("A"), f.product("B"), f.product("C")
    request = session_request(a, b, c, a)
    results = showcase("recently_viewed", 4, visitor=visitor_of(request))
    assert names(results) == ["A", "C", "B"]
    assert results[0].reason == "You viewed this"
    assert names(showcase("recently_viewed", 4, visitor=make_visitor())) == []


def test_recently_viewed_writes_nothing(django_assert_num_queries: Any) -> None:
    a, b = f.product("A"), f.product("B")
    request = session_request(a, b)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        showcase("recently_viewed", 4, visitor=visitor_of(request))
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


def test_recently_viewed_leaves_out_unavailable_cart_bought_and_the_page() -> None:
    gone, carted, owned, page, left = (f.product(n) for n in
                                       ("Gone", "Carted", "Owned", "Page", "Left"))
    buyer = f.customer()
    f.order([owned], buyer=buyer)
    f.set_available(gone, False)
    visitor = make_visitor(viewed=[page, gone, carted, owned, left], cart=[carted],
                           customer=buyer)
    assert names(showcase("recently_viewed", 8, visitor=visitor, exclude=[page])) == ["Left"]


def test_recently_viewed_pins_blocks_and_budget(django_assert_num_queries: Any) -> None:
    a, b, c, pinned = (f.product(n) for n in ("A", "B", "C", "Pinned"))
    ShowcaseDecision.objects.create(showcase="recently_viewed", product=b, status="blocked")
    ShowcaseDecision.objects.create(showcase="recently_viewed", product=pinned, position=0)
    visitor = make_visitor(viewed=[c, b, a])
    with django_assert_num_queries(2):
        cold = showcase("recently_viewed", 4, visitor=visitor)
    with django_assert_num_queries(0):
        warm = showcase("recently_viewed", 4, visitor=visitor)
    assert names(cold) == names(warm) == ["Pinned", "C", "A"]
    # Another history is another list (the visitor is part of the key).
    assert names(showcase("recently_viewed", 4, visitor=make_visitor(viewed=[a, c]))) == [
        "Pinned", "A", "C"]


def test_the_tags_render_the_two_showcases() -> None:
    a, b = f.product("Viewed A"), f.product("Viewed B")
    viewed(a, 5)
    html = f.render_tags("{% upcross_most_viewed limit=4 %}")
    assert "Most viewed" in html and "Viewed A" in html
    assert 'data-upcross-widget="most_viewed"' in html
    from django.template import Context, Template

    request = session_request(a, b)
    html = Template("{% load upcross %}{% upcross_recently_viewed limit=4 %}").render(
        Context({"request": request}))
    assert "Recently viewed" in html
    assert html.index("Viewed B") < html.index("Viewed A")


def test_on_a_product_page_the_page_product_is_left_out() -> None:
    from django.template import Context, Template

    a, b = f.product("Viewed A"), f.product("Viewed B")
    request = session_request(a, b)
    html = Template("{% load upcross %}{% upcross_recently_viewed limit=4 product=page %}"
                    ).render(Context({"request": request, "page": b}))
    assert "Viewed A" in html and "Viewed B" not in html
