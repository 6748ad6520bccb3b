"""A product created since the last recompute: its complements, written at once.

The complements recompute writes rule and fallback rows for every available product
it knows. A product created after it would show an empty widget until the next run;
instead, when it is created (on commit, see :mod:`upcross.handlers`), this writes
its complement rules' picks and its fallback from the stored per-category picks
(:class:`~upcross.models.FallbackPick`): the same functions the recompute runs, so
the next recompute keeps or replaces them like its own rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, models, transaction

from upcross import cache, fallback, rule_evaluation
from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.mining import fallback as picking
from upcross.models import FallbackPick, ProductRelation, RelationKind

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
    if any(upcross_settings.FALLBACK.values()):
        rows += _fallback_rows(pk, fact, {row[1] for row in rows})
    ProductRelation.objects.bulk_create([
        ProductRelation(source_id=source, target_id=target, kind=RelationKind.COMPLEMENT,
                        origin=origin, pair_count=pair_count, support=support,
                        confidence=confidence, lift=lift, score=score)
        for source, target, pair_count, support, confidence, lift, score, origin in rows
    ], ignore_conflicts=True)
    if rows:
        cache.invalidate_products([pk])
    return len(rows)


def _fallback_rows(pk: Any, fact: Any, taken: set[Any]) -> list[tuple]:
    want = fallback.PICKS_PER_PRODUCT - len(taken)
    if want <= 0:
        return []
    mine = [str(value) for value in fact.categories]
    stored = list(FallbackPick.objects.filter(category__in=[*mine, ""]))
    if not stored:
        return []
    facts = get_adapter().product_facts([row.product_id for row in stored])
    categories_of = {row.product_id: frozenset(str(c) for c in facts[row.product_id].categories)
                     for row in stored}
    picks = [picking.Pick(row.category or picking.CATALOGUE, row.product_id, row.origin,
                          row.rank, -1, row.pair_count, row.confidence, row.lift, row.orders)
             for row in stored]
    excluded = {pk, *taken} | ({fact.parent} if fact.parent is not None else set())
    chosen = picking.product_fallback(mine, fallback.grouped(picks), excluded, want,
                                      categories_of)
    return [fallback.as_row(pk, pick.product, pick, position, 0)
            for position, pick in enumerate(chosen)]


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
