"""A session cart: product pk -> quantity, stored in the session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from demo_shop.catalog.models import Product

SESSION_KEY = "demo_cart"


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
        self.quantities: dict[str, int] = dict(session.get(SESSION_KEY, {}))
        self._lines: list[CartLine] | None = None

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.quantities
        self.session.modified = True
        self._lines = None

    def add(self, product: Product, quantity: int = 1) -> None:
        key = str(product.pk)
        self.quantities[key] = self.quantities.get(key, 0) + max(1, quantity)
        self._save()

    def set_quantity(self, product_pk: int, quantity: int) -> None:
        key = str(product_pk)
        if quantity <= 0:
            self.quantities.pop(key, None)
        elif key in self.quantities:
            self.quantities[key] = quantity
        self._save()

    def remove(self, product_pk: int) -> None:
        self.set_quantity(product_pk, 0)

    def replace(self, old_pk: int, new_product: Product) -> None:
        """Swap a line for another product, keeping its quantity and place."""
        old_key, new_key = str(old_pk), str(new_product.pk)
        if old_key not in self.quantities:
            return
        quantity = self.quantities.pop(old_key)
        self.quantities[new_key] = self.quantities.get(new_key, 0) + quantity
        self._save()

    def clear(self) -> None:
        self.quantities = {}
        self._save()

    @property
    def lines(self) -> list[CartLine]:
        if self._lines is None:
            products = Product.objects.filter(
                pk__in=[int(pk) for pk in self.quantities], is_active=True
            ).in_bulk()
            self._lines = [
                CartLine(product=products[int(pk)], quantity=qty)
                for pk, qty in self.quantities.items()
                if int(pk) in products
            ]
        return self._lines

    def __iter__(self) -> Iterator[CartLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return sum(self.quantities.values())

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))
