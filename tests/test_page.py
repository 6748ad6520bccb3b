"""One page, one cache read and one counter write (``upcross.page``, ``PageMiddleware``).

Counted against the real Redis: every command a Redis client sends on its own and
every pipeline it executes is one round trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import redis
from django.test import Client, override_settings

from tests import factories
from upcross import cache, page
from upcross.analytics import counters
from upcross.models import Bundle, BundleItem, ProductRelation

pytestmark = [pytest.mark.shop("demo"), pytest.mark.django_db]

MIDDLEWARE_PATH = "upcross.middleware.PageMiddleware"


@pytest.fixture(autouse=True)
def _fresh(fresh_cache: None) -> Iterator[None]:
    page.forget_learned()
    yield
    page.forget_learned()


@pytest.fixture
def catalog() -> list[Any]:
    """40 products, each with 8 mined complements and 2 upgrades (as ``bench/widgets.py``),
    and a curated bundle on the first one's page."""
    products = factories.widget_page_catalog("page")
    bundle = Bundle.objects.create(product=products[0], name="Kit", discount_percent=10)
    BundleItem.objects.create(bundle=bundle, product=products[20])
    BundleItem.objects.create(bundle=bundle, product=products[21])
    cache.invalidate_relations()
    return products


class RoundTrips:
    """Every command a Redis client sends alone, and every pipeline it executes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commands: list[str] = []
        send, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

        def counted_send(client: Any, *args: Any, **options: Any) -> Any:
            self.commands.append(str(args[0]))
            return send(client, *args, **options)

        def counted_execute(pipeline: Any, *args: Any, **kwargs: Any) -> Any:
            self.commands.append(f"pipeline of {len(pipeline.command_stack)}")
            return execute(pipeline, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", counted_send)
        monkeypatch.setattr(redis.client.Pipeline, "execute", counted_execute)

    def during(self, action: Any) -> tuple[Any, list[str]]:
        start = len(self.commands)
        result = action()
        return result, self.commands[start:]


def impressions() -> int:
    return sum(value for field, value in counters.store().peek().items()
               if field.endswith("|impressions"))


def sections(html: str) -> int:
    return html.count('<section class="upcross ')


@pytest.mark.redis
def test_a_product_page_with_three_widgets_makes_two_round_trips(
    catalog: list[Any], monkeypatch: pytest.MonkeyPatch, settings: Any,
) -> None:
    assert MIDDLEWARE_PATH in settings.MIDDLEWARE
    client = Client()
    url = catalog[0].get_absolute_url()
    cold = client.get(url)
    widgets = sections(cold.content.decode())
    assert widgets >= 3  # bundle, complements, upgrades (and what else the demo shows)
    client.get(url)  # learns what the page reads after its first read
    trips = RoundTrips(monkeypatch)
    before = impressions()
    response, commands = trips.during(lambda: client.get(url))
    assert response.status_code == 200 and sections(response.content.decode()) == widgets
    assert 1 <= len(commands) <= 2, commands
    assert commands[0] == "MGET" and commands[-1].startswith("pipeline of ")
    # One pipeline carried every widget's impressions: the widget and each suggestion.
    assert impressions() - before >= 3 + 4 + 2
    assert sections(client.get(url).content.decode()) == widgets


@pytest.mark.redis
def test_a_thirty_line_cart_page_makes_two_round_trips(
    catalog: list[Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from demo_shop.catalog.models import Product

    cart = catalog[5:35]
    category = cart[0].category
    for product in cart:  # an upgrade outside the cart for every line (a page shows a
        pro = Product.objects.create(  # product once: one already in the cart is left out)
            category=category, name=f"{product.name} Pro", slug=f"{product.slug}-pro",
            sku=f"{product.sku}P", price=product.price * Decimal("1.2"), stock=50)
        ProductRelation.objects.create(source=product, target=pro, kind="upgrade",
                                       origin="manual", position=0)
    client = Client()
    for product in cart:
        client.post("/cart/add/", {"product_id": product.pk})
    cold = client.get("/cart/")
    html = cold.content.decode()
    assert html.count("upcross-line-upgrade") == 30 and "upcross-cart-complements" in html
    client.get("/cart/")
    trips = RoundTrips(monkeypatch)
    before = impressions()
    response, commands = trips.during(lambda: client.get("/cart/"))
    assert response.status_code == 200
    assert 1 <= len(commands) <= 2, commands
    assert impressions() - before >= 30 * 2 + 1  # each line offer (widget and suggestion)
    assert response.content.decode().count("upcross-line-upgrade") == html.count(
        "upcross-line-upgrade")


@pytest.mark.redis
def test_a_cart_under_the_free_shipping_threshold_reads_ahead_too(
    catalog: list[Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The nudge reads entries and cards (not fragments): learned and read ahead as well."""
    client = Client()
    client.post("/cart/add/", {"product_id": catalog[1].pk})  # 110.000, under 500.000
    assert "upcross-free-shipping" in client.get("/cart/").content.decode()
    client.get("/cart/")
    trips = RoundTrips(monkeypatch)
    response, commands = trips.during(lambda: client.get("/cart/"))
    assert "upcross-free-shipping" in response.content.decode()
    assert 1 <= len(commands) <= 2, commands


