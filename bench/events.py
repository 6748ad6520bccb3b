"""Throughput of the widget-events endpoint, and how many database writes it makes (zero).

    .venv/bin/python bench/events.py [--duration 10] [--concurrency 8] [--workers 2]
                                     [--redis redis://127.0.0.1:6379/9] [--views 0.3]

Builds a throwaway demo shop (SQLite in a temporary directory, ``DEBUG`` off, Redis
as cache and counter store; **the Redis database given is flushed**, use a spare
one), starts gunicorn on 127.0.0.1 (an ephemeral port) and runs a load generator in
another process: ``--concurrency`` clients post beacons for ``--duration`` seconds
(at most ``--max-requests``): impressions of 4 products on a product page, one in
ten a click; with ``--views SHARE``, that share of the beacons are product views of the
tracking script, each in one of 500 browsing sessions (so views also count co-views).
The throttle is off for the run (it would refuse a single loopback client; with it on,
each beacon also reads and writes one cache key).

Database writes are counted inside the server: every gunicorn worker wraps its
database connections (``connection.execute_wrappers``) and logs the first word of
every statement it runs. Afterwards the counters are flushed into the daily rows
and compared with the accepted beacons: none may be missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import loopback

EVENTS_PATH = "/api/upcross/events/"
SETTINGS_MODULE = "upcross_bench_events_settings"

SETTINGS = '''from demo_shop.settings import *  # noqa: F403
UPCROSS = {**UPCROSS, "EVENTS_THROTTLE_RATE": None, "HOLDOUT_SHARE": 0}  # noqa: F405
'''

GUNICORN_CONF = '''import os

from django.db.backends.signals import connection_created

LOG = os.environ["UPCROSS_BENCH_SQL_LOG"]


def _log(execute, sql, params, many, context):
    words = str(sql).split(None, 1)
    with open(f"{LOG}.{os.getpid()}", "a") as log:
        log.write((words[0].upper() if words else "?") + "\\n")
    return execute(sql, params, many, context)


def _wrap(sender, connection, **kwargs):
    if _log not in connection.execute_wrappers:
        connection.execute_wrappers.append(_log)


def post_worker_init(worker):
    connection_created.connect(_wrap, weak=False)
'''


def prepare(data_dir: str, redis_url: str) -> dict[str, str]:
    Path(data_dir, f"{SETTINGS_MODULE}.py").write_text(SETTINGS)
    Path(data_dir, "gunicorn_events_conf.py").write_text(GUNICORN_CONF)
    env = loopback.environment(data_dir, redis_url)
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
               PYTHONPATH=os.pathsep.join((str(loopback.REPO), data_dir)),
               UPCROSS_BENCH_SQL_LOG=str(Path(data_dir, "sql.log")))
    return env


# --- the load generator (its own process) ------------------------------------------------


#: Browsing sessions the views are spread over.
SESSIONS = 500


def beacon(rng: random.Random, pks: list[int], views: float = 0.0) -> dict[str, Any]:
    """A beacon of what the widget shows: suggestions of ``source`` (build_shop gives
    product i the complements i+1 .. i+8); anything else the endpoint refuses. A share
    ``views`` of them are product views in one of :data:`SESSIONS` sessions."""
    if views and rng.random() < views:
        return {"event": "view", "products": [rng.choice(pks)],
                "session": f"bench-session-{rng.randrange(SESSIONS):04d}"}
    index = rng.randrange(len(pks))
    shown = [pks[(index + step) % len(pks)] for step in rng.sample(range(1, 9), 4)]
    if rng.random() < 0.1:
        return {"widget": "complements", "event": "click", "source": pks[index],
                "products": shown[:1]}
    return {"widget": "complements", "event": "impression", "source": pks[index],
            "products": shown}


def post(connection: http.client.HTTPConnection, body: dict[str, Any]) -> int:
    connection.request("POST", EVENTS_PATH, body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def answers(connection: http.client.HTTPConnection) -> bool:
    """Up once it answers at all (any status)."""
    connection.request("GET", "/api/upcross/schema/")
    connection.getresponse().read()
    return True


def generator(port: int, pks: list[int], options: dict[str, Any],
              results: multiprocessing.Queue[Any]) -> None:
    """Beacons from ``concurrency`` clients; tallies the accepted ones by event."""
    results.put(loopback.run_clients(
        port, options["concurrency"], options["duration"], options["max_requests"], seed=0,
        make=lambda rng: beacon(rng, pks, options["views"]), send=post,
        tally=lambda body, status: body["event"] if status == 202 else None))


def statements(data_dir: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for log in Path(data_dir).glob("sql.log.*"):
        found.update(line for line in log.read_text().splitlines() if line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    loopback.load_arguments(parser, max_requests=100_000,
                            max_requests_help="upper bound of beacons")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9",
                        help="Redis URL (cache and counters; this database is flushed)")
    parser.add_argument("--views", type=float, default=0.0,
                        help="share of the beacons that are product views (0 to 1)")
    args = parser.parse_args()
    loopback.check_load_arguments(parser, args)

    data_dir = tempfile.mkdtemp(prefix="upcross-bench-events-")
    env = prepare(data_dir, args.redis)
    try:
        sys.path.insert(0, data_dir)
        pks = loopback.build_shop(env, args.products)  # migrates; clears the Redis db
        from upcross.analytics import counters
        from upcross.analytics.flush import flush_events
        from upcross.models import (
            CoViewDailyStat,
            ProductViewDailyStat,
            RelationDailyStat,
            WidgetDailyStat,
        )

        assert isinstance(counters.store(), counters.RedisCounters)
        config = ["--config", str(Path(data_dir, "gunicorn_events_conf.py"))]
        with loopback.serving(env, args.workers, answers, config) as (port, server):
            for log in Path(data_dir).glob("sql.log.*"):
                log.unlink()  # count the beacons only, not the start-up
            options = {"concurrency": args.concurrency, "duration": args.duration,
                       "max_requests": args.max_requests, "views": args.views}
            report = loopback.in_another_process(generator, (port, pks, options),
                                                 timeout=args.duration + 600)
            loopback.stop(server)  # every worker's statements are logged once it has exited
        run_statements = statements(data_dir)
        flushed = flush_events()
        widget = {row.widget: row for row in WidgetDailyStat.objects.all()}.get("complements")
        impressions = widget.impressions if widget else 0
        clicks = widget.clicks if widget else 0
        shown = sum(RelationDailyStat.objects.values_list("impressions", flat=True))
        views = sum(ProductViewDailyStat.objects.values_list("views", flat=True))
        coviews = sum(CoViewDailyStat.objects.values_list("sessions", flat=True)) // 2
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    requests = len(report["latencies"])
    writes = {kind: n for kind, n in run_statements.items() if kind != "SELECT"}
    accepted = report["tallies"]
    print(f"upcross events bench: POST {EVENTS_PATH} (demo shop, SQLite, Redis counters, "
          f"DEBUG off, throttle off)")
    print(f"  gunicorn {args.workers} sync workers on {loopback.HOST}; load generator in "
          f"another process, {args.concurrency} clients; CPUs {os.cpu_count()}")
    print(f"  {report['elapsed']:.1f} s: {requests} beacons, "
          f"{requests / report['elapsed']:.0f} beacons/s; statuses {report['statuses']}")
    print(f"  latency: {loopback.percentiles(report['latencies'])}")
    print(f"  SQL statements in the server during the load: {dict(run_statements)} "
          f"-> database writes: {sum(writes.values())}")
    print(f"  flushed {flushed.fields} counters; widget impressions {impressions} / accepted "
          f"{accepted.get('impression', 0)}, clicks {clicks} / {accepted.get('click', 0)}, "
          f"suggestion impressions {shown} / {4 * accepted.get('impression', 0)}, "
          f"product views {views} / {accepted.get('view', 0)} (co-view pairs {coviews})")
    lost = (impressions != accepted.get("impression", 0) or clicks != accepted.get("click", 0)
            or shown != 4 * accepted.get("impression", 0) or views != accepted.get("view", 0))
    if writes or lost:
        sys.exit("FAILED: database writes on the events path, or counts lost")


if __name__ == "__main__":
    main()
