"""Settings of the upcross demo shop.

SQLite and local memory by default; ``DATABASE_URL`` and ``REDIS_URL`` switch
to PostgreSQL and Redis (Redis then also is the Celery broker).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("DEMO_DATA_DIR", REPO_DIR / ".demo-data"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_celery_beat",
    "upcross",
    "demo_shop.catalog",
    "demo_shop.orders",
    "demo_shop.cart",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "upcross.analytics.middleware.HoldoutMiddleware",
    "upcross.middleware.PageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_shop.urls"
WSGI_APPLICATION = "demo_shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "demo_shop.cart.context_processors.cart",
            ],
        },
    }
]


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        return dj_database_url.parse(url, conn_max_age=60)
    # SQLite does not create the directory of its file: a fresh clone has no .demo-data yet.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "demo.sqlite3"}


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Short socket timeouts: a hung Redis costs a page 0.25 s once, not its whole hang.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "demo",
                          "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}}
    CELERY_BROKER_URL = REDIS_URL
    # A result backend lets a partitioned recompute fan out over the workers (a chord).
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # Without Redis the demo runs tasks in the web process.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Indonesian")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

LOGIN_URL = "admin:login"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "shop@demo.invalid"

UPCROSS_PRODUCT_MODEL = "catalog.Product"
UPCROSS = {
    "ORDER_LINE_MODEL": "orders.OrderLine",
    "ORDER_LINE_FIELDS": {
        "order": "order",
        "product": "product",
        "quantity": "quantity",
        "customer": "order__customer",
        "placed_at": "order__created_at",
    },
    "ORDER_LINE_FILTER": {"order__status": "paid"},
    "PRODUCT_FIELDS": {"price": "price", "category": "category", "parent": None},
    "PRODUCT_AVAILABLE": {"is_active": True},
    "ADD_TO_CART_URL": "cart:add",
    "ADD_TO_CART_PRODUCT_PARAM": "product_id",
    "SWAP_CART_LINE_URL": "cart:swap",
    # Bundles ("buy all and save 10 %"), priced in whole rupiah; free shipping from Rp 500.000;
    # "complete your set" e-mails a week after an order (printed to the console).
    "ADD_MANY_TO_CART_URL": "cart:add_many",
    "PRICE_QUANTUM": "1",
    "FREE_SHIPPING_THRESHOLD": 500000,
    "FOLLOW_UP_ENABLED": True,
    "SITE_URL": os.environ.get("DEMO_SITE_URL", "http://127.0.0.1:8000"),
    "REPEAT_PURCHASE_CATEGORIES": [],
    # "or 12 x Rp 499.917" on upgrades and the cart, interest-free.
    "INSTALLMENTS": [{"months": 3, "min_amount": 1_000_000},
                     {"months": 12, "min_amount": 3_000_000}],
    # Off by default so whoever tries the demo sees the widgets; DEMO_HOLDOUT_SHARE=0.1
    # holds one visitor in ten out, and the admin report then measures the difference.
    "HOLDOUT_SHARE": float(os.environ.get("DEMO_HOLDOUT_SHARE", "0")),
    # Every page carries {% upcross_tracking %}: an impression is a widget seen on screen.
    "IMPRESSIONS": "seen",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"upcross": {"handlers": ["console"], "level": "INFO"}},
}
