from __future__ import annotations

from django.apps import AppConfig


class AltCatalogConfig(AppConfig):
    name = "tests.altshop.catalog"
    label = "altcatalog"
    default_auto_field = "django.db.models.BigAutoField"
