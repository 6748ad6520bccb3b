from __future__ import annotations

from django.contrib import admin

from tests.altshop.catalog.models import Item, Section, StockRecord
from upcross.admin import UpcrossProductAdminMixin


class StockRecordInline(admin.TabularInline):
    model = StockRecord
    extra = 0


@admin.register(Item)
class ItemAdmin(UpcrossProductAdminMixin, admin.ModelAdmin):
    list_display = ("title", "slug", "is_public", "parent")
    list_filter = ("is_public", "sections")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (StockRecordInline,)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    search_fields = ("name",)
