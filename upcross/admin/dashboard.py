"""The admin dashboard: coverage by category, the last recompute, top pairs, a chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from upcross import fallback
from upcross.adapters import get_adapter
from upcross.admin.utils import require
from upcross.fallback_table import FallbackTable
from upcross.models import (
    FallbackPick,
    MiningRun,
    ProductRelation,
    RelationKind,
    RelationOrigin,
    RelationStatus,
)
from upcross.recommend import ORIGIN_RANK

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

TOP_PAIRS = 10
CHART_BAR_WIDTH = 300


@dataclass(frozen=True)
class CoverageRow:
    label: str
    products: int
    with_complements: int
    with_upgrades: int

    @property
    def complement_share(self) -> float:
        return self.with_complements / self.products if self.products else 0.0

    @property
    def upgrade_share(self) -> float:
        return self.with_upgrades / self.products if self.products else 0.0

    @property
    def complement_percent(self) -> int:
        return round(self.complement_share * 100)

    @property
    def upgrade_percent(self) -> int:
        return round(self.upgrade_share * 100)


def coverage() -> tuple[CoverageRow, list[CoverageRow]]:
    """Share of available products with at least one active complement / upgrade of its
    own (manual, rule or mined; fallbacks are counted by :func:`served_by`): overall and
    by category (a product in several categories counts in each)."""
    adapter = get_adapter()
    available = adapter.available_products()
    pks = list(available.values_list("pk", flat=True))
    active = (ProductRelation.objects.active().filter(source__in=available.values("pk"))
              .exclude(origin__in=fallback.FALLBACK_ORIGINS))
    with_kind = {
        kind: set(active.filter(kind=kind).order_by().values_list("source", flat=True)
                  .distinct())
        for kind in (RelationKind.COMPLEMENT, RelationKind.UPGRADE)
    }
    facts = adapter.product_facts(pks)
    by_category: dict[Any, list[Any]] = {}
    for pk, fact in facts.items():
        for value in fact.categories or (None,):
            by_category.setdefault(value, []).append(pk)
    labels = adapter.category_labels(value for value in by_category if value is not None)

    def row(label: str, members: list[Any]) -> CoverageRow:
        return CoverageRow(
            label=label, products=len(members),
            with_complements=sum(pk in with_kind[RelationKind.COMPLEMENT] for pk in members),
            with_upgrades=sum(pk in with_kind[RelationKind.UPGRADE] for pk in members),
        )

    rows = [row(labels.get(value, str(_("No category"))) if value is not None
                else str(_("No category")), members)
            for value, members in by_category.items()]
    rows.sort(key=lambda item: item.label.lower())
    return row(str(_("All available products")), pks), rows


@dataclass(frozen=True)
class SourceRow:
    origin: str
    label: str
    products: int
    percent: int


def served_by() -> list[SourceRow]:
    """How many available products the complements widget serves from each source: the
    origin of the first suggestion it shows (manual, rule, mined, or, for a product with
    none of those, the first pick of its categories' fallback: category co-purchase or
    best seller), and how many it serves nothing (fallbacks switched off count as none)."""
    available = get_adapter().available_products()
    total = available.count()
    rows = (ProductRelation.objects.active().complements()
            .filter(source__in=available.values("pk"), target__in=available.values("pk"))
            .exclude(origin__in=fallback.FALLBACK_ORIGINS)
            .order_by().values_list("source", "origin").distinct())
    first: dict[Any, str] = {}
    for source, origin in rows:
        if origin not in ORIGIN_RANK:
            continue
        if source not in first or ORIGIN_RANK[origin] < ORIGIN_RANK[first[source]]:
            first[source] = origin
    if fallback.enabled("complements"):
        first |= _served_by_fallback(
            [pk for pk in available.values_list("pk", flat=True) if pk not in first])
    counts = Counter(first.values())
    result = [SourceRow(origin, str(RelationOrigin(origin).label), counts[origin],
                        round(100 * counts[origin] / total) if total else 0)
              for origin in sorted(ORIGIN_RANK, key=ORIGIN_RANK.__getitem__)]
    empty = total - len(first)
    result.append(SourceRow("", str(_("Nothing (empty widget)")), empty,
                            round(100 * empty / total) if total else 0))
    return result


def _served_by_fallback(pks: list[Any]) -> dict[Any, str]:
    """Origin of the first fallback pick each of ``pks`` gets (products without one left out)."""
    if not pks:
        return {}
    adapter = get_adapter()
    picks = list(FallbackPick.objects.filter(product__in=adapter.available_products()
                                             .values("pk")))
    facts = adapter.product_facts({*pks, *(pick.product_id for pick in picks)})
    table = FallbackTable.of("", picks, {pick.product_id: facts[pick.product_id].categories
                                         for pick in picks})
    # Products of the same categories share their fallback; the product itself is skipped.
    heads: dict[frozenset[Any], list[Any]] = {}
    served: dict[Any, str] = {}
    for pk in pks:
        categories = facts[pk].categories
        if categories not in heads:
            heads[categories] = table.for_product(categories, set(), 2)
        chosen = [pick for pick in heads[categories] if pick.product != pk]
        if chosen:
            served[pk] = chosen[0].origin
    return served


def top_pairs(limit: int = TOP_PAIRS) -> list[ProductRelation]:
    return list(
        ProductRelation.objects.active().complements().filter(pair_count__isnull=False)
        .select_related("source", "target").order_by("-pair_count", "-lift", "pk")[:limit]
    )


def chart(rows: list[CoverageRow]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (two bars per category) drawn as inline SVG."""
    bar, gap, label_width = 10, 8, 170
    bars = []
    y = 4
    for item in rows:
        bars.append({
            "label": item.label, "y": y, "text_y": y + bar + 2,
            "complement_width": round(item.complement_share * CHART_BAR_WIDTH),
            "upgrade_width": round(item.upgrade_share * CHART_BAR_WIDTH),
            "upgrade_y": y + bar + 1,
            "complement_percent": item.complement_percent,
            "upgrade_percent": item.upgrade_percent,
        })
        y += 2 * bar + gap
    return {"bars": bars, "height": y + 4, "label_width": label_width,
            "bar_width": CHART_BAR_WIDTH, "width": label_width + CHART_BAR_WIDTH + 80,
            "bar": bar, "value_x": CHART_BAR_WIDTH + 6}


def dashboard_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    require(model_admin.has_view_permission(request))
    overall, rows = coverage()
    last_run = MiningRun.objects.order_by("-created_at", "-pk").first()
    relations = ProductRelation.objects.all()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Cross-sell & upsell dashboard"),
        "overall": overall,
        "rows": rows,
        "chart": chart(rows),
        "last_run": last_run,
        "last_success": MiningRun.objects.filter(status="succeeded")
        .order_by("-created_at", "-pk").first(),
        "top_pairs": top_pairs(),
        "served_by": served_by(),
        "fallback_on": fallback.enabled("complements"),
        "totals": {
            "active": relations.filter(status=RelationStatus.ACTIVE).count(),
            "blocked": relations.filter(status=RelationStatus.BLOCKED).count(),
            "manual": relations.filter(origin="manual").count(),
            "mined": relations.filter(origin="mined").count(),
            "new": relations.filter(origin="mined", status=RelationStatus.ACTIVE,
                                    reviewed_at__isnull=True).count(),
        },
        "changelist_url": reverse("admin:upcross_productrelation_changelist"),
        "runs_url": reverse("admin:upcross_miningrun_changelist"),
        "can_view_runs": request.user.has_perm("upcross.view_miningrun"),
    }
    return TemplateResponse(request, "upcross/admin/dashboard.html", context)
