"""Signal receivers, connected from ``UpcrossConfig.ready()``: cache invalidation.

- a ``ProductRelation`` saved or deleted, or ``relations_recomputed`` sent: every
  cached entry and card is stale (one token bump, see :mod:`upcross.cache`);
- a product of ``UPCROSS_PRODUCT_MODEL`` saved or deleted: its own entry and card go;
  a product created gets its complement-rule and fallback rows on commit
  (:mod:`upcross.cold_start`);
- an order line or its order saved or deleted: customers' "already bought" sets go;
- ``override_settings`` of ``UPCROSS`` (tests): everything goes.

Fixture loading (``raw`` saves) is skipped. Invalidation runs at once *and* again on
commit: a reader that rebuilt from the old rows inside the transaction window is
corrected when the new rows become visible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from upcross import cache, cold_start
from upcross.conf import upcross_settings
from upcross.models import Bundle, BundleItem, ProductRelation, ShowcaseDecision
from upcross.signals import relations_recomputed

logger = logging.getLogger("upcross.handlers")


def _now_and_on_commit(action: Callable[[], None]) -> None:
    action()
    transaction.on_commit(action)


def relation_changed(sender: Any, instance: Any = None, raw: bool = False,
                     **kwargs: Any) -> None:
    if raw:
        return
    _now_and_on_commit(cache.invalidate_relations)


def relations_were_recomputed(sender: Any = None, **kwargs: Any) -> None:
    # Sent inside on_commit already: the new set is visible.
    cache.invalidate_relations()


def product_changed(sender: Any, instance: models.Model, raw: bool = False,
                    **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    pk = instance.pk
    _now_and_on_commit(lambda: cache.invalidate_products([pk]))


def order_changed(sender: Any, instance: Any = None, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    _now_and_on_commit(cache.invalidate_bought)


def settings_changed(*, setting: str, **kwargs: Any) -> None:
    """``override_settings(UPCROSS=...)`` (tests): what is cached may no longer hold."""
    if setting in ("UPCROSS", "UPCROSS_PRODUCT_MODEL", "LANGUAGES", "ROOT_URLCONF"):
        cache.clear()


def _order_models() -> list[type[models.Model]]:
    """The order-line model and the model its ``order`` path points at (if resolvable)."""
    label = upcross_settings.ORDER_LINE_MODEL
    if not isinstance(label, str) or not label:
        return []
    try:
        line_model = apps.get_model(label)
    except (LookupError, ValueError):
        return []  # reported by the system checks (upcross.E003)
    found = [line_model]
    path = upcross_settings.ORDER_LINE_FIELDS.get("order")
    model: Any = line_model
    if isinstance(path, str) and path:
        try:
            for part in path.split("__"):
                model = model._meta.get_field(part).related_model
                if model is None:
                    break
        except (FieldDoesNotExist, AttributeError):
            model = None
        if model is not None and model is not line_model:
            found.append(model)
    return found


def connect() -> None:
    """Connect the receivers. Models named by settings that don't resolve are skipped
    (the system checks report them), so a misconfigured project still starts."""
    # A curated bundle is shown like a relation: the same token makes its box stale; so
    # is a showcase's pin or block (the showcases are stamped with it too).
    for model in (ProductRelation, Bundle, BundleItem, ShowcaseDecision):
        name = model._meta.model_name
        post_save.connect(relation_changed, sender=model, dispatch_uid=f"upcross.{name}_saved")
        post_delete.connect(relation_changed, sender=model,
                            dispatch_uid=f"upcross.{name}_deleted")
    relations_recomputed.connect(relations_were_recomputed,
                                 dispatch_uid="upcross.relations_recomputed")
    setting_changed.connect(settings_changed, dispatch_uid="upcross.settings_changed")
    product_model: type[models.Model] | None
    try:
        product_model = apps.get_model(upcross_settings.PRODUCT_MODEL)
    except (LookupError, ValueError):
        product_model = None  # upcross.E001 / E002
    if product_model is not None:
        post_save.connect(product_changed, sender=product_model,
                          dispatch_uid="upcross.product_saved")
        post_save.connect(cold_start.product_created, sender=product_model,
                          dispatch_uid="upcross.product_created")
        post_delete.connect(product_changed, sender=product_model,
                            dispatch_uid="upcross.product_deleted")
    for order_model in _order_models():
        uid = f"upcross.order_changed.{order_model._meta.label_lower}"
        post_save.connect(order_changed, sender=order_model, dispatch_uid=f"{uid}.save")
        post_delete.connect(order_changed, sender=order_model, dispatch_uid=f"{uid}.delete")
