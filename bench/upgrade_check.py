"""Upgrade precision and recall on the demo catalogue's labelled truth.

    .venv/bin/python bench/upgrade_check.py            # table, then one JSON line
    .venv/bin/python bench/upgrade_check.py --json     # only the JSON line

Seeds the demo (``seed_demo``, its default seed and size) into a throwaway SQLite
database in a temporary directory, runs the real recompute
(``upcross.recomputing.recompute("all")``, what ``make demo`` runs) and compares the
active upgrade relations with ``demo_shop.catalog.demo_data.true_upgrades()`` (a later
member of the same product line: more storage, a bigger jar, the Pro version).

- ``precision``: stored upgrade pairs that are true upgrades / stored upgrade pairs;
- ``recall``: true upgrades inside the configured price band that are stored / those;
- ``shown_precision``: the same over what shoppers see (``recommend.upgrades`` of every
  product, ``DEFAULT_LIMIT`` each);
- ``named_wrong``: pairs of the list of wrong upgrades that are stored
  (``demo_data.NOT_UPGRADES``), ``false_positives`` / ``false_negatives`` by SKU.

``evaluate_upgrades()`` returns the figures as a dict (``bench/quality.py`` imports
it). Called in a process whose Django is already set up (another database), it runs
this script in a child process so the demo data never touches that database.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import throwaway

REPO = Path(__file__).resolve().parent.parent


def _in_band(lower: Any, higher: Any) -> bool:
    from upcross.conf import upcross_settings

    price, other = float(lower.price), float(higher.price)
    low = price * (1 + float(upcross_settings.UPGRADE_MIN_PRICE_INCREASE) / 100)
    high = price * (1 + float(upcross_settings.UPGRADE_MAX_PRICE_INCREASE) / 100)
    return low <= other <= high


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 1.0


def measure() -> dict[str, Any]:
    """Seed, recompute, compare: the figures of this (already set up) Django process."""
    from django.core.management import call_command

    from demo_shop.catalog.demo_data import NOT_UPGRADES, true_upgrades
    from demo_shop.catalog.models import Product
    from upcross import recommend
    from upcross.models import ProductRelation
    from upcross.recompute import recompute

    started = time.perf_counter()
    call_command("seed_demo", stdout=StringIO())
    run = recompute("all")
    products = {p.sku: p for p in Product.objects.all()}
    sku_of = {p.pk: sku for sku, p in products.items()}
    stored = {
        (sku_of[source], sku_of[target])
        for source, target in ProductRelation.objects.upgrades().active()
        .values_list("source", "target")
    }
    shown = {
        (sku, sku_of[item.product.pk])
        for sku, product in products.items() for item in recommend.upgrades(product)
    }
    truth = true_upgrades()
    reachable = {(a, b) for a, b in truth if _in_band(products[a], products[b])}
    hits = stored & truth
    shown_hits = shown & truth
    return {
        "precision": _ratio(len(hits), len(stored)),
        "recall": _ratio(len(stored & reachable), len(reachable)),
        "shown_precision": _ratio(len(shown_hits), len(shown)),
        "shown_recall": _ratio(len(shown & reachable), len(reachable)),
        "stored": len(stored),
        "true_positives": len(hits),
        "truth": len(truth),
        "truth_in_band": len(reachable),
        "false_positives": sorted(f"{a} -> {b}" for a, b in stored - truth),
        "false_negatives": sorted(f"{a} -> {b}" for a, b in reachable - stored),
        "named_wrong": sorted(f"{a} -> {b}" for a, b in set(NOT_UPGRADES) & stored),
        "orders": run.orders_scanned,
        "seconds": round(time.perf_counter() - started, 2),
    }


def evaluate_upgrades() -> dict[str, Any]:
    """The upgrade figures on a freshly seeded demo (see the module docstring)."""
    from django.conf import settings

    if not settings.configured:
        throwaway.demo_shop("upcross-upgrade-check-")
        return measure()
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--json"],
                            capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_table(figures: dict[str, Any]) -> None:
    print(f"Upgrades on the demo catalogue ({figures['orders']} paid orders, "
          f"{figures['seconds']} s)")
    print(f"  stored upgrade pairs   {figures['stored']:>6}")
    print(f"  true upgrades (band)   {figures['truth_in_band']:>6} of {figures['truth']}")
    for key in ("precision", "recall", "shown_precision", "shown_recall"):
        print(f"  {key:<22} {figures[key]:>6.3f}")
    for key in ("false_positives", "false_negatives", "named_wrong"):
        print(f"  {key}: {', '.join(figures[key]) or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    figures = evaluate_upgrades()
    if not args.json:
        print_table(figures)
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
