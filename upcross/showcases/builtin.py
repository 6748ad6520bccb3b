"""The built-in showcases: best sellers, on offer, for you.

Each ranks in one query over the host's product table (see
:meth:`~upcross.showcases.registry.Showcase.top`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
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
from django.db.models.expressions import BaseExpression, Expression
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.models import (
    Bundle,
    BundleItem,
    ProductRelation,
    RelationKind,
    RelationOrigin,
)
from upcross.showcases.registry import Ranked, Scope, Showcase, register

#: Half-life steps a best seller's sales are counted over: older sales weigh < 1/16.
DECAY_HALF_LIVES = 4
#: Steps per half-life of the decay (a step function of the exponential, for any database).
DECAY_STEPS = 2
#: "No end": an offer score for pinned products that are not on offer.
NO_END = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def decay_weight(age_days: float, half_life_days: float) -> float:
    """The weight a sale of this age gets: ``0.5 ** (age / half_life)``, in steps of
    half a half-life (the middle of each step), 0 past ``DECAY_HALF_LIVES``."""
    step = half_life_days / DECAY_STEPS
    index = int(age_days // step)
    if age_days < 0:
        return 1.0
    if index >= DECAY_HALF_LIVES * DECAY_STEPS:
        return 0.0
    return 0.5 ** ((index + 0.5) / DECAY_STEPS)


class BestSellers(Showcase):
    """Units sold lately, each sale weighed down by its age (``SHOWCASE_HALF_LIFE_DAYS``),
    overall or in one category."""

    name = "best_sellers"
    title = _("Best sellers")
    scoped = True
    from_orders = True

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        adapter = get_adapter()
        lines = None if adapter.order_line_model() is None else recent_lines()
        if scope.category:
            products = adapter.products_in_category(scope.category, products)
        score: BaseExpression
        if lines is None:
            candidates, score = Q(pk__in=[]), Value(None, output_field=FloatField())
        else:
            product_path = adapter.order_line_paths()["product"] or "product"
            per_product = (lines.filter(**{product_path: OuterRef("pk")}).order_by()
                           .values(product_path).annotate(upcross_sold=Sum(sale_weight()))
                           .values("upcross_sold")[:1])
            candidates = Q(pk__in=lines.values(product_path))
            score = Subquery(per_product, output_field=FloatField())
        return [(p, Ranked(pk=p.pk, score=getattr(p, "upcross_score", None) or 0.0))
                for p in self.top(products, candidates, score, pool)]

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        return str(_("One of our best sellers"))


def recent_lines() -> models.QuerySet:
    """Order lines of the decay window (all counted lines when there is no date)."""
    adapter = get_adapter()
    lines = adapter.order_lines()
    placed_at = adapter.order_line_paths()["placed_at"]
    if placed_at:
        window = datetime.timedelta(days=upcross_settings.SHOWCASE_HALF_LIFE_DAYS
                                    * DECAY_HALF_LIVES)
        lines = lines.filter(**{f"{placed_at}__gte": timezone.now() - window})
    return lines


def sale_weight() -> Any:
    """One line's weight: its quantity times the decay of its age (a CASE of steps)."""
    paths = get_adapter().order_line_paths()
    quantity = F(paths["quantity"]) if paths["quantity"] else Value(1)
    placed_at = paths["placed_at"]
    if not placed_at:
        return ExpressionWrapper(quantity * Value(1.0), output_field=FloatField())
    half_life = upcross_settings.SHOWCASE_HALF_LIFE_DAYS
    now = timezone.now()
    step = half_life / DECAY_STEPS
    steps = [When(**{f"{placed_at}__gte": now - datetime.timedelta(days=step * (i + 1))},
                  then=Value(decay_weight(step * i, half_life)))
             for i in range(DECAY_HALF_LIVES * DECAY_STEPS)]
    decay = Case(*steps, default=Value(0.0), output_field=FloatField())
    return ExpressionWrapper(quantity * decay, output_field=FloatField())


class EarliestEnd(Least):
    """``LEAST`` of moments; on MariaDB/MySQL cast back to a DATETIME, which ``LEAST`` of
    DATETIME subqueries and a literal is not there (the driver would hand over text)."""

    def as_mysql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"CAST({sql} AS DATETIME(6))", params


