"""``recomputing.recompute``: the write side, through the adapter, on both shop shapes."""

from __future__ import annotations

import math
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests import factories
from tests.celery_support import delete_orders, relation_rows, small_shop, synthetic_shop
from upcross import recompute as recomputing
from upcross.models import MiningRun, ProductRelation
from upcross.signals import relations_recomputed

pytestmark = pytest.mark.django_db


def upcross_with(**values: Any) -> override_settings:
    from django.conf import settings

    return override_settings(UPCROSS={**settings.UPCROSS, **values})


@pytest.fixture(autouse=True)
def rule_score() -> Any:
    """These tests are about the write side; their small shop was built for the rule score's
    thresholds (5 orders together), so they pin it. The item model (the default for small
    catalogues) is tested in test_mining_ranking.py and test_ranking_recompute.py."""
    with upcross_with(ITEM_MODEL_MAX_ITEMS=0):
        yield


def mined(kind: str = "complement") -> dict[tuple[Any, Any], ProductRelation]:
    return {(r.source_id, r.target_id): r
            for r in ProductRelation.objects.filter(kind=kind, origin="mined", status="active")}


def test_recompute_writes_complements_with_their_evidence() -> None:
    shop = small_shop()
    run = recomputing.recompute("complements")
    assert run.status == "succeeded", run.error
    rows = mined()
    assert set(rows) == {
        (shop.cheap.pk, shop.filter.pk), (shop.filter.pk, shop.cheap.pk),
        (shop.fancy.pk, shop.filter.pk), (shop.filter.pk, shop.fancy.pk),
    }
    n = shop.n_orders
    rule = rows[(shop.cheap.pk, shop.filter.pk)]
    assert rule.pair_count == 6
    assert math.isclose(rule.support, 6 / n, rel_tol=1e-9)
    assert math.isclose(rule.confidence, 6 / 9, rel_tol=1e-9)
    assert math.isclose(rule.lift, (6 / 9) / (12 / n), rel_tol=1e-9)
    assert rule.score > 0 and rule.computed_at is not None and rule.status == "active"
    run.refresh_from_db()
    assert (run.orders_scanned, run.lines_scanned) == (n, 6 * 2 + 6 * 2 + 3 + 3 + 4 + 2 + 2)
    assert (run.relations_created, run.relations_updated, run.relations_removed) == (4, 0, 0)
    assert run.progress == 1.0 and run.duration is not None and run.finished_at is not None
    assert run.parameters["min_pair_count"] is None  # adapts: 5 with the rule score
    assert run.parameters["complement_scoring"] == "rules"
    assert run.parameters["complement_thresholds"] == [5, 0.01, 1.0]
    assert not ProductRelation.objects.filter(kind="upgrade").exists()


def test_recompute_all_mines_the_upgrade() -> None:
    shop = small_shop()
    run = recomputing.recompute("all")
    assert run.status == "succeeded", run.error
    upgrades = mined("upgrade")
    assert (shop.cheap.pk, shop.fancy.pk) in upgrades
    assert (shop.fancy.pk, shop.cheap.pk) not in upgrades  # cheaper is not an upgrade
    # Substitutes: bought with the same filter, never together (pair count and lift 0).
    row = upgrades[(shop.cheap.pk, shop.fancy.pk)]
    assert (row.pair_count, row.support, row.confidence, row.lift) == (0, 0.0, 0.0, 0.0)
    assert set(upgrades) == {(shop.cheap.pk, shop.fancy.pk)}  # not the filter, not X -> Y
    complements = mined()
    assert (shop.cheap.pk, shop.fancy.pk) not in complements


