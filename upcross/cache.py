"""The read side's cache: Django's cache framework, versioned, and never fatal.

Keys start with ``upcross:`` (the backend adds its own ``KEY_PREFIX``). Two
generation tokens make invalidation cheap:

- ``upcross:gen`` stamps everything built from relations (per-product entries and
  product cards). Bumping it (a relation changed, a recompute finished) makes every
  stamped value stale at once, without scanning or deleting keys.
- ``upcross:bgen``, the orders token, stamps what is built from orders: each customer's
  "already bought" set and the showcases ranked by sales (best sellers); an order
  change bumps it.
- ``upcross:hgen`` stamps rendered widget HTML (fragments); a product change bumps it,
  because a name, picture or price shown in some other product's widget may have changed.

A stamp lives *inside* each value, so one ``get_many`` fetches the tokens and the
values together. A token is a random string, not a counter: a token that was evicted
and recreated can never match a value stamped before.

Every call swallows cache errors (Redis down, a refused connection, a timeout): the
read path then falls back to the database, never to an error page. An outage is
handled by a :class:`Breaker`: the first failure logs one warning and opens it; for
``RETRY_SECONDS`` no call waits on the cache at all (a hung Redis costs one socket
timeout, not one per call); then one call probes it. The first successful probe
bumps every token before anything is read, so a change made while the cache was
unreachable (whose invalidation could not be written) is never served stale; one
message says the cache is back.

Rendered widget HTML (fragments, ``CACHE_FRAGMENTS``) is cached by widget, product
or cart, limit, language, script prefix and customer (:func:`fragment_key`), stamped
with the tokens and expiring when a relation's window opens or closes. The CSRF
token differs per visitor: a fragment holds :data:`CSRF_PLACEHOLDER`, swapped for
the request's token when it is served.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed

from upcross import page as pages
from upcross import worker_cache
from upcross.conf import upcross_settings

logger = logging.getLogger("upcross.cache")

PREFIX = "upcross:"
GENERATION_KEY = f"{PREFIX}gen"
BOUGHT_GENERATION_KEY = f"{PREFIX}bgen"
HTML_GENERATION_KEY = f"{PREFIX}hgen"
TOKEN_KEYS = (GENERATION_KEY, BOUGHT_GENERATION_KEY, HTML_GENERATION_KEY)


def entry_key(pk: Any) -> str:
    """What one product's page needs: its relations (both kinds), price, categories."""
    return f"{PREFIX}e:{pk}"


def card_key(pk: Any) -> str:
    """One suggested product: the instance, its price and categories, or "unavailable"."""
    return f"{PREFIX}c:{pk}"


def fallback_key() -> str:
    """The fallback chain's per-category picks (:mod:`upcross.fallback_table`), whose
    catalogue part is the empty cart's best sellers."""
    return f"{PREFIX}fb"


def bought_key(customer_pk: Any) -> str:
    return f"{PREFIX}b:{customer_pk}"


def fragment_key(*parts: Any) -> str:
    """A rendered widget, by everything its HTML depends on (hashed: keys stay short)."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{PREFIX}f:{digest}"


def _backend() -> BaseCache:
    return caches[upcross_settings.CACHE_ALIAS]


def redis_client(backend: BaseCache, write: bool = False) -> Any | None:
    """The Redis client behind Django's ``RedisCache`` (or django-redis), kept; else ``None``.

    Django's ``RedisCache`` builds a new ``redis.Redis`` object for every call, and
    recent redis-py clients cost a few hundred microseconds to build: more than the
    round trip itself on the hot read path. The client (thread-safe, on Django's own
    connection pool) is kept on the backend object, which Django creates per thread.
    """
    attribute = "_upcross_write_client" if write else "_upcross_read_client"
    client = backend.__dict__.get(attribute)
    if client is not None:
        return client
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=write)
    else:
        holder = getattr(backend, "client", None)  # django-redis
        if holder is None or not callable(getattr(holder, "get_client", None)):
            return None
        client = holder.get_client(write=write)
    setattr(backend, attribute, client)
    return client


def _get_many(backend: BaseCache, keys: list[str]) -> dict[str, Any]:
    """``backend.get_many(keys)``; one ``MGET`` on a kept client for Django's ``RedisCache``."""
    if type(backend) is not RedisCache:
        return backend.get_many(keys)
    by_key = {backend.make_and_validate_key(key): key for key in keys}
    raw = redis_client(backend).mget(list(by_key))  # type: ignore[union-attr]
    loads = backend._cache._serializer.loads  # type: ignore[attr-defined]  # private, unstubbed
    return {by_key[full]: loads(value)
            for full, value in zip(by_key, raw, strict=True) if value is not None}


