"""What the HTTP benchmarks (``api.py``, ``events.py``) share: a throwaway demo shop
served by gunicorn on loopback, and a load generator in another process.

- :func:`environment` and :func:`build_shop`: a fresh SQLite demo in a temporary
  directory (``DEBUG`` off; Redis as the cache when a URL is given), every product
  with 8 mined complements;
- :func:`serving`: gunicorn on 127.0.0.1 (an ephemeral port) until the block ends,
  then stopped with its workers and nothing else;
- :func:`in_another_process` and :func:`run_clients`: the load generator, a spawned
  process whose threads keep one connection each for a bounded time and count;
- :func:`load_arguments`: the command-line options both scripts take.

The scripts import it as ``loopback``: running ``python bench/api.py`` puts
``bench/`` first on ``sys.path`` (and spawned processes inherit it).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, by design

Request = TypeVar("Request")


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


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int,
                   extra_args: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            sys.exit("gunicorn is not installed: pip install -e '.[bench]'")
    command = [sys.executable, "-m", "gunicorn", "demo_shop.wsgi:application",
               *extra_args,
               "--bind", f"{HOST}:{port}", "--workers", str(workers),
               "--access-logfile", "/dev/null", "--error-logfile", "-",
               "--log-level", "warning"]
    return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers (its own process group, nothing else); idempotent."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_until_up(port: int, server: subprocess.Popen[bytes],
                  ready: Callable[[http.client.HTTPConnection], bool],
                  timeout: float = 30.0) -> None:
    """Poll until ``ready(connection)`` is true; exit if gunicorn dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with code {server.returncode}")
        try:
            if ready(http.client.HTTPConnection(HOST, port, timeout=2)):
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


@contextmanager
def serving(env: dict[str, str], workers: int,
            ready: Callable[[http.client.HTTPConnection], bool],
            extra_args: Sequence[str] = ()) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """gunicorn on a free loopback port, up and answering; stopped when the block ends."""
    port = free_port()
    server = start_gunicorn(env, port, workers, extra_args)
    try:
        wait_until_up(port, server, ready)
        yield port, server
    finally:
        stop(server)


# --- the load generator --------------------------------------------------------------------


def in_another_process(target: Callable[..., None], args: tuple[Any, ...],
                       timeout: float) -> Any:
    """Run ``target(*args, results)`` in a spawned process and return what it puts on
    ``results`` (a fresh interpreter: the load does not share this process's GIL)."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[Any] = context.Queue()
    load = context.Process(target=target, args=(*args, results))
    load.start()
    report = results.get(timeout=timeout)
    load.join()
    return report


def run_clients(port: int, clients: int, duration: float, max_requests: int, seed: int,
                make: Callable[[random.Random], Request],
                send: Callable[[http.client.HTTPConnection, Request], int],
                tally: Callable[[Request, Any], str | None] | None = None) -> dict[str, Any]:
    """``clients`` threads, one connection each, send ``make(rng)`` until ``duration``
    seconds have passed or ``max_requests`` are spent.

    Only ``send`` is timed. A connection error counts as its exception's name and the
    connection is reopened. ``tally(request, status)`` names what to count in
    ``"tallies"`` (``None``: nothing).
    """
    stop_at = time.perf_counter() + duration
    budget = threading.Semaphore(max_requests)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[Any] = Counter()
    tallies: Counter[str] = Counter()

    def client(index: int) -> None:
        rng = random.Random(seed + index)
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        seen: Counter[Any] = Counter()
        counted: Counter[str] = Counter()
        while time.perf_counter() < stop_at and budget.acquire(blocking=False):
            request = make(rng)
            started = time.perf_counter()
            try:
                status: Any = send(connection, request)
            except OSError as exc:
                status = type(exc).__name__
                connection.close()
            mine.append(time.perf_counter() - started)
            seen[status] += 1
            label = tally(request, status) if tally is not None else None
            if label is not None:
                counted[label] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            tallies.update(counted)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "statuses": dict(statuses), "tallies": dict(tallies),
            "elapsed": time.perf_counter() - started}


# --- command line and report -----------------------------------------------------------------


def load_arguments(parser: argparse.ArgumentParser, max_requests: int,
                   max_requests_help: str) -> None:
    """The options of every HTTP bench: duration, clients, request bound, workers, shop size."""
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--max-requests", type=int, default=max_requests,
                        help=max_requests_help)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--products", type=int, default=200)


def check_load_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Keep a run bounded: exits with a usage error otherwise."""
    if not 0 < args.duration <= 300 or not 0 < args.concurrency <= 256:
        parser.error("--duration must be in (0, 300] and --concurrency in (0, 256]")


def percentiles(latencies: list[float]) -> str:
    if not latencies:
        return "no requests"
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (f"mean {statistics.fmean(ordered) * 1000:.2f} ms, p50 {at(0.50):.2f}, "
            f"p90 {at(0.90):.2f}, p99 {at(0.99):.2f}, max {ordered[-1] * 1000:.2f} ms")
