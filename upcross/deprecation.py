"""Forwarding for modules that moved: the old import path keeps working, with a warning.

A moved module is replaced by a stub whose module-level ``__getattr__`` is
:func:`forward`: every name looked up on it is fetched from the new module and
a :class:`DeprecationWarning` names the new path.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def forward(old: str, new: str,
            renamed: Mapping[str, str] | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old`` that fetches names from ``new`` and warns.

    ``renamed`` maps an old name to its name in ``new``.
    """
    names = dict(renamed or {})

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        target = names.get(name, name)
        try:
            value = getattr(importlib.import_module(new), target)
        except AttributeError:
            raise AttributeError(f"module {old!r} has no attribute {name!r}") from None
        warnings.warn(f"{old}.{name} moved to {new}.{target}; the old path will be removed "
                      "in a future release.", DeprecationWarning, stacklevel=2)
        return value

    return __getattr__
