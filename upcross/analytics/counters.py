"""Hot-path counting: atomic increments in Redis, no database write.

Every count is one field of one Redis hash (``HINCRBY``)::

    <day>|<widget>|<source pk>|<target pk>|<metric>

A blank target is the widget's own counter (impressions there are widget renders);
a blank source is a suggestion without a single source product. ``revenue`` is
counted in hundredths of the currency unit (integers only, so it stays atomic).
Product views from the tracking script share the hash under the pseudo widget
``@view``: ``<day>|@view||<pk>|views``, and ``<day>|@view|<a>|<b>|coviews`` for two
products first viewed together in a browsing session (``a`` < ``b`` as text).

A browsing session's viewed products (the script's random session id, no cookie) are
a short Redis list with an idle timeout, so a co-view is counted once per session
and pair; nothing about it reaches the database but the daily pair counts.

The flush (:mod:`upcross.analytics.flush`) first ``RENAME``\\ s the live hash to a
key of its own, atomically: an increment lands either before the rename (in the
batch being flushed) or after it (in a new live hash), never in between, so a
flush running next to increments loses nothing and counts nothing twice.

Where the counters live: ``ANALYTICS_REDIS_URL`` if set; else the ``CACHE_ALIAS``
cache's own Redis client when it is Django's ``RedisCache`` (or django-redis);
else the cache itself, one key per field under a process lock — fine for a laptop
demo, **not exact** (counts of several processes on a non-shared cache are
separate and a restart of local memory loses them).
"""

from __future__ import annotations

import datetime
import functools
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.core.cache import BaseCache, caches
from django.utils import timezone

from upcross import page as pages
from upcross.cache import Breaker, redis_client
from upcross.conf import upcross_settings

logger = logging.getLogger("upcross.analytics")
#: The counters' store (Redis): counting is skipped, with one warning, while it is down.
breaker = Breaker("analytics counters")

METRICS = ("impressions", "clicks", "adds", "purchases", "revenue", "orders")
#: Metrics of the ``@view`` pseudo widget (product views and co-views).
VIEW_METRICS = ("views", "coviews")
VIEW_WIDGET = "@view"
SESSION_KEY_PREFIX = "upcross:analytics:session:"
#: A browsing session ends after this many idle seconds (like an analytics "visit").
SESSION_IDLE_SECONDS = 30 * 60
#: Products a session remembers: a view pairs with at most this many earlier ones.
SESSION_MAX_PRODUCTS = 20
#: Events of the events endpoint and the form hooks, and the metric each one bumps.
EVENT_METRICS = {"impression": "impressions", "click": "clicks", "add": "adds"}
SEPARATOR = "|"
LIVE_KEY = "upcross:analytics:live"
FLUSH_KEY_PREFIX = "upcross:analytics:flushing:"
#: Counters of a crashed flush are picked up by the next one; give them a week.
FLUSH_KEY_TIMEOUT = 60 * 60 * 24 * 7


@dataclass(frozen=True)
class Field:
    day: datetime.date
    widget: str
    source: str
    target: str
    metric: str

    def encode(self) -> str:
        return SEPARATOR.join((self.day.isoformat(), self.widget, self.source, self.target,
                               self.metric))

    @classmethod
    def decode(cls, raw: str | bytes) -> Field | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        parts = text.split(SEPARATOR)
        if len(parts) != 5 or parts[4] not in (VIEW_METRICS if parts[1] == VIEW_WIDGET
                                               else METRICS):
            return None
        try:
            day = datetime.date.fromisoformat(parts[0])
        except ValueError:
            return None
        return cls(day, parts[1], parts[2], parts[3], parts[4])


def today() -> datetime.date:
    return timezone.now().date()


