"""What an upgrade rule yields for one product (used by the admin preview).

Kept apart from the admin so that a recompute can apply rules the same way.
Everything host-specific goes through the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count

from upcross.adapters import get_adapter
from upcross.models import UpgradeRule, UpgradeRuleSort


@dataclass(frozen=True)
class RuleCandidate:
    product: models.Model
    price: Decimal
    increase: Decimal  # percent above the source's price
    orders: int
    margin: Decimal | None


@dataclass(frozen=True)
class RulePreview:
    candidates: list[RuleCandidate]
    applies: bool
    source_price: Decimal | None


def rule_applies_to(rule: UpgradeRule, categories: frozenset[Any]) -> bool:
    return not rule.category or rule.category in {str(value) for value in categories}


def order_counts(pks: list[Any]) -> dict[Any, int]:
    """Orders per product (best-selling sort); empty when mining is not configured."""
    adapter = get_adapter()
    try:
        lines = adapter.order_lines()
    except LookupError:
        return {}
    paths = adapter.order_line_paths()
    product_path, order_path = paths["product"], paths["order"]
    rows = (lines.filter(**{f"{product_path}__in": pks}).order_by()
            .values(product_path).annotate(n=Count(order_path, distinct=True)))
    return {row[product_path]: row["n"] for row in rows}


def evaluate_rule(rule: UpgradeRule, product: models.Model) -> RulePreview:
    """Available products of the rule's scope (or the product's categories), priced
    inside the band above ``product``, sorted by the rule, cut at its limit."""
    adapter = get_adapter()
    source = adapter.facts_for(product)
    if source.price is None or not rule_applies_to(rule, source.categories):
        return RulePreview(candidates=[], applies=False, source_price=source.price)
    queryset = adapter.available_products().exclude(pk=product.pk)
    scope = [rule.category] if rule.category else list(source.categories)
    if scope:
        matching = adapter.products_in_category(scope[0], queryset)
        for value in scope[1:]:
            matching = matching | adapter.products_in_category(value, queryset)
        queryset = matching
    pks = list(queryset.values_list("pk", flat=True).distinct())
    facts = adapter.product_facts(pks)
    low = source.price * (1 + Decimal(rule.min_price_increase) / 100)
    high = source.price * (1 + Decimal(rule.max_price_increase) / 100)
    in_band = {pk: fact for pk, fact in facts.items()
               if fact.price is not None and low <= fact.price <= high}
    counts = order_counts(list(in_band)) if in_band else {}
    costs = adapter.product_costs(list(in_band)) if in_band else {}
    products = adapter.product_model()._default_manager.in_bulk(list(in_band))
    candidates = []
    for pk, fact in in_band.items():
        price = fact.price
        assert price is not None
        cost = costs.get(pk)
        candidates.append(RuleCandidate(
            product=products[pk], price=price,
            increase=((price - source.price) / source.price * 100).quantize(Decimal("0.1"))
            if source.price else Decimal(0),
            orders=counts.get(pk, 0), margin=None if cost is None else price - cost,
        ))
    if rule.sort == UpgradeRuleSort.CLOSEST_PRICE:
        candidates.sort(key=lambda c: (c.price - source.price, str(c.product.pk)))
    elif rule.sort == UpgradeRuleSort.HIGHEST_MARGIN:
        candidates.sort(key=lambda c: (c.margin is None, -(c.margin or 0), c.price))
    else:
        candidates.sort(key=lambda c: (-c.orders, c.price))
    return RulePreview(candidates=candidates[: rule.limit], applies=True,
                       source_price=source.price)
