"""Helpers of the analytics tests: a clean counter store, and a seeded report."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from upcross.analytics import counters


def discard_counters() -> None:
    """Start from empty live counters (this run's Redis prefix, or local memory)."""
    store = counters.store()
    for batch, _values in store.drain():
        store.done(batch)


def seed_report(products: list[Any], days: int = 21, orders_per_day: int = 12,
                seed: int = 7) -> None:
    """Three weeks of widget rows and exposed/holdout orders (holdout one in ten)."""
    from upcross.models import OrderExposure, RelationDailyStat, WidgetDailyStat

    rng = random.Random(seed)
    today = timezone.now().date()
    widgets = ("complements", "upgrades", "cart_complements", "cart_upgrades")
    pairs = [(a, b) for a in products for b in products if a != b][:12]
    order_no = 0
    for back in range(days):
        day = today - datetime.timedelta(days=back)
        for index, widget in enumerate(widgets):
            renders = rng.randint(300, 500) // (index + 1)
            WidgetDailyStat.objects.create(
                day=day, widget=widget, impressions=renders, clicks=renders // 12,
                adds=renders // 25, purchases=renders // 40, orders=renders // 45,
                revenue=Decimal(renders // 40) * Decimal("149000"))
        for source, target in pairs:
            shown = rng.randint(20, 90)
            adds = rng.randint(0, shown // 10)
            RelationDailyStat.objects.create(
                day=day, widget="complements", source=str(source.pk), target=str(target.pk),
                impressions=shown, clicks=adds + rng.randint(0, 4), adds=adds,
                purchases=adds // 2,
                revenue=Decimal(adds // 2) * Decimal(getattr(target, "price", 100000)))
        for _ in range(orders_per_day):
            order_no += 1
            held = rng.random() < 0.1
            items = max(1, int(rng.gauss(2.2 if held else 2.6, 1)))
            total = Decimal(round(rng.gauss(410000 if held else 465000, 90000), -3))
            placed = timezone.now() - datetime.timedelta(days=back, minutes=rng.randint(0, 600))
            OrderExposure.objects.create(
                order_id=f"seed-{order_no}", placed_at=placed,
                group="holdout" if held else "exposed", total=max(total, Decimal(50000)),
                items=items)
