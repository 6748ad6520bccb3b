"""Move the hot-path counters into daily rows (``WidgetDailyStat``, ``RelationDailyStat``;
product views into ``ProductViewDailyStat`` and ``CoViewDailyStat``).

Run by the Celery task ``upcross.flush_events`` on ``ANALYTICS_FLUSH_SCHEDULE``
(a django-celery-beat ``PeriodicTask``), and by the report before it renders.
One flush at a time (a Redis lock); each batch is added to the rows in one
transaction and deleted from Redis only after the commit. A flush that dies
between the commit and the delete would add that batch again on the next run:
a window of one ``DEL``, the price of keeping Redis and the database apart.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F

from upcross.adapters import get_adapter
from upcross.analytics.counters import VIEW_WIDGET, Field, store
from upcross.models import CoViewDailyStat, ProductViewDailyStat, RelationDailyStat, WidgetDailyStat

logger = logging.getLogger("upcross.analytics")

#: Seconds a flush may hold the lock (and a second flush waits for it).
LOCK_TIMEOUT = 120


@dataclass
class FlushResult:
    batches: int = 0
    fields: int = 0
    widget_rows: int = 0
    relation_rows: int = 0
    view_rows: int = 0
    coview_rows: int = 0


def flush_events(wait: float = LOCK_TIMEOUT) -> FlushResult:
    """Drain the live counters into the daily rows; return what was written.

    ``wait``: seconds to wait for a flush already running (then ``LockError``).
    """
    counters = store()
    result = FlushResult()
    with counters.lock(LOCK_TIMEOUT, wait):
        for batch, values in counters.drain():
            with transaction.atomic():
                widget_rows, relation_rows = _write(values)
                view_rows, coview_rows = _write_views(values)
            counters.done(batch)
            result.batches += 1
            result.fields += len(values)
            result.widget_rows += widget_rows
            result.relation_rows += relation_rows
            result.view_rows += view_rows
            result.coview_rows += coview_rows
    return result


def _write(values: dict[str, int]) -> tuple[int, int]:
    rows: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for raw, amount in values.items():
        field = Field.decode(raw)
        if field is None:
            logger.warning("upcross ignored an unreadable counter %r", raw)
            continue
        if field.widget == VIEW_WIDGET:
            continue
        rows[(field.day.isoformat(), field.widget, field.source, field.target)][field.metric] \
            += amount
    widget_rows = relation_rows = 0
    for (day, widget, source, target), metrics in rows.items():
        model: type[RelationDailyStat] | type[WidgetDailyStat]
        keys: dict[str, Any]
        if target:
            model, keys = RelationDailyStat, {"day": day, "widget": widget[:32],
                                              "source": source[:64], "target": target[:64]}
            metrics.pop("orders", None)
            relation_rows += 1
        else:
            model, keys = WidgetDailyStat, {"day": day, "widget": widget[:32]}
            widget_rows += 1
        model.objects.get_or_create(**keys)
        model.objects.filter(**keys).update(**{
            metric: F(metric) + (Decimal(amount) / 100 if metric == "revenue" else amount)
            for metric, amount in metrics.items()
        })
    return widget_rows, relation_rows


def _write_views(values: dict[str, int]) -> tuple[int, int]:
    """Add the batch's ``@view`` counters to the daily view and co-view rows.

    A product deleted since its view was counted is skipped (its rows would point at
    nothing); each co-view is written in both directions.
    """
    views: dict[tuple[str, str], int] = defaultdict(int)
    coviews: dict[tuple[str, str, str], int] = defaultdict(int)
    for raw, amount in values.items():
        field = Field.decode(raw)
        if field is None or field.widget != VIEW_WIDGET:
            continue
        day = field.day.isoformat()
        if field.metric == "views":
            views[(day, field.target)] += amount
        elif field.source != field.target:
            coviews[(day, field.source, field.target)] += amount
            coviews[(day, field.target, field.source)] += amount
    if not views and not coviews:
        return 0, 0
    known = _existing_pks({pk for _day, pk in views}
                          | {pk for key in coviews for pk in key[1:]})
    view_rows = coview_rows = 0
    for (day, pk), amount in views.items():
        if pk in known:
            _add(ProductViewDailyStat, {"day": day, "product_id": known[pk]}, "views", amount)
            view_rows += 1
    for (day, first, second), amount in coviews.items():
        if first in known and second in known:
            _add(CoViewDailyStat, {"day": day, "product_id": known[first],
                                   "other_id": known[second]}, "sessions", amount)
            coview_rows += 1
    return view_rows, coview_rows


def _existing_pks(texts: set[str]) -> dict[str, object]:
    """``{pk as text: pk}`` of the products among ``texts`` that still exist (one query)."""
    model = get_adapter().product_model()
    field = model._meta.pk
    pks = []
    for text in texts:
        try:
            pks.append(field.to_python(text))
        except Exception:  # a malformed counter is skipped, never fatal
            logger.warning("upcross ignored a view counter of an unreadable product id %r", text)
    found = model._default_manager.filter(pk__in=pks)
    return {str(pk): pk for pk in found.values_list("pk", flat=True)}


def _add(model: type[models.Model], keys: dict[str, Any], column: str, amount: int) -> None:
    model._default_manager.get_or_create(**keys)
    model._default_manager.filter(**keys).update(**{column: F(column) + amount})