def test_manual_rows_are_kept_and_blocked_pairs_not_recreated() -> None:
    shop = small_shop()
    manual = factories.relation(shop.cheap, shop.filter, position=3, score=0.5)
    blocked = factories.relation(shop.filter, shop.cheap, origin="mined", status="blocked")
    before = relation_rows(pk__in=[manual.pk, blocked.pk])
    run = recomputing.recompute("complements")
    assert run.status == "succeeded"
    assert relation_rows(pk__in=[manual.pk, blocked.pk]) == before
    assert ProductRelation.objects.filter(source=shop.cheap, target=shop.filter).count() == 1
    assert ProductRelation.objects.filter(source=shop.filter, target=shop.cheap).count() == 1
    assert set(mined()) == {(shop.fancy.pk, shop.filter.pk), (shop.filter.pk, shop.fancy.pk)}
    # A second run leaves them alone too.
    recomputing.recompute("complements")
    assert relation_rows(pk__in=[manual.pk, blocked.pk]) == before


def test_second_run_updates_and_removes() -> None:
    shop = small_shop()
    recomputing.recompute("complements")
    created = {pair: row.created_at for pair, row in mined().items()}
    with upcross_with(MIN_PAIR_COUNT=6):
        delete_orders(shop.orders_with_fancy[:1])  # fancy + filter: 5 orders now
        run = recomputing.recompute("complements")
    assert (run.relations_created, run.relations_updated, run.relations_removed) == (0, 2, 2)
    rows = mined()
    assert set(rows) == {(shop.cheap.pk, shop.filter.pk), (shop.filter.pk, shop.cheap.pk)}
    assert all(rows[pair].created_at == created[pair] for pair in rows)  # updated in place
    assert rows[(shop.cheap.pk, shop.filter.pk)].support == pytest.approx(6 / 23)


def test_relations_recomputed_is_sent_on_commit(django_capture_on_commit_callbacks) -> None:
    small_shop()
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    relations_recomputed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = recomputing.recompute("all")
        assert received == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        relations_recomputed.disconnect(receiver)
    assert sorted(item["kind"] for item in received) == ["complements", "upgrades"]
    assert all(item["run"].pk == run.pk for item in received)


@pytest.mark.django_db(transaction=True)
def test_injected_failure_after_writing_began_keeps_the_old_relations() -> None:
    from upcross import recommend

    shop = small_shop()
    assert recomputing.recompute("complements").status == "succeeded"
    before = relation_rows()
    stages: list[tuple[str, float]] = []

    def fail_while_writing(stage: str, fraction: float) -> None:
        stages.append((stage, fraction))
        if stage == "writing" and fraction > 0:  # after the first DELETE
            raise RuntimeError("injected failure")

    with upcross_with(MIN_PAIR_COUNT=7), pytest.raises(RuntimeError, match="injected"):
        recomputing.recompute("complements", progress=fail_while_writing)
    assert ("writing", 0.0) in stages
    assert relation_rows() == before  # the delete of all four rows was rolled back
    failed = MiningRun.objects.order_by("-pk").first()
    assert failed.status == "failed" and "injected failure" in failed.error
    served = [item.product.pk for item in recommend.complements(shop.cheap)]
    assert served == [shop.filter.pk]
    with upcross_with(MIN_PAIR_COUNT=7):  # removing them all takes force (the guard)
        run = recomputing.recompute("complements", force=True)
    assert run.status == "succeeded" and run.relations_removed == 4
    assert not mined()


def test_partitioned_run_gives_exactly_the_rows_of_a_single_run() -> None:
    synthetic_shop()
    with upcross_with(MIN_PAIR_COUNT=3):
        single = recomputing.recompute("all")
        rows_single = relation_rows()
        ProductRelation.objects.all().delete()
        split = recomputing.recompute("all", partitions=4)
        rows_split = relation_rows()
    assert single.status == split.status == "succeeded"
    assert len({r for r in rows_single if r[2] == "complement"}) > 30
    assert len({r for r in rows_single if r[2] == "upgrade"}) > 0
    assert rows_split == rows_single
    assert (split.orders_scanned, split.lines_scanned) == (
        single.orders_scanned, single.lines_scanned)
    assert split.partitions == 4


def test_look_back_window_ignores_old_orders() -> None:
    shop = small_shop()
    from tests.celery_support import place_orders

    old = timezone.now() - timezone.timedelta(days=400)
    place_orders([([shop.x, shop.y], None, old)] * 5)
    run = recomputing.recompute("complements")
    assert run.orders_scanned == shop.n_orders
    assert (shop.x.pk, shop.y.pk) not in mined()
    with upcross_with(LOOKBACK_DAYS=None):
        run = recomputing.recompute("complements")
    assert run.orders_scanned == shop.n_orders + 5
    assert mined()[(shop.x.pk, shop.y.pk)].pair_count == 7


