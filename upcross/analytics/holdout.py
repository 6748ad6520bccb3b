"""Which visitors are held out (see no widgets), sticky and without a database write.

A visitor is identified by the signed-in customer's pk, else by a random id in a
signed cookie (``upcross_visitor``, set on the first response; a visitor cannot pick
an id, and so a group: an unsigned or altered cookie is replaced by a new id). The id and
``HOLDOUT_SALT`` are hashed (SHA-256) into a number in [0, 1); below
``HOLDOUT_SHARE`` means holdout. The same visitor always lands in the same group
while the share and the salt stay; a guest who signs in takes the customer's group.
Groups are assigned, not chosen: the report compares the groups as assigned
(intention to treat), whether or not a held-in visitor happened to see a widget.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from typing import Any

from django.core import signing

from upcross.conf import upcross_settings

COOKIE_NAME = "upcross_visitor"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365
_COOKIE_CHARS = frozenset("0123456789abcdef")


def bucket(identity: str, salt: str | None = None) -> float:
    """A stable number in [0, 1) for ``identity``."""
    salt = upcross_settings.HOLDOUT_SALT if salt is None else salt
    digest = hashlib.sha256(f"{salt}\x00{identity}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_held_out(identity: str, share: float | None = None, salt: str | None = None) -> bool:
    share = upcross_settings.HOLDOUT_SHARE if share is None else share
    return share > 0 and bucket(identity, salt) < share


def new_visitor_id() -> str:
    return secrets.token_hex(16)


def valid_visitor_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 32 and set(value) <= _COOKIE_CHARS


#: The signing salt of the visitor cookie (as ``HttpResponse.set_signed_cookie`` salts).
COOKIE_SALT = "upcross.holdout"


def sign_visitor_id(value: str) -> str:
    """The cookie value for ``value`` (Django's ``set_signed_cookie`` format)."""
    return signing.get_cookie_signer(salt=COOKIE_NAME + COOKIE_SALT).sign(value)


def visitor_from_cookie(cookies: Any) -> str | None:
    """The visitor id of a genuine cookie; ``None`` for none, a forged or altered one."""
    raw = (cookies or {}).get(COOKIE_NAME)
    if not isinstance(raw, str):
        return None
    try:
        value = signing.get_cookie_signer(salt=COOKIE_NAME + COOKIE_SALT).unsign(raw)
    except signing.BadSignature:
        return None
    return value if valid_visitor_id(value) else None


def identity(request: Any) -> str | None:
    """``customer:<pk>`` or ``visitor:<cookie>``; ``None`` before the cookie exists."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"customer:{user.pk}"
    visitor = getattr(request, "upcross_visitor", None)
    if visitor is None:
        visitor = visitor_from_cookie(getattr(request, "COOKIES", {}))
    return f"visitor:{visitor}" if valid_visitor_id(visitor) else None


def in_holdout(request: Any) -> bool:
    """Whether this request's visitor is in the holdout (remembered on the request)."""
    if request is None:
        return False
    cached = getattr(request, "upcross_holdout", None)
    if cached is not None:
        return bool(cached)
    who = identity(request)
    held = who is not None and is_held_out(who)
    with contextlib.suppress(AttributeError):
        request.upcross_holdout = held
    return held
