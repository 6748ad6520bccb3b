"""System checks of the admin integration (registered when the admin is imported).

- E050 ``PRODUCT_SEARCH_FIELDS`` names a field path that does not resolve
- E051 ``CSV_LOOKUP_FIELDS`` names something that is not a field of the product model
- W050 the product model's ModelAdmin is missing or has no ``search_fields``: relation
  forms fall back to a raw-id input instead of an autocomplete
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError

from upcross.conf import upcross_settings
from upcross.models import ProductRelation


def _product_model() -> Any:
    try:
        return apps.get_model(upcross_settings.PRODUCT_MODEL)
    except (ValueError, LookupError):
        return None  # upcross.E001/E002 report it


def product_model_installed() -> bool:
    """Whether upcross's foreign keys point at an installed model (forms can be built)."""
    target = ProductRelation._meta.get_field("source").remote_field.model
    return isinstance(target, type) and _product_model() is not None


def _is_list_of_str(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and all(
        isinstance(item, str) and item for item in value)


def _search_path_problem(model: Any, path: str) -> str | None:
    try:
        model._default_manager.filter(**{f"{path}__icontains": "x"}).query  # noqa: B018
    except (FieldError, FieldDoesNotExist, ValueError, TypeError) as exc:
        return f"which does not resolve on {model._meta.label}: {str(exc).splitlines()[0]}"
    return None


def _lookup_field_problem(model: Any, name: str) -> str | None:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return f"which is not a field of {model._meta.label}."
    return None


def _check_name_list(model: Any, key: str, *, check_id: str, must_be: str, example: str,
                     problem: Callable[[Any, str], str | None], fix: str
                     ) -> list[checks.CheckMessage]:
    """An optional ``UPCROSS[key]``: a list of non-empty strings, each (but ``pk``) valid.

    ``problem(model, name)`` says what is wrong with one name ("which ..."), or ``None``.
    """
    value = upcross_settings.merged.get(key)
    if value is None:
        return []
    if not _is_list_of_str(value):
        return [checks.Error(f"UPCROSS[{key!r}] must be {must_be}.", hint=example, id=check_id)]
    return [checks.Error(f"UPCROSS[{key!r}] has {name!r}, {reason}", hint=fix, id=check_id)
            for name in value if name != "pk" and (reason := problem(model, name)) is not None]


@checks.register(checks.Tags.admin)
def check_admin_product_fields(app_configs: Any = None, **kwargs: Any
                               ) -> list[checks.CheckMessage]:
    model = _product_model()
    if model is None:
        return []
    return [
        *_check_name_list(
            model, "PRODUCT_SEARCH_FIELDS", check_id="upcross.E050",
            must_be="a list of field paths",
            example="For example ['name', 'sku'], or None for name/sku/slug.",
            problem=_search_path_problem,
            fix="Use text field paths of the product model, e.g. 'name' or "
                "'stockrecords__partner_sku'."),
        *_check_name_list(
            model, "CSV_LOOKUP_FIELDS", check_id="upcross.E051",
            must_be="a list of field names",
            example="For example ['pk', 'sku'], or None for pk, then sku/slug.",
            problem=_lookup_field_problem,
            fix="Name 'pk' or unique fields of the product model, such as 'sku'."),
    ]


@checks.register(checks.Tags.admin)
def check_product_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    model = _product_model()
    if model is None or "upcross" not in {
            config.label for config in apps.get_app_configs()}:
        return []
    # Not through the adapter: a broken UPCROSS["ADAPTER"] is reported by its own check.
    model_admin = admin.site._registry.get(model)
    if model_admin is not None and model_admin.search_fields:
        return []
    return [checks.Warning(
        f"{model._meta.label} has no ModelAdmin with search_fields on the default admin "
        "site: upcross's relation forms use a raw-id input instead of an autocomplete.",
        hint="Register your product admin with search_fields = ['name', 'sku'] (or similar); "
             "also add UpcrossProductAdminMixin to it to edit relations on the product page.",
        id="upcross.W050")]
