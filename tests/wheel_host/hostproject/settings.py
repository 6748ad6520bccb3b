"""The README's "Add upcross to your shop" settings, on the smallest shop there is."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "wheel-host-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
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
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "upcross.analytics.middleware.HoldoutMiddleware",
    "upcross.middleware.PageMiddleware",
]
ROOT_URLCONF = "hostproject.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
CELERY_BROKER_URL = "memory://"

UPCROSS_PRODUCT_MODEL = "shop.Product"
UPCROSS = {
    "ORDER_LINE_MODEL": "shop.OrderLine",
    "ORDER_LINE_FIELDS": {"order": "order", "product": "product", "quantity": "quantity",
                          "customer": "order__customer", "placed_at": "order__created_at"},
    "PRODUCT_FIELDS": {"price": "price", "category": None, "parent": None},
    "ADD_TO_CART_URL": "shop:add",
}
