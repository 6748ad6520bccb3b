"""Thirty days of simulated visits, so a fresh demo's report shows a real funnel.

Written straight into upcross's daily rows (what the flush task would have written
from the tracking script's beacons and the widget forms): product views and co-views,
widget impressions, clicks, adds and purchases, and one ``OrderExposure`` per paid
order of the window, with a holdout of ``HOLDOUT_SHARE`` (one visitor in ten).

The funnel follows the seeded orders rather than inventing sales: in an exposed
order, a line that goes with another line of the order (a ``COMPLEMENT_STORIES``
pair, or the bigger version of an ``UPGRADE_PATHS`` product) was added from a widget
with probability ``WIDGET_SHARE``; those lines are the widget's purchases and
attributed revenue. A held-out shopper sees no widget, so in a held-out order such a
line is missing with the same probability (it is left out of the exposure's total):
the lift the report measures is the one the simulation plants, with a confidence
interval from the sample it has. Adds, clicks and impressions are drawn above the
purchases with plausible rates (add-to-purchase, click-to-add, click-through).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from demo_shop.catalog.demo_data import COMPLEMENT_STORIES, UPGRADE_PATHS
from demo_shop.catalog.models import Product
from demo_shop.orders.models import Order, OrderLine
from upcross.models import (
    CoViewDailyStat,
    OrderExposure,
    ProductViewDailyStat,
    RelationDailyStat,
    WidgetDailyStat,
)

DAYS = 30
HOLDOUT_SHARE = 0.1
#: Chance that a line going with another line of its order came from a widget.
WIDGET_SHARE = 0.35
#: Product page views per paid order (a few per cent of sessions buy).
VIEWS_PER_ORDER = 30


@dataclass
class VisitReport:
    days: int = 0
    views: int = 0
    impressions: int = 0
    clicks: int = 0
    adds: int = 0
    purchases: int = 0
    exposed_orders: int = 0
    holdout_orders: int = 0
    skipped: bool = False


def _pairs() -> dict[str, list[tuple[str, str]]]:
    """``target sku -> [(widget, source sku)]``: how a line can be a widget's suggestion."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _story, anchors, complements in COMPLEMENT_STORIES:
        for anchor in anchors:
            for complement in complements:
                found[complement].append(("complements", anchor))
                found[complement].append(("cart_complements", anchor))
    for small, big in UPGRADE_PATHS.items():
        found[big].append(("upgrades", small))
        found[big].append(("cart_upgrades", small))
    return found