@pytest.mark.redis
def test_without_the_middleware_every_widget_counts_on_its_own(
    catalog: list[Any], monkeypatch: pytest.MonkeyPatch, settings: Any,
) -> None:
    client = Client()
    url = catalog[0].get_absolute_url()
    without = [path for path in settings.MIDDLEWARE if path != MIDDLEWARE_PATH]
    with override_settings(MIDDLEWARE=without):
        client.get(url)
        client.get(url)
        trips = RoundTrips(monkeypatch)
        before = impressions()
        response, commands = trips.during(lambda: client.get(url))
    assert sections(response.content.decode()) >= 3
    assert impressions() - before >= 3 + 4 + 2  # still counted: at once, widget by widget
    assert len([c for c in commands if c.startswith("pipeline")]) >= 3
    assert len(commands) >= 6  # a read and a write per widget


def test_counts_wait_for_the_response_and_are_sent_once(catalog: list[Any]) -> None:
    from django.http import HttpResponse
    from django.template import engines
    from django.test import RequestFactory

    from upcross.middleware import PageMiddleware

    template = engines["django"].from_string(
        "{% load upcross %}{% upcross_complements product limit=4 %}"
        "{% upcross_upgrades product limit=2 %}")
    seen: dict[str, int] = {}

    def view(request: Any) -> HttpResponse:
        html = template.render({"product": catalog[0], "csrf_token": "t"}, request)
        seen["during"] = impressions()
        return HttpResponse(html)

    before = impressions()
    response = PageMiddleware(view)(RequestFactory().get("/p/"))
    assert sections(response.content.decode()) == 2
    assert seen["during"] == before  # nothing sent while the page was built
    shown = response.content.decode().count('<li class="upcross-item')
    assert shown >= 3
    assert impressions() - before == 2 + shown  # then all of it: each widget and suggestion
    assert page.current() is None


def test_a_page_reads_ahead_what_it_read_last_time_and_no_more() -> None:
    first = page.Page("GET /p/")
    assert first.read_ahead(["a", "b"]) == ["a", "b"]
    first.remember(["a", "b"], {"a": 1})
    assert first.read_ahead(["a", "c"]) == ["c"]
    first.remember(["c"], {"c": 3})
    assert first.answer(["a", "b", "c"]) == {"a": 1, "c": 3}
    first.learn()
    second = page.Page("GET /p/")
    assert second.read_ahead(["a", "b"]) == ["a", "b", "c"]  # c read ahead
    other = page.Page("GET /q/")
    assert other.read_ahead(["a", "b"]) == ["a", "b"]  # another page learns its own
    second.wrote({"d": 4})
    assert second.read_ahead(["d"]) == [] and second.answer(["d"]) == {"d": 4}
    second.forget(["d"])
    assert second.read_ahead(["d"]) == ["d"]
