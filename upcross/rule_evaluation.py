"""Merchandiser rules: which pairs upgrade and complement rules make, and their previews.

There is one implementation of each kind of rule. The recompute runs it over
every available product and writes its pairs as ``origin="rule"`` rows; the admin
preview and a product created since the last recompute (:mod:`upcross.cold_start`)
run the same function over the few products they need, with the same order
counts, so they show what the recompute writes.

- **Upgrade rules** (:class:`~upcross.models.UpgradeRule`): "in category X, suggest
  products 10 to 50 % dearer", picked by :func:`upcross.mining.rule_upgrades`.
- **Complement rules** (:class:`~upcross.models.ComplementRule`): "products of
  category X get complements from category Y", picked by
  :func:`complement_rule_pairs`.

Rules are applied in priority order (lower first, then oldest); a later rule
skips what earlier ones picked, so the rules before one decide what it adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from django.db import models

from upcross import loading, mining
from upcross.adapters import ProductFacts, get_adapter
from upcross.counting import MiningParameters, count_orders, order_counts_of
from upcross.models import (
    ComplementRule,
    ComplementRuleSort,
    RelationOrigin,
    UpgradeRule,
    UpgradeRuleSort,
)
from upcross.writing import Row

#: Products per cost query (bounded query size for big catalogues).
_COST_CHUNK = 5_000
_Rule = TypeVar("_Rule", UpgradeRule, ComplementRule)


def rule_row(source: Any, target: Any, rank: int) -> Row:
    """The relation row of a rule's pick: no statistics, a score falling with ``rank``."""
    return (source, target, None, None, None, None, 1.0 / (1 + rank), RelationOrigin.RULE.value)


def rule_order_counts(products: models.QuerySet[Any] | None) -> dict[Any, int]:
    """Orders per product pk, as a full recompute counts them, for ``products``' lines.

    Each product's count only depends on its own lines, so counting the lines of a
    few products gives their counts of a full recompute. With variants folded into
    their parent, a parent counts its variants' lines: then every line is read.
    Without order lines configured nothing has sold.
    """
    adapter = get_adapter()
    if adapter.order_line_model() is None:
        return {}
    parameters = MiningParameters.from_settings()
    if parameters.fold_variants and adapter.product_field("parent"):
        products = None
    return order_counts_of(count_orders(parameters, products=products))


def with_rule_in_place(rule: _Rule, active: Iterable[_Rule]) -> list[_Rule]:
    """The ``active`` rules with ``rule`` (saved or not, active or not) in its place.

    An unsaved rule comes after saved ones of the same priority, as it will once saved.
    """
    rules = [other for other in active if rule.pk is None or other.pk != rule.pk]
    rules.append(rule)
    rules.sort(key=lambda r: (r.priority, r.pk is None, r.pk or 0))
    return rules


# --- upgrade rules ----------------------------------------------------------------------


def active_upgrade_rules() -> list[UpgradeRule]:
    """Active upgrade rules in priority order (lower first, then oldest)."""
    return list(UpgradeRule.objects.filter(is_active=True).order_by("priority", "pk"))


