"""The analytics report: what each widget and suggestion earns, and the holdout lift.

Registered as the changelist of ``WidgetDailyStat`` ("Widget statistics" in the
admin), so it needs the view permission on it (the Merchandiser group has it).
``?days=`` picks the period (7, 30, 90 or 365 days to today), ``?format=csv``
downloads the per-widget and per-suggestion figures.
"""

from __future__ import annotations

import csv
import datetime
import logging
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.admin.utils import ReadOnlyAdminMixin, require
from upcross.analytics import report
from upcross.analytics.flush import flush_events
from upcross.analytics.stats import Difference
from upcross.csv_io import safe_cell
from upcross.price_display import price_text

logger = logging.getLogger("upcross.analytics")

#: The report flushes first, but waits at most this long for a flush already running.
REPORT_FLUSH_WAIT = 3
PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 220, 44
BAR_WIDTH = 360
CSV_COLUMNS = ("level", "widget", "source_id", "source", "target_id", "target", "impressions",
               "clicks", "ctr", "adds", "add_rate", "purchases", "revenue")


def period(request: HttpRequest) -> tuple[int, datetime.date, datetime.date]:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    end = timezone.now().date()
    return days, end - datetime.timedelta(days=days - 1), end


#: Up to this many days with orders, the chart shows dots per day (a line needs more).
FEW_DAYS = 5
#: Approximate width of one character of the charts' 12 px labels.
CHAR_WIDTH = 7


def aov_chart(series: list[dict[str, Any]], start: datetime.date,
              end: datetime.date) -> dict[str, Any]:
    """The daily average order value of each group (exposed, holdout): a line, and a dot
    per day; dots only when a group has few days. Axis labels are money (the shop's price
    display) and the left margin fits the longest of them."""
    span = max((end - start).days, 1)
    values = [entry[g] for entry in series for g in ("exposed", "holdout")
              if entry[g] is not None]
    top = max(values, default=0) * 1.1 or 1
    fractions = (0.0, 0.5, 1.0)
    labels = [price_text(round(top * fraction)) for fraction in fractions]
    left = max(CHART_PAD, 12 + CHAR_WIDTH * max(len(label) for label in labels))
    right = CHART_WIDTH - CHART_PAD // 2
    inner_w, inner_h = right - left, CHART_HEIGHT - 2 * CHART_PAD

    def x_of(day: datetime.date) -> float:
        return left + inner_w * (day - start).days / span

    def y_of(value: float) -> float:
        return CHART_PAD + inner_h * (1 - value / top)

    lines, dots = {}, []
    for group in ("exposed", "holdout"):
        points = [(x_of(entry["day"]), y_of(entry[group]), entry) for entry in series
                  if entry[group] is not None]
        lines[group] = (" ".join(f"{x:.1f},{y:.1f}" for x, y, _e in points)
                        if len(points) > FEW_DAYS else "")
        dots += [{"x": round(x, 1), "y": round(y, 1), "group": group,
                  "title": f"{entry['day'].isoformat()}: {price_text(round(entry[group]))}"}
                 for x, y, entry in points]
    ticks = [{"y": round(y_of(top * fraction), 1), "label": label}
             for fraction, label in zip(fractions, labels, strict=True)]
    days = [start + datetime.timedelta(days=i) for i in range(span + 1)]
    shown_days = days if len(days) <= FEW_DAYS + 1 else [start, start + (end - start) / 2, end]
    x_labels = [{"x": round(x_of(day), 1), "label": day.strftime("%m-%d"),
                 "anchor": "start" if day == start else "end" if day == end else "middle"}
                for day in shown_days]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "lines": lines, "dots": dots,
            "ticks": ticks, "left": left, "right": right, "x_labels": x_labels,
            "bottom": CHART_HEIGHT - CHART_PAD, "start": start, "end": end}


def revenue_chart(rows: list[report.Row]) -> dict[str, Any]:
    """One bar per widget, labelled in words; the label column fits the longest label
    and the value column the longest amount (nothing clipped)."""
    top = max((float(row.revenue) for row in rows), default=0) or 1
    values = [price_text(row.revenue) for row in rows]
    label_width = max([140, *(16 + CHAR_WIDTH * len(row.label) for row in rows)])
    value_width = max([60, *(16 + CHAR_WIDTH * len(value) for value in values)])
    bars = [{"label": row.label, "y": 6 + index * 26, "text_y": 6 + index * 26 + 13,
             "width": round(BAR_WIDTH * float(row.revenue) / top, 1), "value": value}
            for index, (row, value) in enumerate(zip(rows, values, strict=True))]
    return {"bars": bars, "height": 12 + 26 * len(bars), "label_width": label_width,
            "bar_width": BAR_WIDTH, "width": label_width + BAR_WIDTH + value_width}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def csv_response(start: datetime.date, end: datetime.date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="upcross-report-{start.isoformat()}-{end.isoformat()}.csv"')
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in report.widget_rows(start, end):
        writer.writerow(_csv_cells("widget", row))
    for row in report.relation_rows(start, end, limit=None):
        writer.writerow(_csv_cells("suggestion", row))
    return response


def _csv_cells(level: str, row: report.Row) -> list[Any]:
    cells = [level, row.widget, row.source, row.source_name, row.target, row.target_name,
             row.impressions, row.clicks, _percent(row.ctr), row.adds, _percent(row.add_rate),
             row.purchases, row.revenue]
    # A cell a spreadsheet would run as a formula is quoted (CSV injection).
    return [safe_cell(cell) for cell in cells]


def _difference(diff: Difference) -> dict[str, Any]:
    return {"estimate": diff.estimate, "low": diff.low, "high": diff.high,
            "relative": None if diff.relative is None else diff.relative * 100,
            "significant": diff.significant, "df": diff.df}


def report_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    require(model_admin.has_view_permission(request))
    try:
        flush_events(wait=REPORT_FLUSH_WAIT)  # show what was counted up to now
    except Exception as exc:  # Redis down: report what is in the database
        logger.warning("upcross could not flush the widget counters: %s", exc)
        messages.warning(request, _("The latest counts could not be collected; "
                                    "the report shows the figures flushed before."))
    days, start, end = period(request)
    if request.GET.get("format") == "csv":
        return csv_response(start, end)
    widgets = report.widget_rows(start, end)
    comparison = report.holdout_comparison(start, end)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Widget analytics"),
        "days": days, "periods": PERIODS, "start": start, "end": end,
        "widgets": widgets,
        "relations": report.relation_rows(start, end),
        "comparison": comparison,
        "aov": _difference(comparison.aov),
        "items": _difference(comparison.items),
        "aov_chart": aov_chart(comparison.series, start, end),
        "revenue_chart": revenue_chart(widgets),
        "total_revenue": sum((row.revenue for row in widgets), 0),
    }
    return TemplateResponse(request, "upcross/admin/report.html", context)


class WidgetReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """No list of rows: the changelist is the report."""

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return report_view(self, request)
