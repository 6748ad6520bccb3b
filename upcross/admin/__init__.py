"""Merchandiser screens in Django admin, and the inline/mixin for the host's ProductAdmin.

Registered on the default admin site. For the host's ProductAdmin, one line::

    class ProductAdmin(UpcrossProductAdminMixin, admin.ModelAdmin): ...
"""

from __future__ import annotations

from django.contrib import admin

from upcross.admin import checks  # noqa: F401  (registers the admin checks)
from upcross.admin.bundles import BundleAdmin
from upcross.admin.inlines import (
    ComplementsInline,
    UpcrossProductAdminMixin,
    UpgradesInline,
    upcross_inlines,
)
from upcross.admin.relations import ProductRelationAdmin
from upcross.admin.report import WidgetReportAdmin
from upcross.admin.rules import UpgradeRuleAdmin
from upcross.admin.runs import MiningRunAdmin
from upcross.models import MiningRun, ProductRelation, UpgradeRule, WidgetDailyStat

__all__ = [
    "BundleAdmin",
    "ComplementsInline",
    "MiningRunAdmin",
    "ProductRelationAdmin",
    "UpcrossProductAdminMixin",
    "UpgradeRuleAdmin",
    "UpgradesInline",
    "WidgetReportAdmin",
    "upcross_inlines",
]

admin.site.register(ProductRelation, ProductRelationAdmin)
admin.site.register(MiningRun, MiningRunAdmin)
admin.site.register(UpgradeRule, UpgradeRuleAdmin)
admin.site.register(WidgetDailyStat, WidgetReportAdmin)