def test_recency_weighting_keeps_integer_pair_counts() -> None:
    shop = small_shop()
    with upcross_with(HALF_LIFE_DAYS=7):
        run = recomputing.recompute("complements")
    assert run.parameters["half_life_days"] == 7
    rows = mined()
    # filter → fancy (10 days old) now beats filter → cheap (20 days old) on confidence.
    assert rows[(shop.filter.pk, shop.fancy.pk)].pair_count == 6
    assert rows[(shop.filter.pk, shop.fancy.pk)].confidence > \
        rows[(shop.filter.pk, shop.cheap.pk)].confidence


@pytest.mark.django_db(transaction=True)
def test_two_recomputes_started_together_one_runs_one_is_skipped() -> None:
    small_shop()
    inside, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def slow(stage: str, fraction: float) -> None:
        if stage == "mining":
            inside.set()
            assert release.wait(30)

    def first() -> None:
        from django.db import connection

        try:
            results["first"] = recomputing.recompute("complements", progress=slow)
        finally:
            connection.close()

    def second() -> None:
        from django.db import connection

        try:
            results["second"] = recomputing.recompute("complements")
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(30)
    running = MiningRun.objects.get(status="running")  # progress is stored while it runs
    assert running.progress == 0.5 and running.started_at is not None
    two = threading.Thread(target=second)
    two.start()
    two.join(30)
    release.set()
    one.join(30)
    assert results["first"].status == "succeeded"
    assert results["second"].status == "skipped"
    assert MiningRun.objects.filter(status="skipped").count() == 1
    pairs = list(ProductRelation.objects.values_list("source", "target", "kind"))
    assert len(pairs) == len(set(pairs)) == 4


def test_a_run_left_running_by_a_dead_process_is_closed_by_the_next() -> None:
    small_shop()
    dead = MiningRun.objects.create(kind="all", status="running", started_at=timezone.now())
    run = recomputing.recompute("complements")
    assert run.status == "succeeded"
    dead.refresh_from_db()
    assert dead.status == "failed" and "Abandoned" in dead.error


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="complements, upgrades, all"):
        recomputing.recompute("bogus")


def test_command_runs_without_a_worker_and_draws_progress() -> None:
    shop = small_shop()
    out, err = StringIO(), StringIO()
    call_command("upcross_recompute", "--kind", "complements", "--partitions", "2",
                 stdout=out, stderr=err)
    assert "succeeded" in out.getvalue() and "4 created" in out.getvalue()
    progress = err.getvalue()
    assert "[" in progress and "100%" in progress and "writing" in progress
    assert (shop.cheap.pk, shop.filter.pk) in mined()


