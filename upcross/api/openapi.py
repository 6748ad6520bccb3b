"""OpenAPI helpers (drf-spectacular) that work without the host configuring it.

The host need not add ``drf_spectacular`` to ``INSTALLED_APPS`` nor point DRF's
``DEFAULT_SCHEMA_CLASS`` at it: upcross's views carry :class:`UpcrossAutoSchema`
themselves. Product ids are described with the configured product model's key
type; error responses with the API's one JSON error body. The schema view itself
is :mod:`upcross.api.schema`.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from upcross.adapters import get_adapter
from upcross.api.serializers import ErrorSerializer

SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "upcross API",
    "DESCRIPTION": (
        "Cross-selling (complements) and upselling (upgrades) for headless storefronts, "
        "staff endpoints for relations and mining runs, and widget events."
    ),
    "VERSION": "1",
    # Read-only fields stay out of request bodies (and out of generated test data).
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RelationKindEnum": "upcross.models.RelationKind",
        "RelationOriginEnum": "upcross.models.RelationOrigin",
        "RelationStatusEnum": "upcross.models.RelationStatus",
        "MiningRunKindEnum": "upcross.models.MiningRunKind",
        "MiningRunStatusEnum": "upcross.models.MiningRunStatus",
    },
}


def product_pk_schema() -> dict[str, Any]:
    """The OpenAPI schema of a product id, decided by the configured product model."""
    field = get_adapter().product_pk_field()
    while isinstance(field, models.ForeignKey):  # multi-table inheritance: parent_ptr
        field = field.target_field
    if isinstance(field, models.UUIDField):
        return {"type": "string", "format": "uuid"}
    if isinstance(field, (models.IntegerField, models.AutoField)):
        schema: dict[str, Any] = {"type": "integer"}
        for validator in field.validators:  # the database's range for this column
            if isinstance(validator, MinValueValidator):
                schema["minimum"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                schema["maximum"] = validator.limit_value
        return schema
    return {"type": "string"}


class ProductPkFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "upcross.api.serializers.ProductPkField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return product_pk_schema()


class ProductRelatedFieldExtension(ProductPkFieldExtension):
    target_class = "upcross.api.serializers.ProductRelatedField"


class RejectMalformedCredentialsExtension(OpenApiAuthenticationExtension):
    """The credentials guard is no authentication scheme: it adds nothing to the schema."""

    target_class = "upcross.api.authentication.RejectMalformedCredentials"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        return []

    def get_security_definition(self, auto_schema: AutoSchema) -> list[Any]:
        return []


class UpcrossAutoSchema(AutoSchema):
    """Adds the product ``pk`` path parameter with the product model's key type."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "product_lookup", False):
            parameters.append(OpenApiParameter(
                "pk", type=product_pk_schema(), location=OpenApiParameter.PATH,
                description=str(_("Primary key of the product (an integer or a UUID).")),
            ))
        return parameters


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Responses of the JSON error body for the given status codes."""
    descriptions = {
        400: _("The request is invalid; `message` says why, `errors` per field."),
        401: _("Authentication credentials were not provided."),
        403: _("Not allowed: staff with the matching upcross permission only."),
        404: _("Unknown or unavailable object (or a page past the end of a list)."),
        405: _("Method not allowed."),
        413: _("The request body is larger than the API's limit (API_MAX_BODY_BYTES)."),
        415: _("The body is not JSON (send `Content-Type: application/json`)."),
        429: _("Too many requests; retry after the `Retry-After` header's seconds."),
        503: _("A service upcross needs is unreachable (the task queue), or the relations "
               "could not be read within READ_TIMEOUT; retry after `Retry-After`."),
    }
    return {code: OpenApiResponse(ErrorSerializer, description=str(descriptions[code]))
            for code in status_codes}


