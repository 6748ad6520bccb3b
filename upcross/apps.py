from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpcrossConfig(AppConfig):
    """Registers checks and receivers; queries nothing, imports no host model."""

    name = "upcross"
    label = "upcross"
    verbose_name = _("Cross-sell & upsell")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from upcross import checks, handlers, schedule  # noqa: F401  (registration side effects)
        from upcross.showcases import builtin, similar, viewing  # noqa: F401  (built-ins)

        handlers.connect()
        schedule.connect(self)  # the nightly recompute PeriodicTask, on post_migrate
