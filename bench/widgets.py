"""What the shopper widgets cost: the demo's product and cart pages, with and without them.

    .venv/bin/python bench/widgets.py [-n 500] [--lines 5] [--redis redis://127.0.0.1:6379/9]

Builds a throwaway demo shop (SQLite in a temporary directory; Redis as the cache
when ``--redis`` or ``REDIS_URL`` is given, else local memory), then renders each
page ``n`` times through Django's test client in one run, alternating request by
request: without the widgets (switched off per request with ``request.upcross_disabled``,
so the tags return at once), with the widgets and a warm cache, and every fifth time
with a cold cache (cleared just before). Prints
milliseconds per page, the overhead ratio, the warm overhead per widget, and the
Redis round trips of one warm page (every command a Redis client sends alone and
every pipeline it executes, counted in this process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import throwaway


def setup(redis_url: str | None) -> None:
    throwaway.demo_shop("upcross-bench-", redis_url)
    from django.conf import settings

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.WidgetsOffMiddleware"]


def build_catalog(lines: int) -> tuple[Any, list[Any]]:
    """40 products, each with 8 mined complements and 2 upgrades; returns a phone and a cart."""
    from tests.factories import widget_page_catalog

    products = widget_page_catalog("bench")
    return products[0], products[10:10 + lines]


class WidgetsOffMiddleware:
    """``request.upcross_disabled = True`` when the client sends ``X-Upcross-Off`` (the
    documented per-request switch: the tags return at once, as for a holdout group)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.headers.get("X-Upcross-Off"):
            request.upcross_disabled = True
        return self.get_response(request)


def ms(get: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one request (CPU: this process, kernel included; it
    leaves out the time spent waiting for Redis or for a core on a busy machine)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    response = get()
    elapsed = (time.perf_counter() - start) * 1000
    cpu = (time.process_time() - start_cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"unexpected status {response.status_code}")
    return elapsed, cpu


class RoundTrips:
    """Counts what this process sends to Redis: lone commands and pipelines."""

    def __init__(self) -> None:
        self.count = 0
        import redis

        send, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

        def counted_send(client: Any, *args: Any, **options: Any) -> Any:
            self.count += 1
            return send(client, *args, **options)

        def counted_execute(pipeline: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return execute(pipeline, *args, **kwargs)

        redis.Redis.execute_command = counted_send  # type: ignore[method-assign]
        redis.client.Pipeline.execute = counted_execute  # type: ignore[method-assign]

    def of(self, get: Callable[[], Any]) -> int:
        before = self.count
        get()
        return self.count - before


def measure(without: Callable[[], Any], with_widgets: Callable[[], Any],
            n: int) -> tuple[float, float, float, float, float]:
    """Median ms per request: without widgets, warm, cold (cache cleared before each).

    Requests alternate between the modes, so load from other processes on a busy
    machine hits every mode alike.
    """
    from upcross import cache as upcross_cache

    samples: dict[str, list[tuple[float, float]]] = {"without": [], "warm": [], "cold": []}
    for i in range(n):
        samples["without"].append(ms(without))
        samples["warm"].append(ms(with_widgets))
        if i % 5 == 0:
            upcross_cache.clear()
            samples["cold"].append(ms(with_widgets))

    def median(mode: str, column: int) -> float:
        return statistics.median(sample[column] for sample in samples[mode])

    return (median("without", 0), median("warm", 0), median("cold", 0),
            median("without", 1), median("warm", 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="renders per page and mode")
    parser.add_argument("--lines", type=int, default=5, help="cart lines")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"),
                        help="Redis URL for the cache (default: local memory)")
    args = parser.parse_args()
    setup(args.redis)

    from django.conf import settings
    from django.test import Client

    phone, cart_products = build_catalog(args.lines)
    client = Client()
    for product in cart_products:
        client.post("/cart/add/", {"product_id": product.pk})
    product_url = phone.get_absolute_url()

    off = Client(headers={"X-Upcross-Off": "1"})
    off.cookies = client.cookies  # the same session: the same cart
    pages = {  # widgets on the page: complements, upgrades, bundle box / cart complements,
        # per-line upgrades, free-shipping nudge
        "product page": (product_url, 3),
        f"cart page ({args.lines} lines)": ("/cart/", 3),
    }
    print(f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
          f"database: SQLite, n={args.n}, medians")
    trips = RoundTrips() if args.redis else None
    print(f"{'page':<24}{'without':>10}{'warm':>10}{'cold':>10}{'ratio':>8}"
          f"{'per widget':>13}{'(CPU)':>9}{'Redis trips':>13}")
    for name, (url, widgets) in pages.items():
        for _ in range(20):  # warm-up: imports, template compilation, connections
            client.get(url)
            off.get(url)
        without, warm, cold, without_cpu, warm_cpu = measure(
            lambda u=url: off.get(u), lambda u=url: client.get(u), args.n)
        per_widget = (warm - without) / widgets
        client.get(url)  # warm again after the last cold round
        round_trips = trips.of(lambda u=url: client.get(u)) if trips else "-"
        print(f"{name:<24}{without:>8.2f}ms{warm:>8.2f}ms{cold:>8.2f}ms"
              f"{warm / without:>7.2f}x{per_widget:>10.3f}ms"
              f"{(warm_cpu - without_cpu) / widgets:>7.3f}ms{round_trips:>13}")
    print("warm = widgets on, cache warm; cold = cache cleared before every request; "
          "per widget = (warm - without) / widgets on the page (aim: <= 0.5 ms), wall "
          "and (CPU) of this process; "
          "Redis trips = round trips of one warm page (aim: <= 2)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
