"""A short-lived tier in each worker process, in front of the shared cache, for API answers.

A warm request to a public read endpoint is one ``get_many`` of the shared cache (the
two tokens and the stored answer, :mod:`upcross.api.caching`). With Redis that is one
network round trip, and on a busy machine the round trip costs more than everything
else the request does. So each worker process also keeps what it read (the tokens and
the answers), in Django's own local-memory cache (bounded: least recently used answers
go first). The tokens it keeps expire after ``API_WORKER_CACHE_SECONDS``; the next
request then reads them (and its answer) from the shared cache again. A kept answer is
only served while its stamp equals the kept tokens.

What that costs in freshness: a change made in *another* process (another gunicorn
worker, the Celery recompute, a second web server) reaches this worker's answers within
that many seconds, because a token it keeps is never older than that. The answers
already tell clients and CDNs they may keep them for ``API_CACHE_MAX_AGE`` (60 s by
default), so a second more changes nothing a storefront can notice. A change made in
*this* process (:func:`upcross.cache.bump`) empties the tier at once. ``0`` turns the
tier off: then every warm request is one round trip to the shared cache.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed

from upcross.conf import upcross_settings

#: Answers one worker keeps at most (a few KB each); the least recently used go first.
MAX_ENTRIES = 5000
_NAME = "upcross-worker-tier"

_lock = threading.Lock()
_tier: LocMemCache | None = None


def _current() -> LocMemCache | None:
    global _tier
    if not upcross_settings.API_WORKER_CACHE_SECONDS:
        return None
    if _tier is None:
        with _lock:
            if _tier is None:
                _tier = LocMemCache(_NAME, {"OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES}})
    return _tier


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    """What this worker kept of ``keys`` (``{}`` when the tier is off)."""
    tier = _current()
    return tier.get_many(list(keys)) if tier is not None else {}


def keep(values: Mapping[str, Any], seconds: float | None = None) -> None:
    """Keep ``values`` (just read from, or written to, the shared cache).

    Tokens are kept for ``API_WORKER_CACHE_SECONDS`` (the default): that bounds how
    stale this worker can be. An answer may be kept as long as the shared cache keeps
    it (``seconds``): it is only served while its stamp equals the kept tokens.
    """
    tier = _current()
    if tier is not None and values:
        lifetime = upcross_settings.API_WORKER_CACHE_SECONDS if seconds is None else seconds
        tier.set_many(dict(values), timeout=lifetime)


def forget() -> None:
    """Drop everything this worker kept (a token moved in this process)."""
    tier = _tier
    if tier is not None:
        tier.clear()


def _reset_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "UPCROSS"):
        forget()


setting_changed.connect(_reset_on_setting_changed, dispatch_uid="upcross.worker_cache")
