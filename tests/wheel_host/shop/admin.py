from django.contrib import admin

from shop.models import Product
from upcross.admin import UpcrossProductAdminMixin


@admin.register(Product)
class ProductAdmin(UpcrossProductAdminMixin, admin.ModelAdmin):
    search_fields = ["name"]
