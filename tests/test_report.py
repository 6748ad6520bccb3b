"""The analytics report: its statistics, its admin screen, its CSV, its permissions."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.admin_support import make_merchandiser, make_staff
from tests.analytics_support import discard_counters, seed_report
from upcross.analytics import counters
from upcross.analytics.report import holdout_comparison, relation_rows, widget_rows
from upcross.analytics.stats import t_quantile, welch

REPORT = "admin:upcross_widgetdailystat_changelist"


@pytest.mark.parametrize(("df", "expected", "tolerance"), [
    (1, 12.706, 0.001), (2, 4.303, 0.001), (3, 3.182, 0.004), (4, 2.776, 0.001),
    (5, 2.571, 0.001), (10, 2.228, 0.001), (30, 2.042, 0.001), (120, 1.980, 0.001),
])
def test_t_quantile_matches_the_tables(df: int, expected: float, tolerance: float) -> None:
    assert abs(t_quantile(0.975, df) - expected) < tolerance


def test_welch_interval_matches_a_worked_example() -> None:
    # R: t.test(c(1,2,3,4,5), c(2,3,4,5,6,7,8)) -> -4.4078 0.4078, df 9.966
    diff = welch([1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7, 8])
    assert diff.estimate == -2
    assert round(diff.low, 3) == -4.408 and round(diff.high, 3) == 0.408
    assert round(diff.df, 3) == 9.966 and not diff.significant
    assert welch([1], [2, 3]).low is None  # one order is no interval
    assert welch([], [2, 3]).estimate is None


def test_the_interval_covers_the_true_difference_95_times_in_100() -> None:
    """1,000 simulated experiments, unequal sizes and spreads: coverage near 95 %."""
    import random

    rng = random.Random(1)
    covered = significant = 0
    runs = 1000
    for _ in range(runs):
        exposed = [rng.gauss(110, 30) for _ in range(60)]
        held = [rng.gauss(100, 10) for _ in range(15)]
        diff = welch(exposed, held)
        covered += diff.low <= 10 <= diff.high
        significant += diff.significant
    assert 0.93 <= covered / runs <= 0.97
    assert significant / runs > 0.5  # a real lift of 10 is usually detected


@pytest.fixture
def seeded(db: Any) -> list[Any]:
    discard_counters()
    products = [f.product(name, price) for name, price in
                (("Phone", "4999000"), ("Case", "249000"), ("Glass", "99000"), ("Cable", "59000"))]
    seed_report(products)
    return products


def test_report_figures(seeded: list[Any]) -> None:
    from django.utils import timezone

    end = timezone.now().date()
    start = end - __import__("datetime").timedelta(days=29)
    rows = {row.widget: row for row in widget_rows(start, end)}
    assert set(rows) == {"complements", "upgrades", "cart_complements", "cart_upgrades"}
    assert all(row.ctr is not None and 0 < row.ctr < 1 for row in rows.values())
    suggestions = relation_rows(start, end)
    assert suggestions and suggestions[0].target_name in {"Phone", "Case", "Glass", "Cable"}
    assert suggestions == sorted(suggestions, key=lambda row: -row.revenue)[:len(suggestions)]
    comparison = holdout_comparison(start, end)
    assert comparison.exposed.orders + comparison.holdout.orders == 21 * 12
    assert comparison.aov.low is not None and comparison.series


def test_report_needs_the_view_permission(seeded: list[Any]) -> None:
    client = Client()
    assert client.get(reverse(REPORT)).status_code == 302  # to the login page
    make_staff("clerk", "pw-clerk-1")
    client.login(username="clerk", password="pw-clerk-1")
    assert client.get(reverse(REPORT)).status_code == 403
    clerk = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model() \
        .objects.get(username="clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="view_widgetdailystat"))
    assert client.get(reverse(REPORT)).status_code == 200


def test_report_page_and_csv(seeded: list[Any]) -> None:
    make_merchandiser("merch", "pw-merch-1")
    client = Client()
    client.login(username="merch", password="pw-merch-1")
    # Counted but not flushed yet: the report flushes first.
    counters.increment({counters.Field(counters.today(), "bundle", "", "", "impressions"): 7})
    page = client.get(reverse(REPORT), {"days": "7"})
    assert page.status_code == 200
    html = page.content.decode()
    for part in ("upcross-holdout", "<svg", "<polyline", "Exposed (sees widgets)",
                 "cart_upgrades", "bundle", "Phone"):
        assert part in html
    assert "cdn" not in html.lower()
    assert client.get(reverse(REPORT), {"days": "junk"}).status_code == 200
    response = client.get(reverse(REPORT), {"days": "30", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    levels = {row["level"] for row in rows}
    assert levels == {"widget", "suggestion"}
    bundle = next(row for row in rows if row["widget"] == "bundle")
    assert bundle["impressions"] == "7"
    suggestion = next(row for row in rows if row["level"] == "suggestion")
    assert suggestion["target"] in {"Phone", "Case", "Glass", "Cable"}
    assert Decimal(suggestion["revenue"]) >= 0


@pytest.mark.redis
def test_report_answers_while_a_flush_holds_the_lock(seeded: list[Any], settings: Any) -> None:
    from upcross.admin import report as admin_report

    settings.LANGUAGE_CODE = "en"
    make_merchandiser("merch", "pw-merch-1")
    client = Client()
    client.login(username="merch", password="pw-merch-1")
    lock = counters.store().lock(60, 0)
    assert lock.acquire(blocking=False)
    try:
        admin_report.REPORT_FLUSH_WAIT, saved = 0.2, admin_report.REPORT_FLUSH_WAIT
        page = client.get(reverse(REPORT), follow=True)
    finally:
        admin_report.REPORT_FLUSH_WAIT = saved
        lock.release()
    assert page.status_code == 200
    assert "The latest counts could not be collected" in page.content.decode()


def test_csv_cells_cannot_become_formulas(db: Any) -> None:
    from upcross.admin.report import _csv_cells
    from upcross.analytics.report import Row

    cells = _csv_cells("suggestion", Row(widget="complements", target="1",
                                         target_name="=HYPERLINK(1)"))
    assert "'=HYPERLINK(1)" in cells


@pytest.mark.browser
@pytest.mark.shop("demo")
def test_report_screenshot(live_server: Any, transactional_db: Any) -> None:
    """The report in Chromium (docs/analytics-report.png with UPCROSS_SCREENSHOTS=1)."""
    from tests.browser_support import open_page
    from tests.test_admin_browser import DOCS, log_in

    products = [f.product(name, price) for name, price in
                (("Nusa Phone 12", "4999000"), ("Batik Leather Case", "249000"),
                 ("Tempered Glass Guard", "99000"), ("USB-C Cable 2 m", "59000"))]
    seed_report(products)
    make_merchandiser("merch", "pw-merch-1")
    url = reverse(REPORT)
    with open_page(1280, 900) as page:
        log_in(page, live_server.url, "merch", url)
        assert page.locator("#upcross-holdout").is_visible()
        assert page.locator("#upcross-aov-chart polyline").count() == 2
        Path(DOCS).mkdir(exist_ok=True)
        page.screenshot(path=str(Path(DOCS) / "analytics-report.png"), full_page=True)
