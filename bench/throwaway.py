"""A throwaway demo shop in this process, for the benches that call upcross directly.

The scripts import it as ``throwaway``: running ``python bench/for_you.py`` puts
``bench/`` first on ``sys.path``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def demo_shop(prefix: str, redis_url: str | None = None) -> None:
    """Set Django up on a fresh, migrated demo shop: SQLite in a new temporary directory
    (``DATABASE_URL`` is ignored), ``DEBUG`` off (no query log: measure what production
    runs), and the local-memory cache unless ``redis_url`` is given."""
    sys.path.insert(0, str(REPO))
    os.environ["DEMO_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_shop.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("DATABASE_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