T = TypeVar("T")
#: Seconds an open breaker lets pass before one call probes the service again.
RETRY_SECONDS = 5.0


class Breaker:
    """One warning per outage, no waiting on a service known to be down, a hook on recovery.

    ``call(action, fn, default)`` runs ``fn`` unless the breaker is open (then it
    returns ``default`` at once). A failure opens it; after ``retry_seconds`` the
    next call probes: ``on_recovery()`` runs first and must succeed, then ``fn``.
    """

    def __init__(self, name: str, on_recovery: Callable[[], None] | None = None,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.name = name
        self.on_recovery = on_recovery
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.failures = 0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.down_since is not None

    def call(self, action: str, fn: Callable[[], T], default: T) -> T:
        probing = False
        if self.down_since is not None:
            now = time.monotonic()
            with self._lock:
                if now < self.retry_at:
                    return default  # known down: not one more socket timeout
                self.retry_at = now + self.retry_seconds  # this call is the probe
            probing = True
        try:
            if probing and self.on_recovery is not None:
                self.on_recovery()
            result = fn()
        except Exception as exc:  # any backend error
            self._failed(action, exc)
            return default
        if probing:
            self._recovered()
        return result

    def _failed(self, action: str, exc: Exception) -> None:
        with self._lock:
            self.failures += 1
            self.retry_at = time.monotonic() + self.retry_seconds
            first = self.down_since is None
            if first:
                self.down_since = time.monotonic()
        if first:
            logger.warning("upcross: %s unreachable (%s failed: %s); working without it, "
                           "retrying every %.0f s", self.name, action, exc, self.retry_seconds)
        else:
            logger.debug("upcross: %s still unreachable (%s): %s", self.name, action, exc)

    def _recovered(self) -> None:
        with self._lock:
            since, self.down_since = self.down_since, None
            failures, self.failures = self.failures, 0
        if since is not None:
            logger.warning("upcross: %s reachable again after %.1f s (%d failed calls)",
                           self.name, time.monotonic() - since, failures)

    def reset(self) -> None:
        """Forget any outage (tests)."""
        with self._lock:
            self.down_since, self.retry_at, self.failures = None, 0.0, 0


def _bump_all_tokens() -> None:
    """Recovery: whatever changed while the cache was unreachable is stale now."""
    worker_cache.forget()
    _backend().set_many({key: new_token() for key in TOKEN_KEYS}, timeout=None)


#: The read-side cache's breaker (the throttles share it: same backend).
breaker = Breaker("cache", on_recovery=_bump_all_tokens)


def call(action: str, fn: Callable[[], T], default: T) -> T:
    """``fn()`` against the cache through the breaker; ``default`` when it is down."""
    return breaker.call(action, fn, default)


def new_token() -> str:
    return uuid.uuid4().hex


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    """Values found for ``keys``; ``{}`` when the cache is unreachable.

    While a page is current (:mod:`upcross.page`), what the page already fetched is not
    fetched again, and its first read also fetches what it will likely read next.
    """
    keys = list(keys)
    if not keys:
        return {}
    page = pages.current()
    if page is None:
        return call("read", lambda: _get_many(_backend(), keys), {})
    fetch = page.read_ahead(keys)
    if fetch:
        found = call("read", lambda: _get_many(_backend(), fetch), None)
        if found is None:  # unreachable: nothing is known about these keys
            return {}
        page.remember(fetch, found)
    return page.answer(keys)


def set_many(values: Mapping[str, Any], timeout: int | None = None) -> None:
    if not values:
        return
    _page_wrote(values)
    lifetime = upcross_settings.CACHE_TIMEOUT if timeout is None else timeout
    call("write", lambda: _backend().set_many(dict(values), timeout=lifetime), None)


def delete_many(keys: Iterable[str]) -> None:
    keys = list(keys)
    if not keys:
        return
    page = pages.current()
    if page is not None:
        page.forget(keys)
    call("delete", lambda: _backend().delete_many(keys), None)


def html_token(found: Mapping[str, Any]) -> str:
    """The current fragment token from a ``get_many`` result (created when missing)."""
    return current_tokens(found, (HTML_GENERATION_KEY,))[0]


def tokens(found: Mapping[str, Any]) -> tuple[str, str]:
    """The current (relations, bought) tokens from a ``get_many`` result.

    A missing token is created (``add``, so concurrent readers agree on one).
    When the cache is down the fresh tokens match nothing, and nothing is cached.
    """
    generation, bought_generation = current_tokens(found, (GENERATION_KEY,
                                                           BOUGHT_GENERATION_KEY))
    return generation, bought_generation


def current_tokens(found: Mapping[str, Any], keys: Iterable[str]) -> tuple[str, ...]:
    """The tokens ``keys`` from a ``get_many`` result, each created when missing."""
    return tuple(token if (token := found.get(key)) is not None else _create_token(key)
                 for key in keys)


def _create_token(key: str) -> str:
    token = new_token()

    def create() -> str:
        backend = _backend()
        if backend.add(key, token, timeout=None):
            return token
        return backend.get(key) or token

    created = call("token", create, token)
    _page_wrote({key: created})
    return created


def _page_wrote(values: Mapping[str, Any]) -> None:
    """Later reads of the current page see what this request stored."""
    page = pages.current()
    if page is not None:
        page.wrote(values)


def bump(*keys: str) -> None:
    """Make everything stamped with these tokens stale (default: all)."""
    values = {key: new_token() for key in (keys or TOKEN_KEYS)}
    _page_wrote(values)
    worker_cache.forget()  # this process sees its own change at once
    # While the cache is down this writes nothing; the first successful probe after the
    # outage bumps every token (Breaker.on_recovery), so the change is not lost.
    call("invalidate", lambda: _backend().set_many(values, timeout=None), None)


def invalidate_relations() -> None:
    """A relation, a rule or a recompute changed: every entry, card and fragment is stale
    (fragments are stamped with this token too)."""
    bump(GENERATION_KEY)


def invalidate_bought() -> None:
    """An order changed: every customer's "already bought" set and every showcase ranked
    from orders (their lists, boxes and API answers) are stale."""
    bump(BOUGHT_GENERATION_KEY)


def invalidate_products(pks: Iterable[Any]) -> None:
    """Products changed (price, availability, name): drop their entries and cards, and
    every rendered fragment (it may show one of them)."""
    pk_list = list(pks)
    delete_many([entry_key(pk) for pk in pk_list] + [card_key(pk) for pk in pk_list])
    bump(HTML_GENERATION_KEY)


def clear() -> None:
    """Forget everything upcross cached (without flushing the rest of the cache)."""
    bump()


def _reset_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "UPCROSS"):
        breaker.reset()


