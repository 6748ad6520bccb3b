"""Merchandiser screens in Django admin, and the inline/mixin for the host's ProductAdmin.

Registered on the default admin site. For the host's ProductAdmin, one line::

    class ProductAdmin(UpcrossProductAdminMixin, admin.ModelAdmin): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from upcross.admin import checks  # (registers the admin checks)

__all__ = [
    "BundleAdmin",
    "ComplementRuleAdmin",
    "ComplementsInline",
    "FallbackPickAdmin",
    "MiningRunAdmin",
    "ProductRelationAdmin",
    "ShowcaseDecisionAdmin",
    "UpcrossProductAdminMixin",
    "UpgradeRuleAdmin",
    "UpgradesInline",
    "WidgetReportAdmin",
    "upcross_inlines",
]


class _Unconfigured:
    """Stands in for upcross's admin classes while ``UPCROSS_PRODUCT_MODEL`` is broken.

    The forms below point at the product model, so they cannot even be defined; the
    host's admin still imports (and ``check`` reports upcross.E001/E002, no traceback).
    """


def _unconfigured_inlines(*args: Any, **kwargs: Any) -> list[Any]:
    return []


# The checker reads the first branch (the names as they are when configured).
if TYPE_CHECKING or checks.product_model_installed():
    from upcross.admin.bundles import BundleAdmin
    from upcross.admin.complement_rules import ComplementRuleAdmin
    from upcross.admin.fallback import FallbackPickAdmin
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
    from upcross.admin.schedules import install as install_scoped_schedules
    from upcross.admin.showcases import ShowcaseDecisionAdmin
    from upcross.models import (
        ComplementRule,
        FallbackPick,
        MiningRun,
        ProductRelation,
        ShowcaseDecision,
        UpgradeRule,
        WidgetDailyStat,
    )

    admin.site.register(ProductRelation, ProductRelationAdmin)
    admin.site.register(MiningRun, MiningRunAdmin)
    admin.site.register(UpgradeRule, UpgradeRuleAdmin)
    admin.site.register(ComplementRule, ComplementRuleAdmin)
    admin.site.register(FallbackPick, FallbackPickAdmin)
    admin.site.register(WidgetDailyStat, WidgetReportAdmin)
    admin.site.register(ShowcaseDecision, ShowcaseDecisionAdmin)
    install_scoped_schedules()
else:
    BundleAdmin = ComplementsInline = MiningRunAdmin = ProductRelationAdmin = _Unconfigured
    UpcrossProductAdminMixin = UpgradeRuleAdmin = UpgradesInline = _Unconfigured
    ComplementRuleAdmin = FallbackPickAdmin = _Unconfigured
    WidgetReportAdmin = ShowcaseDecisionAdmin = _Unconfigured
    upcross_inlines = _unconfigured_inlines
