"""Mining: pure computation over order lines (numpy only, no Django).

``counting`` turns lines into additive item/pair counts, ``rules`` derives
complements (association rules, scored by ``item_model`` when the catalogue is small
enough), ``upgrades`` derives pricier substitutes.
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
from upcross.mining.coviews import CoViews
from upcross.mining.item_model import ItemModelParams, item_weights
from upcross.mining.rules import (
    ITEM_MODEL,
    RULE_SCORE,
    MinedRules,
    RuleParams,
    complement_rules,
)
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
    "ITEM_MODEL",
    "RULE_SCORE",
    "Baskets",
    "Catalog",
    "CoCounts",
    "CoViews",
    "ItemModelParams",
    "MinedRules",
    "RuleParams",
    "RuleSpec",
    "UpgradeParams",
    "build_baskets",
    "complement_rules",
    "count_baskets",
    "item_weights",
    "merge_counts",
    "rule_upgrades",
    "substitute_keys",
    "upgrade_rules",
]
