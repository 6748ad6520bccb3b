"""A session basket keyed by item UUID: just enough to take the widgets' posts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from tests.altshop.catalog.models import Item

SESSION_KEY = "altshop_basket"
MAX_QUANTITY = 99


@dataclass
class BasketLine:
    product: Item
    quantity: int
    price: Decimal | None


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class Basket:
    def __init__(self, session: SessionBase) -> None:
        self.session = session
        stored = session.get(SESSION_KEY, {})
        self.quantities: dict[str, int] = {
            str(key): min(qty, MAX_QUANTITY)
            for key, qty in (stored.items() if isinstance(stored, dict) else ())
            if _is_uuid(key) and isinstance(qty, int) and qty > 0
        }

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.quantities
        self.session.modified = True

    def add(self, item: Item, quantity: int) -> None:
        key = str(item.pk)
        self.quantities[key] = min(self.quantities.get(key, 0) + quantity, MAX_QUANTITY)
        self._save()

    def swap(self, old_pk: object, new: Item) -> bool:
        """Replace the line of ``old_pk`` by ``new``, keeping its place and quantity."""
        old_key = str(old_pk)
        if old_key not in self.quantities:
            return False
        self.quantities = {
            (str(new.pk) if key == old_key else key): qty
            for key, qty in self.quantities.items()
            if key != str(new.pk) or key == old_key
        }
        self._save()
        return True

    def __len__(self) -> int:
        return len(self.quantities)

    def __iter__(self) -> Iterator[BasketLine]:
        from upcross.adapters import get_adapter

        items = Item.objects.in_bulk(list(self.quantities))
        facts = get_adapter().product_facts(items)
        for key, qty in self.quantities.items():
            item = items.get(uuid.UUID(key))
            if item is not None:
                yield BasketLine(product=item, quantity=qty, price=facts[item.pk].price)
