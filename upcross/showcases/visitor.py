"""Who a personal showcase is for: what this visitor viewed, carted and bought.

``recent_product_ids(request)`` is the one place that knows where a visitor's recent
product views are kept. Views recorded by the tracking script land in the session
under :data:`VIEWED_SESSION_KEY` (most recent first); a host with its own history
may set ``request.upcross_viewed`` to a list of product pks instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Where a visitor's recently viewed product pks are kept in the session, newest first.
VIEWED_SESSION_KEY = "upcross_viewed"
#: A personal showcase looks at most this many of each signal.
MAX_SIGNALS = 20


@dataclass(frozen=True)
class Visitor:
    """Pks (as given) of what the visitor viewed (newest first) and has in the cart,
    and the signed-in customer's pk (their purchases are read from the orders)."""

    viewed: tuple[Any, ...] = ()
    cart: tuple[Any, ...] = ()
    customer: Any = None

    @property
    def is_new(self) -> bool:
        return not self.viewed and not self.cart and self.customer is None


def _pks(items: Iterable[Any] | None) -> tuple[Any, ...]:
    found: dict[str, Any] = {}
    for item in items or ():
        product = getattr(item, "product", item)
        pk = getattr(product, "pk", product)
        if pk is not None and pk != "":
            found.setdefault(str(pk), pk)
    return tuple(found.values())[:MAX_SIGNALS]


def recent_product_ids(request: Any) -> list[Any]:
    """Pks of the products this visitor viewed lately, newest first."""
    if request is None:
        return []
    given = getattr(request, "upcross_viewed", None)
    if given is not None:
        return list(_pks(given))
    session = getattr(request, "session", None)
    if session is None:
        return []
    try:
        stored = session.get(VIEWED_SESSION_KEY) or []
    except Exception:  # a broken session backend is no reason for a broken page
        return []
    return list(_pks(stored if isinstance(stored, (list, tuple)) else ()))


def visitor_of(request: Any, cart: Iterable[Any] | None = None, customer: Any = None) -> Visitor:
    """The visitor of ``request``: recent views, the cart given, the signed-in user."""
    if customer is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            customer = user
    return Visitor(viewed=tuple(recent_product_ids(request)), cart=_pks(cart),
                   customer=getattr(customer, "pk", customer))


def make_visitor(viewed: Iterable[Any] | None = None, cart: Iterable[Any] | None = None,
                 customer: Any = None) -> Visitor:
    """A visitor from plain values (the API, tests, benches)."""
    return Visitor(viewed=_pks(viewed), cart=_pks(cart), customer=getattr(customer, "pk", customer))
