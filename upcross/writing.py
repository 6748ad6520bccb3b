"""Replace the mined relations of one kind, inside the caller's transaction.

Only active rows of the computed origins being written (``mined``, and for
upgrades also ``rule``: rows that upgrade rules make) are updated or removed.
Any other row of the pair (manual, or blocked) keeps the pair: a recompute
never overwrites it and never re-creates it.

PostgreSQL: the new rows are streamed with ``COPY`` into a temporary table,
then one ``DELETE``, one ``UPDATE`` and one ``INSERT ... SELECT`` apply them.
Elsewhere: the difference is computed in Python and applied with bulk operations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connections, models, router
from django.utils import timezone

from upcross.models import ProductRelation, RelationOrigin, RelationStatus

if TYPE_CHECKING:
    from django.db.models.options import Options

#: ``(source_pk, target_pk, pair_count, support, confidence, lift, score, origin)``
Row = tuple[Any, Any, int | None, float | None, float | None, float | None, float, str]
_EVIDENCE = ("pair_count", "support", "confidence", "lift", "score")
_BATCH = 2_000


def _column(meta: Options[Any], name: str) -> str:
    """The database column of the concrete field ``name``."""
    field = meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None
    return field.column


def write_relations(
    kind: str, rows: list[Row], computed_at: datetime,
    on_progress: Callable[[float], None] | None = None,
    replaces: tuple[str, ...] = (RelationOrigin.MINED,),
) -> dict[str, int]:
    """Make ``rows`` the active rows of ``kind`` whose origin is one of ``replaces``.

    Each row carries its origin (``mined``, or ``rule`` for upgrade rules), so a
    pair can move from one computed origin to the other in place. Returns
    created/updated/removed counts.

    Must run inside ``transaction.atomic``. ``on_progress(fraction)`` is called after
    the first statement that changed data, so a failure raised from it tests the
    rollback of a half-written recompute.
    """
    connection = connections[router.db_for_write(ProductRelation)]
    replaces = tuple(str(origin) for origin in replaces)
    if connection.vendor == "postgresql":
        return _write_postgres(connection, kind, rows, computed_at, on_progress, replaces)
    return _write_generic(kind, rows, computed_at, on_progress, replaces)


def _write_generic(kind: str, rows: list[Row], computed_at: datetime,
                   on_progress: Callable[[float], None] | None,
                   replaces: tuple[str, ...]) -> dict[str, int]:
    existing = ProductRelation.objects.filter(kind=kind).values_list(
        "pk", "source_id", "target_id", "origin", "status"
    )
    mined: dict[tuple[Any, Any], int] = {}
    kept: set[tuple[Any, Any]] = set()
    for pk, source, target, row_origin, status in existing:
        if row_origin in replaces and status == RelationStatus.ACTIVE:
            mined[(source, target)] = pk
        else:
            kept.add((source, target))
    new = {(row[0], row[1]): row for row in rows if (row[0], row[1]) not in kept}
    removed = [pk for pair, pk in mined.items() if pair not in new]
    _delete_rows(removed)
    if on_progress is not None:
        on_progress(0.3)
    now = timezone.now()
    updates, creates = [], []
    for pair, row in new.items():
        values = dict(zip(_EVIDENCE, row[2:7], strict=True))
        origin = row[7]
        if pair in mined:
            updates.append(ProductRelation(pk=mined[pair], computed_at=computed_at,
                                           updated_at=now, origin=origin, **values))
        else:
            creates.append(ProductRelation(
                source_id=pair[0], target_id=pair[1], kind=kind, origin=origin,
                status=RelationStatus.ACTIVE, computed_at=computed_at, **values,
            ))
    ProductRelation.objects.bulk_update(
        updates, [*_EVIDENCE, "origin", "computed_at", "updated_at"], batch_size=_BATCH
    )
    if on_progress is not None:
        on_progress(0.6)
    ProductRelation.objects.bulk_create(creates, batch_size=_BATCH)
    if on_progress is not None:
        on_progress(1.0)
    return {"created": len(creates), "updated": len(updates), "removed": len(removed)}


def _delete_rows(pks: list[Any]) -> None:
    """Plain SQL DELETE: no per-row signals (the recompute signal invalidates caches once)."""
    connection = connections[router.db_for_write(ProductRelation)]
    meta = ProductRelation._meta
    table, column = connection.ops.quote_name(meta.db_table), meta.pk.column
    with connection.cursor() as cursor:
        for lo in range(0, len(pks), _BATCH // 4):
            chunk = pks[lo : lo + _BATCH // 4]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


def _write_postgres(connection: Any, kind: str, rows: list[Row], computed_at: datetime,
                    on_progress: Callable[[float], None] | None,
                   replaces: tuple[str, ...]) -> dict[str, int]:
    meta = ProductRelation._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    source = meta.get_field("source")
    target = meta.get_field("target")
    col = {name: qn(_column(meta, name)) for name in (
        "kind", "origin", "status", "position", "score", "pair_count", "support", "confidence",
        "lift", "computed_at", "created_at", "updated_at", "starts_at", "ends_at")}
    src, tgt = qn(source.column), qn(target.column)
    key_type = source.db_type(connection)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_nestloop')")
        nestloop = cursor.fetchone()[0]
        # Rows written earlier in this transaction (the other kind) have no statistics
        # yet: without this the planner may pick nested loops over seemingly empty tables.
        cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        cursor.execute("DROP TABLE IF EXISTS upcross_new_relations")
        cursor.execute(
            f"CREATE TEMPORARY TABLE upcross_new_relations (source {key_type}, "
            f"target {key_type}, pair_count bigint, support double precision, "
            "confidence double precision, lift double precision, score double precision, "
            "origin varchar(16), PRIMARY KEY (source, target)) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY upcross_new_relations (source, target, pair_count, support, confidence, "
            "lift, score, origin) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE upcross_new_relations")
        mined_active = (f"r.{col['kind']} = %s AND r.{col['origin']} = ANY(%s) "
                        f"AND r.{col['status']} = %s")
        cursor.execute(
            f"DELETE FROM {table} r WHERE {mined_active} AND NOT EXISTS ("
            f"SELECT 1 FROM upcross_new_relations n WHERE n.source = r.{src} "
            f"AND n.target = r.{tgt})",
            [kind, list(replaces), RelationStatus.ACTIVE],
        )
        removed = cursor.rowcount
        if on_progress is not None:
            on_progress(0.3)
        cursor.execute(
            f"UPDATE {table} r SET {col['score']} = n.score, {col['pair_count']} = n.pair_count, "
            f"{col['support']} = n.support, {col['confidence']} = n.confidence, "
            f"{col['lift']} = n.lift, {col['origin']} = n.origin, "
            f"{col['computed_at']} = %s, {col['updated_at']} = %s "
            f"FROM upcross_new_relations n WHERE {mined_active} "
            f"AND r.{src} = n.source AND r.{tgt} = n.target",
            [computed_at, now, kind, list(replaces), RelationStatus.ACTIVE],
        )
        updated = cursor.rowcount
        if on_progress is not None:
            on_progress(0.6)
        cursor.execute(
            f"INSERT INTO {table} ({src}, {tgt}, {col['kind']}, {col['origin']}, "
            f"{col['status']}, {col['position']}, {col['score']}, {col['pair_count']}, "
            f"{col['support']}, {col['confidence']}, {col['lift']}, {col['computed_at']}, "
            f"{col['created_at']}, {col['updated_at']}) "
            "SELECT n.source, n.target, %s, n.origin, %s, 0, n.score, n.pair_count, n.support, "
            "n.confidence, n.lift, %s, %s, %s FROM upcross_new_relations n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.{src} = n.source "
            f"AND r.{tgt} = n.target AND r.{col['kind']} = %s) "
            f"ON CONFLICT DO NOTHING",
            [kind, RelationStatus.ACTIVE, computed_at, now, now, kind],
        )
        created = cursor.rowcount
        cursor.execute("DROP TABLE upcross_new_relations")
        cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
    if on_progress is not None:
        on_progress(1.0)
    return {"created": created, "updated": updated, "removed": removed}
