"""Upgrade rules: what a rule yields for one product (the admin preview), and
:func:`apply_rules`, which writes every active rule's suggestions (``origin="rule"``).

Both share one ranking, so the preview shows what applying will write. Everything
host-specific goes through the adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from upcross.adapters import get_adapter
from upcross.models import (
    ProductRelation,
    RelationKind,
    RelationOrigin,
    RelationStatus,
    UpgradeRule,
    UpgradeRuleSort,
)
from upcross.signals import relations_recomputed

QUERY_CHUNK = 900


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


def rule_applies_to(rule: UpgradeRule, categories: Iterable[Any]) -> bool:
    return not rule.category or rule.category in {str(value) for value in categories}


@dataclass(frozen=True)
class _Offer:
    pk: Any
    price: Decimal
    orders: int
    margin: Decimal | None


def _ranked(rule: UpgradeRule, source_price: Decimal, offers: Iterable[_Offer]) -> list[_Offer]:
    """Offers inside the rule's price band above ``source_price``, sorted, cut at the limit."""
    low = source_price * (1 + Decimal(rule.min_price_increase) / 100)
    high = source_price * (1 + Decimal(rule.max_price_increase) / 100)
    chosen = [offer for offer in offers if low <= offer.price <= high]
    if rule.sort == UpgradeRuleSort.CLOSEST_PRICE:
        chosen.sort(key=lambda o: (o.price, str(o.pk)))
    elif rule.sort == UpgradeRuleSort.HIGHEST_MARGIN:
        chosen.sort(key=lambda o: (o.margin is None, -(o.margin or 0), o.price, str(o.pk)))
    else:
        chosen.sort(key=lambda o: (-o.orders, o.price, str(o.pk)))
    return chosen[: rule.limit]


def _chunks(values: list[Any], size: int = QUERY_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def order_counts(pks: list[Any] | None = None) -> dict[Any, int]:
    """Orders per product (best-selling sort), of ``pks`` or of every product; empty when
    mining is not configured."""
    adapter = get_adapter()
    try:
        lines = adapter.order_lines()
    except LookupError:
        return {}
    paths = adapter.order_line_paths()
    product_path, order_path = paths["product"], paths["order"]

    def count(queryset: models.QuerySet) -> dict[Any, int]:
        rows = (queryset.order_by().values(product_path)
                .annotate(n=Count(order_path, distinct=True)))
        return {row[product_path]: row["n"] for row in rows}

    if pks is None:
        return count(lines)
    found: dict[Any, int] = {}
    for chunk in _chunks(pks):
        found.update(count(lines.filter(**{f"{product_path}__in": chunk})))
    return found


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
    facts = {pk: fact for pk, fact in adapter.product_facts(pks).items()
             if fact.price is not None}
    counts = order_counts(list(facts)) if facts else {}
    costs = adapter.product_costs(list(facts)) if facts else {}
    offers = []
    for pk, fact in facts.items():
        assert fact.price is not None
        cost = costs.get(pk)
        offers.append(_Offer(pk=pk, price=fact.price, orders=counts.get(pk, 0),
                             margin=None if cost is None else fact.price - cost))
    ranked = _ranked(rule, source.price, offers)
    products = adapter.product_model()._default_manager.in_bulk([o.pk for o in ranked])
    candidates = [
        RuleCandidate(
            product=products[offer.pk], price=offer.price,
            increase=((offer.price - source.price) / source.price * 100).quantize(
                Decimal("0.1")) if source.price else Decimal(0),
            orders=offer.orders, margin=offer.margin,
        )
        for offer in ranked
    ]
    return RulePreview(candidates=candidates, applies=True, source_price=source.price)


@dataclass(frozen=True)
class RulesResult:
    created: int
    removed: int
    sources: int


def apply_rules(now: datetime | None = None) -> RulesResult:
    """Write the upgrade suggestions of every active rule (``origin="rule"``).

    Each available product takes the first active rule (by priority) whose scope it
    is in, Magento style. The previous rule rows are replaced in one transaction;
    a pair that is manual, mined or blocked keeps its row (a blocked rule row too),
    so rules never override curation nor bring back what was blocked.
    """
    now = now or timezone.now()
    rules = list(UpgradeRule.objects.filter(is_active=True).order_by("priority", "pk"))
    adapter = get_adapter()
    pks = list(adapter.available_products().values_list("pk", flat=True))
    facts: dict[Any, Any] = {}
    for chunk in _chunks(pks):
        facts.update(adapter.product_facts(chunk))
    priced = {pk: fact for pk, fact in facts.items() if fact.price is not None}
    counts = order_counts() if rules else {}
    costs: dict[Any, Decimal | None] = {}
    if any(rule.sort == UpgradeRuleSort.HIGHEST_MARGIN for rule in rules):
        for chunk in _chunks(list(priced)):
            costs.update(adapter.product_costs(chunk))
    members: dict[str, list[_Offer]] = {}
    for pk, fact in priced.items():
        cost = costs.get(pk)
        offer = _Offer(pk=pk, price=fact.price, orders=counts.get(pk, 0),
                       margin=None if cost is None else fact.price - cost)
        for value in fact.categories:
            members.setdefault(str(value), []).append(offer)
    picked: list[tuple[Any, Any, int]] = []
    for pk, fact in priced.items():
        rule = next((r for r in rules if rule_applies_to(r, fact.categories)), None)
        if rule is None:
            continue
        scope = [rule.category] if rule.category else [str(c) for c in fact.categories]
        offers = {offer.pk: offer for value in scope for offer in members.get(value, ())
                  if offer.pk != pk}
        for position, offer in enumerate(_ranked(rule, fact.price, offers.values())):
            picked.append((pk, offer.pk, position))
    with transaction.atomic():
        upgrades = ProductRelation.objects.filter(kind=RelationKind.UPGRADE)
        current = upgrades.filter(origin=RelationOrigin.RULE, status=RelationStatus.ACTIVE)
        kept = set(upgrades.exclude(pk__in=current.values("pk"))
                   .values_list("source", "target"))
        removed, _ = current.delete()
        rows = [
            ProductRelation(source_id=source, target_id=target, kind=RelationKind.UPGRADE,
                            origin=RelationOrigin.RULE, status=RelationStatus.ACTIVE,
                            position=position, score=1 / (1 + position), computed_at=now)
            for source, target, position in picked if (source, target) not in kept
        ]
        ProductRelation.objects.bulk_create(rows, batch_size=2000)
        transaction.on_commit(lambda: relations_recomputed.send(
            sender=ProductRelation, kind="upgrades", run=None, source_pks=None))
    return RulesResult(created=len(rows), removed=removed,
                       sources=len({row.source_id for row in rows}))
