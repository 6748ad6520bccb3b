"""A session cart: product pk -> quantity, stored in the session.

The session keeps insertion order, which is the order of the cart's lines;
swapping a line for another product keeps its place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from demo_shop.catalog.models import Product
from upcross.pricing import CartPricing, price_cart

SESSION_KEY = "demo_cart"
#: More than this of one product in one cart is a typo, not an order.
MAX_QUANTITY = 99


def clamp_quantity(quantity: int) -> int:
    return max(0, min(quantity, MAX_QUANTITY))


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


class Cart:
    def __init__(self, session: SessionBase) -> None:
        self.session = session
        stored = session.get(SESSION_KEY, {})
        # A tampered or outdated session must not break every page: keep sane entries only.
        self.quantities: dict[str, int] = {
            str(key): clamp_quantity(qty)
            for key, qty in (stored.items() if isinstance(stored, dict) else ())
            if str(key).isdigit() and isinstance(qty, int) and qty > 0
        }
        self._lines: list[CartLine] | None = None
        self._pricing: tuple[list[CartLine], CartPricing] | None = None

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.quantities
        self.session.modified = True
        self._lines = None

    def __contains__(self, product_pk: object) -> bool:
        return str(product_pk) in self.quantities

    def quantity_of(self, product_pk: int) -> int:
        return self.quantities.get(str(product_pk), 0)

    def add(self, product: Product, quantity: int = 1) -> None:
        key = str(product.pk)
        self.quantities[key] = clamp_quantity(self.quantities.get(key, 0) + max(1, quantity))
        self._save()

    def set_quantity(self, product_pk: int, quantity: int) -> None:
        key = str(product_pk)
        quantity = clamp_quantity(quantity)
        if quantity <= 0:
            self.quantities.pop(key, None)
        elif key in self.quantities:
            self.quantities[key] = quantity
        self._save()

    def remove(self, product_pk: int) -> None:
        self.set_quantity(product_pk, 0)

    def replace(self, old_pk: int, new_product: Product) -> bool:
        """Swap a line for another product, keeping its quantity and place.

        If the new product already has a line, the two lines merge at the old
        line's place. Returns ``False`` when the old product is not in the cart.
        """
        old_key, new_key = str(old_pk), str(new_product.pk)
        if old_key not in self.quantities:
            return False
        if old_key == new_key:
            return True
        moved = self.quantities[old_key] + self.quantities.get(new_key, 0)
        rebuilt: dict[str, int] = {}
        for key, quantity in self.quantities.items():
            if key == old_key:
                rebuilt[new_key] = clamp_quantity(moved)
            elif key != new_key:
                rebuilt[key] = quantity
        self.quantities = rebuilt
        self._save()
        return True

    def clear(self) -> None:
        self.quantities = {}
        self._save()

    @property
    def lines(self) -> list[CartLine]:
        """Lines of active products, in cart order (one query, cached per instance)."""
        if self._lines is None:
            products = (
                Product.objects.filter(pk__in=[int(pk) for pk in self.quantities], is_active=True)
                .select_related("category")
                .in_bulk()
            )
            self._lines = [
                CartLine(product=products[int(pk)], quantity=qty)
                for pk, qty in self.quantities.items()
                if int(pk) in products
            ]
        return self._lines

    def __iter__(self) -> Iterator[CartLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        """Number of items (sum of quantities), without a query: the header shows it."""
        return sum(self.quantities.values())

    @property
    def total(self) -> Decimal:
        """The lines' sum, before bundle discounts (``pricing.total`` is after them)."""
        return sum((line.total for line in self.lines), Decimal("0"))

    @property
    def pricing(self) -> CartPricing:
        """upcross's bundle discounts on the current lines (computed once per instance)."""
        lines = self.lines
        if self._pricing is None or self._pricing[0] is not lines:
            self._pricing = (lines, price_cart(lines))
        return self._pricing[1]
