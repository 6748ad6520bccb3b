"""The recompute: mined relations rewritten from the shop's orders.

One lifecycle (:func:`run_exclusively`: lock, skip if busy, start the run, record a
failure) behind the Celery task, the ``upcross_recompute`` command and the admin
button (which sends the task).

A recompute reads the host's order lines (``loading``), counts and mines them
(``mining``), and replaces the mined rows of each kind in one transaction:
readers see the old set or the new one, a failed or killed run leaves the old
set in place. Manual and rule rows are never touched, blocked pairs are never
re-created.

Single flight: only one recompute runs at a time. The lock dies with the
process holding it (a PostgreSQL session advisory lock, or an ``flock`` on
other databases), so a SIGKILLed worker cannot block later runs. A run that
finds the lock taken is recorded as ``skipped``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from upcross import fallback, loading, mining, rule_evaluation
from upcross.conf import upcross_settings
from upcross.counting import MiningParameters, count_orders, moment, product_pks
from upcross.coview_loading import load_coviews
from upcross.models import (
    MiningRun,
    MiningRunKind,
    MiningRunStatus,
    ProductRelation,
    RelationKind,
    RelationOrigin,
    RelationStatus,
)
from upcross.signals import relations_recomputed
from upcross.writing import Row, write_relations

logger = logging.getLogger("upcross.recompute")

#: ``progress(stage, fraction)``; stages: "loading", "mining", "writing", "done".
#: Called while the database connection may be streaming rows ("loading") or inside
#: the write transaction ("writing"): a callback must not use the default connection.
#: An exception raised by it aborts the run like any other failure.
Progress = Callable[[str, float], None]
KINDS = ("complements", "upgrades")
_LOCK_KEY = int.from_bytes(hashlib.sha1(b"upcross.recompute").digest()[:8], "big", signed=True)


def kinds_of(kind: str) -> tuple[str, ...]:
    if kind == MiningRunKind.ALL:
        return KINDS
    if kind in KINDS:
        return (kind,)
    raise ValueError(f"kind must be one of complements, upgrades, all (got {kind!r})")


# --- single flight ----------------------------------------------------------------------


@contextlib.contextmanager
def single_flight(using: str | None = None) -> Iterator[bool]:
    """Yield True when this process holds the recompute lock, False when another does."""
    using = using or router.db_for_write(ProductRelation)
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired and connection.connection is not None:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
                except DatabaseError:  # a broken connection released the lock already
                    logger.warning("could not release the recompute lock", exc_info=True)
        return
    name = str(connection.settings_dict.get("NAME") or using)
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"upcross-recompute-{digest}.lock")
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def active_partitioned_run(exclude: int | None = None) -> MiningRun | None:
    """A partitioned run whose tasks may still be alive (younger than the hard time limit)."""
    horizon = timezone.now() - timedelta(seconds=upcross_settings.TASK_TIME_LIMIT)
    runs = MiningRun.objects.filter(
        status=MiningRunStatus.RUNNING, partitions__gt=1, started_at__gte=horizon
    )
    if exclude is not None:
        runs = runs.exclude(pk=exclude)
    return runs.order_by("started_at").first()


def _close_abandoned_runs(current: MiningRun) -> None:
    """Runs left "running" by a dead process (we hold the lock, so they are not running)."""
    horizon = timezone.now() - timedelta(seconds=upcross_settings.TASK_TIME_LIMIT)
    stale = MiningRun.objects.filter(status=MiningRunStatus.RUNNING).exclude(pk=current.pk)
    stale = stale.filter(partitions__lte=1) | stale.filter(started_at__lt=horizon)
    stale.update(status=MiningRunStatus.FAILED, finished_at=timezone.now(),
                 error="Abandoned: the process running it stopped before finishing.")


def record_skipped(kind: str, partitions: int, task_id: str = "", reason: str = "") -> MiningRun:
    now = timezone.now()
    return MiningRun.objects.create(
        kind=kind, status=MiningRunStatus.SKIPPED, partitions=partitions, task_id=task_id,
        started_at=now, finished_at=now, duration=0.0,
        error=reason or "Skipped: another recompute was running.",
    )


def start_run(kind: str, partitions: int, parameters: MiningParameters,
              task_id: str = "") -> MiningRun:
    run = MiningRun.objects.create(
        kind=kind, status=MiningRunStatus.RUNNING, partitions=partitions, task_id=task_id,
        started_at=timezone.now(), parameters=parameters.as_dict(),
    )
    _close_abandoned_runs(run)
    return run


def _set_progress(run: MiningRun, value: float) -> None:
    run.progress = round(min(max(value, 0.0), 1.0), 4)
    MiningRun.objects.filter(pk=run.pk).update(progress=run.progress)


def fail_run(run: MiningRun, exc: BaseException) -> None:
    """Record the error; best effort (the database may be what failed)."""
    try:
        run.status = MiningRunStatus.FAILED
        run.finished_at = timezone.now()
        run.duration = (run.finished_at - run.started_at).total_seconds() if run.started_at \
            else None
        run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        run.save(update_fields=["status", "finished_at", "duration", "error"])
    except Exception:  # pragma: no cover - the original error matters more
        logger.exception("could not record the failure of mining run %s", run.pk)


@contextlib.contextmanager
def failure_recorded(run: MiningRun,
                     keep: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Record an exception escaping the block as the failure of ``run``, then re-raise.

    Exceptions of the ``keep`` types pass through unrecorded: a task retrying a
    transient error leaves its run running for the retry to finish.
    """
    try:
        yield
    except keep:
        raise
    except BaseException as exc:
        fail_run(run, exc)
        raise


