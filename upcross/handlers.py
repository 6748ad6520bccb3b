"""Signal receivers, connected from ``UpcrossConfig.ready()``."""

from __future__ import annotations


def connect() -> None:
    """Connect upcross's receivers (cache invalidation is added by the read path)."""