def test_command_rejects_bad_arguments() -> None:
    with pytest.raises(CommandError):
        call_command("upcross_recompute", "--partitions", "0", stdout=StringIO(),
                     stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("upcross_recompute", "--kind", "nonsense", stdout=StringIO(),
                     stderr=StringIO())


def test_upgrade_rules_materialize_as_rule_rows() -> None:
    from upcross.models import UpgradeRule

    shop = small_shop()
    machines = factories.category_of(shop.cheap)
    deluxe = factories.product("Deluxe machine", "15.00", in_category=machines)
    hidden = factories.product("Hidden machine", "11.00", in_category=machines, available=False)
    rule = UpgradeRule.objects.create(name="Next step up", category=str(
        factories.category_value(machines)), min_price_increase=5, max_price_increase=60,
        sort="closest_price", limit=1)
    run = recomputing.recompute("upgrades")
    assert run.status == "succeeded", run.error
    rule_rows = {(r.source_id, r.target_id): r for r in ProductRelation.objects.filter(
        kind="upgrade", origin="rule")}
    # The closest pricier available product in the band, one per source; the
    # unavailable machine (11.00, closer to cheap) is neither source nor target.
    assert set(rule_rows) == {(shop.cheap.pk, shop.fancy.pk), (shop.fancy.pk, deluxe.pk)}
    assert not ProductRelation.objects.filter(source=hidden).exists()
    assert all(r.status == "active" and r.pair_count is None for r in rule_rows.values())
    # The rule's pair is not also written as a mined row.
    assert (shop.cheap.pk, shop.fancy.pk) not in mined("upgrade")
    # Idempotent; switching the rule off removes its rows, mined evidence comes back.
    recomputing.recompute("upgrades")
    assert ProductRelation.objects.filter(kind="upgrade", origin="rule").count() == 2
    rule.is_active = False
    rule.save()
    recomputing.recompute("upgrades")
    assert not ProductRelation.objects.filter(origin="rule").exists()
    assert (shop.cheap.pk, shop.fancy.pk) in mined("upgrade")


def test_rule_upgrades_union_rules_in_priority_order() -> None:
    """Every rule whose scope a source is in contributes, in priority order; a later rule
    skips what earlier ones picked (and still fills its limit), ranking after them."""
    import numpy as np

    from upcross.mining import Catalog, RuleSpec, rule_upgrades

    catalog = Catalog(price=np.array([100.0, 110.0, 120.0, 130.0, 200.0]),
                      member_product=np.array([0, 1, 2, 3, 4, 0, 4]),
                      member_category=np.array([0, 0, 0, 0, 0, 1, 1]))
    orders = np.array([0, 5, 1, 9, 0])
    rules = [RuleSpec(0, 5, 60, "closest_price", 1), RuleSpec(None, 5, 60, "best_selling", 2),
             RuleSpec(1, 5, 150, "closest_price", 3), RuleSpec(-1, 0, 999, "closest_price", 9)]
    a, b, rank, rule = rule_upgrades(catalog, rules, orders)
    assert set(zip(a.tolist(), b.tolist(), rank.tolist(), rule.tolist(), strict=True)) == {
        (0, 1, 0, 0), (1, 2, 0, 0), (2, 3, 0, 0), (3, 4, 0, 0),  # closest in category 0
        (0, 3, 1, 1), (0, 2, 2, 1), (1, 3, 1, 1),  # best sellers not taken yet
        (0, 4, 3, 2),  # category 1: only product 0 is a source there
    }
    margin = [RuleSpec(None, 5, 60, "highest_margin", 3)]
    cost = np.array([np.nan, 100.0, 60.0, np.nan, np.nan])
    a, b, rank, _rule = rule_upgrades(catalog, margin, orders, cost)
    assert b[a == 0][np.argsort(rank[a == 0])].tolist() == [2, 1, 3]  # unknown margin last
    a, b, rank, _rule = rule_upgrades(catalog, margin, orders, None)  # no costs: best sellers
    assert b[a == 0][np.argsort(rank[a == 0])].tolist() == [3, 1, 2]


def test_upgrade_rules_are_unioned_in_priority_order() -> None:
    from upcross.models import UpgradeRule

    shop = small_shop()
    machines = factories.category_of(shop.cheap)
    deluxe = factories.product("Deluxe machine", "15.00", in_category=machines)
    UpgradeRule.objects.create(name="Everything", min_price_increase=5, max_price_increase=60,
                               sort="closest_price", limit=1, priority=1)
    UpgradeRule.objects.create(name="Machines", category=str(factories.category_value(
        machines)), min_price_increase=5, max_price_increase=60, sort="closest_price",
        limit=1, priority=0)
    assert recomputing.recompute("upgrades").status == "succeeded"
    rows = {(r.source_id, r.target_id): r.score for r in ProductRelation.objects.filter(
        kind="upgrade", origin="rule")}
    # "Machines" runs first; "Everything" skips the pair it took and adds the next one.
    assert rows == {(shop.cheap.pk, shop.fancy.pk): 1.0, (shop.cheap.pk, deluxe.pk): 0.5,
                    (shop.fancy.pk, deluxe.pk): 1.0, (shop.x.pk, shop.y.pk): 1.0}
