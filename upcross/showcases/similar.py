"""Similar products: what a shopper looking at one product might take instead.

Candidates share a category with the product (any of its categories, when a product
has several); its own variants (children, parent, siblings) and the product itself
are left out. Ranked by evidence first: the sessions in which shoppers viewed both
(``CoViewDailyStat`` of the last :data:`WINDOW_DAYS` days) plus :data:`SUBSTITUTE_WEIGHT`
for a pair linked by an active upgrade relation in either direction (mined
substitutes, rules, the merchandiser's own); then, among products with the same
evidence, how many words of their names they share. One query: the product itself
is fetched with the candidates (for its name) and dropped.
"""

from __future__ import annotations

import datetime
import re

from django.db import models
from django.db.models import Exists, FloatField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.models import CoViewDailyStat, ProductRelation, RelationKind
from upcross.showcases.registry import Ranked, Scope, Showcase, register

#: Days of co-views counted.
WINDOW_DAYS = 90
#: What a substitute relation weighs against one shared session.
SUBSTITUTE_WEIGHT = 5.0
#: Ranks the product itself above any evidence (fetched for its name, then dropped).
SELF = 1e12
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(text or ""))


def name_overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard similarity of two names' word sets."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


class Similar(Showcase):
    """Products like ``product`` (``product=``), evidence first, then by name."""

    name = "similar"
    title = _("Similar products")
    about_product = True

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        adapter = get_adapter()
        model = adapter.product_model()
        source = model._meta.pk.to_python(scope.product)
        this = model._default_manager.filter(pk=source)
        category = adapter._category_path()
        if category:
            same = model._default_manager.filter(**{f"{category}__in": this.values(category)})
            candidates = Q(pk__in=same.values("pk"))
        else:
            candidates = Q()  # no category path: evidence alone
        parent = adapter.product_field("parent")
        if isinstance(parent, str) and parent and "." not in parent:
            # Its children, its parent and its siblings (no NULL in the subqueries: a
            # NOT IN with a NULL would leave every product out).
            parents = this.exclude(**{f"{parent}__isnull": True}).values(parent)
            family = (Q(**{parent: source}) | Q(pk__in=parents)
                      | Q(**{f"{parent}__in": parents}))
            products = products.exclude(family)
        since = timezone.now().date() - datetime.timedelta(days=WINDOW_DAYS)
        sessions = (CoViewDailyStat._default_manager
                    .filter(product=source, other=OuterRef("pk"), day__gte=since)
                    .order_by().values("other").annotate(total=Sum("sessions"))
                    .values("total")[:1])
        substitute = ProductRelation.objects.active().filter(
            Q(source=source, target=OuterRef("pk")) | Q(source=OuterRef("pk"), target=source),
            kind=RelationKind.UPGRADE.value)
        score = (Coalesce(Subquery(sessions, output_field=FloatField()), Value(0.0))
                 + models.Case(models.When(Exists(substitute), then=Value(SUBSTITUTE_WEIGHT)),
                               default=Value(0.0), output_field=FloatField()))
        if not category:
            candidates = Q(Exists(substitute)) | Q(pk__in=CoViewDailyStat._default_manager
                                                  .filter(product=source, day__gte=since)
                                                  .values("other"))
        # The product itself first (its name ranks the ties), then dropped.
        itself = models.Case(models.When(pk=source, then=Value(SELF)), default=Value(0.0),
                             output_field=FloatField())
        found = self.top(products, candidates | Q(pk=source), score + itself, pool + 1)
        own = next((p for p in found if p.pk == source), None)
        found = [p for p in found if p.pk != source][:pool]
        if own is not None:
            reference = words(adapter.product_display(own).name)
            found.sort(key=lambda p: (getattr(p, "upcross_pin", None) is None,
                                      getattr(p, "upcross_pin", None) or 0,
                                      -(getattr(p, "upcross_score", None) or 0.0),
                                      -name_overlap(reference,
                                                    words(adapter.product_display(p).name))))
        return [(p, Ranked(pk=p.pk, score=getattr(p, "upcross_score", None) or 0.0))
                for p in found]

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        if item.score >= 1:
            return str(_("Shoppers compare these"))
        return str(_("Similar to what you are looking at"))


register(Similar())