setting_changed.connect(_reset_on_setting_changed, dispatch_uid="upcross.cache.breaker")


# --- rendered widget HTML ---------------------------------------------------------------

CSRF_PLACEHOLDER = "upcross-csrf-placeholder"
#: The ``(kind, relation)`` pairs a fragment showed (counted as impressions when served).
Shown = tuple[tuple[str, str], ...]


def fragment_stamp(found: Mapping[str, Any], orders: bool) -> tuple[Any, ...]:
    """The tokens a fragment depends on; the orders one only if ``orders`` (a signed-in
    customer's box leaves out what they bought; a best sellers box ranks by orders)."""
    generation, bought_generation = tokens(found)
    return (generation, bought_generation if orders else None, html_token(found))


def fragment_hit(stored: Any, stamp: tuple[Any, ...]) -> tuple[str, Shown] | None:
    """``(html, shown)`` of a stored fragment still valid for ``stamp``, else ``None``."""
    if (isinstance(stored, tuple) and len(stored) == 4 and stored[0] == stamp
            and (stored[1] is None or time.time() < stored[1])):
        return stored[2], stored[3]
    return None


def store_fragment(key: str, stamp: tuple[Any, ...], html: str, shown: Shown = (),
                   expires_at: datetime | None = None) -> None:
    """Cache a rendered fragment as ``(stamp, expires, html, shown)``; it lives no
    longer than ``expires_at`` (a relation's window closing) nor ``CACHE_TIMEOUT``."""
    timeout = upcross_settings.CACHE_TIMEOUT
    expires = None
    if expires_at is not None:
        expires = expires_at.timestamp()
        timeout = max(1, min(timeout, int(expires - time.time()) + 1))
    set_many({key: (stamp, expires, html, shown)}, timeout=timeout)
