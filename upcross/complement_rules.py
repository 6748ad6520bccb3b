"""Complement rules: which products of a rule's target category each product gets.

The one implementation of :class:`~upcross.models.ComplementRule`: the complements
recompute runs it over every available product and writes its pairs as
``origin="rule"`` rows; the admin preview and a product created since the last
recompute (:mod:`upcross.cold_start`) run it over the few products they need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from upcross.adapters import ProductFacts
from upcross.models import ComplementRule, ComplementRuleSort


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


def rule_pairs(rules: Sequence[ComplementRule], facts: Mapping[Any, ProductFacts],
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
            fact = facts.get(source)
            if fact is None or str(rule.category) not in {str(c) for c in fact.categories}:
                continue
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
