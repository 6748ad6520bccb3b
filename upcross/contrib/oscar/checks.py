"""System check: the Oscar templates of upcross only win when this app comes first."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks


@checks.register()
def check_app_order(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    names = [config.name for config in apps.get_app_configs()]
    if "upcross" in names and names.index("upcross.contrib.oscar") > names.index("upcross"):
        return [checks.Warning(
            '"upcross.contrib.oscar" comes after "upcross" in INSTALLED_APPS: widget prices '
            "are shown without Oscar's currency format.",
            hint="Use UPCROSS_OSCAR_APPS from upcross.contrib.oscar.settings, in its order.",
            id="upcross.W201")]
    return []