def cents(amount: Decimal | int | float | str) -> int:
    """Revenue as an integer number of hundredths (HINCRBY takes integers only)."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


class CounterStore(Protocol):
    exact: bool

    def increment(self, counts: Mapping[str, int]) -> None: ...
    def drain(self) -> list[tuple[str, dict[str, int]]]: ...
    def done(self, batch: str) -> None: ...
    def peek(self) -> dict[str, int]: ...
    def lock(self, timeout: int, wait: float) -> Any: ...
    def session_view(self, session: str, pk: str) -> list[str]: ...


class RedisCounters:
    """Counters in one Redis hash; drained by ``RENAME`` (see the module docstring)."""

    exact = True

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.live_key = key
        self.flush_prefix = key.replace(LIVE_KEY, FLUSH_KEY_PREFIX.rstrip(":")) + ":"

    def increment(self, counts: Mapping[str, int]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for field, amount in counts.items():
            pipe.hincrby(self.live_key, field, amount)
        pipe.execute()

    def drain(self) -> list[tuple[str, dict[str, int]]]:
        """Move the live hash aside and return every batch not yet flushed.

        Batches left by a flush that died before ``done()`` come first; the caller
        holds the flush lock, so no other flush reads them meanwhile.
        """
        from redis.exceptions import ResponseError

        batch = f"{self.flush_prefix}{uuid.uuid4().hex}"
        try:
            self.client.rename(self.live_key, batch)
            self.client.expire(batch, FLUSH_KEY_TIMEOUT)
        except ResponseError:  # no live hash: nothing counted since the last flush
            pass
        batches = []
        for key in self.client.scan_iter(match=f"{self.flush_prefix}*", count=100):
            name = key.decode() if isinstance(key, bytes) else key
            raw = self.client.hgetall(name)
            batches.append((name, {(k.decode() if isinstance(k, bytes) else k): int(v)
                                   for k, v in raw.items()}))
        return batches

    def done(self, batch: str) -> None:
        self.client.delete(batch)

    def peek(self) -> dict[str, int]:
        raw = self.client.hgetall(self.live_key)
        return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}

    def lock(self, timeout: int, wait: float) -> Any:
        return self.client.lock(f"{self.live_key}:flush-lock", timeout=timeout,
                                blocking_timeout=wait)

    def session_view(self, session: str, pk: str) -> list[str]:
        """Note ``pk`` as the newest view of ``session``; return the products it viewed
        before (newest first). One round trip, atomic (``MULTI``)."""
        key = self.live_key.replace(LIVE_KEY, SESSION_KEY_PREFIX.rstrip(":")) + ":" + session
        pipe = self.client.pipeline(transaction=True)
        pipe.lrange(key, 0, SESSION_MAX_PRODUCTS - 1)
        pipe.lrem(key, 0, pk)
        pipe.lpush(key, pk)
        pipe.ltrim(key, 0, SESSION_MAX_PRODUCTS - 1)
        pipe.expire(key, SESSION_IDLE_SECONDS)
        before = pipe.execute()[0]
        return [item.decode() if isinstance(item, bytes) else item for item in before]


class CacheCounters:
    """Fallback without Redis: one cache key per field and an index, under a lock.

    Not exact: the lock is this process's, so processes sharing a non-Redis cache
    can lose index updates; local memory is lost on restart.
    """

    exact = False
    _lock = threading.RLock()

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache
        self.index_key = f"{LIVE_KEY}:index"

    def increment(self, counts: Mapping[str, int]) -> None:
        with self._lock:
            index = set(self.cache.get(self.index_key) or ())
            for field, amount in counts.items():
                key = f"{LIVE_KEY}:{field}"
                self.cache.add(key, 0, timeout=None)
                try:
                    self.cache.incr(key, amount)
                except ValueError:
                    self.cache.set(key, amount, timeout=None)
                index.add(field)
            self.cache.set(self.index_key, index, timeout=None)

    def drain(self) -> list[tuple[str, dict[str, int]]]:
        with self._lock:
            values = self.peek()
            self.cache.delete_many([self.index_key,
                                    *(f"{LIVE_KEY}:{field}" for field in values)])
        return [("local", values)] if values else []

    def done(self, batch: str) -> None:
        pass

    def peek(self) -> dict[str, int]:
        with self._lock:
            fields = sorted(self.cache.get(self.index_key) or ())
            found = self.cache.get_many([f"{LIVE_KEY}:{field}" for field in fields])
        return {field: int(found.get(f"{LIVE_KEY}:{field}", 0)) for field in fields
                if found.get(f"{LIVE_KEY}:{field}")}

    def lock(self, timeout: int, wait: float) -> Any:
        return self._lock

    def session_view(self, session: str, pk: str) -> list[str]:
        key = f"{SESSION_KEY_PREFIX}{session}"
        with self._lock:
            before = list(self.cache.get(key) or ())
            self.cache.set(key, [pk, *(item for item in before if item != pk)]
                           [:SESSION_MAX_PRODUCTS], timeout=SESSION_IDLE_SECONDS)
        return before


#: Socket timeouts (seconds) of the ``ANALYTICS_REDIS_URL`` client: a hung Redis costs a
#: page at most this, once per outage (the breaker), never the full TCP timeout.
SOCKET_TIMEOUT = 0.25


@functools.lru_cache(maxsize=8)
def _client_for_url(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT,
                                socket_connect_timeout=SOCKET_TIMEOUT)


def _cache_redis_client(cache: BaseCache) -> Any | None:
    """The Redis client behind Django's ``RedisCache`` or django-redis, if any (kept)."""
    return redis_client(cache, write=True)


