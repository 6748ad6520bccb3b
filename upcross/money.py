"""Money arithmetic shared by bundles and cart pricing: rounding and percent discounts.

Amounts are ``Decimal`` throughout. A discount is rounded once, to ``PRICE_QUANTUM``
(the currency's minor unit) with ``PRICE_ROUNDING`` (a ``decimal`` rounding mode's
name, ``ROUND_HALF_UP`` by default).
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from upcross.conf import upcross_settings

ZERO = Decimal("0")


def quantize(amount: Decimal) -> Decimal:
    """Round to ``PRICE_QUANTUM`` with ``PRICE_ROUNDING`` (a ``decimal`` constant's name)."""
    rounding = upcross_settings.PRICE_ROUNDING
    if not rounding.startswith("ROUND_") or not hasattr(decimal, rounding):
        raise ValueError(f"UPCROSS['PRICE_ROUNDING'] = {rounding!r} is not a decimal rounding mode")
    return amount.quantize(upcross_settings.PRICE_QUANTUM, rounding=getattr(decimal, rounding))


def discount_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded once (:func:`quantize`)."""
    return quantize(amount * percent / Decimal(100))
