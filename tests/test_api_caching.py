"""Whole answers of the public read endpoints from the cache (``upcross.api.caching``).

A warm request is one cache read: no SQL, the same bytes and ``ETag`` as the cold
answer; a 404 is kept too; a merchandiser's edit, a product that became
unavailable or a new product make the kept answers stale.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIRequestFactory

from tests import factories
from tests.test_api_support import client_for, make_product, missing_pk, pk_json
from tests.upcross_overrides import with_upcross
from upcross import cache, worker_cache
from upcross.api import caching
from upcross.api.views import ProductComplementsView
from upcross.conf import upcross_settings
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> dict[str, Any]:
    camera = make_product("Camera", "100.00", category="cameras")
    bag = make_product("Bag", "20.00", category="bags")
    card = make_product("Memory card", "12.50", category="cards")
    pro = make_product("Camera Pro", "150.00", category="cameras")
    ProductRelation.objects.create(source=camera, target=bag, kind="complement", position=0)
    ProductRelation.objects.create(source=camera, target=card, kind="complement", position=1)
    ProductRelation.objects.create(source=camera, target=pro, kind="upgrade", position=0)
    return {"camera": camera, "bag": bag, "card": card, "pro": pro}


def product_url(name: str, pk: Any) -> str:
    return reverse(f"upcross_api:{name}", args=[pk])


def result_pks(response: Any) -> list[Any]:
    return [row["product"]["pk"] for row in response.json()["results"]]


@pytest.mark.parametrize("name", ["product-complements", "product-upgrades"])
def test_a_warm_product_answer_runs_no_sql_and_is_the_same_answer(
    shop: dict[str, Any], name: str, django_assert_num_queries: Any,
) -> None:
    client = client_for()
    target = product_url(name, shop["camera"].pk)
    cold = client.get(target)
    assert cold.status_code == 200 and cold.json()["results"]
    with django_assert_num_queries(0):
        warm = client.get(target)
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert warm["ETag"] == cold["ETag"]
    for header in ("Content-Type", "Cache-Control", "Vary"):
        assert warm[header] == cold[header], header


def test_a_warm_request_answers_304_to_its_etag_without_sql(
    shop: dict[str, Any], django_assert_num_queries: Any,
) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    etag = client.get(target)["ETag"]
    with django_assert_num_queries(0):
        again = client.get(target, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    with django_assert_num_queries(0):
        assert client.get(target, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_each_limit_and_language_has_its_own_answer(shop: dict[str, Any]) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    assert len(client.get(target).json()["results"]) == 2
    assert result_pks(client.get(target, {"limit": 1})) == [pk_json(shop["bag"])]
    assert len(client.get(target).json()["results"]) == 2  # not the limit=1 answer
    # The demo serves the API in its default language whatever Accept-Language says
    # (i18n_patterns without a default prefix): call the view in each language instead.
    view = ProductComplementsView.as_view()

    def reason(language: str) -> str:
        with translation.override(language):
            response = view(APIRequestFactory().get(target), pk=str(shop["camera"].pk))
        return json.loads(response.content)["results"][0]["reason"]

    english, polish = reason("en"), reason("pl")
    assert english and polish and polish != english
    assert reason("en") == english  # each language keeps its own answer


def test_unknown_and_unavailable_products_are_a_cached_404(
    shop: dict[str, Any], django_assert_num_queries: Any,
) -> None:
    gone = make_product("Old strap", "5.00", available=False, category="straps")
    client = client_for()
    expected = {"message": "Unknown or unavailable product.", "code": "not_found"}
    for pk in (missing_pk(), gone.pk, "not-a-pk"):
        target = product_url("product-complements", pk)
        assert client.get(target).status_code == 404
        with django_assert_num_queries(0):
            warm = client.get(target)
        assert warm.status_code == 404, pk
        assert warm["Content-Type"] == "application/json"
        assert warm.json() == expected


def test_a_merchandisers_edit_makes_the_answer_stale(shop: dict[str, Any]) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    first = client.get(target)
    assert result_pks(first) == [pk_json(shop["bag"]), pk_json(shop["card"])]
    relation = ProductRelation.objects.get(source=shop["camera"], target=shop["bag"])
    relation.status = "blocked"
    relation.save()
    changed = client.get(target)
    assert result_pks(changed) == [pk_json(shop["card"])]
    assert changed["ETag"] != first["ETag"]
    assert client.get(target, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_product_that_becomes_unavailable_is_a_404_then_back(shop: dict[str, Any]) -> None:
    client = client_for()
    camera = product_url("product-complements", shop["camera"].pk)
    assert client.get(camera).status_code == 200
    factories.set_available(shop["camera"], False)
    assert client.get(camera).status_code == 404
    assert client.get(camera).status_code == 404  # the cached 404
    factories.set_available(shop["camera"], True)
    assert client.get(camera).status_code == 200


def test_a_suggested_product_that_becomes_unavailable_leaves_the_answer(
    shop: dict[str, Any],
) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    assert pk_json(shop["bag"]) in result_pks(client.get(target))
    factories.set_available(shop["bag"], False)
    assert result_pks(client.get(target)) == [pk_json(shop["card"])]


@pytest.mark.shop("demo", "oscar")  # integer keys: the altshop's UUIDs cannot be predicted
def test_a_new_product_is_no_longer_a_cached_404() -> None:
    client = client_for()
    existing = make_product("First", "10.00")
    # The next pk the sequence hands out: ask for it before it exists.
    next_pk = existing.pk + 1
    target = product_url("product-complements", next_pk)
    assert client.get(target).status_code == 404
    created = make_product("Second", "10.00")
    assert created.pk == next_pk
    assert client.get(target).status_code == 200


def test_a_warm_cart_answer_runs_no_sql(
    shop: dict[str, Any], django_assert_num_queries: Any,
) -> None:
    client = client_for()
    body = {"items": [{"product": pk_json(shop["camera"]), "quantity": 1},
                      {"product": missing_pk()}]}
    for name in ("cart-complements", "cart-upgrades"):
        target = reverse(f"upcross_api:{name}")
        cold = client.post(target, body, format="json")
        assert cold.status_code == 200 and cold.json()["results"], name
        with django_assert_num_queries(0):
            warm = client.post(target, body, format="json")
        assert warm.content == cold.content and warm["ETag"] == cold["ETag"]
        assert warm.json()["ignored"] == [missing_pk()]
        other = client.post(target, {"items": [{"product": pk_json(shop["bag"])}]},
                            format="json")
        assert other.content != cold.content


def test_a_bad_request_is_not_kept(shop: dict[str, Any]) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    assert client.get(target, {"limit": "abc"}).status_code == 400
    assert client.get(target, {"limit": "abc"}).status_code == 400


def test_the_kept_answer_is_stamped_and_dropped_when_the_tokens_move(
    shop: dict[str, Any],
) -> None:
    """The stamp is checked, not just the key: bumping a token alone makes it stale."""
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    client.get(target)
    # Change the rows behind the cache's back (no signal), then bump the token by hand.
    ProductRelation.objects.filter(source=shop["camera"], target=shop["bag"]).update(
        status="blocked")
    assert pk_json(shop["bag"]) in result_pks(client.get(target))  # still the kept answer
    cache.invalidate_relations()
    assert pk_json(shop["bag"]) not in result_pks(client.get(target))
    assert caching.ANSWER_PREFIX.startswith(cache.PREFIX)


# --- the worker tier (upcross.worker_cache) ----------------------------------------------


def count_shared_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The key lists of every read that reaches the shared cache (Redis in CI)."""
    reads: list[list[str]] = []
    real = cache._get_many

    def counted(backend: Any, keys: list[str]) -> dict[str, Any]:
        reads.append(keys)
        return real(backend, keys)

    monkeypatch.setattr(cache, "_get_many", counted)
    return reads


