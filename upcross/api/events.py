"""Widget events from the events endpoint, counted by :mod:`upcross.analytics`.

Every accepted event bumps, for its UTC day, the widget's counter and one counter
per product (as a suggestion of the event's ``source``). Counting is an atomic
``HINCRBY`` in Redis (see :mod:`upcross.analytics.counters`), so concurrent beacons
are never lost, and nothing is written to the database on this path; the flush
task moves the counts into daily rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from upcross.analytics import counters
from upcross.models import RelationDailyStat, WidgetDailyStat


def record_event(widget: str, event: str, products: Iterable[Any],
                 day: datetime.date | None = None, source: Any = None) -> int:
    """Count one event; return how many product counters were bumped.

    Goes to the analytics counters (:mod:`upcross.analytics.counters`: Redis
    ``HINCRBY``, no database write): the widget's counter and one per product
    shown or clicked, as a suggestion of ``source`` (the page's product, if any).
    An unreachable Redis loses the event (logged), it never fails the beacon.
    """
    pks = [counters.pk_text(pk) for pk in dict.fromkeys(products)]
    source_pk = counters.pk_text(source)
    metric = counters.EVENT_METRICS[event]
    counted = counters.increment(
        counters.event_counts(widget, metric, [(source_pk, pk) for pk in pks], day=day))
    return len(pks) if counted else 0


def record_view(product: Any, session: str | None = None,
                day: datetime.date | None = None) -> int:
    """Count one view of ``product`` (and its co-views in ``session``); 1 if counted.

    Redis only (see :func:`upcross.analytics.counters.record_view`).
    """
    return int(counters.record_view(counters.pk_text(product), session or None, day=day))


def event_count(widget: str, event: str, product: Any = None,
                day: datetime.date | None = None) -> int:
    """One widget's count of an event type (for one product, any source) on ``day``.

    Counters not flushed yet plus the day's flushed rows; a flush running at that
    moment may hide its batch for an instant. Meant for tests and shell checks.
    """
    day = day or timezone.now().date()
    metric = counters.EVENT_METRICS[event]
    target = "" if product is None else counters.pk_text(product)
    live = 0
    for raw, amount in counters.store().peek().items():
        field = counters.Field.decode(raw)
        if (field is not None and field.day == day and field.widget == widget
                and field.metric == metric and field.target == target
                and (product is not None or field.source == "")):
            live += amount
    rows: QuerySet[Any]
    if product is None:
        rows = WidgetDailyStat.objects.filter(day=day, widget=widget)
    else:
        rows = RelationDailyStat.objects.filter(day=day, widget=widget, target=target)
    flushed = sum(rows.values_list(metric, flat=True))
    return live + int(flushed)
