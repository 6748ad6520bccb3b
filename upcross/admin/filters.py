"""List filters of the relations changelist."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter


class SourceCategoryFilter(admin.SimpleListFilter):
    """The source product's category, as ``PRODUCT_FIELDS["category"]`` defines it.

    Works for a foreign key, a many-to-many relation (a product in several
    categories is listed under each) or a callable.
    """

    title = _("source category")
    parameter_name = "source_category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        adapter = get_adapter()
        labels = adapter.category_labels(adapter.category_values())
        return sorted(((str(value), label) for value, label in labels.items()),
                      key=lambda item: item[1].lower())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        try:
            products = get_adapter().products_in_category(value)
            return queryset.filter(source__in=products.values("pk"))
        except (ValueError, TypeError, ValidationError) as exc:  # not a category key
            raise IncorrectLookupParameters(exc) from exc


class ReviewFilter(admin.SimpleListFilter):
    """Mined suggestions nobody has accepted, blocked or marked reviewed yet."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("new", _("New mined suggestions")), ("reviewed", _("Reviewed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "new":
            return queryset.filter(origin="mined", status="active", reviewed_at__isnull=True)
        if self.value() == "reviewed":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset
