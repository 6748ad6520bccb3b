"""Upgrade rules in the admin: what a rule yields for one product (the preview).

There is one implementation of upgrade rules, :func:`upcross.mining.rule_upgrades`.
The upgrades recompute (``upcross.recompute``) runs it over every available product
and writes its pairs as ``origin="rule"`` rows; "Apply rules now" starts that
recompute. The preview runs the same function over the few products the preview
needs, with the same order counts, so it shows what the recompute writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import models

from upcross import recompute as recomputing
from upcross.adapters import get_adapter
from upcross.models import UpgradeRule


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


def _in_priority_order(rule: UpgradeRule) -> list[UpgradeRule]:
    """The active rules with ``rule`` (saved or not, active or not) in its place.

    Rules are unioned in priority order and a later rule skips what earlier ones
    picked, so the rules before this one decide what it adds. An unsaved rule comes
    after saved ones of the same priority, as it will once saved.
    """
    rules = [other for other in recomputing.active_rules()
             if rule.pk is None or other.pk != rule.pk]
    rules.append(rule)
    rules.sort(key=lambda r: (r.priority, r.pk is None, r.pk or 0))
    return rules


def evaluate_rule(rule: UpgradeRule, product: models.Model) -> RulePreview:
    """What the upgrades recompute writes for ``product`` because of ``rule``.

    Every rule that applies to a product has its scope among the product's
    categories, so the available products sharing a category with it are all the
    recompute looks at for it: the same function over those gives the same pairs.
    """
    adapter = get_adapter()
    source = adapter.facts_for(product)
    not_applicable = RulePreview(candidates=[], applies=False, source_price=source.price)
    if source.price is None or not rule_applies_to(rule, source.categories):
        return not_applicable
    categories = list(source.categories)
    if not categories:  # shares a category with nothing: no candidates
        return RulePreview(candidates=[], applies=True, source_price=source.price)
    available = adapter.available_products()
    scope = adapter.products_in_category(categories[0], available)
    for value in categories[1:]:
        scope = scope | adapter.products_in_category(value, available)
    pks = list(scope.order_by("pk").values_list("pk", flat=True).distinct())
    if product.pk not in pks:  # not available: the recompute makes no rows for it
        return not_applicable
    rules = _in_priority_order(rule)
    sold = recomputing.rule_order_counts(scope)
    sources, targets, ranks, which = recomputing.rule_pairs(pks, rules, sold)
    index = next(i for i, candidate in enumerate(rules) if candidate is rule)
    mine = np.flatnonzero((which == index) & (sources == pks.index(product.pk)))
    picked = [pks[code] for code in targets[mine[np.argsort(ranks[mine])]].tolist()]
    facts = adapter.product_facts(picked)
    costs = adapter.product_costs(picked)
    products = adapter.product_model()._default_manager.in_bulk(picked)
    candidates = []
    for pk in picked:
        price = facts[pk].price
        assert price is not None  # unpriced products are never candidates
        cost = costs.get(pk)
        candidates.append(RuleCandidate(
            product=products[pk], price=price,
            increase=((price - source.price) / source.price * 100).quantize(Decimal("0.1"))
            if source.price else Decimal(0),
            orders=sold.get(pk, 0), margin=None if cost is None else price - cost,
        ))
    return RulePreview(candidates=candidates, applies=True, source_price=source.price)
