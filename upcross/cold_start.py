"""A product created since the last recompute: its complement-rule rows, written at once.

The complements recompute writes complement rules' rows for every available product
it knows. A product created after it would miss them until the next run; instead,
when it is created (on commit, see :mod:`upcross.handlers`), this writes its rules'
picks: the same functions the recompute runs, so the next recompute keeps or replaces
them like its own rows. Its fallback needs nothing written: the read path serves it
from its categories' stored picks (:mod:`upcross.fallback_table`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, models, transaction

from upcross import cache, rule_evaluation
from upcross.adapters import get_adapter
from upcross.models import ProductRelation, RelationKind

logger = logging.getLogger("upcross.cold_start")


def fill_new_product(pk: Any) -> int:
    """Write complements for product ``pk`` if it has none yet; returns rows written."""
    adapter = get_adapter()
    model = adapter.product_model()
    if not adapter.available_products(model._default_manager.filter(pk=pk)).exists():
        return 0
    if ProductRelation.objects.filter(source=pk, kind=RelationKind.COMPLEMENT).exists():
        return 0
    fact = adapter.product_facts([pk])[pk]
    rows = rule_evaluation.new_product_rule_rows(pk, fact)
    ProductRelation.objects.bulk_create([
        ProductRelation(source_id=source, target_id=target, kind=RelationKind.COMPLEMENT,
                        origin=origin, pair_count=pair_count, support=support,
                        confidence=confidence, lift=lift, score=score)
        for source, target, pair_count, support, confidence, lift, score, origin in rows
    ], ignore_conflicts=True)
    if rows:
        cache.invalidate_products([pk])
    return len(rows)


def product_created(sender: Any, instance: models.Model, created: bool = False,
                    raw: bool = False, **kwargs: Any) -> None:
    """``post_save`` of the product model: fill a new product's complements on commit."""
    if raw or not created or instance.pk is None:
        return
    pk = instance.pk

    def fill() -> None:
        try:
            fill_new_product(pk)
        except DatabaseError:  # never fail the shop's save; the next recompute fills it
            logger.exception("could not write the complements of new product %s", pk)

    transaction.on_commit(fill)