def run_exclusively(kind: str, partitions: int,
                    work: Callable[[MiningRun, MiningParameters], MiningRun], *,
                    task_id: str = "", now: datetime | None = None) -> MiningRun:
    """The lifecycle every recompute goes through, around ``work(run, parameters)``.

    Takes the single-flight lock; if another process holds it, or a partitioned
    run's tasks may still be alive, records a ``skipped`` run and returns it.
    Otherwise fixes the parameters, starts a ``running`` run and calls ``work``,
    recording any exception it raises as the run's failure.
    """
    kinds_of(kind)
    with single_flight() as acquired:
        if not acquired or active_partitioned_run() is not None:
            return record_skipped(kind, partitions, task_id)
        parameters = MiningParameters.from_settings(now)
        run = start_run(kind, partitions, parameters, task_id)
        with failure_recorded(run):
            run = work(run, parameters)
    return run


# --- mining -----------------------------------------------------------------------------


def _catalog_of(counts: mining.CoCounts) -> mining.Catalog:
    return loading.product_catalog(product_pks(counts.product_ids.tolist()), texts=True)[0]


def mine(counts: mining.CoCounts, kinds: Sequence[str], parameters: MiningParameters,
         timings: dict[str, float] | None = None) -> dict[str, mining.MinedRules]:
    """Mine ``kinds`` from one set of counts; adds ``mine_<kind>_s`` to ``timings``."""
    out: dict[str, mining.MinedRules] = {}
    seconds = timings if timings is not None else {}
    exclude = None
    if "upgrades" in kinds:
        started = time.perf_counter()
        coviews = None
        if parameters.upgrade_min_coview is not None:
            coviews = load_coviews(product_pks(counts.product_ids.tolist()), parameters.since)
        out["upgrades"] = mining.upgrade_rules(counts, _catalog_of(counts), mining.UpgradeParams(
            min_price_increase=parameters.upgrade_min_price_increase,
            max_price_increase=parameters.upgrade_max_price_increase,
            max_together_lift=parameters.upgrade_max_together_lift,
            min_neighbourhood=parameters.upgrade_min_neighbourhood,
            min_name=parameters.upgrade_min_name_similarity,
            max_per_product=parameters.max_per_product,
            min_coview=parameters.upgrade_min_coview,
        ), coviews=coviews)
        exclude = mining.substitute_keys(out["upgrades"])
        seconds["mine_upgrades_s"] = time.perf_counter() - started
    if "complements" in kinds:
        started = time.perf_counter()
        if exclude is None:
            exclude = _existing_upgrade_keys(counts)
        out["complements"] = mining.complement_rules(counts, rule_params(parameters),
                                                     exclude_keys=exclude)
        seconds["mine_complements_s"] = time.perf_counter() - started
    return out


def rule_params(parameters: MiningParameters) -> mining.RuleParams:
    """Complement mining's parameters; thresholds left ``None`` adapt to the scoring."""
    return mining.RuleParams(
        min_pair_count=parameters.min_pair_count,
        min_confidence=parameters.min_confidence,
        min_lift=parameters.min_lift,
        max_per_product=parameters.max_per_product,
        item_model=mining.ItemModelParams(
            max_items=parameters.item_model_max_items,
            l2=parameters.item_model_l2,
            dropout=parameters.item_model_dropout,
        ),
    )


def _existing_upgrade_keys(counts: mining.CoCounts) -> np.ndarray:
    """Upgrade pairs already stored (any origin), as directional keys of both directions."""
    ids = np.asarray(product_pks(counts.product_ids.tolist()), dtype=object)
    position = {pk: code for code, pk in enumerate(ids.tolist())}
    n = max(len(ids), 1)
    keys: list[int] = []
    for source, target in ProductRelation.objects.upgrades().values_list("source", "target"):
        a, b = position.get(source), position.get(target)
        if a is not None and b is not None:
            keys.extend((a * n + b, b * n + a))
    return np.unique(np.asarray(keys, dtype=np.int64))


