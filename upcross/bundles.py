"""Bundle offers: "Frequently bought together: A + B + C — buy all and save 10 %".

A product's bundle is the merchandiser's curated :class:`~upcross.models.Bundle`
shown on its page (active, inside its window), or else one built from the
product and its top ``BUNDLE_SIZE - 1`` complements at ``BUNDLE_DISCOUNT_PERCENT``.
Built bundles use the complements every visitor sees (no customer, no cart
exclusions), so the bundle on the product page is the one the cart prices.

:mod:`upcross.pricing` applies the discount when the cart holds every product of a
bundle; this module only says which bundles exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross import recommend
from upcross.adapters import AddMany, AddToCart, get_adapter
from upcross.conf import upcross_settings
from upcross.display import ProductDisplayMixin
from upcross.models import Bundle
from upcross.money import ZERO, discount_of

TITLE = _("Frequently bought together")


@dataclass(frozen=True)
class BundlePart(ProductDisplayMixin):
    """One product of a bundle, ``quantity`` of it per bundle."""

    product: models.Model
    quantity: int
    price: Decimal | None

    #: What the shared product card reads: no reason line, no window of its own.
    reason = ""
    kind = "bundle"
    ends_at = None

    @cached_property
    def add_to_cart(self) -> AddToCart:
        return get_adapter().add_to_cart(self.product, self.quantity)


@dataclass(frozen=True)
class BundleOffer:
    """A bundle: its parts (the page's product first), the discount and where it came from.

    ``key`` is stable ("curated:<pk>" or "auto:<product pk>:<pks>"): pricing uses it to
    apply each bundle once per complete set.
    """

    key: str
    name: str
    parts: tuple[BundlePart, ...]
    percent: Decimal
    curated: bool
    ends_at: datetime | None = None

    @property
    def products(self) -> tuple[models.Model, ...]:
        return tuple(part.product for part in self.parts)

    @property
    def needs(self) -> dict[Any, int]:
        """``{product pk: quantity}`` for one complete bundle."""
        return {part.product.pk: part.quantity for part in self.parts}

    @property
    def regular_price(self) -> Decimal | None:
        if any(part.price is None for part in self.parts):
            return None
        return sum((part.price * part.quantity for part in self.parts
                    if part.price is not None), ZERO)

    @property
    def saving(self) -> Decimal | None:
        regular = self.regular_price
        return None if regular is None else discount_of(regular, self.percent)

    @property
    def price(self) -> Decimal | None:
        regular, saving = self.regular_price, self.saving
        return None if regular is None or saving is None else regular - saving

    @cached_property
    def add_all(self) -> AddMany | None:
        """The one "Add all" form (``ADD_MANY_TO_CART_URL``), or ``None`` when unset."""
        return get_adapter().add_many_to_cart(
            [(part.product, part.quantity) for part in self.parts])


def bundle_for(product: Any) -> BundleOffer | None:
    """The bundle shown on ``product``'s page: curated first, else built from complements."""
    if product is None:
        return None
    pk = getattr(product, "pk", product)
    curated = curated_bundles([pk]).get(pk)
    if curated is not None:
        return curated
    return built_bundle(product)


def bundles_for(products: Iterable[Any]) -> list[BundleOffer]:
    """Every bundle shown on the pages of ``products`` (curated or built), one per product."""
    instances = {getattr(p, "pk", p): p for p in products}
    curated = curated_bundles(list(instances))
    rest = [pk for pk in instances if pk not in curated]
    # One query for the prices of every product that may anchor a built bundle, and one
    # cache round trip for their complements.
    building = bool(rest) and _builds()
    facts = get_adapter().product_facts(rest) if building else {}
    complements = recommend.complements_of_each(
        [instances[pk] for pk in rest], limit=upcross_settings.BUNDLE_SIZE - 1
    ) if building else {}
    offers = []
    for pk, product in instances.items():
        offer = curated.get(pk) or (built_bundle(product, price=facts[pk].price,
                                                 complements=complements.get(pk))
                                    if pk in facts else None)
        if offer is not None:
            offers.append(offer)
    return offers


def curated_bundles(pks: list[Any]) -> dict[Any, BundleOffer]:
    """Active curated bundles shown on the pages of ``pks`` (the first per product).

    Two queries: the bundles with their items, and the products' prices. A bundle
    with an unavailable product is not offered.
    """
    if not pks:
        return {}
    now = timezone.now()
    adapter = get_adapter()
    rows = list(
        Bundle.objects.filter(product__in=pks, is_active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("product")
        .prefetch_related("items__product")
        .order_by("product", "pk")
    )
    if not rows:
        return {}
    members = {row.product_id for row in rows}
    members |= {item.product_id for row in rows for item in row.items.all()}
    model = adapter.product_model()
    available = set(adapter.available_products(
        model._default_manager.filter(pk__in=members)).values_list("pk", flat=True))
    facts = adapter.product_facts(members)
    found: dict[Any, BundleOffer] = {}
    for row in rows:
        if row.product_id in found:
            continue
        parts = [BundlePart(row.product, 1, facts[row.product_id].price)]
        parts += [BundlePart(item.product, item.quantity, facts[item.product_id].price)
                  for item in row.items.all() if item.product_id != row.product_id]
        if len(parts) < 2 or any(part.product.pk not in available for part in parts):
            continue
        found[row.product_id] = BundleOffer(
            key=f"curated:{row.pk}", name=row.name or str(TITLE), parts=tuple(parts),
            percent=Decimal(row.discount_percent), curated=True, ends_at=row.ends_at,
        )
    return found


def _builds() -> bool:
    percent = upcross_settings.BUNDLE_DISCOUNT_PERCENT
    return percent is not None and percent > 0 and upcross_settings.BUNDLE_SIZE >= 2


_UNKNOWN: Any = object()


def built_bundle(product: Any, price: Any = _UNKNOWN,
                 complements: list[Any] | None = None) -> BundleOffer | None:
    """The product and its top complements, or ``None`` (too few, no discount set).

    ``price`` and ``complements``: what the caller already has (saves the lookups).
    """
    percent = upcross_settings.BUNDLE_DISCOUNT_PERCENT
    size = upcross_settings.BUNDLE_SIZE
    if not _builds() or percent is None or product is None:
        return None
    if not isinstance(product, models.Model):
        model = get_adapter().product_model()
        product = model._default_manager.filter(pk=product).first()
        if product is None:
            return None
    if complements is None:
        complements = recommend.complements(product, limit=size - 1, fallback=False)
    if len(complements) < size - 1:
        return None
    if price is _UNKNOWN:
        price = get_adapter().product_facts([product.pk])[product.pk].price
    parts = (BundlePart(product, 1, price),
             *(BundlePart(item.product, 1, item.price) for item in complements))
    ends = [item.ends_at for item in complements if item.ends_at is not None]
    key = "auto:" + ":".join(str(part.product.pk) for part in parts)
    return BundleOffer(key=key, name=str(TITLE), parts=parts,
                       percent=percent, curated=False, ends_at=min(ends, default=None))
