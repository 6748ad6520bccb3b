"""``override_settings`` helpers for the ``UPCROSS`` dict, shared by the tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from upcross.conf import MERGED_DICT_KEYS


def with_upcross(**changes: Any) -> dict[str, Any]:
    """The active shape's ``UPCROSS`` dict with ``changes`` applied.

    Field dicts (``MERGED_DICT_KEYS``) are merged key by key, as ``upcross.conf`` merges
    them with the defaults; every other key is replaced.
    """
    merged = dict(getattr(settings, "UPCROSS", {}))
    for key, value in changes.items():
        current = merged.get(key)
        if key in MERGED_DICT_KEYS and isinstance(value, dict) and isinstance(current, dict):
            merged[key] = {**current, **value}
        else:
            merged[key] = value
    return merged
