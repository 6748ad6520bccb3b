"""Mining: pure computation over order lines (numpy only, no Django).

``counting`` turns lines into additive item/pair counts, ``rules`` derives
complements (association rules), ``upgrades`` derives pricier substitutes.
"""

from __future__ import annotations

from upcross.mining.counting import (
    GUEST,
    Baskets,
    CoCounts,
    build_baskets,
    count_baskets,
    merge_counts,
)
from upcross.mining.rules import MinedRules, RuleParams, complement_rules
from upcross.mining.upgrades import (
    Catalog,
    RuleSpec,
    UpgradeParams,
    rule_upgrades,
    substitute_keys,
    upgrade_rules,
)

__all__ = [
    "GUEST",
    "Baskets",
    "Catalog",
    "CoCounts",
    "MinedRules",
    "RuleParams",
    "RuleSpec",
    "UpgradeParams",
    "build_baskets",
    "complement_rules",
    "count_baskets",
    "merge_counts",
    "rule_upgrades",
    "substitute_keys",
    "upgrade_rules",
]