def simulate_visits(seed: int, days: int = DAYS) -> VisitReport:
    """Write the daily rows of the last ``days`` days; nothing when statistics exist."""
    report = VisitReport(days=days)
    if WidgetDailyStat.objects.exists() or OrderExposure.objects.exists():
        report.skipped = True
        return report
    rng = random.Random(seed)
    today = timezone.now().date()
    since = timezone.now() - timedelta(days=days)
    by_sku = {p.sku: p for p in Product.objects.all()}
    suggested_as = _pairs()
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order__status=Order.Status.PAID,
                                         order__created_at__gte=since).select_related("product"):
        lines[line.order_id].append(line)
    orders = Order.objects.filter(pk__in=lines).order_by("pk")

    widget: dict[tuple[date, str], dict[str, Decimal | int]] = defaultdict(
        lambda: defaultdict(int))
    relation: dict[tuple[date, str, str, str], dict[str, Decimal | int]] = defaultdict(
        lambda: defaultdict(int))
    exposures = []
    for order in orders:
        day = timezone.localtime(order.created_at).date() if timezone.is_aware(
            order.created_at) else order.created_at.date()
        held_out = rng.random() < HOLDOUT_SHARE
        basket = {line.product.sku for line in lines[order.pk]}
        total, items, attributed_items, attributed = Decimal(0), 0, 0, Decimal(0)
        credited: set[str] = set()
        for line in lines[order.pk]:
            routes = [(name, source) for name, source in suggested_as.get(line.product.sku, ())
                      if source in basket]
            from_widget = bool(routes) and rng.random() < WIDGET_SHARE
            if from_widget and held_out:
                continue  # no widget, no such line
            amount = line.unit_price * line.quantity
            total += amount
            items += line.quantity
            if from_widget:
                name, source = rng.choice(routes)
                attributed_items += line.quantity
                attributed += amount
                widget[(day, name)]["purchases"] += line.quantity
                widget[(day, name)]["revenue"] += amount
                pair = (day, name, str(by_sku[source].pk), str(line.product.pk))
                relation[pair]["purchases"] += line.quantity
                relation[pair]["revenue"] += amount
                credited.add(name)
        for name in credited:
            widget[(day, name)]["orders"] += 1
        if held_out:
            report.holdout_orders += 1
        else:
            report.exposed_orders += 1
        exposures.append(OrderExposure(
            order_id=str(order.pk), placed_at=order.created_at,
            group="holdout" if held_out else "exposed", total=total, items=items,
            attributed_items=attributed_items, attributed_revenue=attributed))
    OrderExposure.objects.bulk_create(exposures, batch_size=500)

    # The funnel above the purchases, per suggestion and summed per widget.
    for (day, name, _source, _target), counts in relation.items():
        purchases = int(counts["purchases"])
        adds = purchases + sum(rng.random() < 0.6 for _ in range(purchases + 2))
        clicks = adds + sum(rng.random() < 0.5 for _ in range(adds * 2 + 3))
        impressions = max(clicks, int(clicks / rng.uniform(0.03, 0.08)))
        counts.update(adds=adds, clicks=clicks, impressions=impressions)
        for metric in ("adds", "clicks", "impressions"):
            widget[(day, name)][metric] += counts[metric]
    # Widgets seen on days without a widget sale still had impressions and clicks.
    for back in range(days):
        day = today - timedelta(days=back)
        for name, base in (("complements", 260), ("upgrades", 90), ("cart_complements", 120),
                           ("cart_upgrades", 40)):
            extra = int(base * rng.uniform(0.7, 1.3))
            widget[(day, name)]["impressions"] += extra
            widget[(day, name)]["clicks"] += int(extra * rng.uniform(0.02, 0.05))
    WidgetDailyStat.objects.bulk_create([
        WidgetDailyStat(day=day, widget=name, **{k: v for k, v in counts.items()})
        for (day, name), counts in widget.items()], batch_size=500)
    RelationDailyStat.objects.bulk_create([
        RelationDailyStat(day=day, widget=name, source=source, target=target,
                          **{k: v for k, v in counts.items()})
        for (day, name, source, target), counts in relation.items()], batch_size=500)
    for counts in widget.values():
        report.impressions += int(counts["impressions"])
        report.clicks += int(counts["clicks"])
        report.adds += int(counts["adds"])
        report.purchases += int(counts["purchases"])
    report.views = _views(rng, by_sku, lines, today, days)
    return report


def _views(rng: random.Random, by_sku: dict[str, Product],
           lines: dict[int, list[OrderLine]], today: date, days: int) -> int:
    """Daily page views (about ``VIEWS_PER_ORDER`` per sale) and co-views: the versions
    of one product line are compared in a session, a product and its complements too."""
    sold: dict[int, int] = defaultdict(int)
    for order_lines in lines.values():
        for line in order_lines:
            sold[line.product_id] += 1
    views, coviews = [], []
    total = 0
    groups = [[by_sku[s] for s in (small, big) if s in by_sku]
              for small, big in UPGRADE_PATHS.items()]
    groups += [[by_sku[s] for s in (anchor, complements[0]) if s in by_sku]
               for _story, anchors, complements in COMPLEMENT_STORIES for anchor in anchors[:1]]
    for back in range(days):
        day = today - timedelta(days=back)
        for product in by_sku.values():
            rate = (sold.get(product.pk, 0) / days + 0.2) * VIEWS_PER_ORDER
            count = max(0, int(rng.gauss(rate, rate ** 0.5)))
            if count:
                views.append(ProductViewDailyStat(day=day, product=product, views=count))
                total += count
        for group in groups:
            if len(group) < 2:
                continue
            sessions = rng.randint(2, 9)
            first, second = group
            coviews.append(CoViewDailyStat(day=day, product=first, other=second,
                                           sessions=sessions))
            coviews.append(CoViewDailyStat(day=day, product=second, other=first,
                                           sessions=sessions))
    ProductViewDailyStat.objects.bulk_create(views, batch_size=1000)
    CoViewDailyStat.objects.bulk_create(coviews, batch_size=1000)
    return total
