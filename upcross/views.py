"""Shopper-facing views of upcross: the follow-up e-mail's unsubscribe link.

Mount them with ``path("upcross/", include("upcross.urls"))``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from upcross import followup


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST has no CSRF
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners must not unsubscribe anyone); POST unsubscribes."""
    email = followup.email_from_token(token)
    if email is None:
        return render(request, "upcross/unsubscribe.html", {"email": None}, status=400)
    if request.method == "POST":
        followup.opt_out(email)
        return render(request, "upcross/unsubscribe.html", {"email": email, "done": True})
    return render(request, "upcross/unsubscribe.html", {"email": email, "done": False})
