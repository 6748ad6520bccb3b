"""The figures of the analytics report: widgets, suggestions, holdout comparison.

Rates: **CTR** is clicks per impression and **add rate** adds per impression,
where a widget's impression is one render of it and a suggestion's impression is
one showing of that product in it. **Attributed revenue** is what orders paid
for items a widget added (last widget add before the order wins).

Holdout comparison: average order value and items per order of orders from
exposed visitors against held-out ones, with a 95 % confidence interval of the
difference from **Welch's t-test** (unequal variances; the Welch-Satterthwaite
degrees of freedom; the t quantile from a Cornish-Fisher expansion, exact for 1
and 2 degrees of freedom). An interval that excludes 0 is a measured lift (or
loss); one that spans 0 says the data cannot tell yet.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Sum
from django.db.models.functions import TruncDate

from upcross.adapters import get_adapter
from upcross.analytics.labels import widget_label
from upcross.analytics.stats import Difference, welch
from upcross.models import ExposureGroup, OrderExposure, RelationDailyStat, WidgetDailyStat

COUNTERS = ("impressions", "clicks", "adds", "purchases", "revenue")


def rate(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


@dataclass
class Row:
    """Summed counters of a widget or a suggestion over the period."""

    widget: str
    impressions: int = 0
    clicks: int = 0
    adds: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal("0")
    orders: int = 0
    source: str = ""
    target: str = ""
    source_name: str = ""
    target_name: str = ""

    @property
    def label(self) -> str:
        """The widget in words ("Product page: add this too")."""
        return widget_label(self.widget)

    @property
    def ctr(self) -> float | None:
        return rate(self.clicks, self.impressions)

    @property
    def add_rate(self) -> float | None:
        return rate(self.adds, self.impressions)

    @property
    def ctr_percent(self) -> float | None:
        return None if self.ctr is None else self.ctr * 100

    @property
    def add_rate_percent(self) -> float | None:
        return None if self.add_rate is None else self.add_rate * 100


def _zero_for_none(row: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``row`` with the sums of ``keys`` over no rows (``None``) as 0."""
    wanted = set(keys)
    return {key: (value or 0) if key in wanted else value for key, value in row.items()}


def widget_rows(start: datetime.date, end: datetime.date) -> list[Row]:
    rows = (WidgetDailyStat.objects.filter(day__gte=start, day__lte=end).values("widget")
            .annotate(**{name: Sum(name) for name in (*COUNTERS, "orders")}).order_by("widget"))
    return [Row(**_zero_for_none(row, row)) for row in rows]


def relation_rows(start: datetime.date, end: datetime.date, limit: int | None = 50,
                  names: bool = True) -> list[Row]:
    """Suggestions by attributed revenue, then adds and impressions (top ``limit``)."""
    rows = (RelationDailyStat.objects.filter(day__gte=start, day__lte=end)
            .values("widget", "source", "target")
            .annotate(**{name: Sum(name) for name in COUNTERS})
            .order_by("-revenue", "-adds", "-impressions", "widget", "source", "target"))
    if limit is not None:
        rows = rows[:limit]
    result = [Row(**_zero_for_none(row, COUNTERS)) for row in rows]
    if names:
        _name_products(result)
    return result


def _name_products(rows: list[Row]) -> None:
    adapter = get_adapter()
    model = adapter.product_model()
    wanted: set[Any] = set()
    for row in rows:
        wanted.update(pk for pk in (row.source, row.target) if pk)
    found: dict[str, Any] = {}
    pk_field = model._meta.pk
    valid = []
    for pk in wanted:
        try:
            valid.append(pk_field.to_python(pk))
        except Exception:  # a pk of another shape: shown as the raw id
            continue
    for product in model._default_manager.filter(pk__in=valid):
        found[str(product.pk)] = product
    for row in rows:
        for attr in ("source", "target"):
            pk = getattr(row, attr)
            shown = found.get(pk)
            label = adapter.product_display(shown).name if shown is not None else pk
            setattr(row, f"{attr}_name", label)


# --- holdout comparison ------------------------------------------------------------------

@dataclass
class GroupFigures:
    group: str
    orders: int = 0
    revenue: Decimal = Decimal("0")
    aov: float | None = None
    items_per_order: float | None = None


@dataclass
class HoldoutComparison:
    exposed: GroupFigures
    holdout: GroupFigures
    aov: Difference
    items: Difference
    series: list[dict[str, Any]] = field(default_factory=list)


def holdout_comparison(start: datetime.date, end: datetime.date) -> HoldoutComparison:
    orders = OrderExposure.objects.filter(placed_at__date__gte=start, placed_at__date__lte=end)
    totals: dict[str, list[float]] = defaultdict(list)
    items: dict[str, list[float]] = defaultdict(list)
    for group, total, count in orders.values_list("group", "total", "items").iterator():
        totals[group].append(float(total))
        items[group].append(float(count))
    figures = {}
    for group in (ExposureGroup.EXPOSED, ExposureGroup.HOLDOUT):
        values = totals[group]
        figures[group] = GroupFigures(
            group=group, orders=len(values),
            revenue=Decimal(str(round(sum(values), 2))),
            aov=sum(values) / len(values) if values else None,
            items_per_order=sum(items[group]) / len(items[group]) if items[group] else None)
    return HoldoutComparison(
        exposed=figures[ExposureGroup.EXPOSED], holdout=figures[ExposureGroup.HOLDOUT],
        aov=welch(totals[ExposureGroup.EXPOSED], totals[ExposureGroup.HOLDOUT]),
        items=welch(items[ExposureGroup.EXPOSED], items[ExposureGroup.HOLDOUT]),
        series=aov_series(orders))


def aov_series(orders: Any) -> list[dict[str, Any]]:
    """Average order value per day and group: ``[{"day", "exposed", "holdout"}]``."""
    rows = (orders.annotate(day=TruncDate("placed_at")).values("day", "group")
            .annotate(aov=Avg("total"), n=Count("pk")).order_by("day"))
    by_day: dict[datetime.date, dict[str, Any]] = {}
    for row in rows:
        entry = by_day.setdefault(row["day"], {"day": row["day"], "exposed": None,
                                               "holdout": None})
        entry[row["group"]] = float(row["aov"])
    return list(by_day.values())
