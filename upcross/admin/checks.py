"""System checks of the admin integration (registered when the admin is imported).

- E050 ``PRODUCT_SEARCH_FIELDS`` names a field path that does not resolve
- E051 ``CSV_LOOKUP_FIELDS`` names something that is not a field of the product model
- W050 the product model's ModelAdmin is missing or has no ``search_fields``: relation
  forms fall back to a raw-id input instead of an autocomplete
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError

from upcross.conf import upcross_settings


def _product_model() -> Any:
    try:
        return apps.get_model(upcross_settings.PRODUCT_MODEL)
    except (ValueError, LookupError):
        return None  # upcross.E001/E002 report it


def _is_list_of_str(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and all(
        isinstance(item, str) and item for item in value)


@checks.register(checks.Tags.admin)
def check_admin_product_fields(app_configs: Any = None, **kwargs: Any
                               ) -> list[checks.CheckMessage]:
    model = _product_model()
    if model is None:
        return []
    messages: list[checks.CheckMessage] = []
    search = upcross_settings.merged.get("PRODUCT_SEARCH_FIELDS")
    if search is not None:
        if not _is_list_of_str(search):
            messages.append(checks.Error(
                "UPCROSS['PRODUCT_SEARCH_FIELDS'] must be a list of field paths.",
                hint="For example ['name', 'sku'], or None for name/sku/slug.",
                id="upcross.E050"))
        else:
            for path in search:
                if path == "pk":
                    continue
                try:
                    model._default_manager.filter(**{f"{path}__icontains": "x"}).query  # noqa: B018
                except (FieldError, FieldDoesNotExist, ValueError, TypeError) as exc:
                    messages.append(checks.Error(
                        f"UPCROSS['PRODUCT_SEARCH_FIELDS'] has {path!r}, which does not "
                        f"resolve on {model._meta.label}: {str(exc).splitlines()[0]}",
                        hint="Use text field paths of the product model, e.g. 'name' or "
                             "'stockrecords__partner_sku'.",
                        id="upcross.E050"))
    lookup = upcross_settings.merged.get("CSV_LOOKUP_FIELDS")
    if lookup is not None:
        if not _is_list_of_str(lookup):
            messages.append(checks.Error(
                "UPCROSS['CSV_LOOKUP_FIELDS'] must be a list of field names.",
                hint="For example ['pk', 'sku'], or None for pk, then sku/slug.",
                id="upcross.E051"))
        else:
            for name in lookup:
                if name == "pk":
                    continue
                try:
                    model._meta.get_field(name)
                except FieldDoesNotExist:
                    messages.append(checks.Error(
                        f"UPCROSS['CSV_LOOKUP_FIELDS'] has {name!r}, which is not a field of "
                        f"{model._meta.label}.",
                        hint="Name 'pk' or unique fields of the product model, such as 'sku'.",
                        id="upcross.E051"))
    return messages


@checks.register(checks.Tags.admin)
def check_product_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    model = _product_model()
    if model is None or "upcross" not in {
            config.label for config in apps.get_app_configs()}:
        return []
    model_admin = admin.site._registry.get(model)
    if model_admin is not None and model_admin.search_fields:
        return []
    return [checks.Warning(
        f"{model._meta.label} has no ModelAdmin with search_fields on the default admin "
        "site: upcross's relation forms use a raw-id input instead of an autocomplete.",
        hint="Register your product admin with search_fields = ['name', 'sku'] (or similar); "
             "also add UpcrossProductAdminMixin to it to edit relations on the product page.",
        id="upcross.W050")]
