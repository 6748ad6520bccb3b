from __future__ import annotations

from django.apps import AppConfig


class AltOrdersConfig(AppConfig):
    name = "tests.altshop.ordering"
    label = "altorders"
    default_auto_field = "django.db.models.BigAutoField"
