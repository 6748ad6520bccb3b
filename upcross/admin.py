"""Merchandiser screens (basic registration; the admin issue deepens them)."""

from __future__ import annotations

from django.contrib import admin

from upcross.models import MiningRun, ProductRelation, UpgradeRule


@admin.register(ProductRelation)
class ProductRelationAdmin(admin.ModelAdmin):
    list_display = ("source", "target", "kind", "origin", "status", "position", "pair_count",
                    "confidence", "lift")
    list_filter = ("kind", "origin", "status")
    list_select_related = ("source", "target")
    raw_id_fields = ("source", "target")
    readonly_fields = ("pair_count", "support", "confidence", "lift", "score", "computed_at",
                       "created_at", "updated_at")


@admin.register(MiningRun)
class MiningRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "created_at", "duration", "orders_scanned",
                    "relations_created", "relations_updated", "relations_removed")
    list_filter = ("kind", "status")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(UpgradeRule)
class UpgradeRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "category", "min_price_increase", "max_price_increase",
                    "sort", "limit", "priority")
    list_editable = ("is_active", "priority")
