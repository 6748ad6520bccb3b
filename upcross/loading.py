"""Order lines → compact arrays for mining, read through the shop adapter.

Two ways in, same result:

- **PostgreSQL with integer keys**: the adapter's queryset is compiled to SQL
  and wrapped in ``COPY (SELECT array_agg(...) ... GROUP BY order >> 12) TO STDOUT
  (FORMAT BINARY)``: each row holds four arrays of big-endian 8-byte values (order,
  product, customer, raw timestamp) for the lines of 4,096 consecutive order keys,
  parsed by numpy. No Python object and no protocol message per line.
- **anything else** (SQLite, UUID keys, computed paths): ``values_list`` streamed
  with ``iterator(chunk_size=...)`` into Python lists, then numpy arrays.
"""

from __future__ import annotations

import contextlib
import itertools
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connections, models
from django.db.models.constants import LOOKUP_SEP

from upcross.adapters import ShopAdapter, configured_paths, get_adapter
from upcross.mining.counting import GUEST
from upcross.mining.upgrades import Catalog

ProgressCallback = Callable[[int], None]

_INTEGER_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
})
_BINARY_HEADER = 19  # "PGCOPY\n\377\r\n\0" + flags (int32) + extension length (int32, 0)
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
#: Binary array: dimensions, has-nulls flag, element type, length, lower bound.
_ARRAY_HEADER = struct.Struct(">iiiii")
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">i8")])
#: Lines of ``2**_GROUP_BITS`` consecutive order keys travel as one row of arrays.
_GROUP_BITS = 12
#: Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's binary time origin.
_EPOCH_2000 = 946_684_800
_FACTS_CHUNK = 5_000
#: The join of order lines with orders is one big hash join: let it stay in memory.
_WORK_MEM = "256MB"


@dataclass
class LineArrays:
    """Raw order-line values, one entry per line (keys may repeat)."""

    order: np.ndarray
    product: np.ndarray
    #: GUEST (int arrays) or None (object arrays) for guest orders; ``None``: not loaded.
    customer: np.ndarray | None
    time: np.ndarray | None  # int64 epoch seconds, 0 when unknown; ``None``: not loaded

    def __len__(self) -> int:
        return len(self.order)


def _resolve_field(model: type[models.Model], path: str) -> models.Field | None:
    """The concrete field a values_list path ends on (a foreign key yields its target)."""
    field: Any = None
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return None
        if field.is_relation:
            model = field.related_model
    if field is not None and field.is_relation and field.many_to_one:
        field = field.target_field
    return field


def _is_integer(model: type[models.Model], path: str | None) -> bool:
    if not path:
        return True
    field = _resolve_field(model, path)
    return field is not None and field.get_internal_type() in _INTEGER_TYPES


def order_lines(
    adapter: ShopAdapter | None = None,
    since: datetime | None = None,
    order_range: tuple[Any, Any] | None = None,
    products: models.QuerySet | None = None,
) -> models.QuerySet:
    """The adapter's order lines, limited to the look-back window, an order range and
    (``products``, a queryset of products) the lines of those products."""
    adapter = adapter or get_adapter()
    queryset = adapter.order_lines()
    paths = adapter.order_line_paths()
    if products is not None:
        queryset = queryset.filter(**{f"{paths['product']}__in": products.values("pk")})
    if since is not None and paths["placed_at"]:
        queryset = queryset.filter(**{f"{paths['placed_at']}__gte": since})
    if order_range is not None:
        lo, hi = order_range
        if lo is not None:
            queryset = queryset.filter(**{f"{paths['order']}__gte": lo})
        if hi is not None:
            queryset = queryset.filter(**{f"{paths['order']}__lt": hi})
    return queryset


def partition_bounds(
    partitions: int, adapter: ShopAdapter | None = None, since: datetime | None = None
) -> list[tuple[Any, Any]]:
    """Split the orders into ``partitions`` contiguous key ranges of about equal size.

    Integer keys (auto-increment ids, about evenly spread): the range between the
    smallest and the largest key in the window cut into equal spans, from one
    aggregate query (no sort: at 10M orders the exact split below costs a sorted pass
    over every line per cut). Other keys: cuts at every ``total / partitions``-th
    distinct key. Bounds are JSON-friendly (UUIDs become strings) so they can travel
    as task kwargs.
    """
    adapter = adapter or get_adapter()
    if partitions <= 1:
        return [(None, None)]
    order_path = adapter.order_line_path("order")
    queryset = order_lines(adapter, since)
    if _is_integer(queryset.model, order_path):
        span = queryset.order_by().aggregate(lo=models.Min(order_path),
                                             hi=models.Max(order_path))
        if span["lo"] is None:
            return [(None, None)]
        lo, hi = int(span["lo"]), int(span["hi"]) + 1
        even = list(dict.fromkeys(lo + (hi - lo) * k // partitions
                                  for k in range(1, partitions)))
        return list(itertools.pairwise([None, *[c for c in even if lo < c < hi], None]))
    keys = (
        order_lines(adapter, since).order_by(order_path)
        .values_list(order_path, flat=True).distinct()
    )
    total = keys.count()
    cuts = []
    for k in range(1, partitions):
        offset = total * k // partitions
        if 0 < offset < total:
            value = keys[offset]
            cuts.append(value if isinstance(value, (int, str)) else str(value))
    cuts = list(dict.fromkeys(cuts))
    bounds = [None, *cuts, None]
    return list(itertools.pairwise(bounds))


