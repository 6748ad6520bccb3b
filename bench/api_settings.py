"""Settings of ``bench/api.py``'s shop: the demo's, with a URLconf that adds one
bench-only endpoint (see :mod:`bench.api_urls`), and ``API_WORKER_CACHE_SECONDS`` from
the environment when ``bench/api.py --worker-cache`` sets it."""

from __future__ import annotations

import os

from demo_shop.settings import *  # noqa: F403
from demo_shop.settings import UPCROSS

ROOT_URLCONF = "bench.api_urls"
if "BENCH_API_WORKER_CACHE_SECONDS" in os.environ:
    UPCROSS = {**UPCROSS,
               "API_WORKER_CACHE_SECONDS": float(os.environ["BENCH_API_WORKER_CACHE_SECONDS"])}
