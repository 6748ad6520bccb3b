"""The suite against the demo shop's shape (integer pks, plain fields)."""

from __future__ import annotations

from demo_shop.settings import *  # noqa: F403
from tests.settings_base import FALLBACK_OFF, service_settings

UPCROSS_TEST_SHOP = "demo"

globals().update(service_settings("upcross"))
# No holdout unless a test asks for one: a held-out visitor would see no widgets.
# Installments off, the default: tests/test_installments.py turns them on. Impressions
# counted on render (the default) unless a test asks for the script's "seen".
UPCROSS = {**UPCROSS, "HOLDOUT_SHARE": 0, "FALLBACK": FALLBACK_OFF,  # noqa: F405
           "INSTALLMENTS": [], "IMPRESSIONS": "render"}
MEDIA_ROOT = "/tmp/upcross-test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
