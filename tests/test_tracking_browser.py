"""The tracking script in a real browser: headless Chromium against the demo on a live server.

Three product pages and a click on a suggestion produce views, impressions (widgets
seen on screen) and a click in the Redis counters, sent by ``sendBeacon`` when the
page is hidden, and after the flush in the report. With Do-Not-Track, or without
the consent the shop requires, nothing is sent.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests import factories as f
from tests.analytics_support import discard_counters
from tests.browser_support import demo_category, demo_product, open_page
from tests.upcross_overrides import with_upcross
from upcross import cache
from upcross.analytics import counters
from upcross.analytics.flush import flush_events

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.shop("demo")]

EVENTS_PATH = "/api/upcross/events/"
REPORT = "admin:upcross_widgetdailystat_changelist"


@pytest.fixture
def catalog(transactional_db: Any) -> dict[str, Any]:
    phones = demo_category("Phones", "phones", position=1)
    accessories = demo_category("Accessories", "accessories", position=2)
    phone = demo_product("Nusa Phone 12", "nusa-12", "4999000", phones, "#0f6e5a")
    case = demo_product("Batik Leather Case", "batik-case", "249000", accessories, "#d9822b")
    glass = demo_product("Tempered Glass", "glass-guard", "99000", accessories, "#5b7db1")
    charger = demo_product("GaN Charger 33 W", "gan-charger", "289000", accessories, "#8a4fb1")
    for position, target in enumerate((case, glass, charger)):
        f.relation(phone, target, kind="complement", origin="manual", position=position)
    f.relation(case, glass, kind="complement", origin="manual")
    cache.clear()
    discard_counters()
    return {"phone": phone, "case": case, "glass": glass, "charger": charger}


@pytest.fixture
def seen_mode() -> Iterator[None]:
    """Impressions from the script (a widget seen), none from the tags' renders."""
    with override_settings(UPCROSS=with_upcross(IMPRESSIONS="seen", EVENTS_THROTTLE_RATE=None,
                                                HOLDOUT_SHARE=0)):
        yield


def live(widget: str, metric: str, target: Any = None) -> int:
    """Live (not flushed) counts of ``widget``'s ``metric``: the widget's own, or a product's."""
    wanted = "" if target is None else str(target.pk)
    return sum(amount for raw, amount in counters.store().peek().items()
               if (field := counters.Field.decode(raw)) is not None and field.widget == widget
               and field.metric == metric and field.target == wanted)


def views(product: Any) -> int:
    return live(counters.VIEW_WIDGET, "views", product)


def coviews() -> int:
    return sum(amount for raw, amount in counters.store().peek().items()
               if raw.split("|")[1:2] == [counters.VIEW_WIDGET] and raw.endswith("|coviews"))


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


#: Notes every sendBeacon and fetch of the page in sessionStorage (it survives the
#: navigation that hides the page, where Playwright's request events may not).
SPY = """(() => {
  const note = (how, url, body) => {
    const sent = JSON.parse(sessionStorage.getItem("spy") || "[]");
    const during = (window.event && window.event.type) || "";
    sent.push({how, url: String(url), body: String(body), during});
    sessionStorage.setItem("spy", JSON.stringify(sent));
  };
  const beacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, data) => {
    note("beacon", url, data instanceof Blob ? data.type : data);
    return beacon(url, data);
  };
  const fetch = window.fetch.bind(window);
  window.fetch = (url, options) => {
    note("fetch", url, options && options.body);
    return fetch(url, options);
  };
})();"""


def spied(page: Any) -> list[dict[str, Any]]:
    """What the spy noted, on the current page (same tab, so the same sessionStorage)."""
    return page.evaluate("JSON.parse(sessionStorage.getItem('spy') || '[]')")


