"""The suite against a second shop shape, configured for upcross by settings alone.

Standalone on purpose: it imports nothing from ``demo_shop`` and installs none of
its apps, which proves upcross's migrations never depend on the demo shop.
The shape (``tests/altshop``): UUID product keys under another app label,
many-to-many categories, prices on stock records, variants, guest orders without
a status, and an add-to-cart URL that takes the pk in its path plus a quantity.
"""

from __future__ import annotations

from pathlib import Path

from tests.settings_base import (
    CONTEXT_PROCESSORS,
    FALLBACK_OFF,
    STANDALONE_SETTINGS,
    service_settings,
)

UPCROSS_TEST_SHOP = "altshop"

BASE_DIR = Path(__file__).resolve().parent / "altshop"
SECRET_KEY = "altshop-tests-only"
globals().update(STANDALONE_SETTINGS)
globals().update(service_settings("upcross_alt"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_celery_beat",
    "upcross",
    "tests.altshop.catalog",
    "tests.altshop.ordering",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "upcross.middleware.PageMiddleware",
]

ROOT_URLCONF = "tests.altshop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": CONTEXT_PROCESSORS},
    }
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

UPCROSS_PRODUCT_MODEL = "altcatalog.Item"
UPCROSS = {
    "ORDER_LINE_MODEL": "altorders.Line",
    "ORDER_LINE_FIELDS": {
        "order": "order",
        "product": "item",  # the variant bought
        "quantity": "qty",
        "customer": "order__customer",  # null for guest orders
        "placed_at": "order__placed_on",
    },
    "ORDER_LINE_FILTER": "tests.altshop.hooks.real_order_lines",
    "PRODUCT_FIELDS": {"price": "stockrecords__price", "category": "sections", "parent": "parent"},
    "PRODUCT_AVAILABLE": {"is_public": True},
    "ADD_TO_CART_URL": "tests.altshop.hooks.add_to_cart",
    "ADD_TO_CART_PRODUCT_PARAM": "item",
    "SWAP_CART_LINE_URL": "basket:swap",
    "FALLBACK": FALLBACK_OFF,
}
