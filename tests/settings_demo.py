"""The suite against the demo shop's shape (integer pks, plain fields)."""

from __future__ import annotations

from demo_shop.settings import *  # noqa: F403
from tests.settings_base import FALLBACK_OFF, cache_settings, database_settings

UPCROSS_TEST_SHOP = "demo"

DATABASES = {"default": database_settings("upcross")[0]}
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
_cache, REDIS_URL = cache_settings()
CACHES = {"default": _cache}
USES_REDIS = REDIS_URL is not None
# No holdout unless a test asks for one: a held-out visitor would see no widgets.
# Installments off, the default: tests/test_installments.py turns them on. Impressions
# counted on render (the default) unless a test asks for the script's "seen".
UPCROSS = {**UPCROSS, "HOLDOUT_SHARE": 0, "FALLBACK": FALLBACK_OFF,  # noqa: F405
           "INSTALLMENTS": [], "IMPRESSIONS": "render"}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = "/tmp/upcross-test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
