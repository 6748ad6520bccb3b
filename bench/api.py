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
import tempfile
import time
from typing import Any

import loopback

API_PATH = "/api/upcross/products/{pk}/complements/"


# --- the load generator (runs in its own process) ---------------------------------------


def get(connection: http.client.HTTPConnection, pk: int) -> tuple[int, bytes]:
    connection.request("GET", API_PATH.format(pk=pk), headers={"Accept": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def sequential(port: int, pks: list[int], requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(loopback.HOST, port, timeout=10)
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
    return loopback.run_clients(port, clients, duration, max_requests, seed,
                                make=lambda rng: rng.choice(pks),
                                send=lambda connection, pk: get(connection, pk)[0])


def generator(port: int, pks: list[int], options: dict[str, Any],
              results: multiprocessing.Queue[Any]) -> None:
    """The load generator's process: warm, then measure, then report on the queue."""
    # Warm every product in every worker's cache (local memory is per worker).
    for _round in range(max(2, 2 * options["workers"])):
        sequential(port, pks, len(pks), seed=_round)
    connection = http.client.HTTPConnection(loopback.HOST, port, timeout=10)
    status, body = get(connection, pks[0])
    sample = json.loads(body) if status == 200 else {}
    results.put({
        "sample_results": len(sample.get("results", [])),
        "sequential": sequential(port, pks, options["sequential"], seed=99),
        "concurrent": concurrent(port, pks, options["concurrency"], options["duration"],
                                 options["max_requests"], seed=1000),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    loopback.load_arguments(
        parser, max_requests=50_000,
        max_requests_help="upper bound of requests in the concurrent phase")
    parser.add_argument("--sequential", type=int, default=500,
                        help="requests of the one-client latency phase")
    parser.add_argument("--redis", default=None, help="Redis URL for the cache (else locmem)")
    args = parser.parse_args()
    loopback.check_load_arguments(parser, args)

    data_dir = tempfile.mkdtemp(prefix="upcross-bench-api-")
    env = loopback.environment(data_dir, args.redis)
    try:
        pks = loopback.build_shop(env, args.products)

        def answers(connection: http.client.HTTPConnection) -> bool:
            return get(connection, pks[0])[0] == 200

        with loopback.serving(env, args.workers, answers) as (port, _server):
            options = {"workers": args.workers, "sequential": args.sequential,
                       "concurrency": args.concurrency, "duration": args.duration,
                       "max_requests": args.max_requests}
            report = loopback.in_another_process(generator, (port, pks, options),
                                                 timeout=args.duration + 600)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    seq, conc = report["sequential"], report["concurrent"]
    requests = len(conc["latencies"])
    print(f"upcross API bench: GET {API_PATH.format(pk='<pk>')} (demo shop, SQLite, "
          f"cache {'Redis' if args.redis else 'local memory'}, DEBUG off)")
    print(f"  gunicorn {args.workers} sync workers on {loopback.HOST}; load generator in "
          f"another process; {args.products} products with 8 complements each; "
          f"CPUs {os.cpu_count()}")
    print(f"  answer holds {report['sample_results']} complements (limit 4)")
    print(f"  warm, one client, {len(seq['latencies'])} requests: "
          f"{loopback.percentiles(seq['latencies'])}; statuses {seq['statuses']}")
    print(f"  warm, {args.concurrency} concurrent clients, {conc['elapsed']:.1f} s: "
          f"{requests} requests, {requests / conc['elapsed']:.0f} requests/s")
    print(f"    latency under load: {loopback.percentiles(conc['latencies'])}; "
          f"statuses {conc['statuses']}")


if __name__ == "__main__":
    main()
