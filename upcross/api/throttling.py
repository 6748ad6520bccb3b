"""Throttle of the anonymous events endpoint.

Its rate is upcross's own setting (``UPCROSS["EVENTS_THROTTLE_RATE"]``, e.g.
``"120/min"``; ``None`` turns it off), so the host does not have to add a scope to
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``. The history lives in upcross's cache.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import BaseCache, caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from upcross.conf import upcross_settings

logger = logging.getLogger("upcross.api")


class EventsRateThrottle(SimpleRateThrottle):
    """Limits each client address (``NUM_PROXIES`` aware) to the configured rate."""

    scope = "upcross_events"
    cache_format = "upcross:throttle:%(scope)s:%(ident)s"

    @property  # type: ignore[override]
    def cache(self) -> BaseCache:
        return caches[upcross_settings.CACHE_ALIAS]

    def get_rate(self) -> str | None:
        return upcross_settings.EVENTS_THROTTLE_RATE

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Request, view: Any) -> bool:
        """Fails open: an unreachable cache must not turn beacons into 500s."""
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # any backend error
            logger.warning("upcross events throttle skipped, cache unreachable: %s", exc)
            return True
