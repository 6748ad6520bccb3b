"""Celery tasks: thin wrappers over ``upcross.recompute`` with primitive arguments.

``upcross.recompute(kind="all", partitions=1)`` is the public task (and the one
the nightly ``PeriodicTask`` sends). With ``partitions > 1`` and a result
backend it fans out: a chord of ``upcross.recompute_partition`` tasks, one per
order range, whose additive counts ``upcross.recompute_merge`` sums exactly and
writes. Without a result backend (or eagerly) the partitions are counted one
after the other in this task: same rows either way.

:func:`enqueue_recompute` sends it on commit for the admin buttons and the staff API.

Transient database and broker errors are retried with exponential backoff;
``acks_late`` keeps the message until the work is done. Time limits come from
``UPCROSS["TASK_SOFT_TIME_LIMIT"]`` / ``["TASK_TIME_LIMIT"]``.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import asdict
from typing import Any

from celery import Task, chord, shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from kombu.exceptions import OperationalError as BrokerOperationalError

from upcross import followup, loading
from upcross import recompute as recomputing
from upcross.analytics.flush import flush_events as flush
from upcross.conf import upcross_settings
from upcross.counting import MiningParameters, count_orders
from upcross.mining import CoCounts, merge_counts
from upcross.models import MiningRun, MiningRunStatus

logger = logging.getLogger("upcross.tasks")

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError)


class RecomputeTask(Task):
    """Shared options of the recompute tasks; time limits read from settings."""

    acks_late = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 15
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5

    @property
    def soft_time_limit(self) -> int:
        return upcross_settings.TASK_SOFT_TIME_LIMIT

    @property
    def time_limit(self) -> int:
        return upcross_settings.TASK_TIME_LIMIT


def _can_fan_out(task: Task) -> bool:
    conf = task.app.conf
    backend = conf.result_backend
    return bool(backend) and backend != "disabled" and not conf.task_always_eager


@shared_task(name="upcross.recompute", base=RecomputeTask, bind=True)
def recompute(self: Task, kind: str = "all", partitions: int = 1,
              force: bool = False) -> dict[str, Any]:
    """Recompute mined relations; single-flight (a concurrent call is recorded as skipped).

    ``force``: accept a run the removal guard would refuse
    (:func:`upcross.recompute.guard_removal`).
    """
    recomputing.kinds_of(kind)
    partitions = max(1, int(partitions))
    task_id = self.request.id or ""
    if partitions > 1 and _can_fan_out(self):
        return _fan_out(kind, partitions, task_id, force)
    run = recomputing.recompute(kind, partitions, task_id=task_id, force=bool(force))
    return {"run": run.pk, "status": run.status}


def enqueue_recompute(kind: str = "all", *, partitions: int = 1, force: bool = False,
                      task_id: str | None = None) -> Exception | None:
    """Send :func:`recompute` once the surrounding transaction commits.

    The one sender behind the admin's "Recompute now" and "Apply rules" buttons and
    the staff API. ``task_id`` names the message (the task records its ``MiningRun``
    under it). With ``CELERY_TASK_ALWAYS_EAGER`` (the demo without Redis) the task
    runs right there. Returns the error when sending failed right away (no
    surrounding transaction: ``on_commit`` runs at once), so the caller can say so
    instead of answering a 500; a failure after a later commit is only logged.
    """
    failure: list[Exception] = []

    def send() -> None:
        try:
            recompute.apply_async(
                kwargs={"kind": kind, "partitions": partitions, "force": force},
                task_id=task_id)
        except Exception as exc:  # broker unreachable, or an eager run that failed
            logger.exception("upcross: could not start the recompute task %s", task_id or "")
            failure.append(exc)

    transaction.on_commit(send)
    return failure[0] if failure else None


def _fan_out(kind: str, partitions: int, task_id: str, force: bool = False) -> dict[str, Any]:
    """Start the run and send the chord: one counting task per order range, then the merge.

    The chord is sent under the lock; the merge, which takes the lock to write,
    retries until this task has let it go.
    """
    sent: list[int] = []

    def send_chord(run: MiningRun, parameters: MiningParameters) -> MiningRun:
        bounds = loading.partition_bounds(partitions, since=parameters.since)
        params = parameters.as_dict()
        header = [recompute_partition.s(run.pk, lo, hi, params) for lo, hi in bounds]
        chord(header)(recompute_merge.s(run.pk, kind, params, force=bool(force)))
        sent.append(len(bounds))
        return run

    run = recomputing.run_exclusively(kind, partitions, send_chord, task_id=task_id)
    result: dict[str, Any] = {"run": run.pk, "status": run.status}
    if sent:
        result["partitions"] = sent[0]
    return result


@shared_task(name="upcross.recompute_partition", base=RecomputeTask, bind=True)
def recompute_partition(self: Task, run_id: int, lo: Any, hi: Any,
                        parameters: dict[str, Any]) -> str:
    """Count one order range; returns the counts as base64 ``.npz`` for the merge."""
    run = MiningRun.objects.get(pk=run_id)
    with recomputing.failure_recorded(run, keep=TRANSIENT_ERRORS):
        counts = count_orders(MiningParameters(**parameters), (lo, hi))
    MiningRun.objects.filter(pk=run_id).update(
        progress=F("progress") + 0.5 / max(run.partitions, 1)
    )
    return base64.b64encode(counts.to_bytes()).decode("ascii")


@shared_task(name="upcross.recompute_merge", base=RecomputeTask, bind=True)
def recompute_merge(self: Task, parts: list[str], run_id: int, kind: str,
                    parameters: dict[str, Any], force: bool = False) -> dict[str, Any]:
    """Merge the partition counts (exact sums) and write, holding the single-flight lock."""
    run = MiningRun.objects.get(pk=run_id)
    if run.status != MiningRunStatus.RUNNING:
        return {"run": run.pk, "status": run.status}
    with recomputing.single_flight() as acquired:
        if not acquired:  # a coordinator is deciding right now: try again shortly
            raise self.retry(countdown=2, max_retries=30)
        with recomputing.failure_recorded(run, keep=TRANSIENT_ERRORS):
            counts = merge_counts([CoCounts.from_bytes(base64.b64decode(p)) for p in parts])
            run = recomputing.finish_run(run, counts, kind,
                                         MiningParameters(**parameters),
                                         force=bool(force))
    return {"run": run.pk, "status": run.status}


@shared_task(name="upcross.send_follow_ups", acks_late=True, autoretry_for=TRANSIENT_ERRORS,
             retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def send_follow_ups() -> dict[str, int]:
    """Send the due "complete your set" e-mails (at most once per order; see ``followup``)."""
    return followup.send_follow_ups()


@shared_task(name="upcross.flush_events", acks_late=True, autoretry_for=TRANSIENT_ERRORS,
             retry_backoff=10, retry_backoff_max=300, retry_jitter=True, max_retries=5)
def flush_events() -> dict[str, int]:
    """Move the widget counters from Redis into daily rows (``upcross.analytics.flush``)."""
    return asdict(flush())