def load_lines(
    adapter: ShopAdapter | None = None,
    since: datetime | None = None,
    order_range: tuple[Any, Any] | None = None,
    progress: ProgressCallback | None = None,
    chunk_size: int = 50_000,
    products: models.QuerySet | None = None,
    customers: bool = True,
    times: bool = True,
) -> LineArrays:
    """Read the order lines that count for mining into :class:`LineArrays`.

    ``customers=False`` / ``times=False`` leave those values out (``None``): the fewer
    columns, the faster the load, and a run only needs times for recency weights.
    """
    adapter = adapter or get_adapter()
    queryset = order_lines(adapter, since, order_range, products)
    connection = connections[queryset.db]
    paths = adapter.order_line_paths()
    model = queryset.model
    if connection.vendor == "postgresql" and all(
        _is_integer(model, paths[key]) for key in ("order", "product", "customer")
    ):
        lines = _load_postgres_copy(queryset, paths, connection, progress, customers, times)
    else:
        lines = _load_generic(adapter, queryset, progress, chunk_size)
    return LineArrays(lines.order, lines.product, lines.customer if customers else None,
                      lines.time if times else None)


def _load_generic(
    adapter: ShopAdapter, queryset: models.QuerySet, progress: ProgressCallback | None,
    chunk_size: int,
) -> LineArrays:
    """Stream rows; every ``chunk_size`` rows become compact arrays (bounded Python objects)."""
    blocks: list[LineArrays] = []
    orders: list[Any] = []
    products: list[Any] = []
    customers: list[Any] = []
    times: list[int] = []

    def flush() -> None:
        blocks.append(LineArrays(
            order=_as_key_array(orders), product=_as_key_array(products),
            customer=_as_customer_array(customers), time=np.asarray(times, dtype=np.int64),
        ))
        for values in (orders, products, customers, times):
            values.clear()

    seen = 0
    for seen, (order, product, _quantity, customer, placed_at) in enumerate(
        adapter.order_line_rows(queryset, chunk_size=chunk_size), start=1
    ):
        orders.append(order)
        products.append(product)
        customers.append(customer)
        times.append(int(placed_at.timestamp()) if placed_at is not None else 0)
        if seen % chunk_size == 0:
            flush()
            if progress is not None:
                progress(seen)
    flush()
    if progress is not None:
        progress(seen)
    return LineArrays(
        order=_concatenate([b.order for b in blocks]),
        product=_concatenate([b.product for b in blocks]),
        customer=_concatenate([b.customer for b in blocks if b.customer is not None],
                              guest=GUEST),
        time=np.concatenate([b.time for b in blocks if b.time is not None]),
    )


def _concatenate(arrays: list[np.ndarray], guest: int | None = None) -> np.ndarray:
    """Concatenate chunk arrays; integer chunks join object chunks as objects
    (with ``guest`` markers turned back into ``None``)."""
    arrays = [a for a in arrays if len(a)] or arrays[:1]
    if any(a.dtype == object for a in arrays):
        out = np.empty(sum(len(a) for a in arrays), dtype=object)
        position = 0
        for a in arrays:
            values = a.tolist()
            if a.dtype != object and guest is not None:
                values = [None if v == guest else v for v in values]
            out[position : position + len(a)] = values
            position += len(a)
        return out
    return np.concatenate(arrays)


