"""``manage.py seed_demo``: the demo catalog, a year of orders that tell its stories, and
30 days of simulated visits (views, widget funnel, holdout) for the report."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo_shop.catalog.models import Product
from demo_shop.catalog.seeding import DEFAULT_CUSTOMERS, DEFAULT_ORDERS, DEFAULT_SEED, seed_demo


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = ("Create or update the demo catalog, customers and, when there are no orders yet, "
            "a deterministic year of order history. Safe to run twice.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when the catalog already has products.")
        parser.add_argument("--orders", type=_non_negative, default=DEFAULT_ORDERS,
                            help=f"Orders to generate (default {DEFAULT_ORDERS}).")
        parser.add_argument("--customers", type=_non_negative, default=DEFAULT_CUSTOMERS,
                            help=f"Registered customers (default {DEFAULT_CUSTOMERS}).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"Random seed of the order history (default {DEFAULT_SEED}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Product.objects.exists():
            self.stdout.write("The catalog has products already; nothing to seed (--if-empty).")
            return
        started = time.monotonic()
        try:
            report = seed_demo(orders=options["orders"], customers=options["customers"],
                               seed=options["seed"])
        except Exception as exc:  # a clear message instead of a traceback
            raise CommandError(f"Seeding failed, nothing was written: {exc}") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Catalog: {report.categories_created} categories and {report.products_created} "
            f"products created, {report.products_updated} products updated."
        )
        self.stdout.write(f"Customers: {report.customers_created} created.")
        if report.orders_skipped:
            self.stdout.write("Orders: some exist already, history left as it is.")
        else:
            self.stdout.write(
                f"Orders: {report.orders_created} created with {report.lines_created} lines."
            )
        visits = report.visits
        if visits is not None and not visits.skipped:
            self.stdout.write(
                f"Visits: {visits.days} days simulated, {visits.views} product views, "
                f"{visits.impressions} widget impressions, {visits.clicks} clicks, "
                f"{visits.adds} adds, {visits.purchases} items bought from widgets; "
                f"{visits.exposed_orders} exposed and {visits.holdout_orders} held-out orders.")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {elapsed:.1f} s."))
