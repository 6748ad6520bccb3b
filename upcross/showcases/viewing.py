"""The showcases fed by the tracking script: most viewed, recently viewed.

``most_viewed`` ranks by the daily view counts (``ProductViewDailyStat``) of the last
four half-lives (``SHOWCASE_HALF_LIFE_DAYS``), each day's views weighed by its age
like the best sellers' sales, overall or in one category. ``recently_viewed`` shows the
products this visitor viewed, newest first, from the session the tracking tag keeps
(:data:`~upcross.showcases.visitor.VIEWED_SESSION_KEY`): nothing is written for it.
Each ranks in one query (:meth:`~upcross.showcases.registry.Showcase.top`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.models import ProductViewDailyStat
from upcross.showcases.builtin import DECAY_HALF_LIVES, DECAY_STEPS, decay_weight
from upcross.showcases.registry import Ranked, Scope, Showcase, register


def recent_views() -> models.QuerySet:
    """The daily view rows of the decay window."""
    window = upcross_settings.SHOWCASE_HALF_LIFE_DAYS * DECAY_HALF_LIVES
    since = timezone.now().date() - datetime.timedelta(days=window)
    return ProductViewDailyStat._default_manager.filter(day__gte=since)


def view_weight() -> Any:
    """One day's views times the decay of the day's age (a CASE of steps, any database)."""
    half_life = upcross_settings.SHOWCASE_HALF_LIFE_DAYS
    today = timezone.now().date()
    step = half_life / DECAY_STEPS
    steps = [When(day__gte=today - datetime.timedelta(days=step * (i + 1)),
                  then=Value(decay_weight(step * i, half_life)))
             for i in range(DECAY_HALF_LIVES * DECAY_STEPS)]
    decay = Case(*steps, default=Value(0.0), output_field=FloatField())
    return ExpressionWrapper(F("views") * decay, output_field=FloatField())


class MostViewed(Showcase):
    """Product pages viewed lately, each day's views weighed down by its age, overall or
    in one category."""

    name = "most_viewed"
    title = _("Most viewed")
    scoped = True

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        if scope.category:
            products = get_adapter().products_in_category(scope.category, products)
        views = recent_views()
        per_product = (views.filter(product=OuterRef("pk")).order_by().values("product")
                       .annotate(upcross_views=Sum(view_weight())).values("upcross_views")[:1])
        found = self.top(products, Q(pk__in=views.values("product")),
                         Subquery(per_product, output_field=FloatField()), pool)
        return [(p, Ranked(pk=p.pk, score=getattr(p, "upcross_score", None) or 0.0))
                for p in found]

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        return str(_("Many shoppers are looking at this"))


class RecentlyViewed(Showcase):
    """What this visitor viewed, newest first (the cart's products left out)."""

    name = "recently_viewed"
    title = _("Recently viewed")
    personal = True
    leaves_out_viewed = False

    def visitor_key(self, scope: Scope) -> Any:
        visitor = scope.visitor
        return None if visitor is None else tuple(map(str, visitor.viewed))

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        viewed = list(scope.visitor.viewed)[:pool] if scope.visitor is not None else []
        if not viewed:
            return []
        newest_first = Case(*(When(pk=pk, then=Value(index)) for index, pk in enumerate(viewed)),
                            default=Value(len(viewed)), output_field=models.IntegerField())
        found = self.top(products, Q(pk__in=viewed), newest_first, pool, descending=False)
        return [(p, Ranked(pk=p.pk)) for p in found]

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        return str(_("You viewed this"))


register(MostViewed())
register(RecentlyViewed())
