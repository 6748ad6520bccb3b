"""Which real services the test run talks to.

Configured by env (``DATABASE_URL``, ``REDIS_URL``) or found on their standard
local ports. On a laptop without them the suite runs on SQLite and skips the
service tests, saying why; with ``CI=true`` a missing service is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_PATH = os.environ.get("UPCROSS_CHROMIUM", "/usr/bin/chromium")


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _url_reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    return tcp_open(parsed.hostname or "127.0.0.1", parsed.port or default_port)


DEFAULT_PORTS = {"postgres": 5432, "mariadb": 3306}
LOCAL_URLS = {
    "postgres": "postgres://postgres@127.0.0.1:5432/{name}",
    "mariadb": "mysql://root@127.0.0.1:3306/{name}",
}


def database_url(backend: str, db_name: str) -> str | None:
    """``DATABASE_URL`` if set and reachable, else the local server of ``backend``
    (``postgres`` or ``mariadb``) if it listens, else ``None``."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url if _url_reachable(url, DEFAULT_PORTS[backend]) else None
    if tcp_open("127.0.0.1", DEFAULT_PORTS[backend]):
        return LOCAL_URLS[backend].format(name=db_name)
    return None


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    return url if _url_reachable(url, 6379) else None


def chromium_available() -> bool:
    if not (os.path.exists(CHROMIUM_PATH) or shutil.which(CHROMIUM_PATH)):
        return False
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


class MissingServiceInCI(RuntimeError):
    pass


def require_in_ci(name: str, available: bool) -> None:
    if IN_CI and not available:
        raise MissingServiceInCI(
            f"{name} is not reachable, and CI=true forbids skipping its tests. "
            "Start it (see README, 'Running the tests')."
        )
