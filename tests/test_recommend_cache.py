"""The read side's cache: keys, tokens, receivers, and outages that never reach the shopper."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django import Settings

from tests import factories as f
from upcross import cache, recommend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

DOWN = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens on port 1


def tokens() -> dict[str, Any]:
    return caches["default"].get_many(list(cache.TOKEN_KEYS))


def test_keys_are_namespaced() -> None:
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    f.render_tags("{% upcross_complements product %}", product=phone)
    backend = caches["default"]
    for key in (cache.entry_key(phone.pk), cache.card_key(case.pk), *cache.TOKEN_KEYS):
        assert key.startswith("upcross:")
        assert backend.get(key) is not None, key
    assert cache.fragment_key("complements", phone.pk).startswith("upcross:f:")


def test_receivers_bump_tokens() -> None:
    phone = f.product("Phone", 300)
    before = tokens()
    rel = f.relation(phone, f.product("Case", 10))
    after_relation = tokens()
    assert after_relation[cache.GENERATION_KEY] != before[cache.GENERATION_KEY]
    rel.delete()
    assert tokens()[cache.GENERATION_KEY] != after_relation[cache.GENERATION_KEY]

    before = tokens()
    phone.save()
    after = tokens()
    assert after[cache.HTML_GENERATION_KEY] != before[cache.HTML_GENERATION_KEY]
    assert after[cache.GENERATION_KEY] == before[cache.GENERATION_KEY]

    f.order([phone], buyer=f.customer())
    assert tokens()[cache.BOUGHT_GENERATION_KEY] != after[cache.BOUGHT_GENERATION_KEY]


def test_raw_saves_are_skipped() -> None:
    """Fixture loading (``loaddata``) saves with ``raw=True``: nothing is invalidated."""
    phone = f.product("Phone", 300)
    rel = f.relation(phone, f.product("Case", 10))
    before = tokens()
    phone.save_base(raw=True)
    rel.save_base(raw=True)
    assert tokens() == before


def test_a_product_save_drops_only_its_own_entry_and_card() -> None:
    phone, case, other = f.product("Phone", 300), f.product("Case", 10), f.product("Other", 1)
    f.relation(phone, case)
    f.relation(other, f.product("Thing", 2))
    recommend.complements(phone)
    recommend.complements(other)
    case.save()
    backend = caches["default"]
    assert backend.get(cache.card_key(case.pk)) is None
    assert backend.get(cache.entry_key(case.pk)) is None
    assert backend.get(cache.entry_key(phone.pk)) is not None
    assert backend.get(cache.entry_key(other.pk)) is not None


def test_widgets_render_when_the_cache_is_down(settings: Settings) -> None:
    settings.CACHES = {**settings.CACHES, "down": DOWN}
    settings.UPCROSS = {**settings.UPCROSS, "CACHE_ALIAS": "down"}
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    f.relation(phone, f.product("Phone Pro", 400), kind="upgrade")
    html = f.render_tags("{% upcross_complements product %}{% upcross_upgrades product %}"
                  "{% upcross_cart_complements items %}{% upcross_cart_upgrades items %}",
                  product=phone, items=[f.Line(phone)])
    assert html.count("Case") >= 2 and "Phone Pro" in html
    assert "placeholder" not in html


@pytest.mark.shop("demo")
def test_demo_pages_render_when_the_cache_is_down(settings: Settings, client: Client) -> None:
    settings.CACHES = {**settings.CACHES, "down": DOWN}
    settings.UPCROSS = {**settings.UPCROSS, "CACHE_ALIAS": "down"}
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    f.relation(case, phone)
    for name in ("Strap", "Stand", "Cable"):  # the nudge shows two, the cart widget the rest
        f.relation(case, f.product(name, 5))
    page = client.get(phone.get_absolute_url())
    assert page.status_code == 200 and "Add this too" in page.content.decode()
    client.post("/cart/add/", {"product_id": case.pk})
    cart = client.get("/cart/")
    assert cart.status_code == 200 and "Goes well with your cart" in cart.content.decode()


@pytest.mark.redis
def test_reads_reuse_one_redis_client_and_read_what_django_reads() -> None:
    """Django's RedisCache builds a client per call; upcross keeps one per backend."""
    backend = caches["default"]
    first = cache.redis_client(backend)
    assert first is not None and cache.redis_client(backend) is first
    assert cache.redis_client(backend, write=True) is cache.redis_client(backend, write=True)
    values = {"upcross:test:a": ("stamp", b"\x00bytes", 3), "upcross:test:b": "text",
              "upcross:test:c": 0}
    backend.set_many(values)
    keys = [*values, "upcross:test:missing"]
    assert cache.get_many(keys) == backend.get_many(keys) == values
