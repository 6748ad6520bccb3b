"""Settings shared by both shop shapes the suite runs against."""

from __future__ import annotations

import os

from tests.services import postgres_url, redis_url, require_in_ci

#: The fallback chain (``UPCROSS["FALLBACK"]``, on by default and in the demo) is off in
#: the suite: most tests assert what a product's own relations give, and an empty widget
#: for a product without any. tests/test_fallback.py and the demo-page tests turn it on.
FALLBACK_OFF = {"complements": False, "cart_complements": False}


def database_settings(db_name: str) -> tuple[dict, bool]:
    url = postgres_url(os.environ.get("UPCROSS_TEST_DB", db_name))
    require_in_ci("PostgreSQL", url is not None)
    if url is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                "TEST": {"NAME": None}}, False
    import dj_database_url

    return dj_database_url.parse(url), True


def cache_settings() -> tuple[dict, str | None]:
    url = redis_url()
    require_in_ci("Redis", url is not None)
    if url is None:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, None
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
            "KEY_PREFIX": f"upcross-test-{os.getpid()}"}, url
