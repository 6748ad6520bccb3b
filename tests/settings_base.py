"""Settings shared by every shop shape the suite runs against.

The database is PostgreSQL on its standard local port by default, or what
``UPCROSS_TEST_DATABASE`` names: ``postgres``, ``mariadb`` (127.0.0.1:3306, user root)
or ``sqlite`` (in memory). ``DATABASE_URL`` overrides the server of any of them, and
``UPCROSS_TEST_DB`` the database's base name (Django prefixes ``test_``).
"""

from __future__ import annotations

import os
from typing import Any

from tests.environment import database_url, redis_url, require_in_ci

SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "TEST": {"NAME": None}}

#: The fallback chain (``UPCROSS["FALLBACK"]``, on by default and in the demo) is off in
#: the suite: most tests assert what a product's own relations give, and an empty widget
#: for a product without any. tests/test_fallback.py and the demo-page tests turn it on.
FALLBACK_OFF = {"complements": False, "cart_complements": False}


def database_settings(db_name: str) -> tuple[dict, bool]:
    """``DATABASES["default"]`` and whether it is a server (not SQLite)."""
    backend = os.environ.get("UPCROSS_TEST_DATABASE", "postgres").lower()
    if backend == "sqlite":
        return dict(SQLITE), False
    if backend not in ("postgres", "mariadb"):
        raise ValueError(f"UPCROSS_TEST_DATABASE={backend!r}: use postgres, mariadb or sqlite")
    url = database_url(backend, os.environ.get("UPCROSS_TEST_DB", db_name))
    require_in_ci("PostgreSQL" if backend == "postgres" else "MariaDB", url is not None)
    if url is None:
        return dict(SQLITE), False
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("mysql"):
        # utf8mb4: every Unicode character (Polish, Indonesian, emoji in product names);
        # the server's default collation stays, as a shop's would (case-insensitive).
        config["OPTIONS"] = {"charset": "utf8mb4", **config.get("OPTIONS", {})}
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    return config, True


def cache_settings() -> tuple[dict, str | None]:
    url = redis_url()
    require_in_ci("Redis", url is not None)
    if url is None:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, None
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
            "KEY_PREFIX": f"upcross-test-{os.getpid()}",
            # short enough that an outage test never waits long; loose for a loaded CI box
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}}, url


def service_settings(db_name: str) -> dict[str, Any]:
    """What every shape takes from the services: the database, the cache, the Celery
    broker, and the flags the suite reads to skip a service's tests."""
    database = database_settings(db_name)[0]
    cache, redis = cache_settings()
    return {
        "DATABASES": {"default": database},
        "USES_POSTGRES": database["ENGINE"].endswith("postgresql"),
        "CACHES": {"default": cache},
        "REDIS_URL": redis,
        "USES_REDIS": redis is not None,
        "CELERY_BROKER_URL": redis or "memory://",
        "CELERY_RESULT_BACKEND": None,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }


#: What the standalone test shops (every shape but the demo's) set alike.
STANDALONE_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver", "127.0.0.1", "localhost"],
    "LANGUAGE_CODE": "en",
    "USE_I18N": True,
    "USE_TZ": True,
    "TIME_ZONE": "UTC",
    "STATIC_URL": "static/",
}

#: Template context processors of the standalone shops (a shape adds its own after them).
CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "django.template.context_processors.i18n",
]
