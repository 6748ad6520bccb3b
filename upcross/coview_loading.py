"""The recompute's read of the co-view statistics (``CoViewDailyStat``, ``ProductViewDailyStat``).

Sums the daily rows of the look-back window per product and per pair, in two grouped
queries, into :class:`upcross.mining.CoViews` aligned with the run's product codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, Sum

from upcross import mining
from upcross.models import CoViewDailyStat, ProductViewDailyStat


def load_coviews(product_pks: Sequence[Any], since: datetime | None) -> mining.CoViews:
    """Views and co-view sessions since ``since`` (all when ``None``) of ``product_pks``
    (position = product code); other products are left out."""
    code_of = {pk: code for code, pk in enumerate(product_pks)}
    views = ProductViewDailyStat.objects.all()
    # Both directions are stored with the same count: one is enough.
    pairs = CoViewDailyStat.objects.filter(product__lt=F("other"))
    if since is not None:
        views = views.filter(day__gte=since.date())
        pairs = pairs.filter(day__gte=since.date())
    view_rows = views.values_list("product").annotate(total=Sum("views")).order_by()
    pair_rows = pairs.values_list("product", "other").annotate(total=Sum("sessions")).order_by()
    return mining.CoViews.of(code_of, view_rows.iterator(), pair_rows.iterator())
