"""Bundle discounts for the host's cart: ``price_cart(lines) -> CartPricing``.

The host calls this where it prices a cart (the cart page, checkout)::

    from upcross.pricing import price_cart

    pricing = price_cart(cart.lines)       # objects with .product and .quantity
    order.discount = pricing.discount_total
    order.total = pricing.total

Rules:

- A bundle's discount applies only when the cart holds every product of it, each in
  its bundle quantity; with more, to each *complete* set (2 A + 1 B buys one A+B
  bundle). Partial bundles get nothing.
- Bundles that share products are applied greedily, the largest saving per set
  first; a unit of a product counts towards one bundle only.
- Unit prices are the line's ``unit_price`` (if it has one, e.g. an order line),
  else the product's price from the adapter (``PRODUCT_FIELDS["price"]``).
- A discount is ``sets * regular price of one set * percent / 100``, rounded once
  per bundle to ``PRICE_QUANTUM`` (the currency's minor unit) with
  ``PRICE_ROUNDING`` (``ROUND_HALF_UP`` by default). Money is ``Decimal`` throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from upcross.adapters import get_adapter
from upcross.bundles import BundleOffer, bundles_for
from upcross.money import ZERO, discount_of


@dataclass(frozen=True)
class PricedLine:
    product: models.Model
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class BundleDiscount:
    """One bundle applied ``count`` times (complete sets) for ``amount`` off."""

    key: str
    name: str
    products: tuple[models.Model, ...]
    count: int
    percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CartPricing:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discounts: tuple[BundleDiscount, ...] = field(default_factory=tuple)

    @property
    def discount_total(self) -> Decimal:
        return sum((d.amount for d in self.discounts), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total

    def paid_per_line(self) -> dict[Any, Decimal]:
        """``{product pk: the line's total after its bundles' discounts}``: each bundle's
        discount shared among its products by their list price (what analytics credits
        a widget with)."""
        paid = {line.product.pk: line.total for line in self.lines}
        unit = {line.product.pk: line.unit_price for line in self.lines}
        for discount in self.discounts:
            members = [p.pk for p in discount.products if p.pk in paid]
            weight = sum((unit[pk] for pk in members), ZERO)
            if not members or weight <= 0:
                continue
            left = discount.amount
            for pk in members[:-1]:
                part = discount_of(discount.amount * unit[pk] / weight, Decimal(100))
                paid[pk] -= part
                left -= part
            paid[members[-1]] -= left
        return paid


def price_cart(lines: Iterable[Any],
               bundles: Sequence[BundleOffer] | None = None) -> CartPricing:
    """Price ``lines`` (products, ``(product, quantity)`` pairs, or objects with
    ``.product``/``.quantity`` and optionally ``.unit_price``) with bundle discounts.

    ``bundles``: the :class:`~upcross.bundles.BundleOffer` s to consider; by default
    the bundles shown on the pages of the cart's products (``bundles.bundles_for``).
    Raises ``ValueError`` for a quantity below 1 or a product without a price.
    """
    priced = _priced_lines(lines)
    subtotal = sum((line.total for line in priced), ZERO)
    if not priced:
        return CartPricing(lines=(), subtotal=subtotal)
    if bundles is None:
        bundles = bundles_for([line.product for line in priced])
    unit = {line.product.pk: line.unit_price for line in priced}
    left = {line.product.pk: line.quantity for line in priced}

    def set_saving(bundle: BundleOffer) -> Decimal:
        needs = bundle.needs
        if not needs or any(pk not in unit for pk in needs):
            return ZERO
        return sum((unit[pk] * qty for pk, qty in needs.items()), ZERO) * bundle.percent

    discounts = []
    for bundle in sorted(bundles, key=lambda b: (-set_saving(b), b.key)):
        needs = bundle.needs
        if not needs or bundle.percent <= 0 or any(pk not in left for pk in needs):
            continue
        count = min(left[pk] // qty for pk, qty in needs.items())
        if count < 1:
            continue
        for pk, qty in needs.items():
            left[pk] -= qty * count
        regular = sum((unit[pk] * qty for pk, qty in needs.items()), ZERO)
        discounts.append(BundleDiscount(
            key=bundle.key, name=bundle.name, products=tuple(bundle.products), count=count,
            percent=bundle.percent, amount=discount_of(regular * count, bundle.percent),
        ))
    return CartPricing(lines=tuple(priced), subtotal=subtotal, discounts=tuple(discounts))


def _priced_lines(lines: Iterable[Any]) -> list[PricedLine]:
    """Merge lines of the same product; fetch missing unit prices in one query."""
    model = get_adapter().product_model()
    merged: dict[Any, list[Any]] = {}
    for line in lines:
        if isinstance(line, tuple):
            product, quantity, unit_price = line[0], line[1], None
        elif isinstance(line, model):
            product, quantity, unit_price = line, 1, None
        else:
            product = getattr(line, "product", None)
            quantity = getattr(line, "quantity", 1)
            unit_price = getattr(line, "unit_price", None)
        if not isinstance(product, models.Model) or product.pk is None:
            raise ValueError(f"a cart line needs a saved product, not {product!r}")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError(f"quantity must be a whole number of 1 or more, not {quantity!r}")
        if product.pk in merged:
            merged[product.pk][1] += quantity
        else:
            merged[product.pk] = [product, quantity, unit_price]
    missing = [pk for pk, (_p, _q, price) in merged.items() if price is None]
    facts = get_adapter().product_facts(missing) if missing else {}
    priced = []
    for pk, (product, quantity, price) in merged.items():
        if price is None:
            price = facts[pk].price
        if price is None:
            raise ValueError(f"product {pk!r} has no price")
        priced.append(PricedLine(product=product, quantity=quantity,
                                 unit_price=price if isinstance(price, Decimal)
                                 else Decimal(str(price))))
    return priced
