"""Admin for the demo catalog."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from demo_shop.catalog.models import Category, Product
from upcross.admin import UpcrossProductAdminMixin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "product_count")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description=_("products"), ordering="product_count")
    def product_count(self, obj: Category) -> int:
        return obj.product_count  # type: ignore[attr-defined]


@admin.register(Product)
class ProductAdmin(UpcrossProductAdminMixin, admin.ModelAdmin):
    list_display = ("thumbnail", "name", "sku", "category", "price", "stock", "is_active")
    list_display_links = ("thumbnail", "name")
    list_editable = ("price", "stock", "is_active")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("name", "sku")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "sku", "category", "description")}),
        (_("Price and stock"), {"fields": ("price", "cost", "stock", "is_active")}),
        (_("Picture"), {"fields": ("image", "color")}),
        (_("History"), {"fields": ("created_at",), "classes": ("collapse",)}),
    )
    # upcross: UpcrossProductAdminMixin adds the "Add this too" / "Upgrade to" inlines.
    inlines: list = []

    @admin.display(description=_("picture"))
    def thumbnail(self, obj: Product) -> str:
        return format_html('<img src="{}" alt="" width="48" height="36" style="border-radius:4px">',
                           obj.image_url)
