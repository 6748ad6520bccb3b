"""A bound on how long a page waits for the relations it has not cached yet.

A widget that misses the cache reads the relations table. If something holds a lock
on that table (a migration, ``VACUUM FULL``, an operator's ``LOCK TABLE``), a plain
``SELECT`` waits for as long as the lock is held, and so does the shopper's page.
``UPCROSS["READ_TIMEOUT"]`` (seconds) ends that wait: the read raises
:class:`RelationsUnavailable`, the widgets of the page render nothing, the API answers
503, and nothing of it is cached, so the next request reads again.

How, without spending a query of the widget's budget on a ``SET``:

- PostgreSQL: a timer cancels the running statement (the driver's ``cancel()``, the
  same request as pressing Ctrl-C in psql). A cancel aborts the surrounding
  transaction, so the bound is applied only in autocommit mode, Django's default;
  with ``ATOMIC_REQUESTS`` set ``lock_timeout`` on the connection instead (README).
- MariaDB: each statement is sent as ``SET STATEMENT max_statement_time=… FOR …``.
- Other databases (SQLite has its own busy timeout): no bound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connections, router

from upcross.conf import upcross_settings

logger = logging.getLogger("upcross")

#: SQLSTATE of a cancelled statement (PostgreSQL) and MariaDB's error for a statement
#: that ran past ``max_statement_time``.
POSTGRES_QUERY_CANCELED = "57014"
MARIADB_STATEMENT_TIME_EXCEEDED = 1969


class RelationsUnavailable(Exception):
    """The relations could not be read within ``READ_TIMEOUT``; nothing was cached."""


@contextmanager
def bounded_read(model: Any) -> Iterator[None]:
    """Run the block's queries on ``model``'s read database within ``READ_TIMEOUT``."""
    seconds = upcross_settings.READ_TIMEOUT
    connection = connections[router.db_for_read(model)]
    if not seconds:
        yield
        return
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with _cancel_after(connection, seconds):
            yield
    elif connection.vendor == "mysql" and getattr(connection, "mysql_is_mariadb", False):
        with connection.execute_wrapper(_statement_time(seconds)), _timed_out(seconds):
            yield
    else:
        yield


@contextmanager
def _cancel_after(connection: Any, seconds: float) -> Iterator[None]:
    connection.ensure_connection()
    driver_connection = connection.connection
    guard = threading.Lock()
    state = {"running": True, "cancelled": False}

    def cancel() -> None:
        # Under the lock: the block cannot finish (and the connection start the host's
        # next statement) while the cancel request is on its way.
        with guard:
            if state["running"]:
                state["cancelled"] = True
                driver_connection.cancel()

    timer = threading.Timer(seconds, cancel)
    timer.daemon = True
    timer.start()
    try:
        yield
    except DatabaseError as error:
        if state["cancelled"] or _sqlstate(error) == POSTGRES_QUERY_CANCELED:
            raise _unavailable(seconds) from error
        raise
    finally:
        with guard:
            state["running"] = False
        timer.cancel()


def _statement_time(seconds: float) -> Callable[..., Any]:
    prefix = f"SET STATEMENT max_statement_time={float(seconds):.3f} FOR "

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                context: Any) -> Any:
        if sql.lstrip()[:6].upper() == "SELECT":
            sql = prefix + sql
        return execute(sql, params, many, context)

    return wrapper


@contextmanager
def _timed_out(seconds: float) -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        code = error.args[0] if error.args else None
        if code == MARIADB_STATEMENT_TIME_EXCEEDED:
            raise _unavailable(seconds) from error
        raise


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def _unavailable(seconds: float) -> RelationsUnavailable:
    logger.warning("upcross: the relations could not be read within READ_TIMEOUT "
                   "(%s s; a lock on the table?); the widgets show nothing for now", seconds)
    return RelationsUnavailable(f"relations not readable within {seconds} s")
