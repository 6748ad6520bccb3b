"""A guard in front of the host's authentication classes on upcross's staff views.

A ``Basic`` header whose credentials hold a NUL character makes Django's
``ModelBackend`` query the user table with it, and PostgreSQL refuses such text
with a ``DataError``: a 500 from any DRF view that accepts Basic auth. Refusing
those credentials first turns that into the usual 403.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


class RejectMalformedCredentials(BaseAuthentication):
    """Fails requests whose ``Authorization`` header holds NUL characters; else passes."""

    message = _("Invalid credentials: they may not contain NUL characters.")

    def __init__(self, next_authenticator: BaseAuthentication | None = None) -> None:
        self.next_authenticator = next_authenticator

    def authenticate_header(self, request: Request) -> str | None:
        """The challenge of the host's first authenticator (401 vs 403 stays theirs)."""
        if self.next_authenticator is None:
            return None
        return self.next_authenticator.authenticate_header(request)

    def authenticate(self, request: Request) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not isinstance(header, str) or not header:
            return None
        if "\x00" in header:
            raise AuthenticationFailed(self.message)
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=False)
            except (binascii.Error, ValueError):
                return None  # the Basic authenticator reports it
            if b"\x00" in decoded:
                raise AuthenticationFailed(self.message)
        return None
