"""Settings of ``bench/api.py``'s shop: the demo's, with a URLconf that adds one
bench-only endpoint (see :mod:`bench.api_urls`)."""

from __future__ import annotations

from demo_shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
