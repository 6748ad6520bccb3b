"""One page, one cache read and one counter write: upcross's per-request bookkeeping.

A shop page shows several widgets (a bundle box, "Add this too", "Upgrade to"; a
cart's per-line upgrades and its complements). Each one reads its cached HTML and
counts its impressions; done widget by widget that is two Redis round trips per
widget, sixty on a thirty-line cart. While :class:`upcross.middleware.PageMiddleware`
serves a request, a :class:`Page` is current and:

- **reads ahead**: the page's first cache read also fetches the keys the same page
  (same path, same first read) asked for after it the last time this process served
  it, and every later read of the request is answered from what was fetched when it
  can be. Keys are pure functions of what a widget shows, and every value still
  carries its invalidation stamp, so a key learned from an earlier request can at
  worst be fetched for nothing; a key not learned yet is read as before;
- **counts once**: impressions are added up during the request and sent in one
  pipeline when the response is ready.

Without the middleware there is no current page: each read and each count goes to
Redis at once, as before (``upcross.W004`` suggests the middleware).

What a page learned lives in this process only (a bounded dict), never in the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

#: Most pages whose follow-up reads one process remembers, and keys per page.
MAX_PAGES = 2048
MAX_KEYS_PER_PAGE = 256

_current: ContextVar[Page | None] = ContextVar("upcross_page", default=None)
_learned: dict[tuple[Any, ...], tuple[str, ...]] = {}
_learned_lock = threading.Lock()


class Page:
    """What one request read from the cache, and the counts it has yet to send."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: dict[str, Any] = {}
        self.fetched: set[str] = set()
        self.anchor: tuple[Any, ...] | None = None
        self.followers: dict[str, None] = {}
        self.pending: dict[Any, int] = {}

    # --- reads ----------------------------------------------------------------------

    def known(self, keys: Iterable[str]) -> bool:
        return all(key in self.fetched for key in keys)

    def read_ahead(self, keys: list[str]) -> list[str]:
        """The keys to fetch for ``keys``: the missing ones, plus (on the page's first
        read) those the same page read next the last time."""
        missing = [key for key in keys if key not in self.fetched]
        if self.anchor is None:
            self.anchor = (self.name, *keys)
            learned = _learned.get(self.anchor, ())
            return list(dict.fromkeys([*missing, *learned]))
        for key in keys:  # fetched ahead or not: the next request wants it ahead
            if key not in self.anchor and len(self.followers) < MAX_KEYS_PER_PAGE:
                self.followers[key] = None
        return missing

    def remember(self, keys: Iterable[str], found: Mapping[str, Any]) -> None:
        """What a fetch of ``keys`` found (a key without a value is known to be absent)."""
        for key in keys:
            self.fetched.add(key)
            if key in found:
                self.found[key] = found[key]
            else:
                self.found.pop(key, None)

    def wrote(self, values: Mapping[str, Any]) -> None:
        """Values this request stored: later reads of the request see them."""
        self.found.update(values)
        self.fetched.update(values)

    def forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.fetched.discard(key)
            self.found.pop(key, None)

    def answer(self, keys: Iterable[str]) -> dict[str, Any]:
        return {key: self.found[key] for key in keys if key in self.found}

    def learn(self) -> None:
        """Next time, the page's first read fetches what this one read after it."""
        if self.anchor is None:
            return
        followers = tuple(self.followers)
        if not followers and self.anchor not in _learned:
            return  # one read per request (an API answer): nothing to read ahead
        with _learned_lock:
            if _learned.get(self.anchor) == followers:
                return
            if len(_learned) >= MAX_PAGES and self.anchor not in _learned:
                _learned.clear()  # rare; simpler and safer than an LRU under threads
            _learned[self.anchor] = followers

    # --- counts ---------------------------------------------------------------------

    def count(self, counts: Mapping[Any, int]) -> None:
        for field, amount in counts.items():
            self.pending[field] = self.pending.get(field, 0) + amount


def current() -> Page | None:
    """The page the current request is building, if the middleware serves it."""
    return _current.get()


def begin(name: str) -> Any:
    """Make a new page current; returns the token for :func:`end`."""
    return _current.set(Page(name))


def end(token: Any) -> Page | None:
    page = _current.get()
    _current.reset(token)
    return page


def forget_learned() -> None:
    """Forget every page's follow-up reads (tests)."""
    with _learned_lock:
        _learned.clear()