def store() -> RedisCounters | CacheCounters:
    """Where counters go, by the settings (see the module docstring)."""
    url = upcross_settings.ANALYTICS_REDIS_URL
    if url:
        return RedisCounters(_client_for_url(url), LIVE_KEY)
    cache = caches[upcross_settings.CACHE_ALIAS]
    client = _cache_redis_client(cache)
    if client is not None:
        return RedisCounters(client, cache.make_key(LIVE_KEY))
    return CacheCounters(cache)


def increment(counts: Mapping[Field, int]) -> bool:
    """Add ``counts`` to the live counters; ``False`` (logged) if the store is down.

    Counting never fails the page or the beacon that triggered it.
    """
    if not counts or not upcross_settings.ANALYTICS_ENABLED:
        return False
    values = {field.encode(): amount for field, amount in counts.items() if amount}

    def count() -> bool:
        store().increment(values)
        return True

    # One warning per outage, and no socket wait per widget while Redis is known down.
    return breaker.call("count", count, False)


def record_view(pk: str, session: str | None = None,
                day: datetime.date | None = None) -> bool:
    """Count one view of product ``pk`` and, with a browsing ``session`` id, one co-view
    with each product the session viewed before (once per session and pair).

    Redis only, no database write; ``False`` (logged once per outage) when it is down.
    """
    if not upcross_settings.ANALYTICS_ENABLED:
        return False
    day = day or today()

    def count() -> bool:
        counters = store()
        before = counters.session_view(session, pk) if session else []
        fields = {Field(day, VIEW_WIDGET, "", pk, "views").encode(): 1}
        if pk not in before:
            for other in before:
                first, second = sorted((pk, other))
                fields[Field(day, VIEW_WIDGET, first, second, "coviews").encode()] = 1
        counters.increment(fields)
        return True

    return breaker.call("count", count, False)


def increment_with_page(counts: Mapping[Field, int]) -> None:
    """Count now, or (while a page is current, :mod:`upcross.page`) with the page's
    other counts in one pipeline when its response is ready."""
    page = pages.current()
    if page is None:
        increment(counts)
    else:
        page.count(counts)


def event_counts(widget: str, metric: str, pairs: Iterable[tuple[str, str]],
                 day: datetime.date | None = None, widget_level: bool = True,
                 amount: int = 1) -> dict[Field, int]:
    """The fields one event bumps: the widget's own and one per (source, target) pair."""
    day = day or today()
    counts: dict[Field, int] = {}
    if widget_level:
        counts[Field(day, widget, "", "", metric)] = amount
    for source, target in dict.fromkeys(pairs):
        counts[Field(day, widget, source, target, metric)] = amount
    return counts


def pk_text(value: Any) -> str:
    """A product pk as stored in the counters (text, for integer and UUID keys alike)."""
    return "" if value is None else str(getattr(value, "pk", value))