# --- writing ----------------------------------------------------------------------------


class RecomputeGuardError(ValueError):
    """A run would wipe the mined relations; nothing was changed (``force`` accepts it)."""


_FROM_SETTINGS: Any = object()
#: How every guard refusal starts (the admin recognises a refused run by it).
GUARD_PREFIX = "Kept the "


def guard_removal(orders: int, before: int, removed: int,
                  max_share: float | None = _FROM_SETTINGS) -> None:
    """Refuse a write that loaded no orders yet removes rows, or removes too big a share.

    A wrong ``ORDER_LINE_FILTER`` or lookback loads nothing and would otherwise
    delete every mined relation and report success. ``max_share`` defaults to
    ``RECOMPUTE_MAX_REMOVED_SHARE`` (``None``: no share guard).
    """
    if removed <= 0:
        return
    if orders == 0:
        raise RecomputeGuardError(
            f"{GUARD_PREFIX}{before} existing relations: the run loaded 0 orders and would have "
            f"removed {removed}. Check ORDER_LINE_FILTER and LOOKBACK_DAYS, or force the run.")
    share = upcross_settings.RECOMPUTE_MAX_REMOVED_SHARE if max_share is _FROM_SETTINGS \
        else max_share
    if share is not None and before and removed / before > share:
        raise RecomputeGuardError(
            f"{GUARD_PREFIX}{before} existing relations: the run ({orders} orders) would have "
            f"removed {removed} ({removed / before:.0%}), more than RECOMPUTE_MAX_REMOVED_SHARE "
            f"({share:.0%}). Check the order data and settings, or force the run.")


def finish_run(run: MiningRun, counts: mining.CoCounts, kind: str,
               parameters: MiningParameters, progress: Progress | None = None,
               timings: dict[str, float] | None = None, force: bool = False) -> MiningRun:
    """Mine ``counts`` and write every kind of ``kind`` in one transaction; close the run.

    Unless ``force``, :func:`guard_removal` may refuse the write (RecomputeGuardError).
    """
    report = progress or (lambda stage, fraction: None)
    kinds = kinds_of(kind)
    report("mining", 0.0)
    _set_progress(run, 0.55)
    started = time.perf_counter()
    split: dict[str, float] = {}
    with loading.facts_shared():  # upgrades, rules and fallback read each product once
        rules = mine(counts, kinds, parameters, split)
        mine_seconds = time.perf_counter() - started
        _set_progress(run, 0.7)
        report("writing", 0.0)
        computed_at = moment(parameters.now)
        started = time.perf_counter()
        totals = {"created": 0, "updated": 0, "removed": 0}
        picks = _fallback_picks(counts) if "complements" in kinds else None
        plan = _write_plan(counts, kinds, rules, picks)
    with transaction.atomic(using=router.db_for_write(ProductRelation)):
        before = 0
        for done, (relation_kind, replaces, rows) in enumerate(plan, start=1):
            before += ProductRelation.objects.filter(
                kind=relation_kind, origin__in=replaces, status=RelationStatus.ACTIVE).count()
            written = time.perf_counter()
            result = write_relations(relation_kind, rows, computed_at, replaces=replaces,
                                     on_progress=_share_of(report, "writing", done - 1,
                                                           len(plan)))
            name = "upgrades" if relation_kind == RelationKind.UPGRADE else "complements"
            split[f"write_{name}_s"] = time.perf_counter() - written
            for key in totals:
                totals[key] += result[key]
        if not force:
            # Raised inside the transaction: the old rows stay, the run fails with why.
            guard_removal(counts.n_orders, before, totals["removed"])
        if picks is not None:
            fallback.store_picks(picks, computed_at)
        for name in kinds:
            transaction.on_commit(functools.partial(
                relations_recomputed.send, sender=MiningRun, kind=name, run=run,
                source_pks=None))
    write_seconds = time.perf_counter() - started
    run.status = MiningRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.duration = (run.finished_at - run.started_at).total_seconds() if run.started_at \
        else None
    run.progress = 1.0
    run.orders_scanned = counts.n_orders
    run.lines_scanned = counts.lines
    run.relations_created = totals["created"]
    run.relations_updated = totals["updated"]
    run.relations_removed = totals["removed"]
    # The rest of write_s: rows and fallback picks prepared, picks stored, the commit.
    timings = {**(timings or {}), **split, "mine_s": mine_seconds, "write_s": write_seconds}
    run.parameters = {**run.parameters,
                      "timings": {key: round(value, 3) for key, value in timings.items()},
                      "relations": {name: len(rules[name]) for name in kinds}}
    if "complements" in rules:
        scoring = rules["complements"].scoring
        run.parameters["complement_scoring"] = scoring
        run.parameters["complement_thresholds"] = list(
            rule_params(parameters).thresholds(scoring))
    run.error = ""
    run.save()
    report("done", 1.0)
    return run


