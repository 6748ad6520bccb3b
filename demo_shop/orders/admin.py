"""Admin for demo orders: an order with its lines inline."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from demo_shop.catalog.templatetags.shop import format_money
from demo_shop.orders.models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("product",)
    fields = ("product", "quantity", "unit_price")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_at", "customer", "email", "status", "display_total",
                    "line_count")
    list_filter = ("status", "created_at")
    list_select_related = ("customer",)
    search_fields = ("=id", "email", "customer__username", "customer__email")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer",)
    inlines = [OrderLineInline]
    list_per_page = 50

    @admin.display(description=_("total"), ordering="total")
    def display_total(self, obj: Order) -> str:
        return format_money(obj.total)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        return super().get_queryset(request).annotate(line_count=Count("lines"))

    @admin.display(description=_("lines"), ordering="line_count")
    def line_count(self, obj: Order) -> int:
        return obj.line_count  # type: ignore[attr-defined]
