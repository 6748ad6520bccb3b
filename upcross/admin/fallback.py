"""The fallback picks the last complements recompute stored, read-only: what a product
short of suggestions of its own gets, per category, and why (the evidence)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.admin.utils import ReadOnlyAdminMixin
from upcross.models import FallbackPick


class FallbackPickAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("category_label", "rank", "product", "origin", "via_label", "pair_count",
                    "confidence", "lift", "orders", "computed_at")
    list_filter = ("origin",)
    list_select_related = ("product",)
    ordering = ("category", "origin", "rank")

    @admin.display(description=_("for products of category"), ordering="category")
    def category_label(self, obj: FallbackPick) -> str:
        if not obj.category:
            return str(_("Whole catalogue (empty cart)"))
        return get_adapter().category_labels([obj.category]).get(obj.category, obj.category)

    @admin.display(description=_("via category"), ordering="via_category")
    def via_label(self, obj: FallbackPick) -> str:
        if not obj.via_category:
            return "—"
        return get_adapter().category_labels([obj.via_category]).get(obj.via_category,
                                                                     obj.via_category)
