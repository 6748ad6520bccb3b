"""Warm latency and throughput of the complements endpoint under concurrent load.

    .venv/bin/python bench/api.py [--duration 10] [--concurrency 8] [--workers 2]
                                  [--products 200] [--redis redis://127.0.0.1:6379/9]

Builds a throwaway demo shop (SQLite in a temporary directory, ``DEBUG`` off; Redis
as the cache with ``--redis``, else each gunicorn worker's local memory), starts
gunicorn on 127.0.0.1 (an ephemeral port), warms the read cache, then runs a load
generator in another process:

1. sequential: one client, ``--sequential`` requests, for the uncontended warm latency;
2. concurrent: ``--concurrency`` clients for ``--duration`` seconds (at most
   ``--max-requests``), for requests per second and latency under load.

Each request is ``GET /api/upcross/products/<pk>/complements/`` for a random warm
product. Prints the figures; everything stays on loopback and is removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, by design
API_PATH = "/api/upcross/products/{pk}/complements/"


# --- the shop under test ---------------------------------------------------------------


def environment(data_dir: str, redis_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DEMO_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="demo_shop.settings",
               DJANGO_DEBUG="0", PYTHONPATH=str(REPO))
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def build_shop(env: dict[str, str], products: int) -> list[int]:
    """Migrate a fresh SQLite demo and give every product 8 mined complements."""
    os.environ.update(env)
    for key in ("DATABASE_URL", "REDIS_URL"):
        if key not in env:
            os.environ.pop(key, None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from demo_shop.catalog.models import Category, Product
    from upcross import cache
    from upcross.models import ProductRelation

    category = Category.objects.create(name="Bench", slug="bench")
    rows = Product.objects.bulk_create([
        Product(category=category, name=f"Product {i}", slug=f"product-{i}", sku=f"B{i}",
                price=Decimal(100_000 + 1_000 * i), stock=50)
        for i in range(products)
    ])
    pks = [row.pk for row in rows]
    ProductRelation.objects.bulk_create([
        ProductRelation(source_id=pks[i], target_id=pks[(i + j) % products], kind="complement",
                        origin="mined", score=1 / j, pair_count=100 - j)
        for i in range(products) for j in range(1, 9)
    ])
    cache.clear()  # a shared Redis may hold entries of an earlier run
    return pks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            sys.exit("gunicorn is not installed: pip install -e '.[bench]'")
    command = [sys.executable, "-m", "gunicorn", "demo_shop.wsgi:application",
               "--bind", f"{HOST}:{port}", "--workers", str(workers),
               "--access-logfile", "/dev/null", "--error-logfile", "-",
               "--log-level", "warning"]
    return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)


def wait_until_up(port: int, pk: int, server: subprocess.Popen[bytes],
                  timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with code {server.returncode}")
        try:
            status, _body = get(http.client.HTTPConnection(HOST, port, timeout=2), pk)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


# --- the load generator (runs in its own process) ---------------------------------------


def get(connection: http.client.HTTPConnection, pk: int) -> tuple[int, bytes]:
    connection.request("GET", API_PATH.format(pk=pk), headers={"Accept": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def sequential(port: int, pks: list[int], requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    latencies, statuses = [], {}
    for _ in range(requests):
        pk = rng.choice(pks)
        started = time.perf_counter()
        status, _body = get(connection, pk)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()
    return {"latencies": latencies, "statuses": statuses}


def concurrent(port: int, pks: list[int], clients: int, duration: float,
               max_requests: int, seed: int) -> dict[str, Any]:
    stop_at = time.perf_counter() + duration
    budget = threading.Semaphore(max_requests)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[Any, int] = {}

    def client(index: int) -> None:
        rng = random.Random(seed + index)
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        seen: dict[Any, int] = {}
        while time.perf_counter() < stop_at and budget.acquire(blocking=False):
            pk = rng.choice(pks)
            started = time.perf_counter()
            try:
                status: Any = get(connection, pk)[0]
            except OSError as exc:
                status = type(exc).__name__
                connection.close()
            mine.append(time.perf_counter() - started)
            seen[status] = seen.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for key, count in seen.items():
                statuses[key] = statuses.get(key, 0) + count

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "statuses": statuses,
            "elapsed": time.perf_counter() - started}


def generator(port: int, pks: list[int], options: dict[str, Any],
              results: multiprocessing.Queue[Any]) -> None:
    """The load generator's process: warm, then measure, then report on the queue."""
    # Warm every product in every worker's cache (local memory is per worker).
    for _round in range(max(2, 2 * options["workers"])):
        sequential(port, pks, len(pks), seed=_round)
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    status, body = get(connection, pks[0])
    sample = json.loads(body) if status == 200 else {}
    results.put({
        "sample_results": len(sample.get("results", [])),
        "sequential": sequential(port, pks, options["sequential"], seed=99),
        "concurrent": concurrent(port, pks, options["concurrency"], options["duration"],
                                 options["max_requests"], seed=1000),
    })


# --- report ------------------------------------------------------------------------------


def percentiles(latencies: list[float]) -> str:
    if not latencies:
        return "no requests"
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (f"mean {statistics.fmean(ordered) * 1000:.2f} ms, p50 {at(0.50):.2f}, "
            f"p90 {at(0.90):.2f}, p99 {at(0.99):.2f}, max {ordered[-1] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--max-requests", type=int, default=50_000,
                        help="upper bound of requests in the concurrent phase")
    parser.add_argument("--sequential", type=int, default=500,
                        help="requests of the one-client latency phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--redis", default=None, help="Redis URL for the cache (else locmem)")
    args = parser.parse_args()
    if not 0 < args.duration <= 300 or not 0 < args.concurrency <= 256:
        parser.error("--duration must be in (0, 300] and --concurrency in (0, 256]")

    data_dir = tempfile.mkdtemp(prefix="upcross-bench-api-")
    env = environment(data_dir, args.redis)
    server = None
    try:
        pks = build_shop(env, args.products)
        port = free_port()
        server = start_gunicorn(env, port, args.workers)
        wait_until_up(port, pks[0], server)
        options = {"workers": args.workers, "sequential": args.sequential,
                   "concurrency": args.concurrency, "duration": args.duration,
                   "max_requests": args.max_requests}
        context = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[Any] = context.Queue()
        load = context.Process(target=generator, args=(port, pks, options, results))
        load.start()
        report = results.get(timeout=args.duration + 600)
        load.join()
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers, nothing else
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)

    seq, conc = report["sequential"], report["concurrent"]
    requests = len(conc["latencies"])
    print(f"upcross API bench: GET {API_PATH.format(pk='<pk>')} (demo shop, SQLite, "
          f"cache {'Redis' if args.redis else 'local memory'}, DEBUG off)")
    print(f"  gunicorn {args.workers} sync workers on {HOST}; load generator in another "
          f"process; {args.products} products with 8 complements each; CPUs {os.cpu_count()}")
    print(f"  answer holds {report['sample_results']} complements (limit 4)")
    print(f"  warm, one client, {len(seq['latencies'])} requests: "
          f"{percentiles(seq['latencies'])}; statuses {seq['statuses']}")
    print(f"  warm, {args.concurrency} concurrent clients, {conc['elapsed']:.1f} s: "
          f"{requests} requests, {requests / conc['elapsed']:.0f} requests/s")
    print(f"    latency under load: {percentiles(conc['latencies'])}; "
          f"statuses {conc['statuses']}")


if __name__ == "__main__":
    main()
