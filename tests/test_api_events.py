"""The events endpoint: anonymous widget beacons, validated, throttled, counted.

Until the analytics models exist, events are counted in the cache (Redis in
production) with atomic increments, and nothing is written to the database.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.test_api_support import (
    client_for,
    fresh_throttle,  # noqa: F401  (fixture)
    make_product,
    make_user,
    missing_pk,
    pk_json,
)
from tests.upcross_overrides import with_upcross
from upcross.api.events import event_count, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle")]

EVENTS = "upcross_api:events"


@pytest.fixture(autouse=True)
def fresh_local_counters() -> None:
    """Local memory (no Redis) is this process's alone: start each test from zero.

    On Redis, keys carry the run's own prefix and product pks never repeat
    (PostgreSQL sequences and UUIDs), so counters of other tests don't collide.
    """
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from upcross.conf import upcross_settings

    backend = caches[upcross_settings.CACHE_ALIAS]
    if isinstance(backend, LocMemCache):
        backend.clear()


@pytest.fixture
def shown() -> list[Any]:
    """Two products a widget really shows: suggested (both kinds) by a page product."""
    page = make_product("Page of the shown")
    products = [make_product("Shown A"), make_product("Shown B")]
    for product in products:
        for kind in ("complement", "upgrade"):
            factories.relation(page, product, kind=kind)
    return products


def test_an_impression_is_counted_without_a_database_write(shown: list[Any]) -> None:
    before = event_count("complements", "impression")
    body = {"widget": "complements", "event": "impression",
            "products": [pk_json(p) for p in shown]}
    with CaptureQueriesContext(connection) as queries:
        response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 202, response.content
    assert response.json() == {"counted": 2}
    assert event_count("complements", "impression") == before + 1
    for product in shown:
        assert event_count("complements", "impression", product.pk) == 1
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT"]  # one look-up of the product ids, no write


def test_a_click_names_one_product_and_counts_it(shown: list[Any]) -> None:
    source = make_product("Page product")
    for product in shown:
        factories.relation(source, product, kind="upgrade")
    body = {"widget": "cart_upgrades", "event": "click", "products": [pk_json(shown[0])],
            "source": pk_json(source)}
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 202
    assert event_count("cart_upgrades", "click", shown[0].pk) == 1
    assert event_count("cart_upgrades", "click", shown[1].pk) == 0
    two = client_for().post(reverse(EVENTS), {**body, "products": [pk_json(p) for p in shown]},
                            format="json")
    assert two.status_code == 400 and "exactly one" in two.json()["message"]


@pytest.mark.parametrize("changes, field", [
    ({"widget": "sidebar"}, "widget"),
    ({"event": "hover"}, "event"),
    ({"products": []}, "products"),
    ({"products": "all"}, "products"),
    ({"products": ["not-a-pk"]}, "products"),
    ({"products": [None]}, "products"),
    ({"products": ["MISSING"]}, "products"),
    ({"products": ["OK"] * 51}, "products"),
    ({"source": "MISSING"}, "source"),
    ({"widget": None}, "widget"),
])
def test_bad_events_are_400_with_a_message(shown: list[Any], changes: dict[str, Any],
                                           field: str) -> None:
    body: dict[str, Any] = {"widget": "upgrades", "event": "impression",
                            "products": [pk_json(shown[0])]}
    body.update(changes)
    for key in ("products",):
        if isinstance(body[key], list):
            body[key] = [missing_pk() if v == "MISSING" else pk_json(shown[0]) if v == "OK"
                         else v for v in body[key]]
    if body.get("source") == "MISSING":
        body["source"] = missing_pk()
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert response.json()["message"].startswith("The request is invalid.")
    assert event_count("upgrades", "impression", shown[0].pk) == 0


def test_unknown_ids_are_named_in_the_message(shown: list[Any]) -> None:
    body = {"widget": "upgrades", "event": "impression",
            "products": [pk_json(shown[0]), missing_pk()]}
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 400
    assert str(missing_pk()) in response.json()["message"]


def test_a_beacon_needs_no_csrf_token_and_no_session(shown: list[Any]) -> None:
    """Beacons are anonymous: even a signed-in shopper's carries no session, so it
    needs no CSRF token and can never be a session-authenticated write."""
    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    anonymous = client_for(csrf=True).post(reverse(EVENTS), body, format="json")
    assert anonymous.status_code == 202
    signed_in = client_for(make_user("shopper", staff=False), csrf=True)
    response = signed_in.post(reverse(EVENTS), body, format="json")
    assert response.status_code == 202
    assert "Cookie" not in response.get("Vary", "")


def test_events_are_throttled_with_a_json_429(shown: list[Any]) -> None:
    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    client = client_for()
    with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="3/min")):
        codes = [client.post(reverse(EVENTS), body, format="json").status_code
                 for _ in range(3)]
        limited = client.post(reverse(EVENTS), body, format="json")
    assert codes == [202, 202, 202]
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert "throttled" in limited.json()["message"]
    assert 0 < int(limited["Retry-After"]) <= 60
    assert event_count("complements", "click", shown[0].pk) == 3  # the 4th was not counted


def test_throttling_can_be_turned_off(shown: list[Any]) -> None:
    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    client = client_for()
    with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE=None)):
        codes = {client.post(reverse(EVENTS), body, format="json").status_code
                 for _ in range(8)}
    assert codes == {202}


def test_other_methods_are_a_json_405() -> None:
    response = client_for().get(reverse(EVENTS))
    assert response.status_code == 405 and response.json()["message"]


def test_concurrent_counting_loses_nothing() -> None:
    """Counting is atomic (``HINCRBY``): parallel beacons all count."""
    widget, threads, per_thread = "cart_complements", 8, 25
    product = "concurrency-probe"

    def work() -> None:
        for _ in range(per_thread):
            record_event(widget, "impression", [product])

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert event_count(widget, "impression", product) == threads * per_thread


# --- only what a widget can show counts ------------------------------------


def test_pairs_without_a_relation_and_unavailable_products_are_refused(
        shown: list[Any]) -> None:
    page, stranger = make_product("Page"), make_product("No relation")
    hidden = make_product("Switched off", available=False)
    blocked = make_product("Blocked target")
    factories.relation(page, shown[0])
    factories.relation(page, hidden)
    factories.relation(page, blocked, status="blocked")
    accepted = 0
    for product, source in [(stranger, page), (stranger, None), (hidden, page),
                            (blocked, page), (shown[1], page)]:
        body = {"widget": "complements", "event": "click", "products": [pk_json(product)],
                **({"source": pk_json(source)} if source is not None else {})}
        response = client_for().post(reverse(EVENTS), body, format="json")
        accepted += response.status_code == 202
        assert response.status_code == 400, (product, source, response.content)
        assert "Not suggested" in response.json()["message"]
    assert accepted == 0
    assert event_count("complements", "click", stranger.pk) == 0
    ok = client_for().post(reverse(EVENTS), {"widget": "complements", "event": "click",
                                             "products": [pk_json(shown[0])],
                                             "source": pk_json(page)}, format="json")
    assert ok.status_code == 202 and ok.json() == {"counted": 1}


def test_a_rotating_forwarded_for_does_not_escape_the_throttle(shown: list[Any]) -> None:
    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    client = client_for()
    with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="5/day")):
        codes = [client.post(reverse(EVENTS), body, format="json",
                             HTTP_X_FORWARDED_FOR=f"10.0.{n // 256}.{n % 256}").status_code
                 for n in range(30)]
    assert codes.count(202) == 5 and codes.count(429) == 25


def test_num_proxies_trusts_the_address_the_own_proxy_appended(shown: list[Any]) -> None:
    from upcross.api.throttling import EventsRateThrottle

    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    client = client_for()
    addresses = [f"198.51.100.{n}" for n in range(4)]
    try:
        with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="2/day",
                                                    NUM_PROXIES=1)):
            codes = [client.post(reverse(EVENTS), body, format="json",
                                 HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}").status_code
                     for address in addresses for _ in range(3)]
            # each real client gets its own 2 (the forged first entry is ignored)
            assert codes == [202, 202, 429] * 4
    finally:
        with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="2/day")):
            for address in addresses:
                EventsRateThrottle().forget(address)


@pytest.mark.parametrize("depth", [20, 1000, 30_000])
def test_deeply_nested_json_is_a_json_400(depth: int) -> None:
    body = '{"widget": "complements", "event": "click", "products": ' + "[" * depth + \
        "]" * depth + "}"
    for name in (EVENTS, "upcross_api:cart-complements"):
        response = client_for().post(reverse(name), body, content_type="application/json")
        assert response.status_code == 400, (name, response.content[:300])
        assert "nested" in response.json()["message"]


def test_an_oversized_body_is_a_json_413_before_parsing(shown: list[Any]) -> None:
    import time

    ids = ", ".join(["1"] * 820_000)
    body = '{"widget": "complements", "event": "impression", "products": [' + ids + "]}"
    for name in (EVENTS, "upcross_api:cart-complements"):
        started = time.perf_counter()
        response = client_for().post(reverse(name), body, content_type="application/json")
        elapsed = time.perf_counter() - started
        assert response.status_code == 413, response.content[:300]
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "too_large"
        assert elapsed < 0.5, elapsed


def test_too_many_ids_under_the_size_limit_fail_before_item_validation() -> None:
    import time

    body = {"widget": "complements", "event": "impression", "products": ["x"] * 10_000}
    started = time.perf_counter()
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 400 and "no more than 50" in response.json()["message"]


@pytest.mark.django_db(transaction=True)  # the threads' connections see the products
def test_parallel_clients_get_no_more_than_the_limit(shown: list[Any]) -> None:
    """The count is one atomic increment: 8 threads x 10 posts at a limit of 20."""
    from django.db import connections

    body = {"widget": "complements", "event": "click", "products": [pk_json(shown[0])]}
    codes: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        client = client_for()
        try:
            for _ in range(10):
                code = client.post(reverse(EVENTS), body, format="json").status_code
                with lock:
                    codes.append(code)
        finally:
            connections.close_all()

    with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="20/day")):
        workers = [threading.Thread(target=work) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert codes.count(202) == 20 and codes.count(429) == 60, sorted(codes)


@pytest.mark.parametrize("name", [EVENTS, "upcross_api:cart-complements"])
def test_a_20_mb_body_is_a_json_413(name: str) -> None:
    body = '{"products": "' + "x" * 20_000_000 + '"}'
    response = client_for().post(reverse(name), body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "larger than" in response.json()["message"]
