"""Warm throughput of the complements endpoint, side by side with a constant DRF endpoint.

    .venv/bin/python bench/api.py [--duration 10] [--concurrency 8] [--workers 2]
                                  [--rounds 3] [--products 200]
                                  [--redis redis://127.0.0.1:6379/9]
                                  [--worker-cache SECONDS]

Builds a throwaway demo shop (SQLite in a temporary directory, ``DEBUG`` off; Redis
as the cache with ``--redis``, else each gunicorn worker's local memory), starts
gunicorn on 127.0.0.1 (an ephemeral port) with the demo's settings plus one
bench-only URL (``bench/api_urls.py``: a DRF view that returns four fixed items,
through the same middleware), warms the read cache, then runs a load generator in
another process:

1. sequential: one client, ``--sequential`` requests per endpoint, for the
   uncontended warm latency;
2. concurrent: ``--concurrency`` clients, ``--duration`` seconds per endpoint split
   into ``--rounds`` alternating rounds (complements, constant, complements, ...),
   so both endpoints see the same machine load, for requests per second.

Complements requests are ``GET /api/upcross/products/<pk>/complements/`` for a
random warm product; constant requests ``GET /bench/constant/<pk>/``. Prints the
figures and the ratio of requests/s; everything stays on loopback and is removed
at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import tempfile
import time
from typing import Any

import loopback

API_PATH = "/api/upcross/products/{pk}/complements/"
CONSTANT_PATH = "/bench/constant/{pk}/"
PATHS = {"complements": API_PATH, "constant": CONSTANT_PATH}


# --- the load generator (runs in its own process) ---------------------------------------


def get(connection: http.client.HTTPConnection, pk: int,
        template: str = API_PATH) -> tuple[int, bytes]:
    connection.request("GET", template.format(pk=pk), headers={"Accept": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def sequential(port: int, pks: list[int], requests: int, seed: int,
               template: str = API_PATH) -> dict[str, Any]:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(loopback.HOST, port, timeout=10)
    latencies, statuses = [], {}
    for _ in range(requests):
        pk = rng.choice(pks)
        started = time.perf_counter()
        status, _body = get(connection, pk, template)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()
    return {"latencies": latencies, "statuses": statuses}


def concurrent(port: int, pks: list[int], clients: int, duration: float,
               max_requests: int, seed: int, template: str = API_PATH) -> dict[str, Any]:
    return loopback.run_clients(port, clients, duration, max_requests, seed,
                                make=lambda rng: rng.choice(pks),
                                send=lambda connection, pk: get(connection, pk, template)[0])


def generator(port: int, pks: list[int], options: dict[str, Any],
              results: multiprocessing.Queue[Any]) -> None:
    """The load generator's process: warm, then measure, then report on the queue."""
    # Warm every product in every worker's cache (local memory is per worker).
    for _round in range(max(2, 2 * options["workers"])):
        sequential(port, pks, len(pks), seed=_round)
    connection = http.client.HTTPConnection(loopback.HOST, port, timeout=10)
    status, body = get(connection, pks[0])
    sample = json.loads(body) if status == 200 else {}
    sequential_runs = {name: sequential(port, pks, options["sequential"], seed=99,
                                        template=template)
                       for name, template in PATHS.items()}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in PATHS}
    for index in range(options["rounds"]):
        for name, template in PATHS.items():
            rounds[name].append(concurrent(
                port, pks, options["concurrency"], options["duration"] / options["rounds"],
                options["max_requests"], seed=1000 + index, template=template))
    results.put({"sample_results": len(sample.get("results", [])),
                 "sequential": sequential_runs, "rounds": rounds})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    loopback.load_arguments(
        parser, max_requests=50_000,
        max_requests_help="upper bound of requests in the concurrent phase")
    parser.add_argument("--sequential", type=int, default=500,
                        help="requests of the one-client latency phase")
    parser.add_argument("--redis", default=None, help="Redis URL for the cache (else locmem)")
    parser.add_argument("--worker-cache", type=float, default=None, metavar="SECONDS",
                        help="API_WORKER_CACHE_SECONDS of the served shop (default: the "
                             "setting's default; 0: every warm request reads the cache)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds per endpoint in the concurrent phase")
    args = parser.parse_args()
    loopback.check_load_arguments(parser, args)
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be in [1, 20]")

    data_dir = tempfile.mkdtemp(prefix="upcross-bench-api-")
    env = loopback.environment(data_dir, args.redis)
    env["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"  # the demo + the constant URL
    if args.worker_cache is not None:
        if args.worker_cache < 0:
            parser.error("--worker-cache must be 0 or more")
        env["BENCH_API_WORKER_CACHE_SECONDS"] = str(args.worker_cache)
    try:
        pks = loopback.build_shop(env, args.products)

        def answers(connection: http.client.HTTPConnection) -> bool:
            return get(connection, pks[0])[0] == 200

        with loopback.serving(env, args.workers, answers) as (port, _server):
            options = {"workers": args.workers, "sequential": args.sequential,
                       "concurrency": args.concurrency, "duration": args.duration,
                       "max_requests": args.max_requests, "rounds": args.rounds}
            report = loopback.in_another_process(generator, (port, pks, options),
                                                 timeout=args.duration + 600)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"upcross API bench: GET {API_PATH.format(pk='<pk>')} against a constant DRF "
          f"endpoint GET {CONSTANT_PATH.format(pk='<pk>')} (demo shop, SQLite, "
          f"cache {'Redis' if args.redis else 'local memory'}, DEBUG off)")
    print(f"  gunicorn {args.workers} sync workers on {loopback.HOST}; load generator in "
          f"another process; {args.products} products with 8 complements each; "
          f"CPUs {os.cpu_count()}; load average {load_average()}")
    print(f"  API_WORKER_CACHE_SECONDS: {worker_cache_seconds(args)}")
    print(f"  complements answer holds {report['sample_results']} items (limit 4); "
          f"the constant one 4")
    rates = {}
    for name in PATHS:
        seq = report["sequential"][name]
        rounds = report["rounds"][name]
        requests = sum(len(run["latencies"]) for run in rounds)
        elapsed = sum(run["elapsed"] for run in rounds)
        statuses: dict[Any, int] = {}
        for run in rounds:
            for status, count in run["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
        rates[name] = requests / elapsed
        per_round = ", ".join(f"{len(run['latencies']) / run['elapsed']:.0f}" for run in rounds)
        print(f"  {name}:")
        print(f"    warm, one client, {len(seq['latencies'])} requests: "
              f"{loopback.percentiles(seq['latencies'])}; statuses {seq['statuses']}")
        print(f"    warm, {args.concurrency} concurrent clients, {elapsed:.1f} s in "
              f"{len(rounds)} rounds: {requests} requests, {rates[name]:.0f} requests/s "
              f"(rounds: {per_round}); statuses {statuses}")
        print(f"      latency under load: "
              f"{loopback.percentiles([x for run in rounds for x in run['latencies']])}")
    print(f"  ratio complements / constant: {rates['complements'] / rates['constant']:.2f} "
          f"(requests/s, same run)")


def worker_cache_seconds(args: argparse.Namespace) -> str:
    if args.worker_cache is not None:
        return f"{args.worker_cache:g}"
    from upcross.conf import DEFAULTS

    return f"{DEFAULTS['API_WORKER_CACHE_SECONDS']:g} (default)"


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
