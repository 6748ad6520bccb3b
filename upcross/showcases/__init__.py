"""Showcases: ranked product lists that are not about one product or one cart line.

Built in: ``best_sellers`` (time-decayed, overall or per category), ``on_offer``
(products in an open limited-time relation or bundle, ending soonest first) and
``for_you`` (from what the visitor viewed, carted and bought). Add one with
:func:`register` (a :class:`Showcase` subclass instance); it then has a template tag
(``{% upcross_showcase "name" %}``), a data tag, an API endpoint
(``showcases/<name>/``), merchandiser pins and blocks, and a funnel in the report.
"""

from __future__ import annotations

from typing import Any

from upcross.showcases.registry import Ranked, Scope, Showcase, get, is_showcase, names, register
from upcross.showcases.visitor import (
    VIEWED_SESSION_KEY,
    Visitor,
    make_visitor,
    recent_product_ids,
    visitor_of,
)

__all__ = ["VIEWED_SESSION_KEY", "Ranked", "Scope", "Showcase", "Visitor", "get", "is_showcase",
           "make_visitor", "names", "recent_product_ids", "register", "showcase", "visitor_of"]


def showcase(name: str, limit: int | None = None, **kwargs: Any) -> Any:
    """:func:`upcross.showcases.reading.showcase` (imported on use: it needs the models)."""
    from upcross.showcases.reading import showcase as read

    return read(name, limit, **kwargs)
