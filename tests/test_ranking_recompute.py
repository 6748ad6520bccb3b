"""The ranking through the real recompute: the item model's rows, their evidence and
reason, a stored top-K larger than a widget, and the fallback above the item limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import override

from tests import factories
from tests.celery_support import place_orders
from upcross import recommend
from upcross import recompute as recomputing
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db


def upcross_with(**values: Any) -> override_settings:
    return override_settings(UPCROSS={**settings.UPCROSS, **values})


def hub_shop(partners: int = 8) -> tuple[Any, list[Any]]:
    """A hub product bought with each of ``partners`` products (the later ones more often),
    plus unrelated orders."""
    hub = factories.product("Hub", "20.00")
    others = [factories.product(f"Partner {k}", "5.00") for k in range(partners)]
    filler = [factories.product(f"Filler {k}", "3.00") for k in range(4)]
    now = timezone.now()
    baskets = []
    for k, partner in enumerate(others):
        baskets += [([hub, partner], None, now - timedelta(days=1))] * (2 + k)
        baskets += [([partner], None, now - timedelta(days=2))] * 3
    baskets += [([item], None, now - timedelta(days=3)) for item in filler * 10]
    place_orders(baskets)
    return hub, others


def test_item_model_rows_carry_evidence_and_a_reason_and_outnumber_the_widget() -> None:
    hub, partners = hub_shop()
    run = recomputing.recompute("complements")
    assert run.status == "succeeded", run.error
    assert run.parameters["complement_scoring"] == "item_model"
    assert run.parameters["complement_thresholds"] == [1, 0.0, 0.0]

    rows = list(ProductRelation.objects.filter(kind="complement", origin="mined"))
    assert rows
    for row in rows:  # every mined row keeps its evidence
        assert row.pair_count >= 1 and row.score > 0
        assert row.support == pytest.approx(row.pair_count / run.orders_scanned)
        assert 0 < row.confidence <= 1 and row.lift > 0
    from_hub = sorted((r for r in rows if r.source_id == hub.pk), key=lambda r: -r.score)
    # Stored: every partner (a pair seen twice is kept); shown: DEFAULT_LIMIT of them.
    assert len(from_hub) == len(partners) > settings.UPCROSS.get("DEFAULT_LIMIT", 4)
    shown = recommend.complements(hub)
    assert len(shown) == 4
    assert [r.product.pk for r in shown] == [r.target_id for r in from_hub[:4]]
    with override("en"):
        for item, row in zip(recommend.complements(hub), from_hub, strict=False):
            assert item.reason == f"Bought together in {row.pair_count} orders"
    # The most-bought partners rank first.
    assert {r.target_id for r in from_hub[:4]} == {p.pk for p in partners[-4:]}


def test_above_the_item_limit_the_rule_score_and_its_thresholds_apply() -> None:
    hub, partners = hub_shop()
    with upcross_with(ITEM_MODEL_MAX_ITEMS=3):
        run = recomputing.recompute("complements")
    assert run.status == "succeeded", run.error
    assert run.parameters["complement_scoring"] == "rules"
    assert run.parameters["complement_thresholds"] == [5, 0.01, 1.0]
    rows = ProductRelation.objects.filter(kind="complement", origin="mined")
    assert rows.exists()
    assert min(rows.values_list("pair_count", flat=True)) >= 5
    # Partners bought with the hub 2 to 4 times are below the rule score's threshold.
    assert not rows.filter(source=hub, target__in=[p.pk for p in partners[:3]]).exists()


def test_stored_top_k_follows_max_per_product() -> None:
    hub, _partners = hub_shop()
    with upcross_with(MAX_PER_PRODUCT=5):
        recomputing.recompute("complements")
    assert ProductRelation.objects.filter(source=hub, kind="complement").count() == 5