def _as_key_array(values: list[Any]) -> np.ndarray:
    if values and all(type(v) is int for v in values):
        return np.asarray(values, dtype=np.int64)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _as_customer_array(values: list[Any]) -> np.ndarray:
    if all(v is None or type(v) is int for v in values):
        return np.asarray([GUEST if v is None else v for v in values], dtype=np.int64)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _load_postgres_copy(
    queryset: models.QuerySet, paths: dict[str, str | None], connection: Any,
    progress: ProgressCallback | None, customers: bool = True, times: bool = True,
) -> LineArrays:
    """Lines as (up to) four ``int8``/timestamp arrays per group of ``2**_GROUP_BITS`` order keys.

    A row per line costs one protocol message and one Python iteration each (about
    a microsecond, millions of times); a few hundred rows of arrays cost neither,
    for a small hash aggregate on the server. Timestamps travel raw (microseconds
    since 2000, binary), not through ``EXTRACT``, which is slow (numeric).
    """
    present = [key for key in ("order", "product", "customer", "placed_at") if paths[key]]
    inner = queryset.order_by().values_list(*configured_paths(paths, present))
    sql, params = inner.query.sql_with_params()
    aliases = {key: f"t.c{i}" for i, key in enumerate(present)}
    customer = f"COALESCE({aliases['customer']}::bigint, {GUEST})" if "customer" in aliases \
        else f"{GUEST}::bigint"
    moment = _moment_type(queryset.model, paths["placed_at"])
    micros = "placed_at" in aliases and moment is not None
    if micros:
        cast = "::timestamp" if moment == "DateField" else ""
        placed = f"COALESCE({aliases['placed_at']}{cast}, 'epoch')"
    elif "placed_at" in aliases:
        placed = f"COALESCE(FLOOR(EXTRACT(EPOCH FROM {aliases['placed_at']}))::bigint, 0)"
    else:
        placed = "0::bigint"
    order = f"{aliases['order']}::bigint"
    values = [order, f"{aliases['product']}::bigint"]
    values += [customer] if customers else []
    values += [placed] if times else []
    select = (
        f"SELECT {', '.join(f'array_agg({value})' for value in values)} "
        f"FROM ({sql}) AS t({', '.join(f'c{i}' for i in range(len(present)))}) "
        f"GROUP BY {order} >> {_GROUP_BITS}"
    )
    connection.ensure_connection()
    columns: list[list[np.ndarray]] = [[] for _ in values]
    with connection.cursor() as cursor, _session_setting(cursor, "work_mem", _WORK_MEM), \
            _session_setting(cursor, "jit", "off"):
        statement = connection.ops.compose_sql(select, params)
        reader = _PackedRows(len(values))
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT BINARY)") as copy:
            for data in copy:
                for row in reader.feed(data):
                    for column, array in zip(columns, row, strict=True):
                        column.append(array)
                    if progress is not None:
                        progress(reader.lines)
        reader.finish()
    if progress is not None:
        progress(reader.lines)
    arrays = [np.concatenate(column) if column else np.empty(0, np.int64)
              for column in columns]
    customer_keys = arrays[2] if customers else None
    placed_at = arrays[-1] if times else None
    if placed_at is not None and micros:  # microseconds since 2000 -> seconds since 1970
        placed_at = placed_at // 1_000_000 + _EPOCH_2000
    return LineArrays(order=arrays[0], product=arrays[1], customer=customer_keys,
                      time=placed_at)


def _moment_type(model: type[models.Model], path: str | None) -> str | None:
    """``DateTimeField`` or ``DateField`` when ``path`` ends on one (else ``None``)."""
    field = _resolve_field(model, path) if path else None
    kind = field.get_internal_type() if field is not None else None
    return kind if kind in ("DateTimeField", "DateField") else None


