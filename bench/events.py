"""Throughput of the widget-events endpoint, and how many database writes it makes (zero).

    .venv/bin/python bench/events.py [--duration 10] [--concurrency 8] [--workers 2]
                                     [--redis redis://127.0.0.1:6379/9]

Builds a throwaway demo shop (SQLite in a temporary directory, ``DEBUG`` off, Redis
as cache and counter store; **the Redis database given is flushed**, use a spare
one), starts gunicorn on 127.0.0.1 (an ephemeral port) and runs a load generator in
another process: ``--concurrency`` clients post beacons for ``--duration`` seconds
(at most ``--max-requests``): impressions of 4 products on a product page, one in
ten a click. The throttle is off for the run (it would refuse a single loopback
client; with it on, each beacon also reads and writes one cache key).

Database writes are counted inside the server: every gunicorn worker wraps its
database connections (``connection.execute_wrappers``) and logs the first word of
every statement it runs. Afterwards the counters are flushed into the daily rows
and compared with the accepted beacons: none may be missing.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, by design
EVENTS_PATH = "/api/upcross/events/"
SETTINGS_MODULE = "upcross_bench_events_settings"

_spec = importlib.util.spec_from_file_location("upcross_bench_api", REPO / "bench" / "api.py")
assert _spec is not None and _spec.loader is not None
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

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
    env = bench_api.environment(data_dir, redis_url)
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
               PYTHONPATH=os.pathsep.join((str(REPO), data_dir)),
               UPCROSS_BENCH_SQL_LOG=str(Path(data_dir, "sql.log")))
    return env


def start_gunicorn(env: dict[str, str], port: int, workers: int,
                   data_dir: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "demo_shop.wsgi:application",
               "--config", str(Path(data_dir, "gunicorn_events_conf.py")),
               "--bind", f"{HOST}:{port}", "--workers", str(workers),
               "--access-logfile", "/dev/null", "--error-logfile", "-",
               "--log-level", "warning"]
    return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers, nothing else
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the load generator (its own process) ------------------------------------------------


def beacon(rng: random.Random, pks: list[int]) -> dict[str, Any]:
    source = rng.choice(pks)
    if rng.random() < 0.1:
        return {"widget": "complements", "event": "click", "source": source,
                "products": [rng.choice(pks)]}
    return {"widget": "complements", "event": "impression", "source": source,
            "products": rng.sample(pks, 4)}


def post(connection: http.client.HTTPConnection, body: dict[str, Any]) -> int:
    connection.request("POST", EVENTS_PATH, body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/upcross/schema/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


def generator(port: int, pks: list[int], options: dict[str, Any],
              results: multiprocessing.Queue[Any]) -> None:
    stop_at = time.perf_counter() + options["duration"]
    budget = threading.Semaphore(options["max_requests"])
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[Any] = Counter()
    accepted: Counter[str] = Counter()

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        seen: Counter[Any] = Counter()
        events: Counter[str] = Counter()
        while time.perf_counter() < stop_at and budget.acquire(blocking=False):
            body = beacon(rng, pks)
            started = time.perf_counter()
            try:
                status: Any = post(connection, body)
            except OSError as exc:
                status = type(exc).__name__
                connection.close()
            mine.append(time.perf_counter() - started)
            seen[status] += 1
            if status == 202:
                events[body["event"]] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            accepted.update(events)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(options["concurrency"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"latencies": latencies, "statuses": dict(statuses),
                 "accepted": dict(accepted), "elapsed": time.perf_counter() - started})


def statements(data_dir: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for log in Path(data_dir).glob("sql.log.*"):
        found.update(line for line in log.read_text().splitlines() if line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="upper bound of beacons")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9",
                        help="Redis URL (cache and counters; this database is flushed)")
    args = parser.parse_args()
    if not 0 < args.duration <= 300 or not 0 < args.concurrency <= 256:
        parser.error("--duration must be in (0, 300] and --concurrency in (0, 256]")

    data_dir = tempfile.mkdtemp(prefix="upcross-bench-events-")
    env = prepare(data_dir, args.redis)
    server = None
    try:
        sys.path.insert(0, data_dir)
        pks = bench_api.build_shop(env, args.products)  # migrates; clears the Redis db
        from upcross.analytics import counters
        from upcross.analytics.flush import flush_events
        from upcross.models import RelationDailyStat, WidgetDailyStat

        assert isinstance(counters.store(), counters.RedisCounters)
        port = bench_api.free_port()
        server = start_gunicorn(env, port, args.workers, data_dir)
        wait_until_up(port, server)
        for log in Path(data_dir).glob("sql.log.*"):
            log.unlink()  # count the beacons only, not the start-up
        options = {"concurrency": args.concurrency, "duration": args.duration,
                   "max_requests": args.max_requests}
        context = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[Any] = context.Queue()
        load = context.Process(target=generator, args=(port, pks, options, results))
        load.start()
        report = results.get(timeout=args.duration + 600)
        load.join()
        stop(server)
        run_statements = statements(data_dir)
        flushed = flush_events()
        widget = {row.widget: row for row in WidgetDailyStat.objects.all()}.get("complements")
        impressions = widget.impressions if widget else 0
        clicks = widget.clicks if widget else 0
        shown = sum(RelationDailyStat.objects.values_list("impressions", flat=True))
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)

    requests = len(report["latencies"])
    writes = {kind: n for kind, n in run_statements.items() if kind != "SELECT"}
    accepted = report["accepted"]
    print(f"upcross events bench: POST {EVENTS_PATH} (demo shop, SQLite, Redis counters, "
          f"DEBUG off, throttle off)")
    print(f"  gunicorn {args.workers} sync workers on {HOST}; load generator in another "
          f"process, {args.concurrency} clients; CPUs {os.cpu_count()}")
    print(f"  {report['elapsed']:.1f} s: {requests} beacons, "
          f"{requests / report['elapsed']:.0f} beacons/s; statuses {report['statuses']}")
    print(f"  latency: {bench_api.percentiles(report['latencies'])}")
    print(f"  SQL statements in the server during the load: {dict(run_statements)} "
          f"-> database writes: {sum(writes.values())}")
    print(f"  flushed {flushed.fields} counters; widget impressions {impressions} / accepted "
          f"{accepted.get('impression', 0)}, clicks {clicks} / {accepted.get('click', 0)}, "
          f"suggestion impressions {shown} / {4 * accepted.get('impression', 0)}")
    lost = (impressions != accepted.get("impression", 0) or clicks != accepted.get("click", 0)
            or shown != 4 * accepted.get("impression", 0))
    if writes or lost:
        sys.exit("FAILED: database writes on the events path, or counts lost")


if __name__ == "__main__":
    main()