def test_views_impressions_and_a_click_reach_redis_and_the_report(
        live_server: Any, catalog: dict[str, Any], seen_mode: None,
        django_user_model: Any) -> None:
    phone, case, glass, charger = (catalog[name] for name in ("phone", "case", "glass", "charger"))
    with open_page(1200, 900) as page:
        page.add_init_script(SPY)
        page.goto(f"{live_server.url}{case.get_absolute_url()}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        assert spied(page) == [], "the script waits for the page to be hidden"
        assert views(case) == 0
        page.goto(f"{live_server.url}{glass.get_absolute_url()}")  # hides the case's page
        assert eventually(lambda: views(case) == 1)
        sent = spied(page)
        assert [(item["how"], item["body"], item["during"]) for item in sent] == [
            ("beacon", "application/json", "pagehide")]
        assert sent[0]["url"].endswith(EVENTS_PATH)
        page.goto(f"{live_server.url}{phone.get_absolute_url()}")
        assert eventually(lambda: views(glass) == 1)
        widget = page.locator('[data-upcross-widget="complements"]')
        widget.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # the observer reports it seen
        widget.get_by_role("link", name=charger.name).click()
        page.wait_for_url(f"**{charger.get_absolute_url()}")
        assert eventually(lambda: live("complements", "clicks", charger) == 1)
        assert views(phone) == 1
        assert live("complements", "impressions") >= 1
        assert live("complements", "impressions", charger) == 1  # seen once, on one page
        assert coviews() == 3  # case+glass, case+phone, glass+phone in one session
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    flush_events()
    from upcross.models import CoViewDailyStat, ProductViewDailyStat

    assert ProductViewDailyStat.objects.filter(product=phone).get().views == 1
    assert CoViewDailyStat.objects.filter(product=phone).count() == 2
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-1")
    client = Client()
    client.login(username="boss", password="pw-boss-1")
    response = client.get(reverse(REPORT), {"days": "7", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    complements = next(row for row in rows
                       if row["level"] == "widget" and row["widget"] == "complements")
    assert int(complements["clicks"]) > 0
    assert int(complements["impressions"]) > 0


@pytest.mark.parametrize("privacy", ["navigator.doNotTrack", "navigator.globalPrivacyControl"])
def test_do_not_track_sends_nothing(live_server: Any, catalog: dict[str, Any],
                                    seen_mode: None, privacy: str) -> None:
    value = "'1'" if privacy.endswith("doNotTrack") else "true"
    prop = privacy.split(".")[1]
    with open_page() as page:
        page.add_init_script(
            f"Object.defineProperty(Navigator.prototype, '{prop}', {{get: () => {value}}});")
        page.add_init_script(SPY)
        for product in (catalog["case"], catalog["phone"]):
            page.goto(f"{live_server.url}{product.get_absolute_url()}")
        page.locator('[data-upcross-widget="complements"]').scroll_into_view_if_needed()
        page.get_by_role("link", name=catalog["glass"].name).first.click()
        page.wait_for_url(f"**{catalog['glass'].get_absolute_url()}")
        page.goto(f"{live_server.url}/")
        page.wait_for_timeout(500)
        assert page.evaluate("sessionStorage.getItem('upcross.viewed')") is None
        assert spied(page) == []
    assert counters.store().peek() == {}


def test_without_consent_nothing_is_sent_and_consent_sends_the_batch(
        live_server: Any, catalog: dict[str, Any]) -> None:
    consent = with_upcross(IMPRESSIONS="seen", EVENTS_THROTTLE_RATE=None,
                           TRACKING_REQUIRES_CONSENT=True)
    with override_settings(UPCROSS=consent), open_page() as page:
        page.add_init_script(SPY)
        page.goto(f"{live_server.url}{catalog['case'].get_absolute_url()}")
        page.goto(f"{live_server.url}{catalog['phone'].get_absolute_url()}")
        page.wait_for_timeout(500)
        assert spied(page) == [] and counters.store().peek() == {}
        # The host's consent banner says yes: what this page saw goes out at once.
        page.evaluate("window.upcross.consent(true)")
        assert eventually(lambda: views(catalog["phone"]) == 1)
        assert views(catalog["case"]) == 0  # the earlier page's view was never kept
