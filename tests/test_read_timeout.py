"""A locked relations table (a migration, ``VACUUM FULL``, an operator's ``LOCK TABLE``)
holds uncached pages no longer than ``READ_TIMEOUT``; nothing of it is cached.

The lock is real: a second connection takes ``ACCESS EXCLUSIVE`` on the table
(PostgreSQL, as ``ALTER TABLE`` would) or ``LOCK TABLES … WRITE`` (MariaDB) and keeps
it until the test lets go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from tests import factories
from tests.test_api_support import client_for
from tests.upcross_overrides import with_upcross
from upcross.models import ProductRelation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor not in ("postgresql", "mysql"),
                       reason="needs PostgreSQL or MariaDB: SQLite has no lock of another "
                              "connection to wait on"),
]

WIDGET = "{% upcross_complements product %}"
TIMEOUT = 0.5


@pytest.fixture
def pair() -> tuple[Any, Any]:
    phone = factories.product("Phone", "300.00")
    case = factories.product("Phone case", "20.00")
    factories.relation(phone, case, position=1)
    return phone, case


class TableLock:
    """The relations table locked by another connection until ``release()``."""

    def __init__(self) -> None:
        params = connection.settings_dict
        self.table = ProductRelation._meta.db_table
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            import psycopg

            self.connection = psycopg.connect(
                dbname=params["NAME"], user=params.get("USER") or None,
                password=params.get("PASSWORD") or None, host=params.get("HOST") or None,
                port=params.get("PORT") or None)
        else:
            import MySQLdb

            self.connection = MySQLdb.connect(
                db=params["NAME"], user=params.get("USER") or "root",
                password=params.get("PASSWORD") or "", host=params.get("HOST") or "127.0.0.1",
                port=int(params.get("PORT") or 3306))

    def take(self) -> None:
        cursor = self.connection.cursor()
        if self.postgres:
            cursor.execute(f'LOCK TABLE "{self.table}" IN ACCESS EXCLUSIVE MODE')
        else:
            cursor.execute(f"LOCK TABLES `{self.table}` WRITE")

    def release(self) -> None:
        if self.postgres:
            self.connection.rollback()
        else:
            self.connection.cursor().execute("UNLOCK TABLES")

    def close(self) -> None:
        self.release()
        self.connection.close()


@pytest.fixture
def table_lock() -> Iterator[TableLock]:
    lock = TableLock()
    try:
        yield lock
    finally:
        lock.close()


def render_uncached(product: Any) -> tuple[str, float]:
    caches["default"].clear()
    started = time.perf_counter()
    html = factories.render_tags(WIDGET, product=product)
    return html, time.perf_counter() - started


def test_a_locked_table_holds_a_widget_no_longer_than_the_timeout(
        pair: tuple[Any, Any], table_lock: TableLock) -> None:
    phone, _case = pair
    with override_settings(UPCROSS=with_upcross(READ_TIMEOUT=TIMEOUT)):
        assert "Phone case" in render_uncached(phone)[0]
        table_lock.take()
        html, elapsed = render_uncached(phone)
        print(f"widget with the table locked, READ_TIMEOUT={TIMEOUT}: {elapsed:.3f} s")
        assert "Phone case" not in html
        assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1.0, elapsed
        caches["default"].clear()
        data = factories.render_tags(
            "{% get_upcross_complements product as items %}[{{ items|length }}]", product=phone)
        assert data == "[0]"
        # the connection still serves the host's next query
        assert factories.product_model().objects.filter(pk=phone.pk).exists()
        table_lock.release()
        # nothing of the timed-out read was cached: the next page shows the relation
        html = factories.render_tags(WIDGET, product=phone)
        assert "Phone case" in html


def test_without_a_timeout_the_page_waits_for_the_lock(
        pair: tuple[Any, Any], table_lock: TableLock) -> None:
    """The lock is real: with ``READ_TIMEOUT`` None the widget waits it out."""
    phone, _case = pair
    with override_settings(UPCROSS=with_upcross(READ_TIMEOUT=None)):
        table_lock.take()
        releaser = threading.Timer(1.5, table_lock.release)
        releaser.start()
        try:
            html, elapsed = render_uncached(phone)
        finally:
            releaser.join()
    print(f"widget with the table locked for 1.5 s, no READ_TIMEOUT: {elapsed:.3f} s")
    assert "Phone case" in html
    assert elapsed >= 1.4, elapsed


def test_the_api_answers_503_with_retry_after_while_the_table_is_locked(
        pair: tuple[Any, Any], table_lock: TableLock) -> None:
    from django.urls import reverse

    phone, _case = pair
    url = reverse("upcross_api:product-complements", args=[phone.pk])
    with override_settings(UPCROSS=with_upcross(READ_TIMEOUT=TIMEOUT)):
        table_lock.take()
        caches["default"].clear()
        started = time.perf_counter()
        response = client_for().get(url)
        elapsed = time.perf_counter() - started
        table_lock.release()
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == "5"
        assert "briefly unavailable" in response.json()["message"]
        assert elapsed < TIMEOUT + 1.0, elapsed
        again = client_for().get(url)
    assert again.status_code == 200
    assert [row["product"]["pk"] for row in again.json()["results"]]


def test_a_fast_read_is_not_cancelled_later(pair: tuple[Any, Any]) -> None:
    """The timer of a read that finished in time never cancels the host's next query."""
    phone, _case = pair
    with override_settings(UPCROSS=with_upcross(READ_TIMEOUT=0.3)):
        assert "Phone case" in render_uncached(phone)[0]
        with connection.cursor() as cursor:
            # outlives the timer of the read above
            sleep = "pg_sleep" if connection.vendor == "postgresql" else "SLEEP"
            cursor.execute(f"SELECT {sleep}(0.6)")
        assert "Phone case" in render_uncached(phone)[0]
