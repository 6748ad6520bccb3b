"""The read path's first query: relation rows and fallback picks in one statement.

A widget that misses the cache reads its product's relation rows (with each target and
whether it is available), and, when the widget may fall back on the category-level
picks (:mod:`upcross.fallback_table`) and the cache lost them too, every stored
:class:`~upcross.models.FallbackPick` of an available product (with the product). Read
one after the other that is two queries, and the products' facts make three: one more
than a cold widget may cost. So both are read by one ``UNION ALL`` of two
``values_list`` querysets whose columns line up:

======================  =====================================  ==============================
columns                 relation branch                        pick branch
======================  =====================================  ==============================
shared                  pk, origin, pair_count, confidence,    the same fields of the pick
                        lift, target_id, availability          (its product for target_id)
a relation's own        source_id, kind, status, position,     ``NULL``
                        score, starts_at, ends_at
a pick's own            ``NULL``                               category, rank, orders,
                                                               substitute_group
the product's fields    ``target__<attname>``, every concrete  ``product__<attname>``
                        field of the product model
======================  =====================================  ==============================

Each ``NULL`` is a ``Value(None)`` whose ``output_field`` is the field it stands in
for: Django converts a column's values with the first branch's fields, and in SQL a
bare ``NULL`` takes the type of the other branch's column (PostgreSQL resolves an
untyped literal of a ``UNION`` by the other branch's type; MariaDB and SQLite merge the
branches' types). A ``CAST`` would need a type per vendor: MariaDB casts only to a few
(``SIGNED``, ``CHAR``, ``DATETIME``...), not to a column type such as ``bigint``.
Branches are not ordered in SQL (SQLite allows no ``ORDER BY`` inside a compound
statement): :func:`read` sorts relation rows by pk (the order rows were made in, on
every database) and picks by category, rank and pk.

The products are built from their columns with :meth:`Model.from_db`, as a
``select_related`` would build them: the same instances, the field converters applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, cast

from django.db import models
from django.db.models import Exists, OuterRef, Value

from upcross.adapters import get_adapter
from upcross.models import FallbackPick, ProductRelation, RelationStatus

#: Columns both branches select from their own rows, then the product's key (a
#: relation's ``target_id``, a pick's ``product_id``) and whether it is available.
SHARED = ("pk", "origin", "pair_count", "confidence", "lift")
#: Columns only a relation row has, and columns only a pick row has: the other branch
#: selects typed NULLs in their place.
RELATION_ONLY = ("source_id", "kind", "status", "position", "score", "starts_at", "ends_at")
PICK_ONLY = ("category", "rank", "orders", "substitute_group")
#: How many columns come before the product's (:func:`read` unpacks them in this order).
_PRODUCT_AT = len(SHARED) + 2 + len(RELATION_ONLY) + len(PICK_ONLY)


class RelationRow(NamedTuple):
    """A relation row: what ranking, blocking and substitutes need of it."""

    pk: Any
    source_id: Any
    target_id: Any
    kind: str
    status: str
    origin: str
    position: int
    score: float
    pair_count: int | None
    confidence: float | None
    lift: float | None
    starts_at: datetime | None
    ends_at: datetime | None
    #: The target passes ``PRODUCT_AVAILABLE``.
    available: bool
    #: The target, when a widget may show it (an active row, an available target).
    target: models.Model | None


class PickRow(NamedTuple):
    """A stored fallback pick of an available product, with the product."""

    pk: Any
    category: str
    product_id: Any
    origin: str
    rank: int
    pair_count: int | None
    confidence: float | None
    lift: float | None
    orders: int
    substitute_group: str
    product: models.Model


def _nulls(model: type[models.Model], names: tuple[str, ...]) -> dict[str, Value]:
    """Typed NULLs standing in for ``model``'s columns ``names`` (named ``upcross_<name>``)."""
    return {f"upcross_{name}": Value(None, output_field=cast(models.Field,
                                                              model._meta.get_field(name)))
            for name in names}


def _product_paths(via: str) -> list[str]:
    model = get_adapter().product_model()
    return [f"{via}__{field.attname}" for field in model._meta.concrete_fields]


def _available(outer: str) -> Exists:
    adapter = get_adapter()
    products = adapter.available_products(adapter.product_model()._default_manager.all())
    return Exists(products.filter(pk=OuterRef(outer)))


def relation_branch(relations: models.QuerySet[ProductRelation]) -> models.QuerySet:
    """``relations`` as the first branch: its rows with their targets' columns."""
    return (relations
            .annotate(upcross_available=_available("target"), **_nulls(FallbackPick, PICK_ONLY))
            .order_by()
            .values_list(*SHARED, "target_id", "upcross_available", *RELATION_ONLY,
                         *(f"upcross_{name}" for name in PICK_ONLY), *_product_paths("target")))


def pick_branch() -> models.QuerySet:
    """Every stored fallback pick of an available product, with the product's columns."""
    return (FallbackPick._default_manager
            .annotate(upcross_available=_available("product"),
                      **_nulls(ProductRelation, RELATION_ONLY))
            .filter(upcross_available=True)
            .order_by()
            .values_list(*SHARED, "product_id", "upcross_available",
                         *(f"upcross_{name}" for name in RELATION_ONLY), *PICK_ONLY,
                         *_product_paths("product")))


def read(relations: models.QuerySet[ProductRelation] | None,
         with_picks: bool) -> tuple[list[RelationRow], list[PickRow]]:
    """``(relation rows by pk, picks by category, rank and pk)`` in one query: the rows
    of ``relations`` (``None``: none), and every pick of an available product when
    ``with_picks``. Products are built only for rows a widget may show: active
    relations to available targets, and picks."""
    branches = []
    if relations is not None:
        branches.append(relation_branch(relations))
    if with_picks:
        branches.append(pick_branch())
    if not branches:
        return [], []
    query = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    model = get_adapter().product_model()
    attnames = [field.attname for field in model._meta.concrete_fields]

    def product(values: tuple[Any, ...]) -> models.Model:
        return model.from_db(query.db, attnames, values[_PRODUCT_AT:])

    rows: list[RelationRow] = []
    picks: list[PickRow] = []
    for values in query:
        (pk, origin, pair_count, confidence, lift, product_id, available,
         source_id, kind, status, position, score, starts_at, ends_at,
         category, rank, orders, substitute_group) = values[:_PRODUCT_AT]
        if kind is None:  # NULL in the pick branch only
            picks.append(PickRow(pk, category, product_id, origin, rank, pair_count,
                                 confidence, lift, orders, substitute_group, product(values)))
            continue
        shown = available and status == RelationStatus.ACTIVE.value
        rows.append(RelationRow(pk, source_id, product_id, kind, status, origin, position,
                                score, pair_count, confidence, lift, starts_at, ends_at,
                                bool(available), product(values) if shown else None))
    rows.sort(key=lambda row: row.pk)
    picks.sort(key=lambda pick: (pick.category, pick.rank, pick.pk))
    return rows, picks
