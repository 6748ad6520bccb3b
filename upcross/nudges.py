"""The free-shipping nudge: "Add Rp 25.000 more for free shipping".

Below ``FREE_SHIPPING_THRESHOLD`` (the cart's total after bundle discounts, as
:func:`upcross.pricing.price_cart` computes it), the nudge names the gap and
suggests cart complements, those that close the gap on their own first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from upcross import pricing, recommend
from upcross.conf import upcross_settings
from upcross.recommend import Recommendation


@dataclass(frozen=True)
class FreeShippingNudge:
    threshold: Decimal
    total: Decimal
    suggestions: list[Recommendation] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        """What is missing (``0`` once shipping is free)."""
        return max(self.threshold - self.total, Decimal("0"))

    @property
    def reached(self) -> bool:
        return self.gap == 0

    @property
    def progress(self) -> int:
        """Percent of the way to the threshold (for a progress bar)."""
        if self.threshold <= 0:
            return 100
        return int(min(self.total / self.threshold, Decimal(1)) * 100)


def free_shipping(items: Iterable[Any], limit: int | None = 2, customer: Any = None,
                  total: Decimal | None = None) -> FreeShippingNudge | None:
    """The nudge for a cart, or ``None`` without a threshold or with an empty cart.

    ``total``: the cart's total after bundle discounts, when the caller has priced it
    already (``upcross.pricing.price_cart(items).total``); else it is priced here.
    """
    threshold = upcross_settings.FREE_SHIPPING_THRESHOLD
    lines = list(items)
    if threshold is None or not lines:
        return None
    total = pricing.price_cart(lines).total if total is None else Decimal(total)
    nudge = FreeShippingNudge(threshold=threshold, total=total)
    if nudge.reached or limit == 0:
        return nudge
    suggestions = recommend.cart_complements(lines, limit=limit, customer=customer,
                                             gap=nudge.gap)
    return FreeShippingNudge(threshold=threshold, total=total, suggestions=list(suggestions))
