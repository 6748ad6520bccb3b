"""Build the demo catalog and a believable year of orders.

The catalog is idempotent (``update_or_create`` by slug and SKU). The order
history is written only into an empty order table, deterministically from a
seed, with ``bulk_create``: thousands of orders in a second or two on SQLite.

What the history plants, so that mining has something true to find:

- complements: a phone is often bought with a case, a screen protector or a
  charger; running shoes with socks and shoe cleaner; a moisturizer with
  toner and sunscreen (see ``demo_data.COMPLEMENT_STORIES``);
- upgrades: registered customers who bought a product of
  ``demo_data.UPGRADE_PATHS`` often come back for the bigger one;
- noise: unrelated products with a skewed popularity, guest orders, and
  cancelled or pending orders (which mining must ignore).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from demo_shop.catalog.demo_data import CATEGORIES, PRODUCTS, UPGRADE_PATHS
from demo_shop.catalog.models import Category, Product
from demo_shop.catalog.visits import VisitReport, simulate_visits
from demo_shop.orders.models import Order, OrderLine

DEFAULT_ORDERS = 4000
DEFAULT_CUSTOMERS = 320
DEFAULT_SEED = 2026
HISTORY_DAYS = 365
GUEST_SHARE = 0.3

_FIRST_NAMES = ("Ayu", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gilang", "Hana", "Indra",
                "Joko", "Kasia", "Lena", "Marek", "Nadia", "Ola", "Piotr", "Rina", "Sari",
                "Tomasz", "Wulan", "Yusuf", "Zofia", "Anna", "Dimas")
_LAST_NAMES = ("Santoso", "Wijaya", "Kusuma", "Lestari", "Pratama", "Nowak", "Kowalski",
               "Wiśniewska", "Hidayat", "Saputra", "Zielińska", "Smith", "Halim", "Nugroho")

# Scenario weights for an order without a persona (guests, or a customer's off day).
_SCENARIOS = ("phone", "running", "skincare", "accessories", "noise")
_SCENARIO_WEIGHTS = (22, 17, 20, 13, 28)
_PERSONAS = ("phone", "running", "skincare", "noise")
_PERSONA_WEIGHTS = (35, 25, 30, 10)

_NOISE = ("MUG-CERAMIC", "FRENCH-PRESS", "BOARD-BAMBOO", "BOTTLE-750", "LAMP-DESK", "UMBRELLA",
          "NOTEBOOK-A5", "PEN-GEL", "BOOK-COOK", "PUZZLE-1000", "POWERBANK-10K",
          "HEADPHONES-STUDIO", "CAP-RUN")
_NOISE_WEIGHTS = tuple(1 / (rank + 1) ** 0.9 for rank in range(len(_NOISE)))  # Zipf-like
_ACCESSORIES = ("CASE-NOVAX-CLEAR", "GLASS-NOVAX", "CHARGER-25W", "CABLE-USBC-1M", "SOCKS-RUN",
                "TONER", "SUNSCREEN-50", "SHOE-CLEANER", "CLEANSER", "BUDS", "GLASS-LUMOS")


@dataclass
class SeedReport:
    categories_created: int = 0
    products_created: int = 0
    products_updated: int = 0
    customers_created: int = 0
    orders_created: int = 0
    lines_created: int = 0
    orders_skipped: bool = False
    visits: VisitReport | None = None


def seed_catalog(report: SeedReport) -> dict[str, Product]:
    """Create or update every category and product of ``demo_data``; SKU → product."""
    categories: dict[str, Category] = {}
    for spec in CATEGORIES:
        category, created = Category.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "position": spec.position},
        )
        categories[spec.slug] = category
        report.categories_created += created
    colors = {spec.slug: spec.color for spec in CATEGORIES}
    products: dict[str, Product] = {}
    for spec in PRODUCTS:
        product, created = Product.objects.update_or_create(
            sku=spec.sku,
            defaults={
                "name": spec.name, "slug": slugify(spec.name),
                "category": categories[spec.category], "price": spec.decimal_price,
                "cost": (spec.decimal_price * Decimal("0.62")).quantize(Decimal("1")),
                "stock": spec.stock, "description": spec.description,
                "color": colors[spec.category], "is_active": True,
            },
        )
        products[spec.sku] = product
        if created:
            report.products_created += 1
        else:
            report.products_updated += 1
    return products


def seed_customers(count: int, report: SeedReport) -> list:
    """``count`` registered customers (Django users without a usable password)."""
    user_model = get_user_model()
    usernames = [f"customer{index:04d}" for index in range(1, count + 1)]
    existing = set(user_model.objects.filter(username__in=usernames)
                   .values_list("username", flat=True))
    joined = timezone.now() - timedelta(days=HISTORY_DAYS + 30)
    missing = []
    for index, username in enumerate(usernames):
        if username in existing:
            continue
        first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(index * 7) % len(_LAST_NAMES)]
        missing.append(user_model(
            username=username, first_name=first, last_name=last,
            email=f"{username}@example.com", date_joined=joined,
            password=make_password(None),  # unusable: demo customers cannot log in
        ))
    user_model.objects.bulk_create(missing, batch_size=500)
    report.customers_created = len(missing)
    by_name = user_model.objects.filter(username__in=usernames).in_bulk(field_name="username")
    return [by_name[name] for name in usernames]


class OrderHistory:
    """Deterministic order baskets from a seed: ``(when, customer index or None, basket)``."""

    def __init__(self, rng: random.Random, customer_count: int) -> None:
        self.rng = rng
        self.customer_count = customer_count
        # A few customers order a lot, many a few times, some once (Pareto weights).
        # Capped, so that the most loyal customer orders a few dozen times, not hundreds.
        self.customer_weights = [min(rng.paretovariate(1.4), 15.0) for _ in range(customer_count)]
        self.personas = rng.choices(_PERSONAS, _PERSONA_WEIGHTS, k=customer_count)
        self.bought: dict[int, set[str]] = defaultdict(set)

    def customer(self) -> int | None:
        if self.customer_count == 0 or self.rng.random() < GUEST_SHARE:
            return None
        return self.rng.choices(range(self.customer_count), self.customer_weights)[0]

    def basket(self, customer: int | None) -> dict[str, int]:
        rng = self.rng
        if customer is not None and rng.random() < 0.6:
            scenario = self.personas[customer]
        else:
            scenario = rng.choices(_SCENARIOS, _SCENARIO_WEIGHTS)[0]
        history = self.bought[customer] if customer is not None else set()
        basket: dict[str, int] = {}
        getattr(self, f"_{scenario}")(basket, history)
        if rng.random() < 0.12:
            self._add(basket, rng.choices(_NOISE, _NOISE_WEIGHTS)[0])
        return basket

    def remember(self, customer: int | None, basket: dict[str, int]) -> None:
        """Only paid orders become history: what a customer owns drives upgrades."""
        if customer is not None:
            self.bought[customer].update(basket)

    # --- scenarios ---------------------------------------------------------------

    def _add(self, basket: dict[str, int], sku: str, quantity: int = 1) -> None:
        basket[sku] = basket.get(sku, 0) + quantity

    def _maybe(self, basket: dict[str, int], sku: str, chance: float, quantity: int = 1) -> None:
        if self.rng.random() < chance:
            self._add(basket, sku, quantity)

    def _upgrade_or(self, history: set[str], choices: Sequence[str], weights: Sequence[float],
                    chance: float) -> str:
        """The next tier of something the customer owns (often), else a fresh pick."""
        owned = [sku for sku in choices if sku in history and UPGRADE_PATHS.get(sku)]
        if owned and self.rng.random() < chance:
            # The highest tier owned: the 64 GB owner takes the 128 GB, and so on.
            return UPGRADE_PATHS[owned[-1]]
        return self.rng.choices(choices, weights)[0]

    def _phone(self, basket: dict[str, int], history: set[str]) -> None:
        rng = self.rng
        phones = ("NOVAX-64", "NOVAX-128", "NOVAX-256", "LUMOS-128", "LUMOS-256")
        owned = [sku for sku in phones if sku in history]
        if owned and not (UPGRADE_PATHS.get(owned[-1]) and rng.random() < 0.55):
            # A phone owner who does not upgrade comes back for things that go with it.
            self._phone_extras(basket, owned[-1])
            return
        phone = self._upgrade_or(history, phones, (26, 22, 10, 26, 16), chance=1.0)
        self._add(basket, phone)
        nova = phone.startswith("NOVAX")
        if nova:
            case = rng.choices(("CASE-NOVAX-CLEAR", "CASE-NOVAX-LEATHER"), (3, 1))[0]
            self._maybe(basket, case, 0.55)
            self._maybe(basket, "GLASS-NOVAX", 0.5)
        else:
            self._maybe(basket, "CASE-LUMOS-SILICONE", 0.55)
            self._maybe(basket, "GLASS-LUMOS", 0.45)
        self._maybe(basket, "CHARGER-25W", 0.35)
        self._maybe(basket, "CABLE-USBC-1M", 0.15)
        if rng.random() < 0.18:
            self._add(basket, self._upgrade_or(history, ("BUDS", "BUDS-PRO"), (3, 1), 0.6))

    def _phone_extras(self, basket: dict[str, int], phone: str) -> None:
        nova = phone.startswith("NOVAX")
        options = (("CASE-NOVAX-LEATHER", "GLASS-NOVAX") if nova
                   else ("CASE-LUMOS-SILICONE", "GLASS-LUMOS"))
        options += ("CHARGER-25W", "CABLE-USBC-1M", "POWERBANK-10K", "BUDS")
        for sku in self.rng.sample(options, k=self.rng.choice((1, 1, 2))):
            self._add(basket, sku)

    def _running(self, basket: dict[str, int], history: set[str]) -> None:
        shoes = ("SHOE-STRIDE2", "SHOE-STRIDE2-PRO", "SHOE-TRAILHAWK")
        self._add(basket, self._upgrade_or(history, shoes, (5, 2, 3), chance=0.6))
        self._maybe(basket, "SOCKS-RUN", 0.6, quantity=self.rng.choice((1, 1, 2, 3)))
        self._maybe(basket, "SHOE-CLEANER", 0.35)
        self._maybe(basket, "CAP-RUN", 0.12)
        self._maybe(basket, "BOTTLE-750", 0.08)

    def _skincare(self, basket: dict[str, int], history: set[str]) -> None:
        moisturizers = ("MOIST-50", "MOIST-100")
        self._add(basket, self._upgrade_or(history, moisturizers, (65, 35), chance=0.7))
        self._maybe(basket, "TONER", 0.5)
        self._maybe(basket, "SUNSCREEN-50", 0.45)
        self._maybe(basket, "CLEANSER", 0.25)

    def _accessories(self, basket: dict[str, int], history: set[str]) -> None:
        for sku in self.rng.sample(_ACCESSORIES, k=self.rng.choice((1, 1, 2))):
            self._add(basket, sku)

    def _noise(self, basket: dict[str, int], history: set[str]) -> None:
        for sku in set(self.rng.choices(_NOISE, _NOISE_WEIGHTS, k=self.rng.choice((1, 1, 2, 3)))):
            self._add(basket, sku)


def _status(rng: random.Random, placed_at: datetime, now: datetime) -> str:
    if now - placed_at < timedelta(days=2) and rng.random() < 0.5:
        return Order.Status.PENDING
    roll = rng.random()
    if roll < 0.05:
        return Order.Status.CANCELLED
    if roll < 0.07:
        return Order.Status.PENDING
    return Order.Status.PAID


def seed_orders(products: dict[str, Product], customers: list, *, count: int, seed: int,
                report: SeedReport) -> None:
    """Write ``count`` orders over the past year, unless any order exists already."""
    if Order.objects.exists():
        report.orders_skipped = True
        return
    rng = random.Random(seed)
    # Whole hours keep the history identical for the same seed within the hour.
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    span = HISTORY_DAYS * 24 * 3600
    offsets = sorted(rng.randrange(span) for _ in range(count))
    history = OrderHistory(rng, len(customers))
    orders: list[Order] = []
    baskets: list[dict[str, int]] = []
    for offset in offsets:
        placed_at = now - timedelta(seconds=span - offset)
        customer = history.customer()
        basket = history.basket(customer)
        status = _status(rng, placed_at, now)
        if status == Order.Status.PAID:
            history.remember(customer, basket)
        user = customers[customer] if customer is not None else None
        orders.append(Order(
            customer=user,
            email=user.email if user else f"guest{rng.randrange(10**6):06d}@example.net",
            status=status,
            total=sum((products[sku].price * qty for sku, qty in basket.items()), Decimal(0)),
            created_at=placed_at,
        ))
        baskets.append(basket)
    Order.objects.bulk_create(orders, batch_size=500)
    lines = [
        OrderLine(order=order, product=products[sku], quantity=quantity,
                  unit_price=products[sku].price)
        for order, basket in zip(orders, baskets, strict=True)
        for sku, quantity in basket.items()
    ]
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    report.orders_created = len(orders)
    report.lines_created = len(lines)


def seed_demo(*, orders: int = DEFAULT_ORDERS, customers: int = DEFAULT_CUSTOMERS,
              seed: int = DEFAULT_SEED) -> SeedReport:
    """Catalog, customers and (into an empty order table) the order history, then 30 days
    of simulated visits (into empty statistics), atomically."""
    report = SeedReport()
    with transaction.atomic():
        products = seed_catalog(report)
        people = seed_customers(customers, report)
        seed_orders(products, people, count=orders, seed=seed, report=report)
        if not report.orders_skipped:
            report.visits = simulate_visits(seed)
    return report
