"""Acceptance 4: a recompute killed (SIGKILL) while writing leaves the old relations.

The process doing the recompute is real: ``manage.py upcross_recompute`` or a
``celery worker`` (solo pool, so the task runs in the process we kill). To
kill it *while it writes*, the test holds a row lock on one relation the new
run must update: the run deletes the relations it drops, then blocks on that
row inside its open transaction. We check it is there (PostgreSQL shows its
transaction id and the lock wait), check readers are still served the old
set, SIGKILL the process, and release the row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.celery_support import (
    delete_orders,
    producer_app,
    relation_rows,
    shop_celery_app_module,
    small_shop,
    wait_for,
)
from upcross import recommend
from upcross import recompute as recomputing
from upcross.models import MiningRun, ProductRelation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parent.parent


def dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items()
                                             if k in ("dbname", "user", "host", "port",
                                                      "password")})


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE")
        or settings.SETTINGS_MODULE,
        DATABASE_URL=database_url(),
        PYTHONPATH=str(REPO),
        **extra,
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    return env


def blocked_writer(watch: psycopg.Connection, exclude_pid: int) -> dict[str, Any] | None:
    """The backend writing relations and waiting on our row lock, if there is one yet."""
    row = watch.execute(
        "SELECT pid, backend_xid::text, wait_event_type, query FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> %s AND pid <> pg_backend_pid() "
        "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%%'",
        [exclude_pid],
    ).fetchone()
    return None if row is None else dict(zip(("pid", "xid", "wait", "query"), row, strict=True))


def backend_alive(watch: psycopg.Connection, pid: int) -> bool:
    return watch.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone() \
        is not None


@pytest.mark.parametrize("runner", ["command", "celery_worker"])
def test_sigkill_while_writing_leaves_the_previous_relations(runner: str) -> None:
    if runner == "celery_worker" and not settings.USES_REDIS:
        pytest.skip("Redis not reachable: no broker for the worker")
    shop = small_shop()
    assert recomputing.recompute("complements").status == "succeeded"
    before = relation_rows()
    # cheap/fancy <-> filter, and x <-> y (2 orders: the item model, the default for a
    # catalogue this small, keeps a pair seen twice).
    assert len(before) == 6
    delete_orders(shop.orders_with_fancy)  # the next run drops fancy <-> filter...
    keep = ProductRelation.objects.get(source=shop.cheap, target=shop.filter)  # ...updates this

    watch = psycopg.connect(dsn(), autocommit=True)
    locker = psycopg.connect(dsn())
    locker.execute(f"SELECT 1 FROM {ProductRelation._meta.db_table} WHERE id = %s FOR UPDATE",
                   [keep.pk])
    locker_pid = locker.info.backend_pid
    queue = f"upcross-kill-{uuid.uuid4().hex[:8]}"
    if runner == "command":
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "upcross_recompute", "--kind", "complements"],
            cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
    else:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", shop_celery_app_module(), "worker",
             "-P", "solo", "-c", "1", "-Q", queue, "--without-gossip", "--without-mingle",
             "-l", "warning"],
            cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        producer_app().send_task("upcross.recompute", kwargs={"kind": "complements"},
                                 queue=queue)
    try:
        writer = wait_for(lambda: blocked_writer(watch, locker_pid), timeout=60)
        assert writer["xid"] is not None  # its transaction has written (the DELETE)
        killed = MiningRun.objects.get(status="running")
        # Readers are still served the old set while the write is in flight.
        assert relation_rows() == before
        assert [item.product.pk for item in recommend.complements(shop.fancy)] == \
            [shop.filter.pk]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        locker.rollback()
        locker.close()
    wait_for(lambda: not backend_alive(watch, writer["pid"]), timeout=30)
    watch.close()

    assert relation_rows() == before  # nothing of the killed run is visible
    killed.refresh_from_db()
    assert killed.status == "running"  # it never got to say anything
    run = recomputing.recompute("complements")  # the lock died with the process
    assert run.status == "succeeded"
    assert run.relations_removed == 2 and run.relations_updated == 4
    killed.refresh_from_db()
    assert killed.status == "failed" and "Abandoned" in killed.error
    if runner == "celery_worker":
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue)