class OnOffer(Showcase):
    """Products in a limited-time relation or bundle whose window is open, ending
    soonest first."""

    name = "on_offer"
    title = _("On offer")

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        now = timezone.now()
        relations = ProductRelation.objects.active(now).filter(ends_at__isnull=False)
        bundles = Bundle._default_manager.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now), is_active=True, ends_at__gt=now)
        bundle_items = BundleItem._default_manager.filter(bundle__in=bundles)
        candidates = (Q(pk__in=relations.values("target")) | Q(pk__in=bundles.values("product"))
                      | Q(pk__in=bundle_items.values("product")))
        far = Value(NO_END, output_field=DateTimeField())

        def first_end(queryset: models.QuerySet, field: str) -> Any:
            column = "bundle__ends_at" if queryset.model is BundleItem else "ends_at"
            earliest = queryset.filter(**{field: OuterRef("pk")}).order_by(column)
            return Coalesce(Subquery(earliest.values(column)[:1], output_field=DateTimeField()),
                            far)

        score = EarliestEnd(first_end(relations, "target"), first_end(bundles, "product"),
                            first_end(bundle_items, "product"), output_field=DateTimeField())
        found = []
        for product in self.top(products, candidates, score, pool, descending=False):
            ends_at = getattr(product, "upcross_score", None)
            if ends_at is not None and timezone.is_naive(ends_at):
                ends_at = timezone.make_aware(ends_at, datetime.UTC)
            if ends_at is not None and ends_at.year >= NO_END.year:
                ends_at = None
            found.append((product, Ranked(pk=product.pk, ends_at=ends_at)))
        return found

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        return str(_("A limited-time offer"))


#: What a cart line weighs in "for you" against a view or a purchase.
CART_WEIGHT = 2.0
#: What a merchandiser's manual complement weighs (mined scores are item-model weights).
MANUAL_WEIGHT = 1.0


class ForYou(Showcase):
    """Complements of what this visitor viewed, has in the cart and bought (their
    relation scores summed: the item model's scores add up by construction), less
    those products themselves; the best sellers for a new visitor."""

    name = "for_you"
    title = _("For you")
    personal = True

    def visitor_key(self, scope: Scope) -> Any:
        visitor = scope.visitor
        if visitor is None:
            return None
        return (tuple(sorted(map(str, visitor.viewed))), tuple(sorted(map(str, visitor.cart))),
                visitor.customer)

    def fallback(self, scope: Scope) -> str | None:
        return BestSellers.name

    def rank(self, products: models.QuerySet, scope: Scope,
             pool: int) -> list[tuple[models.Model, Ranked]]:
        visitor = scope.visitor
        if visitor is None or visitor.is_new:
            return []
        adapter = get_adapter()
        seen = [*visitor.viewed, *visitor.cart]
        sources = Q(source__in=seen) if seen else Q(pk__in=[])
        bought = None if visitor.customer is None else adapter.bought_products(visitor.customer)
        if bought is not None:
            sources |= Q(source__in=bought)
        relations = (ProductRelation.objects.active().filter(sources)
                     .filter(kind=RelationKind.COMPLEMENT.value,
                             origin__in=(RelationOrigin.MANUAL.value, RelationOrigin.RULE.value,
                                         RelationOrigin.MINED.value)))
        weight: Expression = Case(
            When(origin=RelationOrigin.MANUAL.value, then=Value(MANUAL_WEIGHT)),
            default=F("score"), output_field=FloatField())
        if visitor.cart:
            weight = ExpressionWrapper(
                weight * Case(When(source__in=visitor.cart, then=Value(CART_WEIGHT)),
                              default=Value(1.0), output_field=FloatField()),
                output_field=FloatField())
        per_product = (relations.filter(target=OuterRef("pk")).order_by().values("target")
                       .annotate(upcross_sum=Sum(weight)).values("upcross_sum")[:1])
        products = products.exclude(pk__in=seen)
        if bought is not None:
            products = products.exclude(pk__in=bought)
        if visitor.cart:
            products = products.annotate(upcross_from_cart=Exists(relations.filter(
                target=OuterRef("pk"), source__in=visitor.cart)))
        if visitor.viewed:
            products = products.annotate(upcross_from_viewed=Exists(relations.filter(
                target=OuterRef("pk"), source__in=visitor.viewed)))
        found = []
        for product in self.top(products, Q(pk__in=relations.values("target")),
                                Subquery(per_product, output_field=FloatField()), pool):
            signal = ("cart" if getattr(product, "upcross_from_cart", False)
                      else "viewed" if getattr(product, "upcross_from_viewed", False)
                      else "bought")
            score = getattr(product, "upcross_score", None) or 0.0
            found.append((product, Ranked(pk=product.pk, score=score, signal=signal)))
        return found

    def reason(self, item: Ranked, now: datetime.datetime) -> str:
        if item.signal == "cart":
            return str(_("Goes with what is in your cart"))
        if item.signal == "viewed":
            return str(_("Picked for you from what you viewed"))
        return str(_("Goes with what you bought"))


register(BestSellers())
register(OnOffer())
register(ForYou())
