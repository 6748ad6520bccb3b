"""CSV import and export of product relations, as plain functions.

The admin uses them in two steps: :func:`parse_relations_csv` validates a whole
file and returns an :class:`ImportPlan` (shown as a preview with row-level
errors), then :func:`apply_import` writes the valid rows in one transaction.
Nothing is written when any row is invalid, unless ``skip_invalid`` is given.

Format: a header row with ``source``, ``target``, ``kind`` and optionally
``position``, ``status`` (active/blocked), ``starts_at``/``ends_at`` (ISO 8601, empty
for none) and ``origin`` (other columns, such as the evidence
:func:`write_relations_csv` adds, are ignored); UTF-8 with or without a byte-order
mark; comma or semicolon separated. An export reads back as it was: a blocked row
stays blocked, a mined row stays mined, windows are kept. Cells a spreadsheet would
run as a formula are escaped on export (:func:`safe_cell`) and unescaped on import.
Products are named by any of the look-up fields of
:meth:`upcross.adapters.ShopAdapter.product_lookup_fields` (pk, SKU, slug...),
resolved in bulk: a handful of queries whatever the file size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.models import ProductRelation, RelationKind, RelationOrigin, RelationStatus

REQUIRED_COLUMNS: tuple[str, ...] = ("source", "target", "kind")
OPTIONAL_COLUMNS: tuple[str, ...] = ("position", "status", "starts_at", "ends_at", "origin")
EXPORT_COLUMNS: tuple[str, ...] = (
    "source", "target", "kind", "position", "origin", "status", "starts_at", "ends_at",
    "pair_count", "confidence", "lift",
)
#: First characters that make a spreadsheet run a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUS_ALIASES: dict[str, str] = {"active": RelationStatus.ACTIVE,
                                  "blocked": RelationStatus.BLOCKED}


def safe_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text a spreadsheet would run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def unescape_cell(value: str) -> str:
    """Undo :func:`safe_cell` (a ``'`` before a formula character)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
#: Below SQLite's bound-parameter limit on old builds; also keeps PostgreSQL queries small.
QUERY_CHUNK = 900
WRITE_BATCH = 2000
#: Accepted spellings of a kind (case-insensitive).
KIND_ALIASES: dict[str, str] = {
    "complement": RelationKind.COMPLEMENT, "complements": RelationKind.COMPLEMENT,
    "upgrade": RelationKind.UPGRADE, "upgrades": RelationKind.UPGRADE,
}


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (encoding, header); no row is looked at."""


@dataclass
class ImportRow:
    line: int
    source: str
    target: str
    kind: str
    position: int | None
    status: str | None = None
    starts_at: Any = None
    ends_at: Any = None
    origin: str | None = None
    source_pk: Any = None
    target_pk: Any = None
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    delimiter: str
    has_position: bool
    has_status: bool = False
    has_window: bool = False

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.is_valid]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int


def decode(data: bytes) -> str:
    """UTF-8 text of ``data``, without a byte-order mark."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            _("The file is not UTF-8 text (byte %(position)s cannot be read). Save it as "
              "“CSV UTF-8” in your spreadsheet and upload it again.") % {"position": exc.start}
        ) from exc
    if "\x00" in text:  # no text CSV holds one, and a database refuses it in a query
        raise CsvFormatError(
            _("The file contains a NUL character (line %(line)s): it is not a text CSV. "
              "Save it as “CSV UTF-8” in your spreadsheet and upload it again.")
            % {"line": text.count("\n", 0, text.index("\x00")) + 1})
    return text


def detect_delimiter(text: str) -> str:
    """Comma or semicolon, whichever splits the header row into more known columns."""
    header = text.split("\n", 1)[0]
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

    def score(delimiter: str) -> int:
        cells = [cell.strip().strip('"').lower() for cell in header.split(delimiter)]
        return sum(cell in known for cell in cells)

    return ";" if score(";") > score(",") else ","


