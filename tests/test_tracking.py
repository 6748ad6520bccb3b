"""The tracking script's server side: the tag, view and batch beacons, co-views, the flush.

The script itself runs in Chromium in ``test_tracking_browser.py``.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.analytics_support import discard_counters
from tests.test_api_support import (
    client_for,
    fresh_throttle,  # noqa: F401  (fixture)
    make_product,
    missing_pk,
    pk_json,
)
from tests.upcross_overrides import with_upcross
from upcross import tracking
from upcross.analytics import counters
from upcross.analytics.flush import flush_events
from upcross.models import CoViewDailyStat, ProductViewDailyStat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle")]

EVENTS = "upcross_api:events"
SCRIPT = Path(__file__).resolve().parent.parent / "upcross" / "static" / "upcross" / "upcross.js"


@pytest.fixture(autouse=True)
def empty_counters() -> None:
    discard_counters()


def live(metric: str) -> dict[counters.Field, int]:
    """The live ``@view`` counters of ``metric``."""
    found = {}
    for raw, amount in counters.store().peek().items():
        field = counters.Field.decode(raw)
        if field is not None and field.widget == counters.VIEW_WIDGET and field.metric == metric:
            found[field] = amount
    return found


def views_of(product: Any) -> int:
    return sum(amount for field, amount in live("views").items()
               if field.target == str(product.pk))


def view(product: Any, session: str | None = "session-one") -> Any:
    body: dict[str, Any] = {"event": "view", "products": [pk_json(product)]}
    if session:
        body["session"] = session
    return client_for().post(reverse(EVENTS), body, format="json")


def test_the_script_is_small() -> None:
    packed = gzip.compress(SCRIPT.read_bytes(), compresslevel=9)
    assert len(packed) < 4096, len(packed)
    assert "import " not in SCRIPT.read_text() and "require(" not in SCRIPT.read_text()


def test_a_view_is_counted_without_a_database_write() -> None:
    product = make_product("Viewed")
    with CaptureQueriesContext(connection) as queries:
        response = view(product)
    assert response.status_code == 202, response.content
    assert response.json() == {"counted": 1}
    assert views_of(product) == 1
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT"]  # is the product available? nothing written


@pytest.mark.parametrize(("changes", "field"), [
    ({"widget": "complements"}, "widget"),
    ({"products": ["A", "B"]}, "products"),
    ({"products": ["MISSING"]}, "products"),
    ({"products": ["UNAVAILABLE"]}, "products"),
    ({"session": "short"}, "session"),
    ({"session": "bad session id with spaces"}, "session"),
    ({"session": "x" * 65}, "session"),
])
def test_bad_views_are_400(changes: dict[str, Any], field: str) -> None:
    shown = make_product("A view")
    hidden = make_product("Hidden", available=False)
    ids = {"A": pk_json(shown), "B": pk_json(make_product("B view")), "MISSING": missing_pk(),
           "UNAVAILABLE": pk_json(hidden)}
    body: dict[str, Any] = {"event": "view", "products": [pk_json(shown)], **changes}
    body["products"] = [ids.get(item, item) for item in body["products"]]
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert views_of(shown) == 0 and views_of(hidden) == 0


def test_a_batch_counts_its_valid_events_and_rejects_the_others() -> None:
    page = make_product("Batch page")
    suggested = make_product("Batch suggestion")
    factories.relation(page, suggested)
    stranger = make_product("Never suggested")
    body = {"events": [
        {"event": "view", "products": [pk_json(page)], "session": "batch-session"},
        {"widget": "complements", "event": "impression", "products": [pk_json(suggested)],
         "source": pk_json(page)},
        {"widget": "complements", "event": "click", "products": [pk_json(suggested)],
         "source": pk_json(page)},
        {"widget": "complements", "event": "click", "products": [pk_json(stranger)],
         "source": pk_json(page)},
        {"event": "hover"},
    ]}
    response = client_for().post(reverse(EVENTS), body, format="json")
    assert response.status_code == 202, response.content
    assert response.json() == {"counted": 3, "rejected": 2}
    from upcross.api.events import event_count

    assert views_of(page) == 1
    assert event_count("complements", "impression", suggested.pk) == 1
    assert event_count("complements", "click", suggested.pk) == 1
    assert event_count("complements", "click", stranger.pk) == 0


@pytest.mark.parametrize("events", [[], "all", [{"event": "view"}] * 21, None])
def test_a_malformed_batch_is_400(events: Any) -> None:
    response = client_for().post(reverse(EVENTS), {"events": events}, format="json")
    assert response.status_code == 400, response.content
    assert "events" in response.json()["errors"]


def test_a_batch_is_one_request_for_the_throttle() -> None:
    product = make_product("Throttled view")
    body = {"events": [{"event": "view", "products": [pk_json(product)]}] * 3}
    with override_settings(UPCROSS=with_upcross(EVENTS_THROTTLE_RATE="2/min")):
        codes = [client_for().post(reverse(EVENTS), body, format="json").status_code
                 for _ in range(3)]
    assert codes == [202, 202, 429]
    assert views_of(product) == 6


def test_views_of_one_session_count_each_pair_once() -> None:
    a, b, c = (make_product(name) for name in ("Co A", "Co B", "Co C"))
    for product in (a, b, c, a, b):
        assert view(product, "session-alpha").status_code == 202
    view(c, "session-beta")
    view(a, "session-beta")
    pairs = {tuple(sorted((field.source, field.target))): amount
             for field, amount in live("coviews").items()}
    key = lambda x, y: tuple(sorted((str(x.pk), str(y.pk))))  # noqa: E731
    assert pairs == {key(a, b): 1, key(a, c): 2, key(b, c): 1}
    assert views_of(a) == 3 and views_of(b) == 2 and views_of(c) == 2


def test_views_without_a_session_make_no_co_views() -> None:
    a, b = make_product("Lone A"), make_product("Lone B")
    view(a, None)
    view(b, None)
    assert live("coviews") == {}
    assert views_of(a) == 1


def test_the_flush_writes_daily_views_and_co_views_both_ways() -> None:
    a, b, c = (make_product(name) for name in ("Flush A", "Flush B", "Flush C"))
    for product in (a, b, a):
        view(product, "session-flush")
    view(c, "session-other")
    result = flush_events()
    assert result.view_rows == 3 and result.coview_rows == 2
    assert dict(ProductViewDailyStat.objects.values_list("product", "views")) == {
        a.pk: 2, b.pk: 1, c.pk: 1}
    assert sorted(CoViewDailyStat.objects.values_list("product", "other", "sessions")) == sorted(
        [(a.pk, b.pk, 1), (b.pk, a.pk, 1)])
    assert live("views") == {}
    view(a, "session-flush-2")
    view(b, "session-flush-2")
    flush_events()
    assert CoViewDailyStat.objects.get(product=a, other=b).sessions == 2
    assert ProductViewDailyStat.objects.get(product=a).views == 3


def test_the_flush_skips_a_product_deleted_since_its_view() -> None:
    kept, gone = make_product("Kept"), make_product("Gone")
    view(kept, "session-gone")
    view(gone, "session-gone")
    gone.delete()
    flush_events()
    assert list(ProductViewDailyStat.objects.values_list("product", flat=True)) == [kept.pk]
    assert not CoViewDailyStat.objects.exists()


def _tag(product: Any = None, **meta: str) -> tuple[str, Any]:
    from django.template import Context, Template

    request = RequestFactory().get("/", **meta)
    request.session = SessionStore()
    html = Template("{% load upcross %}{% upcross_tracking product %}").render(
        Context({"product": product, "request": request}))
    return html, request


def _config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="upcross-tracking-config" type="application/json">(.*?)'
                      r"</script>", html, re.S)
    assert found, html
    return json.loads(found.group(1))


def test_the_tag_includes_the_script_with_its_config() -> None:
    product = make_product("Tagged")
    html, request = _tag(product)
    assert re.search(r'<script src="[^"]*upcross/upcross\.js" defer></script>', html)
    assert _config(html) == {"endpoint": reverse(EVENTS), "dnt": True, "consent": False,
                             "impressions": False, "product": str(product.pk)}
    assert request.session[tracking.VIEWED_SESSION_KEY] == [str(product.pk)]


def test_the_session_keeps_recent_views_newest_first_and_bounded() -> None:
    products = [make_product(f"Recent {n}") for n in range(tracking.MAX_VIEWED + 2)]
    request = RequestFactory().get("/")
    request.session = SessionStore()
    for product in [*products, products[3]]:
        tracking.remember_view(request, product)
    stored = request.session[tracking.VIEWED_SESSION_KEY]
    assert stored[0] == str(products[3].pk)
    assert stored[1] == str(products[-1].pk)
    assert len(stored) == tracking.MAX_VIEWED
    assert stored.count(str(products[3].pk)) == 1


@pytest.mark.parametrize("meta", [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}])
def test_do_not_track_keeps_nothing_in_the_session(meta: dict[str, str]) -> None:
    _html, request = _tag(make_product("Private"), **meta)
    assert tracking.VIEWED_SESSION_KEY not in request.session


def test_required_consent_keeps_nothing_and_tells_the_script() -> None:
    with override_settings(UPCROSS=with_upcross(TRACKING_REQUIRES_CONSENT=True,
                                                 TRACKING_RESPECT_DNT=False,
                                                 IMPRESSIONS="seen")):
        html, request = _tag(make_product("Consent"))
    assert tracking.VIEWED_SESSION_KEY not in request.session
    config = _config(html)
    assert config["consent"] is True and config["dnt"] is False and config["impressions"] is True


def test_widgets_carry_what_the_script_counts_and_seen_mode_counts_no_render() -> None:
    from upcross.api.events import event_count

    page = make_product("Marked page")
    suggested = make_product("Marked suggestion")
    factories.relation(page, suggested)
    html = factories.render_tags("{% upcross_complements product %}", product=page)
    assert 'data-upcross-widget="complements"' in html
    assert f'data-upcross-product="{suggested.pk}"' in html
    assert f'data-upcross-source="{page.pk}"' in html
    assert event_count("complements", "impression", suggested.pk) == 1
    with override_settings(UPCROSS=with_upcross(IMPRESSIONS="seen")):
        factories.render_tags("{% upcross_upgrades product %}{% upcross_complements product %}",
                              product=page)
    assert event_count("complements", "impression", suggested.pk) == 1
