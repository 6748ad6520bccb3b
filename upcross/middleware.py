"""``PageMiddleware``: one cache read and one counter write per page for the widgets.

Add it anywhere in ``MIDDLEWARE`` (it needs nothing from the others)::

    MIDDLEWARE = [..., "upcross.middleware.PageMiddleware"]

While it serves a request, the widgets' cache reads are batched and read ahead and
their impressions are sent together when the response is ready (see
:mod:`upcross.page`). Without it everything still works, at a Redis round trip or
two per widget (``upcross.W004``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from upcross import page as pages
from upcross.analytics import counters


class PageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = pages.begin(f"{request.method} {request.path}")
        try:
            return self.get_response(request)
        finally:
            page = pages.end(token)
            if page is not None:
                page.learn()
                if page.pending:
                    counters.increment(page.pending)
