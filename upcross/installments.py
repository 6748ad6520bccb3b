"""Installments: "or 12 x Rp 499.917" next to a pricier choice.

A shop states its plans in ``UPCROSS["INSTALLMENTS"]`` (off when empty, the default)::

    "INSTALLMENTS": [
        {"months": 3, "min_amount": 500_000},
        {"months": 12, "min_amount": 3_000_000, "interest": 0},   # yearly %, 0: none
    ]

For a price, the plan with the most months whose minimum the price reaches is shown
(the smallest monthly amount): ``amount = price / months`` without interest, else the
annuity payment at ``interest / 12`` % a month, rounded like every upcross price
(``PRICE_QUANTUM``, ``PRICE_ROUNDING``). A shop with its own rules (per product, per
payment provider) overrides ``ShopAdapter.installment(price, product)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from upcross.money import quantize


@dataclass(frozen=True)
class Plan:
    months: int
    min_amount: Decimal = Decimal("0")
    interest: Decimal = Decimal("0")  # yearly, in percent


@dataclass(frozen=True)
class Installment:
    """What to show: ``months`` payments of ``amount``."""

    months: int
    amount: Decimal
    interest: Decimal = Decimal("0")


def plans_from(raw: Iterable[Mapping[str, Any]] | None) -> list[Plan]:
    """The setting's plans (the system check reports malformed ones; they are skipped)."""
    plans = []
    for entry in raw or ():
        try:
            plan = Plan(months=int(entry["months"]),
                        min_amount=Decimal(str(entry.get("min_amount", 0))),
                        interest=Decimal(str(entry.get("interest", 0))))
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
            continue
        if plan.months >= 1 and plan.min_amount >= 0 and plan.interest >= 0:
            plans.append(plan)
    return plans


def plan_error(entry: Any) -> str | None:
    """What is wrong with one plan of the setting, in words (``None``: nothing)."""
    if not isinstance(entry, Mapping):
        return "is not a dict"
    unknown = set(entry) - {"months", "min_amount", "interest"}
    if unknown:
        return f"has unknown keys {sorted(unknown)}"
    months = entry.get("months")
    if isinstance(months, bool) or not isinstance(months, int) or months < 2:
        return "needs 'months', a whole number of 2 or more"
    for key in ("min_amount", "interest"):
        value = entry.get(key, 0)
        if isinstance(value, bool):
            return f"'{key}' is not a number"
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return f"'{key}' is not a number"
        if not number.is_finite() or number < 0:
            return f"'{key}' is below 0"
    return None


def monthly_amount(price: Decimal, plan: Plan) -> Decimal:
    if plan.interest == 0:
        return quantize(price / plan.months)
    rate = plan.interest / Decimal(1200)
    return quantize(price * rate / (1 - (1 + rate) ** -plan.months))


def best_plan(price: Decimal | None, plans: Iterable[Plan]) -> Installment | None:
    """The longest plan ``price`` qualifies for (ties: the lower interest)."""
    if price is None or price <= 0:
        return None
    fitting = [plan for plan in plans if price >= plan.min_amount and plan.months >= 2]
    if not fitting:
        return None
    plan = max(fitting, key=lambda p: (p.months, -p.interest))
    return Installment(months=plan.months, amount=monthly_amount(price, plan),
                       interest=plan.interest)
