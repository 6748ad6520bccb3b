"""The shopper side of tracking: the script's config and the visitor's recent views.

``{% upcross_tracking %}`` includes ``upcross/upcross.js`` with :func:`script_config`;
on a product page (``{% upcross_tracking product %}``) it also keeps the product in
the visitor's session (:func:`remember_view`), the list the recently viewed and
personal showcases read. That is the session the host already has: no table of
upcross's, no cookie of its own.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from upcross.analytics.counters import pk_text
from upcross.conf import upcross_settings
from upcross.showcases.visitor import MAX_SIGNALS, VIEWED_SESSION_KEY

__all__ = ["MAX_VIEWED", "VIEWED_SESSION_KEY", "remember_view", "script_config"]

#: How many recent views the session keeps (as many as a personal showcase reads).
MAX_VIEWED = MAX_SIGNALS


def script_config(product: Any = None) -> dict[str, Any]:
    """What the script needs: the endpoint, the privacy switches, the page's product."""
    return {
        "endpoint": reverse("upcross_api:events"),
        "dnt": upcross_settings.TRACKING_RESPECT_DNT,
        "consent": upcross_settings.TRACKING_REQUIRES_CONSENT,
        "impressions": upcross_settings.ANALYTICS_ENABLED
        and upcross_settings.IMPRESSIONS == "seen",
        "product": pk_text(product) or None,
    }


def asks_not_to_be_tracked(request: Any) -> bool:
    """The browser sends Do-Not-Track or Global Privacy Control (and we respect it)."""
    meta = getattr(request, "META", {})
    return upcross_settings.TRACKING_RESPECT_DNT and (
        meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1")


def remember_view(request: Any, product: Any) -> None:
    """Put ``product`` first in the session's recently viewed list (at most
    :data:`MAX_VIEWED`), unless the visitor asks not to be tracked or consent is
    required (the server cannot know it; call this yourself once it is given).

    A session backend that writes to the database (Django's default) then writes once
    per product page; the cache or signed-cookies backends do not.
    """
    session = getattr(request, "session", None)
    if (product is None or session is None or asks_not_to_be_tracked(request)
            or upcross_settings.TRACKING_REQUIRES_CONSENT):
        return
    pk = pk_text(product)
    try:
        stored = session.get(VIEWED_SESSION_KEY)
        viewed = [str(item) for item in stored] if isinstance(stored, list) else []
        if viewed[:1] == [pk]:  # already the newest: no session write
            return
        session[VIEWED_SESSION_KEY] = [pk, *(item for item in viewed if item != pk)][:MAX_VIEWED]
    except Exception:  # a broken session backend is no reason for a broken page
        return
