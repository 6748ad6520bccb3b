"""Widget event counters, kept in the cache until the analytics models exist.

Every accepted event bumps two kinds of counters for its UTC day: one per
(widget, event type) and one per (widget, event type, product). Counting uses
``cache.add`` + ``cache.incr``, both atomic on Redis (and under a lock in local
memory), so concurrent beacons are never lost to a read-modify-write race.
Nothing is written to the database.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache import BaseCache, caches
from django.utils import timezone

from upcross.conf import upcross_settings

logger = logging.getLogger("upcross.api")

#: How long a day's counters live: a week for the analytics job to collect, plus slack.
COUNTER_TIMEOUT = 60 * 60 * 24 * 8


def _cache() -> BaseCache:
    return caches[upcross_settings.CACHE_ALIAS]


def counter_key(day: datetime.date, widget: str, event: str, product: Any = None) -> str:
    """``upcross:events:<day>:<widget>:<event>[:<product pk>]``."""
    key = f"upcross:events:{day.isoformat()}:{widget}:{event}"
    return key if product is None else f"{key}:{product}"


def _increment(cache: BaseCache, key: str) -> int:
    for _attempt in range(3):
        cache.add(key, 0, timeout=COUNTER_TIMEOUT)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start it again
            continue
    return 0


def record_event(widget: str, event: str, products: Iterable[Any],
                 day: datetime.date | None = None) -> int:
    """Count one event; return how many product counters were bumped.

    An unreachable cache loses the event (logged), it never fails the beacon.
    """
    day = day or timezone.now().date()
    cache = _cache()
    bumped = 0
    try:
        _increment(cache, counter_key(day, widget, event))
        for pk in dict.fromkeys(products):
            _increment(cache, counter_key(day, widget, event, pk))
            bumped += 1
    except Exception as exc:  # any backend error: the count is lost, not a 500
        logger.warning("upcross could not count a %s %s event: %s", widget, event, exc)
    return bumped


def event_count(widget: str, event: str, product: Any = None,
                day: datetime.date | None = None) -> int:
    """The counter for one widget and event type (and product), for one day (today)."""
    day = day or timezone.now().date()
    return int(_cache().get(counter_key(day, widget, event, product), 0))