def upgrade_rule_pairs(pks: list[Any], rules: Sequence[UpgradeRule], sold: Mapping[Any, int]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mining.rule_upgrades` of ``rules`` (priority order) over the products ``pks``.

    ``pks`` must be in primary-key order (ties break by code); ``sold`` gives orders
    per pk (:func:`rule_order_counts`). Returns codes (positions in ``pks``), ranks and
    the index in ``rules`` of the rule behind each pair.
    """
    adapter = get_adapter()
    catalog, category_codes = loading.product_catalog(pks)
    orders = np.asarray([sold.get(pk, 0) for pk in pks], dtype=np.int64)
    cost = None
    if adapter.product_field("cost") and any(
            rule.sort == UpgradeRuleSort.HIGHEST_MARGIN for rule in rules):
        costs: dict[Any, Any] = {}
        for lo in range(0, len(pks), _COST_CHUNK):
            costs.update(adapter.product_costs(pks[lo : lo + _COST_CHUNK]))
        cost = np.asarray([np.nan if costs.get(pk) is None else float(costs[pk])
                           for pk in pks], dtype=float)
    specs = [
        mining.RuleSpec(
            # A category no available product has matches nothing (code -1).
            category=category_codes.get(rule.category, -1) if rule.category else None,
            min_price_increase=float(rule.min_price_increase),
            max_price_increase=float(rule.max_price_increase),
            sort=rule.sort, limit=rule.limit,
        )
        for rule in rules
    ]
    return mining.rule_upgrades(catalog, specs, orders, cost)


def upgrade_rule_rows(counts: mining.CoCounts) -> list[Row]:
    """Upgrade rows of the active upgrade rules over the available products."""
    rules = active_upgrade_rules()
    if not rules:
        return []
    pks = list(get_adapter().available_products().order_by("pk").values_list("pk", flat=True)
               .distinct())
    sources, targets, ranks, _rule = upgrade_rule_pairs(pks, rules, order_counts_of(counts))
    return [rule_row(pks[a], pks[b], rank)
            for a, b, rank in zip(sources.tolist(), targets.tolist(), ranks.tolist(),
                                  strict=True)]


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
    rules = with_rule_in_place(rule, active_upgrade_rules())
    sold = rule_order_counts(scope)
    sources, targets, ranks, which = upgrade_rule_pairs(pks, rules, sold)
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


# --- complement rules -------------------------------------------------------------------


@dataclass(frozen=True)
class RulePair:
    source: Any
    target: Any
    rule: int  # index into the rules given
    rank: int  # position among the source's rule picks (all rules), 0 first


def active_complement_rules() -> list[ComplementRule]:
    """Active complement rules in priority order (lower first, then oldest)."""
    return list(ComplementRule.objects.filter(is_active=True).order_by("priority", "pk"))


def in_band(rule: ComplementRule, source_price: Decimal | None,
            target_price: Decimal | None) -> bool:
    """Whether ``target_price`` is inside the rule's band (percent of ``source_price``).

    Without a band every price fits; with one, an unknown price fits nothing.
    """
    low, high = rule.min_price_percent, rule.max_price_percent
    if low is None and high is None:
        return True
    if source_price is None or target_price is None or source_price <= 0:
        return False
    percent = target_price / source_price * 100
    return (low is None or percent >= low) and (high is None or percent <= high)


def complement_rule_pairs(rules: Sequence[ComplementRule], facts: Mapping[Any, ProductFacts],
                          sold: Mapping[Any, int], sources: Iterable[Any] | None = None
                          ) -> list[RulePair]:
    """The pairs ``rules`` (priority order) make among the products of ``facts``.

    ``facts`` holds the available products (targets come only from them);
    ``sources`` (default: the same products) are the products to suggest for.
    A later rule skips what earlier rules picked for a source and still fills its
    own ``limit``. Ties break by primary key, so the result does not depend on the
    order of ``facts``.
    """
    source_pks = list(facts) if sources is None else list(sources)
    by_category: dict[str, list[Any]] = {}
    for pk, fact in facts.items():
        for value in fact.categories:
            by_category.setdefault(str(value), []).append(pk)
    pairs: list[RulePair] = []
    picked: dict[Any, list[Any]] = {}
    for index, rule in enumerate(rules):
        if rule.limit <= 0:
            continue
        targets = sorted(by_category.get(str(rule.target_category), []),
                         key=_sort_key(rule, facts, sold))
        if not targets:
            continue
        for source in source_pks:
            source_fact = facts.get(source)
            if source_fact is None or \
                    str(rule.category) not in {str(c) for c in source_fact.categories}:
                continue
            fact = source_fact
            mine = picked.setdefault(source, [])
            added = 0
            for target in targets:
                if added >= rule.limit:
                    break
                if target == source or target == fact.parent or target in mine:
                    continue
                if not in_band(rule, fact.price, facts[target].price):
                    continue
                pairs.append(RulePair(source, target, index, len(mine)))
                mine.append(target)
                added += 1
    return pairs


def _sort_key(rule: ComplementRule, facts: Mapping[Any, ProductFacts],
              sold: Mapping[Any, int]) -> Any:
    if rule.sort == ComplementRuleSort.LOWEST_PRICE:
        def by_price(pk: Any) -> tuple[bool, Decimal, Any]:
            price = facts[pk].price
            return (price is None, price if price is not None else Decimal(0), pk)
        return by_price

    def by_orders(pk: Any) -> tuple[int, Any]:
        return (-sold.get(pk, 0), pk)
    return by_orders


def complement_rule_rows(available: Mapping[Any, ProductFacts], sold: Mapping[Any, int],
                         sources: Iterable[Any] | None = None) -> list[Row]:
    """Complement rows of the active complement rules among the ``available`` products."""
    rules = active_complement_rules()
    if not rules:
        return []
    return [rule_row(pair.source, pair.target, pair.rank)
            for pair in complement_rule_pairs(rules, available, sold, sources)]


def complement_scope(rules: Iterable[ComplementRule]) -> models.QuerySet[Any]:
    """The available products of the target categories of ``rules``: all they can pick."""
    adapter = get_adapter()
    available = adapter.available_products()
    scope = available.none()
    for rule in rules:
        scope = scope | adapter.products_in_category(rule.target_category, available)
    return scope


def new_product_rule_rows(pk: Any, fact: ProductFacts) -> list[Row]:
    """The complement rule rows of product ``pk`` alone, as a full recompute writes them."""
    mine = {str(value) for value in fact.categories}
    rules = [rule for rule in active_complement_rules() if str(rule.category) in mine]
    if not rules:
        return []
    scope = complement_scope(rules)
    pks = list(scope.order_by().values_list("pk", flat=True).distinct())
    facts = get_adapter().product_facts([*pks, pk])
    return [rule_row(pair.source, pair.target, pair.rank)
            for pair in complement_rule_pairs(rules, facts, rule_order_counts(scope),
                                              sources=[pk])]


@dataclass(frozen=True)
class ComplementCandidate:
    product: models.Model
    price: Decimal | None
    percent: Decimal | None  # of the source's price
    orders: int


@dataclass(frozen=True)
class ComplementPreview:
    candidates: list[ComplementCandidate]
    applies: bool
    source_price: Decimal | None


def evaluate_complement_rule(rule: ComplementRule, product: models.Model) -> ComplementPreview:
    """What the complements recompute writes for ``product`` because of ``rule``: the
    active rules run in priority order with ``rule`` (saved or not) in its place, over
    the available products of the target categories of the rules that apply."""
    adapter = get_adapter()
    source = adapter.facts_for(product)
    mine = {str(value) for value in source.categories}
    if str(rule.category) not in mine or \
            not adapter.available_products().filter(pk=product.pk).exists():
        return ComplementPreview([], False, source.price)
    rules = with_rule_in_place(
        rule, [other for other in active_complement_rules() if str(other.category) in mine])
    scope = complement_scope(rules)
    pks = list(scope.order_by().values_list("pk", flat=True).distinct())
    facts = adapter.product_facts([*pks, product.pk])
    sold = rule_order_counts(scope)
    index = next(i for i, each in enumerate(rules) if each is rule)
    picked = [pair.target
              for pair in complement_rule_pairs(rules, facts, sold, sources=[product.pk])
              if pair.rule == index]
    products = adapter.product_model()._default_manager.in_bulk(picked)
    candidates = []
    for pk in picked:
        price = facts[pk].price
        percent = (price / source.price * 100).quantize(Decimal("0.1")) \
            if price is not None and source.price else None
        candidates.append(ComplementCandidate(products[pk], price, percent, sold.get(pk, 0)))
    return ComplementPreview(candidates, True, source.price)