class _PackedRows:
    """Parse binary COPY output whose rows are ``fields`` one-dimensional 8-byte arrays.

    Data may arrive in chunks of any size: complete rows are parsed as they become
    available, the rest is kept for the next chunk.
    """

    def __init__(self, fields: int) -> None:
        self.fields = fields
        self.pending = bytearray()
        self.header = False
        self.ended = False
        self.lines = 0

    def feed(self, data: Any) -> Iterator[list[np.ndarray]]:
        self.pending += data
        if not self.header:
            if len(self.pending) < _BINARY_HEADER:
                return
            if bytes(self.pending[:11]) != b"PGCOPY\n\xff\r\n\x00":
                raise ValueError("unexpected COPY header")
            del self.pending[:_BINARY_HEADER]
            self.header = True
        position = 0
        while not self.ended:
            parsed = self._row(position)
            if parsed is None:
                break
            row, position = parsed
            if row is None:
                self.ended = True
                break
            self.lines += len(row[0])
            yield row
        del self.pending[:position]

    def finish(self) -> None:
        if not self.ended or self.pending:
            raise ValueError("truncated COPY output")

    def _row(self, position: int) -> tuple[list[np.ndarray] | None, int] | None:
        """``(arrays, next position)``, ``(None, ...)`` at the trailer, ``None`` if incomplete."""
        buffer = self.pending
        if len(buffer) - position < 2:
            return None
        (fields,) = _INT16.unpack_from(buffer, position)
        if fields == -1:
            return None, position + 2
        if fields != self.fields:
            raise ValueError(f"unexpected COPY row of {fields} fields")
        spans = []
        cursor = position + 2
        for _ in range(fields):
            if len(buffer) - cursor < 4:
                return None
            (length,) = _INT32.unpack_from(buffer, cursor)
            if length < 0 or len(buffer) - cursor - 4 < length:
                if length < 0:
                    raise ValueError("unexpected NULL array in COPY output")
                return None
            spans.append((cursor + 4, length))
            cursor += 4 + length
        return [self._array(start, length) for start, length in spans], cursor

    def _array(self, start: int, length: int) -> np.ndarray:
        ndim, has_null, _element_type, size, _lower = _ARRAY_HEADER.unpack_from(self.pending,
                                                                               start)
        if ndim != 1 or has_null or length != _ARRAY_HEADER.size + size * _ELEMENT.itemsize:
            raise ValueError("unexpected array in COPY output (NULL key?)")
        elements = np.frombuffer(self.pending, _ELEMENT, count=size,
                                 offset=start + _ARRAY_HEADER.size)
        if (elements["length"] != 8).any():
            raise ValueError("unexpected array element in COPY output")
        return elements["value"].astype(np.int64)


@contextlib.contextmanager
def _session_setting(cursor: Any, name: str, value: str) -> Iterator[None]:
    """Set a PostgreSQL setting for the duration of the block, then restore it."""
    cursor.execute("SELECT current_setting(%s)", [name])
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    try:
        yield
    finally:
        cursor.execute("SELECT set_config(%s, %s, false)", [name, previous])


# --- product facts ----------------------------------------------------------------------


#: Facts already read during one recompute (see :func:`facts_shared`), else ``None``.
_shared_facts: dict[Any, Any] | None = None


@contextlib.contextmanager
def facts_shared() -> Iterator[None]:
    """Within this block, :func:`product_facts` reads each product's facts once: the
    upgrades, the complement rules and the fallback of one recompute share them."""
    global _shared_facts
    previous, _shared_facts = _shared_facts, {} if _shared_facts is None else _shared_facts
    try:
        yield
    finally:
        _shared_facts = previous


def product_facts(pks: list[Any], adapter: ShopAdapter | None = None) -> dict[Any, Any]:
    """``adapter.product_facts`` in chunks (bounded query size for big catalogues)."""
    adapter = adapter or get_adapter()
    known = _shared_facts if _shared_facts is not None else {}
    out: dict[Any, Any] = {pk: known[pk] for pk in pks if pk in known}
    missing = [pk for pk in pks if pk not in out]
    for lo in range(0, len(missing), _FACTS_CHUNK):
        out.update(adapter.product_facts(missing[lo : lo + _FACTS_CHUNK]))
    if _shared_facts is not None:
        _shared_facts.update(out)
    return out


def variant_parents(products: np.ndarray) -> dict[Any, Any] | None:
    """``{variant pk: parent pk}`` for the products seen, if the shop has variants."""
    adapter = get_adapter()
    if not adapter.product_field("parent"):
        return None
    parents = {pk: facts.parent for pk, facts in product_facts(np.unique(products).tolist())
               .items() if facts.parent is not None}
    return parents or None


def product_catalog(pks: list[Any], texts: bool = False) -> tuple[Catalog, dict[str, int]]:
    """Prices, category memberships (and ``texts``) aligned with ``pks`` (code = position).

    Categories are compared as text (``UpgradeRule.category`` holds text); the
    second value maps each category's text to its code.
    """
    facts = product_facts(pks)
    text: dict[Any, str] = {}
    if texts:
        adapter = get_adapter()
        for lo in range(0, len(pks), _FACTS_CHUNK):
            text.update(adapter.product_texts(pks[lo : lo + _FACTS_CHUNK]))
    price = np.full(len(pks), np.nan)
    member_product: list[int] = []
    member_category: list[int] = []
    codes: dict[str, int] = {}
    for code, pk in enumerate(pks):
        fact = facts.get(pk)
        if fact is None:
            continue
        if fact.price is not None:
            price[code] = float(fact.price)
        for value in fact.categories:
            member_product.append(code)
            member_category.append(codes.setdefault(str(value), len(codes)))
    return Catalog(price, np.asarray(member_product, np.int64),
                   np.asarray(member_category, np.int64),
                   [text.get(pk) for pk in pks] if texts else None), codes
