"""Curated bundles ("buy all and save"): where each is shown, its products, its discount."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from upcross.admin.relations import ProductAutocompleteMixin
from upcross.models import Bundle, BundleItem


class BundleItemFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        anchor = getattr(self.instance, "product_id", None)
        kept = [form for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        for form in kept:
            product = form.cleaned_data.get("product")
            if product is not None and product.pk == anchor:
                raise ValidationError(_("The bundle's own product is part of it already."))
        if not kept:
            raise ValidationError(_("A bundle needs at least one more product."))


class BundleItemInline(ProductAutocompleteMixin, admin.TabularInline):
    model = BundleItem
    formset = BundleItemFormSet
    product_fields = ("product",)
    fields = ("product", "quantity", "position")
    extra = 2


@admin.register(Bundle)
class BundleAdmin(ProductAutocompleteMixin, admin.ModelAdmin):
    product_fields = ("product",)
    list_display = ("__str__", "product", "discount_percent", "is_active", "starts_at",
                    "ends_at", "item_count")
    list_filter = ("is_active",)
    list_editable = ("is_active",)
    search_fields = ("name",)
    inlines = (BundleItemInline,)
    fieldsets = (
        (None, {"fields": ("name", "product", "discount_percent", "is_active")}),
        (_("Limited-time offer"), {"fields": ("starts_at", "ends_at")}),
    )

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("product").prefetch_related("items")

    @admin.display(description=_("products"))
    def item_count(self, obj: Bundle) -> int:
        return 1 + len(obj.items.all())
