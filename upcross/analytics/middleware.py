"""``HoldoutMiddleware``: held-out visitors see no widgets.

Add it after ``AuthenticationMiddleware``::

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "upcross.analytics.middleware.HoldoutMiddleware", ...]

With ``HOLDOUT_SHARE`` at 0 it does nothing (no cookie either). Otherwise a guest
without the visitor cookie gets one (a random id, no database row), and a held-out
visitor's request carries ``request.upcross_disabled = True``, which every upcross
tag honours.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from upcross.analytics import holdout
from upcross.conf import upcross_settings


class HoldoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if upcross_settings.HOLDOUT_SHARE <= 0:
            return self.get_response(request)
        new_visitor = None
        if holdout.visitor_from_cookie(request.COOKIES) is None:
            new_visitor = holdout.new_visitor_id()
            request.upcross_visitor = new_visitor  # type: ignore[attr-defined]
        if holdout.in_holdout(request):
            request.upcross_disabled = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        if new_visitor is not None:
            response.set_cookie(holdout.COOKIE_NAME, holdout.sign_visitor_id(new_visitor),
                                max_age=holdout.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                                secure=request.is_secure())
        return response
