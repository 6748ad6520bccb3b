"""The Oscar integration app: signal wiring and template overrides."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpcrossOscarConfig(AppConfig):
    name = "upcross.contrib.oscar"
    label = "upcross_oscar"
    verbose_name = _("Cross-sell & upsell for django-oscar")

    def ready(self) -> None:
        from oscar.apps.basket.signals import basket_addition
        from oscar.apps.checkout.signals import post_checkout

        from upcross.contrib.oscar import checks, handlers  # noqa: F401  (registers checks)

        basket_addition.connect(handlers.basket_line_added,
                                dispatch_uid="upcross_oscar_basket_addition")
        post_checkout.connect(handlers.order_placed, dispatch_uid="upcross_oscar_post_checkout")
