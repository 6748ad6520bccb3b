"""The suite's third shop shape: an unmodified django-oscar 4.2 shop from PyPI.

Oscar's own apps, models and migrations; upcross added the way the README's "django-oscar"
section says, with the contrib preset and nothing written for the shop (no hook). Only
tests marked ``shop("oscar")`` run against it (``tests/test_oscar.py``).
"""

from __future__ import annotations

from pathlib import Path

from oscar import INSTALLED_APPS as OSCAR_APPS
from oscar.defaults import *  # noqa: F403

from tests.settings_base import CONTEXT_PROCESSORS, STANDALONE_SETTINGS, service_settings
from upcross.contrib.oscar.settings import (
    UPCROSS_OSCAR,
    UPCROSS_OSCAR_APPS,
    UPCROSS_OSCAR_PRODUCT_MODEL,
)

UPCROSS_TEST_SHOP = "oscar"

BASE_DIR = Path(__file__).resolve().parent / "oscarshop"
SECRET_KEY = "oscarshop-tests-only"
globals().update(STANDALONE_SETTINGS)
globals().update(service_settings("upcross_oscar"))
SITE_ID = 1

INSTALLED_APPS = [*OSCAR_APPS, *UPCROSS_OSCAR_APPS]
UPCROSS_PRODUCT_MODEL = UPCROSS_OSCAR_PRODUCT_MODEL
UPCROSS = {**UPCROSS_OSCAR}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "upcross.analytics.middleware.HoldoutMiddleware",
    "upcross.middleware.PageMiddleware",
]
ROOT_URLCONF = "tests.oscarshop.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        *CONTEXT_PROCESSORS,
        "oscar.apps.search.context_processors.search_form",
        "oscar.apps.checkout.context_processors.checkout",
        "oscar.core.context_processors.metadata",
        "oscar.apps.communication.notifications.context_processors.notifications",
    ]},
}]
AUTHENTICATION_BACKENDS = ["oscar.apps.customer.auth_backends.EmailBackend",
                           "django.contrib.auth.backends.ModelBackend"]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_DEFAULT_CURRENCY = "EUR"

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MEDIA_ROOT = "/tmp/upcross-test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
