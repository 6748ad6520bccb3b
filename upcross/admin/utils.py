"""Small helpers shared by the admin screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from upcross.adapters import get_adapter
from upcross.models import ProductRelation, RelationKind
from upcross.signals import relations_recomputed

#: ``relations_recomputed`` speaks of run kinds, relations of relation kinds.
RUN_KIND: dict[str, str] = {
    RelationKind.COMPLEMENT: "complements", RelationKind.UPGRADE: "upgrades"}


def require(allowed: bool) -> None:
    """Every custom admin view checks its permission first: 403 otherwise."""
    if not allowed:
        raise PermissionDenied


class ReadOnlyAdminMixin:
    """A screen to look at, filled by upcross itself: nobody adds, changes or deletes rows."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def product_autocomplete_ready(site: admin.AdminSite) -> bool:
    """Django's autocomplete needs the product's ModelAdmin, with ``search_fields``."""
    model_admin = get_adapter().product_admin(site)
    return bool(model_admin is not None and model_admin.search_fields)


def notify_relations_changed(rows: Iterable[tuple[Any, str]]) -> None:
    """Tell the read path (cache) that relations of these ``(source_pk, kind)`` changed.

    Bulk updates skip ``post_save``; the public ``relations_recomputed`` signal is
    the contract every cache receiver listens to. Sent at once and again on commit.
    """
    by_kind: dict[str, set[Any]] = {}
    for source_pk, kind in rows:
        by_kind.setdefault(RUN_KIND.get(kind, str(kind)), set()).add(source_pk)

    def send() -> None:
        for kind, pks in by_kind.items():
            relations_recomputed.send(sender=ProductRelation, kind=kind, run=None,
                                      source_pks=pks)

    if by_kind:  # now (this request's next read) and once the rows are visible to all
        send()
        transaction.on_commit(send)


def has_upcross_perm(request: HttpRequest, codename: str) -> bool:
    return request.user.is_active and request.user.has_perm(f"upcross.{codename}")
