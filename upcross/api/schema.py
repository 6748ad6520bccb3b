"""The OpenAPI schema view: upcross's own endpoints, under the prefix the host mounted.

The helpers that describe the endpoints (auto schema, extensions, error
responses) are in :mod:`upcross.api.openapi`.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from upcross.api.openapi import SCHEMA_SETTINGS
from upcross.deprecation import forward

#: Names that moved to :mod:`upcross.api.openapi` still resolve here, with a warning.
__getattr__ = forward("upcross.api.schema", "upcross.api.openapi")


class UpcrossSchemaGenerator(SchemaGenerator):
    """Keeps ``{pk}`` in paths as the URLs name it (DRF would rename it ``{id}``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coerce_path_pk = False


class UpcrossSchemaView(SpectacularAPIView):
    """The OpenAPI 3 document of upcross's endpoints, with the paths the host mounted.

    The mount point is read from the request (``…/schema/`` minus ``schema/``), so
    the schema is right wherever the host includes ``upcross.api.urls``.
    """

    custom_settings = SCHEMA_SETTINGS
    generator_class = UpcrossSchemaGenerator
    authentication_classes = ()
    schema_route = "schema/"
    #: The URL patterns to describe (``as_view(api_patterns=...)`` in ``upcross.api.urls``).
    api_patterns: list[URLPattern | URLResolver] = []

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        mount = request.path_info.lstrip("/")
        if mount.endswith(self.schema_route):
            mount = mount[: -len(self.schema_route)]
        self.patterns = [path(mount, include(self.api_patterns))]
        return super().get(request, *args, **kwargs)
