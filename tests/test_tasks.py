"""The Celery task ``upcross.recompute`` with a real worker and the Redis broker."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.test import override_settings
from kombu.exceptions import OperationalError as BrokerOperationalError

from tests.celery_support import (
    celery_worker_app,  # noqa: F401  (fixture)
    finished_run,
    relation_rows,
    small_shop,
    synthetic_shop,
    wait_for,
)
from upcross import recommend, tasks
from upcross import recompute as recomputing
from upcross.models import MiningRun, ProductRelation


@pytest.mark.parametrize("kind", ["complements", "all"])
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_enqueued_recompute_is_served_by_recommend(celery_worker_app, kind: str) -> None:  # noqa: F811
    shop = small_shop()
    assert recommend.complements(shop.cheap) == []
    result = tasks.recompute.delay(kind=kind)
    run = wait_for(lambda: finished_run(task_id=result.id), timeout=60)
    assert run.status == "succeeded", run.error
    assert run.task_id == result.id
    assert result.get(timeout=30) == {"run": run.pk, "status": "succeeded"}
    assert [item.product.pk for item in recommend.complements(shop.cheap)] == [shop.filter.pk]
    upgrades = [item.product.pk for item in recommend.upgrades(shop.cheap)]
    assert upgrades == ([shop.fancy.pk] if kind == "all" else [])


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_partitioned_chord_gives_the_rows_of_a_single_run(celery_worker_app) -> None:  # noqa: F811
    synthetic_shop()
    with override_settings(UPCROSS={**settings.UPCROSS, "MIN_PAIR_COUNT": 3}):
        assert recomputing.recompute("all").status == "succeeded"
        single = relation_rows()
        ProductRelation.objects.all().delete()
        result = tasks.recompute.delay(kind="all", partitions=4)
        coordinator = result.get(timeout=60)
        assert coordinator["partitions"] == 4
        run = wait_for(lambda: finished_run(coordinator["run"]), timeout=120)
    assert run.status == "succeeded", run.error
    assert run.partitions == 4
    assert len(single) > 30
    assert relation_rows() == single


@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_while_another_recompute_runs_is_recorded_as_skipped(celery_worker_app) -> None:  # noqa: F811
    small_shop()
    with recomputing.single_flight() as acquired:  # another recompute, in this process
        assert acquired
        result = tasks.recompute.delay(kind="all")
        run = wait_for(lambda: finished_run(task_id=result.id), timeout=60)
    assert run.status == "skipped"
    assert not ProductRelation.objects.exists()
    result = tasks.recompute.delay(kind="all")  # and once it is gone, the task runs
    assert wait_for(lambda: finished_run(task_id=result.id), timeout=60).status == "succeeded"


@pytest.mark.django_db
def test_partitions_run_in_the_task_itself_without_a_result_backend() -> None:
    small_shop()
    # The rule score's thresholds (the shop was built for them): 4 rows, see test_recompute.
    with override_settings(UPCROSS={**settings.UPCROSS, "ITEM_MODEL_MAX_ITEMS": 0}):
        outcome = tasks.recompute.apply(kwargs={"kind": "complements", "partitions": 3}).get()
    run = MiningRun.objects.get(pk=outcome["run"])
    assert run.status == "succeeded" and run.partitions == 3
    assert run.parameters["complement_scoring"] == "rules"
    assert ProductRelation.objects.count() == 4


def test_task_options() -> None:
    task = tasks.recompute
    assert task.name == "upcross.recompute"
    assert task.acks_late is True
    for error in (OperationalError, InterfaceError, BrokerOperationalError):
        assert error in task.autoretry_for
    assert task.retry_backoff and task.max_retries
    with override_settings(UPCROSS={**settings.UPCROSS, "TASK_SOFT_TIME_LIMIT": 90,
                                    "TASK_TIME_LIMIT": 120}):
        assert (task.soft_time_limit, task.time_limit) == (90, 120)
    for name in ("upcross.recompute_partition", "upcross.recompute_merge"):
        assert task.app.tasks[name].acks_late is True


def test_bad_kind_is_rejected_before_any_work() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        tasks.recompute.apply(kwargs={"kind": "everything"}).get()


@pytest.mark.django_db
def test_transient_database_error_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """The task's autoretry is real; only the first attempt meets a dropped connection."""
    small_shop()
    real = recomputing.recompute
    attempts: list[int] = []

    def flaky(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(recomputing, "recompute", flaky)
    outcome = tasks.recompute.apply(kwargs={"kind": "complements"}, throw=False)
    assert outcome.successful(), outcome.traceback
    assert len(attempts) == 2
    assert MiningRun.objects.get(pk=outcome.get()["run"]).status == "succeeded"


@pytest.mark.django_db
def test_other_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[int] = []

    def broken(*args, **kwargs):
        attempts.append(1)
        raise RuntimeError("a bug, not a hiccup")

    monkeypatch.setattr(recomputing, "recompute", broken)
    outcome = tasks.recompute.apply(kwargs={"kind": "complements"}, throw=False)
    assert outcome.failed() and len(attempts) == 1
