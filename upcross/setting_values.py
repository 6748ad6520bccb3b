"""What a setting's value means: a URL used as is, a dotted path to a callable, a name.

Several settings take either a literal (a URL, a URL name, a field path) or a
callable given as an import path. These helpers tell them apart the same way
for the adapter that uses them and the system checks that validate them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string


def is_literal_url(value: object) -> bool:
    """A path such as ``/basket/add/`` (or an absolute URL): used as is, never reversed."""
    return isinstance(value, str) and (value.startswith("/") or "://" in value)


def is_dotted_path(value: object) -> bool:
    """A string with a dot names a callable to import; field paths use ``__`` only.

    A literal URL may contain dots too (``/cart/add.php``): it is not a dotted path.
    """
    return isinstance(value, str) and "." in value and not is_literal_url(value)


def resolve_callable(value: str | Callable[..., Any]) -> Callable[..., Any]:
    """``value`` itself if callable, else the object its dotted path names."""
    if callable(value):
        return value
    func: Callable[..., Any] = import_string(value)
    return func
