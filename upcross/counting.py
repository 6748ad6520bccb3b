"""Orders to mining counts: the parameters a run fixes, and the counting of order lines.

Shared by the recompute (:mod:`upcross.recompute`), which counts every order, and
the rule evaluation (:mod:`upcross.rule_evaluation`), which counts the lines of
the few products a preview needs: each product's count depends only on its own
lines, so both see the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from upcross import loading, mining
from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.models import ProductRelation


@dataclass(frozen=True)
class MiningParameters:
    """Everything a run depends on, fixed at its start (also stored on the MiningRun)."""

    now: float
    lookback_days: int | None
    half_life_days: float | None
    min_pair_count: int | None
    min_confidence: float | None
    min_lift: float | None
    max_per_product: int
    fold_variants: bool
    upgrade_min_price_increase: float
    upgrade_max_price_increase: float
    upgrade_max_together_lift: float = 0.5
    upgrade_min_neighbourhood: float = 0.5
    upgrade_min_name_similarity: float = 0.3
    upgrade_min_coview: float | None = 0.2
    item_model_max_items: int = 0
    item_model_l2: float = 30.0
    item_model_dropout: float = 0.5

    @classmethod
    def from_settings(cls, now: datetime | None = None) -> MiningParameters:
        s = upcross_settings
        return cls(
            now=(now or timezone.now()).timestamp(),
            lookback_days=s.LOOKBACK_DAYS,
            half_life_days=s.HALF_LIFE_DAYS,
            min_pair_count=s.MIN_PAIR_COUNT,
            min_confidence=s.MIN_CONFIDENCE,
            min_lift=s.MIN_LIFT,
            max_per_product=s.MAX_PER_PRODUCT,
            fold_variants=s.FOLD_VARIANTS,
            upgrade_min_price_increase=s.UPGRADE_MIN_PRICE_INCREASE,
            upgrade_max_price_increase=s.UPGRADE_MAX_PRICE_INCREASE,
            upgrade_max_together_lift=s.UPGRADE_MAX_TOGETHER_LIFT,
            upgrade_min_neighbourhood=s.UPGRADE_MIN_NEIGHBOURHOOD,
            upgrade_min_name_similarity=s.UPGRADE_MIN_NAME_SIMILARITY,
            upgrade_min_coview=s.UPGRADE_MIN_COVIEW,
            item_model_max_items=s.ITEM_MODEL_MAX_ITEMS,
            item_model_l2=s.ITEM_MODEL_L2,
            item_model_dropout=s.ITEM_MODEL_DROPOUT,
        )

    @property
    def since(self) -> datetime | None:
        if not self.lookback_days:
            return None
        return moment(self.now) - timedelta(days=self.lookback_days)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def moment(timestamp: float) -> datetime:
    """A timestamp as the kind of datetime the database expects (naive without USE_TZ)."""
    value = datetime.fromtimestamp(timestamp, tz=UTC)
    if timezone.is_naive(timezone.now()):
        return timezone.make_naive(value, timezone.get_default_timezone())
    return value


def count_orders(parameters: MiningParameters, order_range: tuple[Any, Any] | None = None,
                 progress: Callable[[int], None] | None = None,
                 timings: dict[str, float] | None = None,
                 products: QuerySet[Any] | None = None) -> mining.CoCounts:
    """Load one order range (or all; or the lines of ``products``) and count it; adds
    ``load_s``/``count_s`` to ``timings``."""
    adapter = get_adapter()
    started = time.perf_counter()
    # Customers are not mining evidence, times only weigh orders by recency: fewer
    # columns make a faster load.
    lines = loading.load_lines(adapter, parameters.since, order_range, progress,
                               products=products, customers=False,
                               times=bool(parameters.half_life_days))
    parents = loading.variant_parents(lines.product) if parameters.fold_variants else None
    loaded = time.perf_counter()
    baskets = mining.build_baskets(lines.order, lines.product, lines.customer, lines.time,
                                   product_parent=parents)
    del lines
    counts = mining.count_baskets(baskets, parameters.now, parameters.half_life_days)
    if timings is not None:
        timings["load_s"] = timings.get("load_s", 0.0) + loaded - started
        timings["count_s"] = timings.get("count_s", 0.0) + time.perf_counter() - loaded
    return counts


def product_pks(values: Sequence[Any]) -> list[Any]:
    """Raw keys (possibly strings after travelling between tasks) as product pk values."""
    field = ProductRelation._meta.get_field("source").target_field
    return [field.to_python(value) for value in values]



def order_counts_of(counts: mining.CoCounts) -> dict[Any, int]:
    """Orders per product pk as mining counts them (``item_count``): the best-selling order."""
    return dict(zip(product_pks(counts.product_ids.tolist()), counts.item_count.tolist(),
                    strict=True))