def _write_plan(
    counts: mining.CoCounts, kinds: Sequence[str], rules: dict[str, mining.MinedRules],
    picks: fallback.Picks | None = None,
) -> list[tuple[str, tuple[str, ...], list[Row]]]:
    """``(relation kind, origins replaced, rows)`` to write. Rule-made relations win
    over mined ones for the same pair (a merchandiser asked for them); complements
    also get the fallback rows (:mod:`upcross.fallback`)."""
    plan: list[tuple[str, tuple[str, ...], list[Row]]] = []
    upgrade_rows: list[Row] = []
    if "upgrades" in kinds:
        rule_rows = rule_evaluation.upgrade_rule_rows(counts)
        taken = {(row[0], row[1]) for row in rule_rows}
        mined_rows = [row for row in _as_pk_rows(rules["upgrades"].rows())
                      if (row[0], row[1]) not in taken]
        upgrade_rows = mined_rows + rule_rows
        plan.append((RelationKind.UPGRADE, (RelationOrigin.MINED, RelationOrigin.RULE),
                     upgrade_rows))
    if "complements" in kinds:
        mined = _as_pk_rows(rules["complements"].rows())
        if picks is not None:
            substitutes = ([(row[0], row[1]) for row in upgrade_rows]
                           if "upgrades" in kinds else None)
            plan.append((RelationKind.COMPLEMENT, fallback.COMPUTED_ORIGINS,
                         fallback.complement_rows(picks, mined, substitutes)))
        else:
            plan.append((RelationKind.COMPLEMENT, (RelationOrigin.MINED,), mined))
    return plan


def _as_pk_rows(rows: list[tuple[Any, ...]]) -> list[Row]:
    """Mined rows (product codes, statistics) as writer rows of product pks."""
    if not rows:
        return rows
    sources = product_pks([row[0] for row in rows])
    targets = product_pks([row[1] for row in rows])
    return [(s, t, *row[2:], RelationOrigin.MINED.value)
            for s, t, row in zip(sources, targets, rows, strict=True)]


def _share_of(report: Progress, stage: str, done: int, parts: int) -> Callable[[float], None]:
    """Progress of part ``done`` (0-based) of ``parts`` as a fraction of the whole stage."""

    def on_progress(fraction: float) -> None:
        report(stage, (done + fraction) / parts)

    return on_progress


def _fallback_picks(counts: mining.CoCounts) -> fallback.Picks:
    """The complement rules' and the fallback's inputs, from this run's counts."""
    return fallback.compute_picks(product_pks(counts.product_ids.tolist()), counts.item_count,
                                  counts.pair_key, counts.pair_count, counts.n_orders)


# --- the one entry point ----------------------------------------------------------------


def recompute(kind: str = "all", partitions: int = 1, *, progress: Progress | None = None,
              task_id: str = "", now: datetime | None = None, force: bool = False) -> MiningRun:
    """Recompute mined relations of ``kind`` in this process; returns the MiningRun.

    ``partitions > 1`` splits the orders into that many ranges counted one after
    the other and merged (the Celery task spreads them over workers instead);
    the result is identical to one range. ``force`` skips the removal guard
    (:func:`guard_removal`): the run may then remove most or all mined rows.
    """
    partitions = max(1, int(partitions))
    report = progress or (lambda stage, fraction: None)

    def count_and_finish(run: MiningRun, parameters: MiningParameters) -> MiningRun:
        report("loading", 0.0)
        bounds = loading.partition_bounds(partitions, since=parameters.since)
        expected = max(_previous_lines(), 1)
        parts: list[mining.CoCounts] = []
        timings: dict[str, float] = {}
        for index, order_range in enumerate(bounds):
            base = index / len(bounds)

            def on_lines(n: int, base: float = base) -> None:
                fraction = min(base + min(n / expected, 1.0) / len(bounds), 1.0)
                # Display only: the connection may be busy streaming (COPY), so the
                # run's stored progress moves between phases, not here.
                report("loading", fraction)

            parts.append(count_orders(parameters, order_range, on_lines, timings))
            _set_progress(run, 0.5 * (index + 1) / len(bounds))
        counts = mining.merge_counts(parts)
        del parts
        return finish_run(run, counts, kind, parameters, report, timings, force=force)

    return run_exclusively(kind, partitions, count_and_finish, task_id=task_id, now=now)


def _previous_lines() -> int:
    last = MiningRun.objects.filter(status=MiningRunStatus.SUCCEEDED).order_by("-finished_at")
    return last.values_list("lines_scanned", flat=True).first() or 0