def test_a_warm_answer_kept_by_the_worker_makes_no_round_trip(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any,
) -> None:
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    cold = client.get(target)
    reads = count_shared_reads(monkeypatch)
    first = client.get(target)  # read back from the shared cache once, then kept
    assert len(reads) == 1
    with django_assert_num_queries(0):
        second = client.get(target)
    assert len(reads) == 1
    assert first.content == second.content == cold.content
    assert second["ETag"] == cold["ETag"]


def test_with_the_worker_tier_off_each_warm_answer_reads_the_shared_cache_once(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any,
) -> None:
    settings.UPCROSS = with_upcross(API_WORKER_CACHE_SECONDS=0)
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    client.get(target)
    reads = count_shared_reads(monkeypatch)
    for _ in range(3):
        assert client.get(target).status_code == 200
    assert len(reads) == 3


def test_a_change_from_another_process_shows_once_the_kept_tokens_expire(
    shop: dict[str, Any], settings: Any,
) -> None:
    """Another process moves the token in the shared cache (this worker's tier is not
    told): the kept answer may be served until the tier's seconds are over, then not."""
    settings.UPCROSS = with_upcross(API_WORKER_CACHE_SECONDS=0.5)
    client = client_for()
    target = product_url("product-complements", shop["camera"].pk)
    client.get(target)
    client.get(target)  # kept by this worker now
    ProductRelation.objects.filter(source=shop["camera"], target=shop["bag"]).update(
        status="blocked")
    backend = caches[upcross_settings.CACHE_ALIAS]
    backend.set(cache.GENERATION_KEY, cache.new_token(), timeout=None)  # not cache.bump()
    assert pk_json(shop["bag"]) in result_pks(client.get(target))  # within the 0.5 s
    time.sleep(0.6)
    assert pk_json(shop["bag"]) not in result_pks(client.get(target))


def test_the_worker_tier_is_never_longer_than_clients_may_keep_the_answer(
    settings: Any,
) -> None:
    settings.UPCROSS = with_upcross(API_WORKER_CACHE_SECONDS=30, API_CACHE_MAX_AGE=5)
    assert upcross_settings.API_WORKER_CACHE_SECONDS == 5
    settings.UPCROSS = with_upcross(API_WORKER_CACHE_SECONDS=30, API_CACHE_MAX_AGE=0)
    assert upcross_settings.API_WORKER_CACHE_SECONDS == 0
    assert worker_cache.get_many(["anything"]) == {}
