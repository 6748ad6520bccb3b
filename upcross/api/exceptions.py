"""JSON errors of upcross's API views: ``{"message", "code", "errors"?}``.

Used by upcross's views only (``get_exception_handler``), so the host's own
``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` and error format stay untouched.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from upcross.api.serializers import first_error
from upcross.read_timeout import RelationsUnavailable

INVALID_REQUEST = _("The request is invalid.")
UNKNOWN_ENDPOINT = _("Unknown API endpoint.")
#: Seconds a client should wait after a 503 of relations not readable in time.
RETRY_AFTER = 5


class SuggestionsUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("Suggestions are briefly unavailable; try again in a few seconds.")
    default_code = "unavailable"


def upcross_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RelationsUnavailable):  # READ_TIMEOUT: a lock on the relations
        response = upcross_exception_handler(SuggestionsUnavailable(), context)
        if response is not None:
            response["Retry-After"] = str(RETRY_AFTER)
        return response
    response = exception_handler(exc, context)
    if response is None:  # not an API error: let Django report it as the bug it is
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        detail = first_error(data)
        body: dict[str, Any] = {
            "message": f"{INVALID_REQUEST} {detail}" if detail else str(INVALID_REQUEST),
            "code": "invalid",
            "errors": data if isinstance(data, dict) else {"non_field_errors": data},
        }
    else:
        message = data.get("detail", data) if isinstance(data, dict) else data
        code = getattr(message, "code", None) or getattr(exc, "default_code", "error")
        body = {"message": str(message), "code": str(code)}
    response.data = body
    return response


@csrf_exempt  # it changes nothing; a CSRF failure would hide the JSON 404 behind HTML
def unknown_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under the API's prefix that names no endpoint: a JSON 404."""
    return JsonResponse({"message": str(UNKNOWN_ENDPOINT), "code": "not_found"}, status=404)
