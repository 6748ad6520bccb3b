"""Service-aware test collection.

Tests marked ``postgres``, ``redis``, ``celery_worker`` or ``browser`` need a
real service. Without it they are skipped with the reason, except under
``CI=true``: there PostgreSQL and Redis are required by the settings module and
a missing Chromium makes the browser tests fail, never skip. Tests marked
``shop("demo")`` / ``shop("altshop")`` are deselected under the other shape; the
django-oscar shape (``tests.settings_oscar``) collects only ``test_oscar*.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.environment import IN_CI, chromium_available


def _not_this_run(marker: str) -> str | None:
    """Why a test cannot run in this run by design (skipped even under CI): a
    PostgreSQL-only test in a run on MariaDB or SQLite chosen by UPCROSS_TEST_DATABASE."""
    chosen = os.environ.get("UPCROSS_TEST_DATABASE", "postgres").lower()
    if marker == "postgres" and chosen != "postgres":
        return f"PostgreSQL only; this run is on {chosen} (UPCROSS_TEST_DATABASE)"
    return None


def _missing(marker: str) -> str | None:
    if marker == "postgres" and not settings.USES_POSTGRES:
        return "PostgreSQL not reachable (set DATABASE_URL or run it on 127.0.0.1:5432)"
    if marker in ("redis", "celery_worker") and not settings.USES_REDIS:
        return "Redis not reachable (set REDIS_URL or run it on 127.0.0.1:6379)"
    if marker == "browser" and not chromium_available():
        return "headless Chromium not found at /usr/bin/chromium (apt-get install chromium)"
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Modules about the demo shop itself (``demo`` in their name: ``test_demo_shop.py``,
    ``test_seed_demo.py``) import its models at module level, which cannot even be
    imported where its apps are not installed: under another shape they are not collected."""
    if collection_path.suffix != ".py" or not collection_path.stem.startswith("test_"):
        return None
    words = collection_path.stem.split("_")
    if settings.UPCROSS_TEST_SHOP != "demo" and "demo" in words:
        return True
    # The django-oscar shape (tests.settings_oscar) runs only the Oscar tests, and they
    # need Oscar's apps installed.
    if (settings.UPCROSS_TEST_SHOP == "oscar") != ("oscar" in words):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shop = settings.UPCROSS_TEST_SHOP
    selected, deselected = [], []
    for item in items:
        marker = item.get_closest_marker("shop")
        if marker and shop not in marker.args:
            deselected.append(item)
            continue
        selected.append(item)
        for name in ("postgres", "redis", "celery_worker", "browser"):
            if item.get_closest_marker(name) is None:
                continue
            by_design = _not_this_run(name)
            if by_design is not None:
                item.add_marker(pytest.mark.skip(reason=by_design))
                continue
            reason = _missing(name)
            if reason is None:
                continue
            if not IN_CI:  # under CI the test runs, and fails on the missing service
                item.add_marker(pytest.mark.skip(reason=reason))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"upcross shop shape: {settings.UPCROSS_TEST_SHOP}",
        f"database: {settings.DATABASES['default']['ENGINE']}",
        f"cache: {settings.CACHES['default']['BACKEND']}",
        f"chromium: {'yes' if chromium_available() else 'no'}; CI={IN_CI}",
    ]


@pytest.fixture(autouse=True)
def _closed_breakers() -> Iterator[None]:
    """Each test starts with upcross's outage breakers closed (an outage a test staged
    must not leave the next test without its cache) and no widget adds counted against
    the test client's address (the attribution throttle is per minute, the suite is not)."""
    from upcross import cache, worker_cache
    from upcross.analytics import counters
    from upcross.api.throttling import AttributionThrottle

    worker_cache.forget()  # a worker's kept answers outlive the test's rolled-back rows
    cache.breaker.reset()
    counters.breaker.reset()
    cache.call("reset throttle", lambda: AttributionThrottle().forget("127.0.0.1"), None)
    yield
    cache.breaker.reset()
    counters.breaker.reset()


@pytest.fixture
def fresh_cache() -> None:
    """upcross's cache starts empty: no answer, token or fallback table of an earlier
    test (whose rows were rolled back) is read by this one."""
    from upcross import cache

    cache.clear()


@pytest.fixture
def fresh_counters(fresh_cache: None) -> None:
    """A fresh cache and empty live widget counters: no impression, click or add of an
    earlier test is flushed into this one's daily rows."""
    from tests.analytics_support import discard_counters

    discard_counters()


@pytest.fixture
def eager_celery() -> Iterator[Any]:
    """Tasks run at once in this process (``task_always_eager``), as in the demo without
    a broker; the previous setting is restored after the test."""
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield current_app
    current_app.conf.task_always_eager = previous
