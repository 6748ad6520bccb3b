"""The read side's cache: Django's cache framework, versioned, and never fatal.

Keys start with ``upcross:`` (the backend adds its own ``KEY_PREFIX``). Two
generation tokens make invalidation cheap:

- ``upcross:gen`` stamps everything built from relations (per-product entries and
  product cards). Bumping it (a relation changed, a recompute finished) makes every
  stamped value stale at once, without scanning or deleting keys.
- ``upcross:bgen`` stamps each customer's "already bought" set; an order change bumps it.
- ``upcross:hgen`` stamps rendered widget HTML (fragments); a product change bumps it,
  because a name, picture or price shown in some other product's widget may have changed.

A stamp lives *inside* each value, so one ``get_many`` fetches the tokens and the
values together. A token is a random string, not a counter: a token that was evicted
and recreated can never match a value stamped before.

Every call swallows cache errors (Redis down, a refused connection, a timeout) and
logs them: the read path then falls back to the database, never to an error page.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import BaseCache, caches

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


def best_sellers_key() -> str:
    """The catalogue's best sellers in rank order (the empty cart)."""
    return f"{PREFIX}bs"


def bought_key(customer_pk: Any) -> str:
    return f"{PREFIX}b:{customer_pk}"


def fragment_key(*parts: Any) -> str:
    """A rendered widget, by everything its HTML depends on (hashed: keys stay short)."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{PREFIX}f:{digest}"


def _backend() -> BaseCache:
    return caches[upcross_settings.CACHE_ALIAS]


def _warn(action: str, exc: Exception) -> None:
    logger.warning("upcross cache %s failed, reading from the database: %s", action, exc)


def new_token() -> str:
    return uuid.uuid4().hex


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    """Values found for ``keys``; ``{}`` when the cache is unreachable."""
    keys = list(keys)
    if not keys:
        return {}
    try:
        return _backend().get_many(keys)
    except Exception as exc:  # any backend error means "miss"
        _warn("read", exc)
        return {}


def set_many(values: Mapping[str, Any], timeout: int | None = None) -> None:
    if not values:
        return
    try:
        _backend().set_many(dict(values), timeout=upcross_settings.CACHE_TIMEOUT
                            if timeout is None else timeout)
    except Exception as exc:
        _warn("write", exc)


def delete_many(keys: Iterable[str]) -> None:
    keys = list(keys)
    if not keys:
        return
    try:
        _backend().delete_many(keys)
    except Exception as exc:
        _warn("delete", exc)


def html_token(found: Mapping[str, Any]) -> str:
    """The current fragment token from a ``get_many`` result (created when missing)."""
    token = found.get(HTML_GENERATION_KEY)
    return token if token is not None else _create_token(HTML_GENERATION_KEY)


def tokens(found: Mapping[str, Any]) -> tuple[str, str]:
    """The current (relations, bought) tokens from a ``get_many`` result.

    A missing token is created (``add``, so concurrent readers agree on one).
    When the cache is down the fresh tokens match nothing, and nothing is cached.
    """
    generation = found.get(GENERATION_KEY)
    bought_generation = found.get(BOUGHT_GENERATION_KEY)
    if generation is None:
        generation = _create_token(GENERATION_KEY)
    if bought_generation is None:
        bought_generation = _create_token(BOUGHT_GENERATION_KEY)
    return generation, bought_generation


def _create_token(key: str) -> str:
    token = new_token()
    try:
        backend = _backend()
        if backend.add(key, token, timeout=None):
            return token
        return backend.get(key) or token
    except Exception as exc:
        _warn("token", exc)
        return token


def bump(*keys: str) -> None:
    """Make everything stamped with these tokens stale (default: all)."""
    values = {key: new_token() for key in (keys or TOKEN_KEYS)}
    try:
        _backend().set_many(values, timeout=None)
    except Exception as exc:
        _warn("invalidate", exc)


def invalidate_relations() -> None:
    """A relation, a rule or a recompute changed: every entry, card and fragment is stale
    (fragments are stamped with this token too)."""
    bump(GENERATION_KEY)


def invalidate_bought() -> None:
    """An order changed: every customer's "already bought" set is stale."""
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
