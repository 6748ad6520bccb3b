"""The read path's first query (``upcross.read_rows``): relation rows and fallback picks
in one ``UNION ALL``, each with its product built from its columns."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from tests import factories as f
from upcross import read_rows
from upcross.models import FallbackPick, ProductRelation

pytestmark = pytest.mark.django_db


def fields_of(item: Any) -> dict[str, Any]:
    return {field.attname: getattr(item, field.attname)
            for field in type(item)._meta.concrete_fields}


def test_relations_and_picks_in_one_query(django_assert_num_queries: Any) -> None:
    phone, case, guard = f.product("Phone", 300), f.product("Case", 20), f.product("Guard", 8)
    hidden = f.product("Hidden", 5)
    f.set_available(hidden, False)
    f.relation(phone, case, origin="mined", score=0.5, pair_count=7)
    f.relation(phone, guard, status="blocked")
    f.relation(phone, hidden, kind="upgrade")
    FallbackPick.objects.create(category="7", product=guard, origin="category", rank=1,
                                pair_count=3, confidence=0.2, lift=1.5, orders=4,
                                substitute_group="g")
    FallbackPick.objects.create(category="7", product=case, origin="category", rank=0)
    FallbackPick.objects.create(category="", product=hidden, origin="best_seller", rank=0)

    with django_assert_num_queries(1):
        rows, picks = read_rows.read(ProductRelation.objects.filter(source=phone),
                                     with_picks=True)

    assert [(row.target_id, row.kind, row.status) for row in rows] == [
        (case.pk, "complement", "active"), (guard.pk, "complement", "blocked"),
        (hidden.pk, "upgrade", "active")]
    mined = rows[0]
    assert (mined.source_id, mined.origin, mined.score, mined.pair_count) == \
        (phone.pk, "mined", 0.5, 7)
    assert mined.available and (mined.starts_at, mined.ends_at) == (None, None)
    # The same instance a query of the product model gives, every field converted.
    assert mined.target is not None and mined.target._state.adding is False
    assert fields_of(mined.target) == fields_of(f.product_model().objects.get(pk=case.pk))
    assert rows[1].target is None  # blocked: never shown
    assert rows[2].target is None and not rows[2].available  # an unavailable target
    # Picks of available products only, by category then rank.
    assert [(pick.category, pick.rank, pick.product_id) for pick in picks] == [
        ("7", 0, case.pk), ("7", 1, guard.pk)]
    pick = picks[1]
    assert (pick.origin, pick.pair_count, pick.confidence, pick.lift, pick.orders,
            pick.substitute_group) == ("category", 3, 0.2, 1.5, 4, "g")
    assert model_to_dict(pick.product) == model_to_dict(guard)


def test_either_branch_alone(django_assert_num_queries: Any) -> None:
    phone, case = f.product("Phone", 300), f.product("Case", 20)
    f.relation(phone, case)
    FallbackPick.objects.create(category="", product=case, origin="best_seller", rank=0)
    with django_assert_num_queries(1):
        rows, picks = read_rows.read(ProductRelation.objects.all(), with_picks=False)
    assert [row.target_id for row in rows] == [case.pk] and picks == []
    with django_assert_num_queries(1):
        rows, picks = read_rows.read(None, with_picks=True)
    assert rows == [] and [pick.product_id for pick in picks] == [case.pk]
    with django_assert_num_queries(0):
        assert read_rows.read(None, with_picks=False) == ([], [])
