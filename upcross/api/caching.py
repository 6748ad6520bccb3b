"""Whole answers of the public read endpoints, cached: a warm request is one cache read.

Headless storefronts and CDNs ask for the same product's suggestions on every page
view. Building the answer (the product lookup, ``upcross.recommend``, the product
display, the serializer, the JSON renderer, the ``ETag`` digest) costs far more than
handing back bytes that were already built. :class:`CachedAnswerMixin` stores the
final representation of a ``200`` or ``404`` answer: body, status, headers and the
``ETag`` computed once. A warm request then fetches the two cache tokens and the
answer in one ``get_many`` (one Redis ``MGET``), with no SQL and no serialisation;
each worker process also keeps the tokens and answers it read for
``API_WORKER_CACHE_SECONDS`` (:mod:`upcross.worker_cache`), so most warm requests
make no round trip at all.

An answer is stamped with the relations token (a relation, rule, bundle or recompute
changed) and the fragments token (a product changed: its name, price or availability
may show in any answer, and a product that became unavailable or was created turns a
``200`` into a ``404`` or back); a showcase ranked from orders also with the orders
token (an order changed). It also expires when a relation's active window
opens or closes. The key holds everything else the answer depends on: the path
(the view and the product), the scheme and host (URLs in the answer are absolute),
the language, the negotiated media type, upcross's version and whatever the view
adds (:meth:`CachedAnswerMixin.answer_key_parts`: ``?limit=``, a cart's lines).

It runs in DRF's ``initial()``, after authentication, permissions, throttles and
content negotiation, so a cached answer is never handed to a request that DRF
would have refused. When the cache is unreachable every request is built afresh
(:mod:`upcross.cache` swallows the errors).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, HttpResponseBase
from django.utils.translation import get_language
from rest_framework.request import Request
from rest_framework.response import Response

import upcross
from upcross import cache, worker_cache
from upcross.conf import upcross_settings

ANSWER_PREFIX = f"{cache.PREFIX}a:"
#: The statuses worth keeping: an answer, and "no such product" (asked for again and
#: again by a storefront that still links to it).
CACHED_STATUSES = (200, 404)
#: The tokens an answer is stamped with, unless the view says more
#: (:meth:`CachedAnswerMixin.answer_stamp_keys`).
STAMP_KEYS = (cache.GENERATION_KEY, cache.HTML_GENERATION_KEY)


def answer_key(parts: tuple[Any, ...]) -> str:
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{ANSWER_PREFIX}{digest}"


class _Answered(Exception):
    """Carries a cached answer out of ``initial()`` past the handler (see ``handle_exception``)."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__()
        self.response = response


if TYPE_CHECKING:
    from rest_framework.views import APIView as _APIView
else:
    _APIView = object


class CachedAnswerMixin(_APIView):
    """Serve a read endpoint's ``200`` and ``404`` answers from the cache, whole.

    Put it before :class:`upcross.api.views.ConditionalGetMixin` in the bases: it
    fills that mixin's ``answer_ready`` hook. A view adds what else changes its
    answer in :meth:`answer_key_parts` and may set ``self.answer_expires_at`` (an
    aware ``datetime``) while building it, for answers that change by the clock.
    """

    answer_expires_at: Any = None

    def answer_key_parts(self, request: Request) -> tuple[Any, ...]:
        """What besides the path, host, language and media type changes the answer."""
        return ()

    def answer_stamp_keys(self, request: Request) -> tuple[str, ...]:
        """The cache tokens whose bump makes the answer stale (a showcase ranked from
        orders adds the orders token)."""
        return STAMP_KEYS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._answer_slot: tuple[str, tuple[str, ...]] | None = None
        if getattr(self, (request.method or "").lower(), None) is None:
            return  # DRF answers 405 next
        key = answer_key((
            upcross.__version__, request.method, request.path, request.scheme,
            request.get_host(),
            get_language(), getattr(request, "accepted_media_type", None),
            self.answer_key_parts(request),
        ))
        stamp_keys = self.answer_stamp_keys(request)
        keys = [*stamp_keys, key]
        kept = _fresh(worker_cache.get_many(keys), key, stamp_keys)
        if kept is not None:
            raise _Answered(_response(kept))
        found = cache.get_many(keys)
        stored = _fresh(found, key, stamp_keys)
        if stored is not None:
            worker_cache.keep({name: found[name] for name in stamp_keys})
            worker_cache.keep({key: stored}, seconds=upcross_settings.CACHE_TIMEOUT)
            raise _Answered(_response(stored))
        self._answer_slot = (key, cache.current_tokens(found, stamp_keys))

    # DRF's stubs say Response; a cached answer is a plain HttpResponse.
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, _Answered):
            return exc.response
        return super().handle_exception(exc)

    def answer_ready(self, request: Request, response: HttpResponseBase) -> None:
        """Keep the finished answer (headers and ``ETag`` set) if it is worth keeping."""
        slot = getattr(self, "_answer_slot", None)
        if slot is None or response.status_code not in CACHED_STATUSES:
            return
        if isinstance(response, Response):
            response.render()
        if not isinstance(response, HttpResponse):  # streaming: never kept
            return
        key, stamp = slot
        timeout = upcross_settings.CACHE_TIMEOUT
        expires = None
        if self.answer_expires_at is not None:
            expires = self.answer_expires_at.timestamp()
            timeout = max(1, min(timeout, int(expires - time.time()) + 1))
        stored = (stamp, expires, response.status_code, response.content,
                  tuple(response.items()))
        cache.set_many({key: stored}, timeout=timeout)
        # The answer only: the tokens this worker keeps are always ones it read back.
        worker_cache.keep({key: stored}, seconds=timeout)


def _fresh(found: Mapping[str, Any], key: str,
           stamp_keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The answer stored under ``key`` in ``found`` if its stamp equals the tokens there
    and its window has not closed."""
    stored = found.get(key)
    stamp = tuple(found.get(token_key) for token_key in stamp_keys)
    if (isinstance(stored, tuple) and len(stored) == 5 and stored[0] == stamp
            and None not in stamp and (stored[1] is None or time.time() < stored[1])):
        return stored
    return None


def _response(stored: tuple[Any, ...]) -> HttpResponse:
    _stamp, _expires, status, content, headers = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    response.upcross_cached = True  # type: ignore[attr-defined]
    return response
