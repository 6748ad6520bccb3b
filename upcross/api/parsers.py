"""The one JSON parser of upcross's API: size and nesting bounded before any work.

The body is refused (JSON 413) from its ``Content-Length`` alone, or after reading
one byte past ``API_MAX_BODY_BYTES`` when it has none; nesting deeper than
:data:`MAX_DEPTH` is a 400 found by a scan of the bytes before ``json.loads``
(which would otherwise recurse until a ``RecursionError``, a 500).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from upcross.conf import upcross_settings

#: Deepest nesting of arrays and objects a body may have (a cart is 3 deep).
MAX_DEPTH = 16
_OPEN, _CLOSE, _QUOTE, _ESCAPE = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(_("The request body is larger than %(limit)s bytes.")
                           % {"limit": limit})


def nesting_depth(data: bytes, limit: int) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, outside strings (stops past ``limit``)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _ESCAPE:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def read_bounded(stream: Any, request: Any) -> bytes:
    """The body, or :class:`PayloadTooLarge` before reading more than the limit."""
    limit = upcross_settings.API_MAX_BODY_BYTES
    meta = getattr(getattr(request, "_request", request), "META", {})
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > limit:
        raise too_large(limit)
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise too_large(limit)
    return data


class BoundedJSONParser(BaseParser):
    """JSON behind the body-size and nesting bounds.

    Not a subclass of DRF's ``JSONParser`` on purpose: DRF reads ``request.body`` whole
    (up to Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, and an HTML 400 past it) before
    calling such a parser; this one gets the stream and reads at most the limit.
    """

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        data = read_bounded(stream, parser_context.get("request"))
        if nesting_depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(_("JSON nested deeper than %(depth)s levels.")
                             % {"depth": MAX_DEPTH})
        try:
            text = codecs.decode(data, encoding)
            return json.loads(text, parse_constant=self._reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc

    @staticmethod
    def _reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")
