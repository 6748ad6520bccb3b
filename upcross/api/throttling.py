"""Throttles of the anonymous endpoints (events, and the cart add's attribution).

Rates are upcross's own settings (``UPCROSS["EVENTS_THROTTLE_RATE"]``, e.g.
``"120/min"``; ``None`` turns it off), so the host does not have to add a scope to
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.

Counting is one atomic increment per request in upcross's cache (``add`` then
``incr``: ``SET NX`` and ``INCRBY`` on Redis) in a fixed window, so parallel clients
cannot slip past the limit the way a read-modify-write history can. The client is
``REMOTE_ADDR`` unless ``UPCROSS["NUM_PROXIES"]`` says how many proxies of the
operator's append to ``X-Forwarded-For``: the header alone is any client's to forge.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import BaseCache, caches
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from upcross import cache
from upcross.conf import upcross_settings

logger = logging.getLogger("upcross.api")

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"120/min"`` as ``(120, 60)``; ``None`` for no limit."""
    if rate is None:
        return None
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


def client_address(request: Any) -> str:
    """The client's address as the operator's proxies saw it (``NUM_PROXIES``)."""
    meta = getattr(request, "META", {})
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies = upcross_settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        addresses = [part.strip() for part in str(forwarded).split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))][:64]
    return remote[:64]


def hit(cache: BaseCache, key: str, limit: int, period: int,
        now: float | None = None) -> tuple[bool, float]:
    """Count one request against ``limit`` per ``period``; ``(allowed, seconds to wait)``."""
    now = time.time() if now is None else now
    window = int(now // period)
    window_key = f"{key}:{period}:{window}"
    for _attempt in range(3):
        cache.add(window_key, 0, timeout=period + 1)
        try:
            count = cache.incr(window_key)
        except ValueError:  # expired between add and incr: add again
            continue
        return count <= limit, (window + 1) * period - now
    return True, 0.0


class AtomicRateThrottle(BaseThrottle):
    """A fixed-window, atomically counted limit per client address."""

    scope = "upcross"

    def get_rate(self) -> str | None:
        raise NotImplementedError

    @property
    def cache(self) -> BaseCache:
        return caches[upcross_settings.CACHE_ALIAS]

    @classmethod
    def key_for(cls, address: str) -> str:
        return f"upcross:throttle:{cls.scope}:{address}"

    def forget(self, address: str) -> None:
        """Drop ``address``'s counts of the current windows of every period."""
        now, key = time.time(), self.key_for(address)
        self.cache.delete_many([f"{key}:{period}:{int(now // period) + step}"
                                for period in _PERIODS.values() for step in (0, 1)])

    def allow_request(self, request: Request, view: Any) -> bool:
        """Fails open: an unreachable cache must not turn requests into 500s (nor wait
        on a hung one: the cache's breaker answers at once while it is open)."""
        self.wait_seconds: float | None = None
        rate = parse_rate(self.get_rate())
        if rate is None:
            return True
        key = self.key_for(client_address(request))
        allowed, wait = cache.call("throttle", lambda: hit(self.cache, key, *rate), (True, 0.0))
        if not allowed:
            self.wait_seconds = wait
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class EventsRateThrottle(AtomicRateThrottle):
    """Limits each client address to ``EVENTS_THROTTLE_RATE``."""

    scope = "upcross_events"

    def get_rate(self) -> str | None:
        return upcross_settings.EVENTS_THROTTLE_RATE


class AttributionThrottle(AtomicRateThrottle):
    """Widget adds counted per client address (``ATTRIBUTION_THROTTLE_RATE``)."""

    scope = "upcross_adds"

    def get_rate(self) -> str | None:
        return upcross_settings.ATTRIBUTION_THROTTLE_RATE