def parse_relations_csv(data: bytes, lookup_fields: list[str] | None = None) -> ImportPlan:
    """Read and validate every row; raise :class:`CsvFormatError` for file-level problems."""
    text = decode(data)
    if not text.strip():
        raise CsvFormatError(_("The file is empty."))
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except csv.Error as exc:
        raise CsvFormatError(_("The header row cannot be read: %(error)s") % {"error": exc}) \
            from exc
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CsvFormatError(
            _("Missing column(s): %(missing)s. The header row must name source, target and "
              "kind (and may name position).") % {"missing": ", ".join(missing)}
        )
    index = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
             if name in header}
    rows: list[ImportRow] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank line
            rows.append(_read_row(reader.line_num, record, index))
    except csv.Error as exc:
        raise CsvFormatError(
            _("Line %(line)s cannot be read: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc
    _resolve_products(rows, lookup_fields or get_adapter().product_lookup_fields())
    _check_pairs(rows)
    return ImportPlan(rows=rows, delimiter=delimiter, has_position="position" in index,
                      has_status="status" in index,
                      has_window="starts_at" in index or "ends_at" in index)


def _position_max() -> int:
    """The largest position the database column holds."""
    connection = connections[router.db_for_write(ProductRelation)]
    field = ProductRelation._meta.get_field("position")
    return connection.ops.integer_field_range(field.get_internal_type())[1]


def _read_row(line: int, record: list[str], index: dict[str, int]) -> ImportRow:
    def cell(name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(record):
            return ""
        return unescape_cell(record[position].strip())

    errors: list[str] = []
    raw_kind = cell("kind")
    kind = KIND_ALIASES.get(raw_kind.lower(), "")
    if not kind:
        errors.append(str(_("Unknown kind “%(kind)s”: use complement or upgrade.")
                          % {"kind": raw_kind}))
    position: int | None = None
    raw_position = cell("position")
    if raw_position:
        try:
            position = int(raw_position)
            if position < 0:
                raise ValueError(raw_position)
        except ValueError:
            errors.append(str(_("Position “%(position)s” is not a whole number of 0 or more.")
                              % {"position": raw_position}))
            position = None
        else:
            if position > _position_max():
                errors.append(str(_("Position %(position)s is too large (at most %(max)s).")
                                  % {"position": raw_position, "max": _position_max()}))
                position = None
    status = None
    raw_status = cell("status")
    if raw_status:
        status = STATUS_ALIASES.get(raw_status.lower())
        if status is None:
            errors.append(str(_("Unknown status “%(status)s”: use active or blocked.")
                              % {"status": raw_status}))
    window = {name: _moment(cell(name), name, errors) for name in ("starts_at", "ends_at")}
    if window["starts_at"] and window["ends_at"] and window["ends_at"] <= window["starts_at"]:
        errors.append(str(_("The window ends (ends_at) before it starts (starts_at).")))
    source, target = cell("source"), cell("target")
    if not source:
        errors.append(str(_("The source product is missing.")))
    if not target:
        errors.append(str(_("The suggested (target) product is missing.")))
    return ImportRow(line=line, source=source, target=target, kind=kind, position=position,
                     status=status, starts_at=window["starts_at"], ends_at=window["ends_at"],
                     origin=cell("origin").lower() or None, errors=errors)


def _moment(raw: str, name: str, errors: list[str]) -> Any:
    """An ISO 8601 date-time cell (naive: the current time zone), or ``None`` when empty."""
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        errors.append(str(_("%(column)s “%(value)s” is not a date and time (ISO 8601, e.g. "
                            "2026-05-01T00:00:00+00:00).") % {"column": name, "value": raw}))
        return None
    if timezone.is_naive(value) and timezone.is_aware(timezone.now()):
        value = timezone.make_aware(value)
    return value


def _chunks(values: list[Any], size: int = QUERY_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def resolve_products(keys: Iterable[str], lookup_fields: list[str]) -> dict[str, Any]:
    """Map each key to a product pk, trying the look-up fields in order, in bulk."""
    adapter = get_adapter()
    manager = adapter.product_model()._default_manager
    pk_field = adapter.product_model()._meta.pk
    unresolved = {key for key in keys if key}
    found: dict[str, Any] = {}
    for name in lookup_fields:
        if not unresolved:
            break
        if name == "pk":
            candidates: dict[Any, str] = {}
            for key in unresolved:
                try:
                    candidates[pk_field.to_python(key)] = key
                except (ValidationError, ValueError, TypeError):
                    continue
            for chunk in _chunks(list(candidates)):
                for pk in manager.filter(pk__in=chunk).values_list("pk", flat=True):
                    found[candidates[pk]] = pk
        else:
            for chunk in _chunks(sorted(unresolved)):
                for value, pk in manager.filter(**{f"{name}__in": chunk}).values_list(name, "pk"):
                    found.setdefault(str(value), pk)
        unresolved -= found.keys()
    return found


def _resolve_products(rows: list[ImportRow], lookup_fields: list[str]) -> None:
    keys = {row.source for row in rows} | {row.target for row in rows}
    found = resolve_products(keys, lookup_fields)
    fields = ", ".join(lookup_fields)
    for row in rows:
        row.source_pk = found.get(row.source)
        row.target_pk = found.get(row.target)
        if row.source and row.source_pk is None:
            row.errors.append(str(_("Unknown source product “%(key)s” (looked up by %(fields)s).")
                                  % {"key": row.source, "fields": fields}))
        if row.target and row.target_pk is None:
            row.errors.append(str(_("Unknown suggested product “%(key)s” (looked up by "
                                    "%(fields)s).") % {"key": row.target, "fields": fields}))


def _check_pairs(rows: list[ImportRow]) -> None:
    seen: dict[tuple[Any, Any, str], int] = {}
    for row in rows:
        if row.source_pk is None or row.target_pk is None or not row.kind:
            continue
        if row.source_pk == row.target_pk:
            row.errors.append(str(_("A product cannot be suggested for itself.")))
            continue
        key = (row.source_pk, row.target_pk, row.kind)
        if key in seen:
            row.errors.append(str(_("Duplicate of line %(line)s (same source, target and kind).")
                                  % {"line": seen[key]}))
        else:
            seen[key] = row.line


def apply_import(plan: ImportPlan, skip_invalid: bool = False) -> ImportResult:
    """Write the plan's rows in one transaction.

    New rows are manual. An existing row keeps what the file does not say: its status
    unless there is a ``status`` column (a blocked row stays blocked), its window unless
    there are window columns, and its origin when the file names that same origin (a
    re-imported export leaves mined rows mined); otherwise it becomes manual. Raises
    ``ValueError`` when a row is invalid and ``skip_invalid`` is false: nothing is
    written then.
    """
    invalid = plan.invalid_rows
    if invalid and not skip_invalid:
        raise ValueError(f"{len(invalid)} invalid row(s); nothing was imported")
    rows = plan.valid_rows
    keys = {(row.source_pk, row.target_pk, row.kind) for row in rows}
    sources = sorted({row.source_pk for row in rows}, key=str)
    now = timezone.now()
    update_fields = ["origin", "status", "updated_at", "starts_at", "ends_at"]
    if plan.has_position:
        update_fields.append("position")
    with transaction.atomic():
        existing: dict[tuple[Any, Any, str], tuple[str, str, Any, Any]] = {}
        for chunk in _chunks(sources):
            for *key, origin, status, starts, ends in ProductRelation.objects.filter(
                    source__in=chunk).values_list("source", "target", "kind", "origin",
                                                  "status", "starts_at", "ends_at"):
                if tuple(key) in keys:
                    existing[tuple(key)] = (origin, status, starts, ends)  # type: ignore[index]
        objects = []
        for row in rows:
            old = existing.get((row.source_pk, row.target_pk, row.kind))
            origin = RelationOrigin.MANUAL
            if old is not None and row.origin and row.origin == old[0]:
                origin = old[0]
            status = row.status or (old[1] if old is not None else RelationStatus.ACTIVE)
            starts, ends = ((row.starts_at, row.ends_at) if plan.has_window or old is None
                            else (old[2], old[3]))
            objects.append(ProductRelation(
                source_id=row.source_pk, target_id=row.target_pk, kind=row.kind,
                origin=origin, status=status, starts_at=starts, ends_at=ends,
                position=row.position or 0, updated_at=now,
            ))
        # MariaDB/MySQL upsert on any unique key (ON DUPLICATE KEY UPDATE) and take no
        # conflict target; the pair constraint is the table's only one besides the pk.
        target = (["source", "target", "kind"]
                  if connection.features.supports_update_conflicts_with_target else None)
        ProductRelation.objects.bulk_create(
            objects, batch_size=WRITE_BATCH, update_conflicts=True,
            unique_fields=target, update_fields=update_fields,
        )
    return ImportResult(created=len(keys - existing.keys()), updated=len(existing),
                        skipped=len(invalid))


def export_value_field() -> str:
    """The field that names products in an export: the first non-pk look-up field."""
    names = [name for name in get_adapter().product_lookup_fields() if name != "pk"]
    return names[0] if names else "pk"


def write_relations_csv(queryset: models.QuerySet, stream: Any) -> None:
    """Write ``queryset``'s relations to a text stream, in a format the import reads back."""
    writer = csv.writer(stream)
    writer.writerow(EXPORT_COLUMNS)
    for row in iter_export_rows(queryset):
        writer.writerow(row)


def iter_export_rows(queryset: models.QuerySet) -> Iterator[list[Any]]:
    """The export's rows, cells escaped (:func:`safe_cell`), windows in ISO 8601."""
    name = export_value_field()
    columns = [f"source__{name}", f"target__{name}", "kind", "position", "origin", "status",
               "starts_at", "ends_at", "pair_count", "confidence", "lift"]
    for values in queryset.order_by("source", "kind", "position", "pk").values_list(*columns) \
            .iterator(chunk_size=5000):
        yield [_export_cell(value) for value in values]


def _export_cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_cell(value)
