"""System checks: every misconfiguration is a message with an id and a hint.

Ids are stable public contract (README lists them):

- E001 ``UPCROSS_PRODUCT_MODEL`` is missing
- E002 ``UPCROSS_PRODUCT_MODEL`` is malformed or names a model that is not installed
- E003 ``ORDER_LINE_MODEL`` is malformed or not installed
- E004 an ``ORDER_LINE_FIELDS`` path does not resolve
- E005 a ``PRODUCT_FIELDS`` path does not resolve
- E006 ``ORDER_LINE_FILTER`` is not valid lookups nor an importable callable
- E007 ``PRODUCT_AVAILABLE`` is not valid lookups nor an importable callable
- E008 a dotted callable path (product field, add-to-cart, adapter) does not import,
  or ``ADAPTER`` is not a ``ShopAdapter`` subclass
- E009 ``ADD_TO_CART_URL`` does not reverse
- E010 ``UPCROSS`` is not a dict, or a value (or a field dict) has the wrong type
- E011 ``SWAP_CART_LINE_URL`` does not reverse
- E012 ``ADD_MANY_TO_CART_URL`` does not reverse
- E013 follow-ups are on and ``ORDER_EMAIL_FIELD`` does not resolve (or does not import),
  or ``FOLLOW_UP_OPT_OUT`` does not import
- E014 ``LOOKBACK_DAYS`` is below 1 (a recompute would load no orders)
- E015 ``HALF_LIFE_DAYS`` is not above 0
- E016 ``MIN_CONFIDENCE`` is not from 0 to 1
- E017 ``DEFAULT_LIMIT`` is below 1
- E018 ``CACHE_TIMEOUT`` is below 0
- E019 a crontab field of a schedule (``RECOMPUTE_SCHEDULE``, ``ANALYTICS_FLUSH_SCHEDULE``,
  ``FOLLOW_UP_SCHEDULE``) is not valid
- E020 a ``PRODUCT_DISPLAY`` value is neither an attribute of the product model nor an
  importable callable
- E021 ``ANALYTICS_REDIS_URL`` is not a redis://, rediss:// or unix:// URL
- E022 ``RECOMPUTE_MAX_REMOVED_SHARE`` is not from 0 to 1
- E023 ``API_MAX_BODY_BYTES`` is below 1024
- E024 ``NUM_PROXIES`` is below 0
- E025 ``ATTRIBUTION_MAX_AGE`` is below ``CACHE_TIMEOUT`` (cached widget forms would carry
  expired tokens)
- E026 ``SHOWCASE_HALF_LIFE_DAYS`` is not above 0
- E027 ``READ_TIMEOUT`` is not above 0
- E028 an ``INSTALLMENTS`` plan is malformed (months below 2, a negative amount or
  interest, an unknown key)
- E029 ``IMPRESSIONS`` is neither ``"render"`` nor ``"seen"``
- E030 ``API_WORKER_CACHE_SECONDS`` is below 0
- E101 ``UPGRADE_MIN_PRICE_INCREASE`` is above ``UPGRADE_MAX_PRICE_INCREASE``
- E102 ``EVENTS_THROTTLE_RATE`` or ``ATTRIBUTION_THROTTLE_RATE`` is not a rate
- E103 a money setting is out of range or not a number (``BUNDLE_DISCOUNT_PERCENT``,
  ``PRICE_QUANTUM``, ``FREE_SHIPPING_THRESHOLD``, ``PRICE_ROUNDING``, ``BUNDLE_SIZE``)
- E104 a ``FALLBACK`` value is not ``True`` or ``False``
- E105 ``MAX_PER_CATEGORY`` is below 1
- E106 the item model's settings are out of range (``ITEM_MODEL_MAX_ITEMS`` negative,
  ``ITEM_MODEL_DROPOUT`` not from 0 to below 1, no regularisation), or the cart's
  ``CART_POPULARITY_WEIGHT`` is negative
- E107 ``HOLDOUT_SHARE`` is not from 0 to 1
- E108 ``CACHE_ALIAS`` is not a key of ``CACHES``

The range checks have one id per family of settings (E101 to E108), so
``SILENCED_SYSTEM_CHECKS`` can silence one family and keep the others.

- W001 unknown key in ``UPCROSS``
- W002 unknown key in ``ORDER_LINE_FIELDS``, ``PRODUCT_FIELDS`` or ``PRODUCT_DISPLAY``
- W003 ``ITEM_MODEL_MAX_ITEMS`` so high that a recompute may need gigabytes
- W004 ``upcross.middleware.PageMiddleware`` is not in ``MIDDLEWARE`` (each widget then
  makes its own Redis round trips)
"""

from __future__ import annotations

import decimal
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.apps import apps
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse

from upcross import installments
from upcross.adapters import ORDER_LINE_KEYS, ShopAdapter
from upcross.conf import DEFAULTS, MERGED_DICT_KEYS, upcross_settings
from upcross.setting_values import is_dotted_path, is_literal_url, resolve_callable

SETTINGS_DOC = "See the configuration reference in upcross's README."


def _error(id_: str, msg: str, hint: str) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"upcross.{id_}")


#: Scalar keys of ``UPCROSS`` and the types they accept (E010). Keys not listed here are
#: checked where they are used (paths, lookups, callables) or not at all.
_NUMBER = (int, float, Decimal)
_NONE = type(None)
VALUE_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "ORDER_LINE_MODEL": ((str, _NONE), "an 'app_label.ModelName' string or None"),
    "ADD_TO_CART_PRODUCT_PARAM": ((str,), "a POST field name"),
    "ADD_TO_CART_QUANTITY_PARAM": ((str, _NONE), "a POST field name or None"),
    "SWAP_CART_LINE_URL": ((str, _NONE), "a URL name, a path, or None"),
    "ADAPTER": ((str,), "the dotted path of a ShopAdapter subclass"),
    "COMPLEMENTS_ENABLED": ((bool,), "True or False"),
    "UPGRADES_ENABLED": ((bool,), "True or False"),
    "FOLD_VARIANTS": ((bool,), "True or False"),
    "DEFAULT_LIMIT": ((int,), "a whole number"),
    "REPEAT_PURCHASE_CATEGORIES": ((list, tuple, set, frozenset), "a list of category values"),
    "SUBSTITUTE_CATEGORIES": ((list, tuple, set, frozenset), "a list of category values"),
    "MAX_PER_CATEGORY": ((int, _NONE), "a whole number of 1 or more, or None (no cap)"),
    "CACHE_ALIAS": ((str,), "a key of the CACHES setting"),
    "CACHE_TIMEOUT": ((int,), "a number of seconds"),
    "CACHE_FRAGMENTS": ((bool, _NONE), "True, False, or None (on unless DEBUG)"),
    "MIN_PAIR_COUNT": ((int, _NONE), "a whole number, or None (adapts to the scoring)"),
    "MIN_CONFIDENCE": ((*_NUMBER, _NONE), "a number from 0 to 1, or None"),
    "MIN_LIFT": ((*_NUMBER, _NONE), "a number, or None"),
    "LOOKBACK_DAYS": ((int, _NONE), "a number of days or None"),
    "HALF_LIFE_DAYS": ((*_NUMBER, _NONE), "a number of days or None"),
    "SHOWCASE_HALF_LIFE_DAYS": (_NUMBER, "a number of days"),
    "INSTALLMENTS": ((list, tuple), "a list of plans such as {'months': 12, 'min_amount': 0}"),
    "MAX_PER_PRODUCT": ((int,), "a whole number"),
    "RECOMPUTE_MAX_REMOVED_SHARE": ((*_NUMBER, _NONE), "a share from 0 to 1, or None"),
    "READ_TIMEOUT": ((*_NUMBER, _NONE), "a number of seconds or None"),
    "API_WORKER_CACHE_SECONDS": (_NUMBER, "a number of seconds (0: off)"),
    "ITEM_MODEL_MAX_ITEMS": ((int,), "a whole number of products (0: no item model)"),
    "ITEM_MODEL_L2": (_NUMBER, "a number of 0 or more"),
    "ITEM_MODEL_DROPOUT": (_NUMBER, "a share from 0 to below 1"),
    "CART_POPULARITY_WEIGHT": (_NUMBER, "a number of 0 or more"),
    "UPGRADE_MIN_PRICE_INCREASE": (_NUMBER, "a percentage"),
    "UPGRADE_MAX_PRICE_INCREASE": (_NUMBER, "a percentage"),
    "UPGRADE_MAX_TOGETHER_LIFT": (_NUMBER, "a lift, e.g. 0.5"),
    "UPGRADE_MIN_NEIGHBOURHOOD": (_NUMBER, "a similarity from 0 to 1"),
    "UPGRADE_MIN_NAME_SIMILARITY": (_NUMBER, "a similarity from 0 to 1"),
    "UPGRADE_MIN_COVIEW": ((*_NUMBER, _NONE), "a similarity from 0 to 1, or None"),
    "RECOMPUTE_SCHEDULE": ((Mapping,), "a dict of crontab fields"),
    "TASK_SOFT_TIME_LIMIT": ((int,), "a number of seconds"),
    "TASK_TIME_LIMIT": ((int,), "a number of seconds"),
    "EVENTS_THROTTLE_RATE": ((str, _NONE), "a DRF rate such as '120/min', or None"),
    "API_CACHE_MAX_AGE": ((int,), "a number of seconds"),
    "API_MAX_BODY_BYTES": ((int,), "a number of bytes"),
    "NUM_PROXIES": ((int,), "the number of proxies in front of the site (0: none)"),
    "ANALYTICS_ENABLED": ((bool,), "True or False"),
    "ATTRIBUTION_MAX_AGE": ((int,), "a number of seconds"),
    "ATTRIBUTION_THROTTLE_RATE": ((str, _NONE), "a DRF rate such as '30/min', or None"),
    "ANALYTICS_REDIS_URL": ((str, _NONE), "a redis:// URL, or None"),
    "ANALYTICS_FLUSH_SCHEDULE": ((Mapping,), "a dict of crontab fields"),
    "IMPRESSIONS": ((str,), "'render' or 'seen'"),
    "TRACKING_RESPECT_DNT": ((bool,), "True or False"),
    "TRACKING_REQUIRES_CONSENT": ((bool,), "True or False"),
    "HOLDOUT_SHARE": (_NUMBER, "a share from 0 (off) to 1"),
    "HOLDOUT_SALT": ((str, _NONE), "a string, or None (derived from SECRET_KEY)"),
    "BUNDLE_DISCOUNT_PERCENT": ((*_NUMBER, str, _NONE), "a percentage from 0 to 100, or None"),
    "BUNDLE_SIZE": ((int,), "a whole number of 2 or more"),
    "PRICE_QUANTUM": ((*_NUMBER, str), "the currency's minor unit, e.g. '0.01' or '1'"),
    "PRICE_ROUNDING": ((str,), "a decimal rounding mode such as 'ROUND_HALF_UP'"),
    "ADD_MANY_TO_CART_URL": ((str, _NONE), "a URL name, a path, or None"),
    "FREE_SHIPPING_THRESHOLD": ((*_NUMBER, str, _NONE), "an amount, or None"),
    "FOLLOW_UP_ENABLED": ((bool,), "True or False"),
    "FOLLOW_UP_DAYS": ((int,), "a number of days"),
    "FOLLOW_UP_MAX_LATE_DAYS": ((int,), "a number of days"),
    "FOLLOW_UP_LIMIT": ((int,), "a whole number"),
    "FOLLOW_UP_FROM_EMAIL": ((str, _NONE), "an e-mail address, or None"),
    "SITE_URL": ((str,), "a URL such as 'https://shop.example'"),
    "FOLLOW_UP_SCHEDULE": ((Mapping,), "a dict of crontab fields"),
}
#: A rate Django REST framework can parse: requests per second/minute/hour/day.
_RATE = re.compile(r"^\d+/[smhd]")


def _get_model(label: Any) -> type[models.Model] | None:
    if not isinstance(label, str):
        return None
    try:
        return apps.get_model(label)
    except (ValueError, LookupError):
        return None


def _importable(value: Any) -> bool:
    try:
        return callable(resolve_callable(value))
    except (ImportError, AttributeError, TypeError, ValueError):
        return False


def _has_type(value: Any, types: tuple[type, ...]) -> bool:
    # bool is an int to Python, never to a setting that wants a count.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _path_error(model: type[models.Model], path: str) -> str | None:
    """Return why ``path`` does not resolve from ``model``, or ``None`` if it does."""
    try:
        model._default_manager.values(path).query  # noqa: B018  (resolves names, no SQL)
    except FieldError as exc:
        return str(exc).splitlines()[0]
    return None


def _lookups_error(model: type[models.Model], lookups: Mapping[str, Any]) -> str | None:
    try:
        model._default_manager.filter(**lookups).query  # noqa: B018
    except (FieldError, ValidationError, ValueError, TypeError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


@checks.register()
def check_settings_shape(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    user = upcross_settings.user_settings
    if not isinstance(user, Mapping):
        return [_error("E010", "The UPCROSS setting must be a dict.",
                       f"Set UPCROSS = {{...}} with the keys you change. {SETTINGS_DOC}")]
    messages: list[checks.CheckMessage] = []
    for key in upcross_settings.unknown_keys():
        messages.append(checks.Warning(
            f"Unknown key UPCROSS[{key!r}] is ignored.",
            hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.", id="upcross.W001"))
    for key in sorted(MERGED_DICT_KEYS):
        known = list(DEFAULTS[key])
        value = user.get(key, {})
        if not isinstance(value, Mapping):
            messages.append(_error("E010", f"UPCROSS[{key!r}] must be a dict.",
                                   f"Use a dict with keys {', '.join(known)}."))
            continue
        for extra in sorted(set(value) - set(known), key=str):
            messages.append(checks.Warning(
                f"Unknown key UPCROSS[{key!r}][{extra!r}] is ignored.",
                hint=f"Known keys: {', '.join(known)}.", id="upcross.W002"))
    messages.extend(_value_type_errors(user))
    adapter = user.get("ADAPTER", DEFAULTS["ADAPTER"])
    if isinstance(adapter, str) and not _is_adapter_class(adapter):
        messages.append(_error(
            "E008", f"UPCROSS['ADAPTER'] = {adapter!r} cannot be imported or is not a "
                    "ShopAdapter subclass.",
            "Give the dotted path of a subclass of upcross.adapters.ShopAdapter."))
    return messages


def _is_adapter_class(path: str) -> bool:
    if not _importable(path):
        return False
    adapter = resolve_callable(path)
    return isinstance(adapter, type) and issubclass(adapter, ShopAdapter)


def _value_type_errors(user: Mapping[str, Any]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for key, (types, expected) in VALUE_TYPES.items():
        if key in user and not _has_type(user[key], types):
            messages.append(_error(
                "E010", f"UPCROSS[{key!r}] = {user[key]!r} has the wrong type.",
                f"Give {expected} (default: {DEFAULTS[key]!r}). {SETTINGS_DOC}"))
    if messages:
        return messages
    low = upcross_settings.get("UPGRADE_MIN_PRICE_INCREASE")
    high = upcross_settings.get("UPGRADE_MAX_PRICE_INCREASE")
    if low > high:
        messages.append(_error(
            "E101", f"UPCROSS['UPGRADE_MIN_PRICE_INCREASE'] ({low}) is above "
                    f"UPCROSS['UPGRADE_MAX_PRICE_INCREASE'] ({high}).",
            "The upgrade price band runs from the minimum increase up to the maximum."))
    for key in ("EVENTS_THROTTLE_RATE", "ATTRIBUTION_THROTTLE_RATE"):
        rate = upcross_settings.get(key)
        if rate is not None and not _RATE.match(rate):
            messages.append(_error(
                "E102", f"UPCROSS[{key!r}] = {rate!r} is not a rate.",
                "Give requests per period, such as '120/min' or '10/s', or None for no "
                "limit."))
    messages += _money_errors()
    fallback = user.get("FALLBACK", {})
    if isinstance(fallback, Mapping):
        for widget, value in sorted(fallback.items(), key=lambda item: str(item[0])):
            if not isinstance(value, bool):
                messages.append(_error(
                    "E104", f"UPCROSS['FALLBACK'][{widget!r}] = {value!r} is not True or "
                            "False.",
                    "True fills a widget short of suggestions from the fallback chain "
                    "(category co-purchase, best sellers); False turns that off."))
    cap = upcross_settings.get("MAX_PER_CATEGORY")
    if cap is not None and cap < 1:
        messages.append(_error(
            "E105", f"UPCROSS['MAX_PER_CATEGORY'] = {cap!r} would leave every widget empty.",
            "Give the most suggestions of one category a widget may show (1 or more), "
            "or None for no cap."))
    messages += _item_model_errors()
    share = upcross_settings.get("HOLDOUT_SHARE")
    if not 0 <= share <= 1:
        messages.append(_error(
            "E107", f"UPCROSS['HOLDOUT_SHARE'] = {share!r} is not a share from 0 to 1.",
            "Give the share of visitors who see no widgets, e.g. 0.1; 0 turns the holdout off."))
    alias = upcross_settings.get("CACHE_ALIAS")
    if alias not in caches.settings:
        messages.append(_error(
            "E108", f"UPCROSS['CACHE_ALIAS'] = {alias!r} is not a key of the CACHES setting.",
            f"Use one of: {', '.join(map(repr, caches.settings))}."))
    return messages


#: Above this many products the item model's dense matrices take gigabytes (12 bytes per P²).
ITEM_MODEL_WARN_ITEMS = 15_000


def _item_model_errors() -> list[checks.CheckMessage]:
    """The item model's size limit and regularisation (E106), and a limit so high that one
    recompute would need gigabytes of memory (W003)."""
    messages: list[checks.CheckMessage] = []
    limit = upcross_settings.get("ITEM_MODEL_MAX_ITEMS")
    l2 = upcross_settings.get("ITEM_MODEL_L2")
    dropout = upcross_settings.get("ITEM_MODEL_DROPOUT")
    if limit < 0:
        messages.append(_error(
            "E106", f"UPCROSS['ITEM_MODEL_MAX_ITEMS'] = {limit!r} is negative.",
            "Give the most products the item model is fitted for, or 0 for never."))
    elif limit > ITEM_MODEL_WARN_ITEMS:
        messages.append(checks.Warning(
            f"UPCROSS['ITEM_MODEL_MAX_ITEMS'] = {limit!r}: a recompute over that many "
            f"products needs about {12 * limit * limit / 1e9:.1f} GB of memory and minutes of "
            "CPU for the item model.",
            hint=f"Keep it at {ITEM_MODEL_WARN_ITEMS:,} or below unless the worker has the "
                 "memory; above the limit complements use the rule score.",
            id="upcross.W003"))
    if not 0 <= dropout < 1:
        messages.append(_error(
            "E106", f"UPCROSS['ITEM_MODEL_DROPOUT'] = {dropout!r} is not a share from 0 to "
                    "below 1.",
            "Give e.g. 0.5 (the default); 0 leaves only ITEM_MODEL_L2."))
    if l2 < 0 or (l2 == 0 and dropout == 0):
        messages.append(_error(
            "E106", f"UPCROSS['ITEM_MODEL_L2'] = {l2!r} with ITEM_MODEL_DROPOUT = {dropout!r} "
                    "does not regularise the item model.",
            "Give ITEM_MODEL_L2 of 0 or more, and above 0 when ITEM_MODEL_DROPOUT is 0."))
    prior = upcross_settings.get("CART_POPULARITY_WEIGHT")
    if prior < 0:
        messages.append(_error(
            "E106", f"UPCROSS['CART_POPULARITY_WEIGHT'] = {prior!r} is negative.",
            "Give e.g. 0.1 (the default), or 0 to rank cart complements by evidence alone."))
    return messages


@checks.register()
def check_product_model(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    label = upcross_settings.PRODUCT_MODEL
    if label is None or label == "":
        return [_error("E001", "UPCROSS_PRODUCT_MODEL is not set.",
                       "Add UPCROSS_PRODUCT_MODEL = 'app_label.ModelName' (your product model) "
                       "to settings, like AUTH_USER_MODEL.")]
    model = _get_model(label)
    if model is None:
        return [_error("E002", f"UPCROSS_PRODUCT_MODEL = {label!r} is not an installed model.",
                       "Use the form 'app_label.ModelName' and make sure the app is in "
                       "INSTALLED_APPS.")]
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    messages: list[checks.CheckMessage] = []
    fields = upcross_settings.PRODUCT_FIELDS
    if not isinstance(fields, Mapping):
        return []
    for key in DEFAULTS["PRODUCT_FIELDS"]:
        value = fields.get(key)
        if value is None or value == "":
            continue
        if not (callable(value) or isinstance(value, str)):
            messages.append(_error(
                "E010", f"UPCROSS['PRODUCT_FIELDS'][{key!r}] = {value!r} has the wrong type.",
                "Give a field path string, the dotted path of a callable(product) -> value, "
                "or None."))
            continue
        if callable(value) or is_dotted_path(value):
            if not _importable(value):
                messages.append(_error(
                    "E008", f"UPCROSS['PRODUCT_FIELDS'][{key!r}] = {value!r} cannot be imported.",
                    "Give a field path such as 'price' or 'stockrecords__price', or the dotted "
                    "path of a callable(product) -> value."))
            continue
        problem = _path_error(model, value)
        if problem:
            messages.append(_error(
                "E005",
                f"UPCROSS['PRODUCT_FIELDS'][{key!r}] = {value!r} does not resolve on {label}: "
                f"{problem}",
                "Use a Django lookup path from the product model (it may cross relations, "
                "e.g. 'stockrecords__price').",
            ))
    rule = upcross_settings.PRODUCT_AVAILABLE
    problem = _rule_problem(model, rule)
    if problem:
        messages.append(_error(
            "E007", f"UPCROSS['PRODUCT_AVAILABLE'] is not usable: {problem}",
            "Give a dict of lookups such as {'is_active': True}, or the dotted path of a "
            "callable(queryset) -> queryset."))
    return messages


def _rule_problem(model: type[models.Model], rule: Any) -> str | None:
    if isinstance(rule, Mapping):
        return _lookups_error(model, rule)
    if callable(rule) or is_dotted_path(rule):
        return None if _importable(rule) else f"{rule!r} cannot be imported"
    return f"{rule!r} is neither a dict of lookups nor a dotted path"


@checks.register()
def check_order_lines(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    label = upcross_settings.ORDER_LINE_MODEL
    if not label:
        return []  # mining disabled on purpose
    if not isinstance(label, str):
        return []  # E010, from check_settings_shape
    model = _get_model(label)
    if model is None:
        return [_error("E003", f"UPCROSS['ORDER_LINE_MODEL'] = {label!r} is not an installed "
                               "model.",
                       "Use 'app_label.ModelName' of the model that holds one row per product "
                       "in an order, or None to turn mining off.")]
    messages: list[checks.CheckMessage] = []
    fields = upcross_settings.ORDER_LINE_FIELDS
    if not isinstance(fields, Mapping):
        return []
    for key in ORDER_LINE_KEYS:
        path = fields.get(key)
        if path is None and key in ("customer", "quantity", "placed_at"):
            continue
        if path is not None and not isinstance(path, str):
            messages.append(_error(
                "E010", f"UPCROSS['ORDER_LINE_FIELDS'][{key!r}] = {path!r} has the wrong type.",
                f"Give the lookup path from {label} to the {key} as a string."))
            continue
        if not path:
            messages.append(_error("E004", f"UPCROSS['ORDER_LINE_FIELDS'][{key!r}] is required.",
                                   f"Give the lookup path from {label} to the {key}."))
            continue
        problem = _path_error(model, path)
        if problem:
            messages.append(_error(
                "E004",
                f"UPCROSS['ORDER_LINE_FIELDS'][{key!r}] = {path!r} does not resolve on {label}: "
                f"{problem}",
                "Use a Django lookup path from the order-line model, e.g. 'order__created_at'."))
    problem = _rule_problem(model, upcross_settings.ORDER_LINE_FILTER)
    if problem:
        messages.append(_error(
            "E006", f"UPCROSS['ORDER_LINE_FILTER'] is not usable: {problem}",
            "Give a dict of lookups such as {'order__status': 'paid'}, or the dotted path of a "
            "callable(queryset) -> queryset."))
    return messages


@checks.register(checks.Tags.urls)
def check_add_to_cart(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    target = upcross_settings.ADD_TO_CART_URL
    if callable(target) or is_dotted_path(target):
        if _importable(target):
            return []
        return [_error("E008", f"UPCROSS['ADD_TO_CART_URL'] = {target!r} cannot be imported.",
                       "Give a URL name, a path, or the dotted path of a "
                       "callable(product, quantity) -> (url, extra_fields).")]
    if not isinstance(target, str):
        return [_error("E010", f"UPCROSS['ADD_TO_CART_URL'] = {target!r} has the wrong type.",
                       "Give a URL name, a path, or the dotted path of a "
                       "callable(product, quantity) -> (url, extra_fields).")]
    if is_literal_url(target) or _reverses(target):
        return []
    return [_error("E009", f"UPCROSS['ADD_TO_CART_URL'] = {target!r} does not reverse.",
                   "Name a URL pattern of your cart's add view (e.g. 'cart:add'), with or "
                   "without a product pk argument, or give a path starting with '/'.")]


@checks.register(checks.Tags.urls)
def check_swap_cart_line(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    target = upcross_settings.SWAP_CART_LINE_URL
    if target is None or not isinstance(target, str):  # None: off; a wrong type is E010
        return []
    if is_literal_url(target):
        return []
    try:
        reverse(target)
    except NoReverseMatch:
        return [_error("E011", f"UPCROSS['SWAP_CART_LINE_URL'] = {target!r} does not reverse.",
                       "Name the URL pattern (without arguments) of a view that takes a POST "
                       "with product_id and replacement_id, give a path starting with '/', or "
                       "set None to offer cart upgrades with a plain add-to-cart button.")]
    return []


def _money_errors() -> list[checks.CheckMessage]:
    """Bundles, pricing and the nudge: values that have the right type but make no sense."""
    messages: list[checks.CheckMessage] = []

    def amount(key: str) -> Decimal | None:
        value = upcross_settings.get(key)
        if value is None:
            return None
        try:
            number = Decimal(str(value))
        except decimal.InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            messages.append(_error("E103", f"UPCROSS[{key!r}] = {value!r} is not a number.",
                                   f"Give a number such as {DEFAULTS[key]!r}."))
            return None
        return number

    percent = amount("BUNDLE_DISCOUNT_PERCENT")
    if percent is not None and not 0 <= percent <= 100:
        messages.append(_error("E103", "UPCROSS['BUNDLE_DISCOUNT_PERCENT'] is not from 0 to 100.",
                               "Give a percentage, e.g. 10, or None for curated bundles only."))
    quantum = amount("PRICE_QUANTUM")
    if quantum is not None and quantum <= 0:
        messages.append(_error("E103", "UPCROSS['PRICE_QUANTUM'] must be above 0.",
                               "Give the currency's minor unit, e.g. '0.01' (cents) or '1'."))
    threshold = amount("FREE_SHIPPING_THRESHOLD")
    if threshold is not None and threshold < 0:
        messages.append(_error("E103", "UPCROSS['FREE_SHIPPING_THRESHOLD'] is below 0.",
                               "Give the cart value from which shipping is free, or None."))
    rounding = upcross_settings.get("PRICE_ROUNDING")
    if rounding not in _ROUNDING_MODES:
        messages.append(_error("E103", f"UPCROSS['PRICE_ROUNDING'] = {rounding!r} is not a "
                                       "rounding mode.", f"Give one of {_ROUNDING_MODES}."))
    if upcross_settings.get("BUNDLE_SIZE") < 2:
        messages.append(_error("E103", "UPCROSS['BUNDLE_SIZE'] is below 2.",
                               "A bundle is the product and at least one complement."))
    return messages


_ROUNDING_MODES = ("ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN", "ROUND_UP",
                   "ROUND_DOWN", "ROUND_CEILING", "ROUND_FLOOR", "ROUND_05UP")


@checks.register(checks.Tags.urls)
def check_add_many_to_cart(app_configs: Any = None,
                           **kwargs: Any) -> list[checks.CheckMessage]:
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    target = upcross_settings.ADD_MANY_TO_CART_URL
    if target is None or not isinstance(target, str) or is_literal_url(target):
        return []
    try:
        reverse(target)
    except NoReverseMatch:
        return [_error("E012", f"UPCROSS['ADD_MANY_TO_CART_URL'] = {target!r} does not reverse.",
                       "Name the URL pattern (without arguments) of a view that takes a POST "
                       "with one product_id per product, give a path starting with '/', or set "
                       "None to offer one add button per bundle product.")]
    return []


@checks.register()
def check_follow_ups(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Only while follow-ups are on: where the address comes from, the opt-out hook."""
    if not isinstance(upcross_settings.user_settings, Mapping):
        return []
    if not upcross_settings.get("FOLLOW_UP_ENABLED"):
        return []
    messages: list[checks.CheckMessage] = []
    spec = upcross_settings.ORDER_EMAIL_FIELD
    hook = upcross_settings.FOLLOW_UP_OPT_OUT
    model = _get_model(upcross_settings.ORDER_LINE_MODEL)
    if not spec:
        messages.append(_error("E013", "UPCROSS['ORDER_EMAIL_FIELD'] is empty but follow-up "
                                       "e-mails are on.",
                               "Give a field path from the order-line model to the customer's "
                               "e-mail (e.g. 'order__email'), or a dotted callable(order_pk)."))
    elif callable(spec) or is_dotted_path(spec):
        if not _importable(spec):
            messages.append(_error("E013", f"UPCROSS['ORDER_EMAIL_FIELD'] = {spec!r} does not "
                                           "import.", "Give the dotted path of a "
                                                      "callable(order_pk) -> e-mail or None."))
    elif model is not None:
        problem = _path_error(model, spec)
        if problem:
            messages.append(_error("E013", f"UPCROSS['ORDER_EMAIL_FIELD'] = {spec!r} does not "
                                           f"resolve on {model._meta.label}: {problem}",
                                   "Give a field path from the order-line model to the "
                                   "customer's e-mail, or a dotted callable(order_pk)."))
    if hook and not _importable(hook):
        messages.append(_error("E013", f"UPCROSS['FOLLOW_UP_OPT_OUT'] = {hook!r} does not import.",
                               "Give the dotted path of a callable(email) -> bool, or None."))
    return messages


def _reverses(name: str) -> bool:
    """Whether the adapter can reverse ``name``: bare, or with a pk of the product model's type.

    The pk is a sample of the real type (a UUID for a UUID key), so an ``<int:pk>`` pattern
    in a UUID shop is caught here, not by a NoReverseMatch on the product page.
    """
    attempts: list[Callable[[], str]] = [lambda: reverse(name)]
    sample = _sample_pk()
    if sample is not None:
        attempts.append(lambda: reverse(name, args=[sample]))
    for attempt in attempts:
        try:
            attempt()
        except NoReverseMatch:
            continue
        return True
    return False


def _sample_pk() -> Any:
    """A value shaped like the product model's primary keys (``None`` if it is unknown)."""
    model = _get_model(upcross_settings.PRODUCT_MODEL)
    if model is None:
        return None
    pk = model._meta.pk
    while isinstance(pk, models.ForeignKey):  # a one-to-one parent link: its target's pk type
        pk = pk.target_field
    if isinstance(pk, models.UUIDField):
        return uuid.UUID("12345678-1234-5678-1234-567812345678")
    if isinstance(pk, (models.AutoField, models.IntegerField)):  # Big/Small variants too
        return 1
    return "sample-pk"


# --- values of the right type but out of range: one id each, so each can be silenced ---


def _typed(key: str) -> Any:
    """The user's value of ``key`` when it has the right type (E010 reports it otherwise)."""
    user = upcross_settings.user_settings
    if not isinstance(user, Mapping) or key not in user:
        return None
    value = user[key]
    return value if _has_type(value, VALUE_TYPES[key][0]) else None


#: ``key: (check id, is it wrong?, what is wrong, hint)``; ``None`` values are skipped.
_RANGES: dict[str, tuple[str, Callable[[Any], bool], str, str]] = {
    "LOOKBACK_DAYS": ("E014", lambda v: v < 1, "is below 1",
                      "A recompute reads the orders of the last LOOKBACK_DAYS days: give 1 or "
                      "more (e.g. 365), or None for all orders."),
    "HALF_LIFE_DAYS": ("E015", lambda v: not v > 0, "is not above 0",
                       "Give the age in days at which an order counts half (e.g. 90), or None "
                       "for no recency weighting."),
    "SHOWCASE_HALF_LIFE_DAYS": ("E026", lambda v: not v > 0, "is not above 0",
                                "Give the age in days at which a sale counts half in the "
                                "best sellers showcase, e.g. 14."),
    "MIN_CONFIDENCE": ("E016", lambda v: not 0 <= v <= 1, "is not from 0 to 1",
                       "Confidence is a share of the source's orders: give e.g. 0.01."),
    "DEFAULT_LIMIT": ("E017", lambda v: v < 1, "is below 1",
                      "Give how many products a widget shows by default, e.g. 4."),
    "CACHE_TIMEOUT": ("E018", lambda v: v < 0, "is below 0",
                      "Give the cache lifetime in seconds (e.g. 900); 0 turns caching off."),
    "API_MAX_BODY_BYTES": ("E023", lambda v: v < 1024, "is below 1024",
                           "Give the largest API body in bytes, e.g. 65536."),
    "NUM_PROXIES": ("E024", lambda v: v < 0, "is below 0",
                    "Give how many proxies append to X-Forwarded-For (0: none, the header "
                    "is ignored)."),
    "ATTRIBUTION_MAX_AGE": ("E025", lambda v: v < upcross_settings.CACHE_TIMEOUT,
                            "is below CACHE_TIMEOUT",
                            "Cached widget HTML carries its token: give more seconds than "
                            "CACHE_TIMEOUT (e.g. 172800), or widget adds stop counting."),
    "READ_TIMEOUT": ("E027", lambda v: not v > 0, "is not above 0",
                     "Give the longest wait in seconds for uncached relations (e.g. 2), or "
                     "None for no bound."),
    "API_WORKER_CACHE_SECONDS": (
        "E030", lambda v: v < 0, "is below 0",
        "Give how long a worker may keep an API answer before it checks the shared cache "
        "again, in seconds (e.g. 1; 0: off)."),
    "RECOMPUTE_MAX_REMOVED_SHARE": (
        "E022", lambda v: not 0 <= v <= 1, "is not from 0 to 1",
        "Give the share of mined relations a recompute may remove (e.g. 0.5), or None."),
}
_SCHEDULES = ("RECOMPUTE_SCHEDULE", "ANALYTICS_FLUSH_SCHEDULE", "FOLLOW_UP_SCHEDULE")
_REDIS_SCHEMES = ("redis", "rediss", "unix")


PAGE_MIDDLEWARE = "upcross.middleware.PageMiddleware"


@checks.register()
def check_page_middleware(app_configs: Any = None,
                          **kwargs: Any) -> list[checks.CheckMessage]:
    """Without the page middleware every widget reads and counts on its own (W004)."""
    from django.conf import settings

    middleware = getattr(settings, "MIDDLEWARE", None) or ()
    if PAGE_MIDDLEWARE in middleware:
        return []
    return [checks.Warning(
        f"{PAGE_MIDDLEWARE} is not in MIDDLEWARE: each upcross widget on a page reads the "
        "cache and counts its impressions in Redis round trips of its own.",
        hint=f"Add {PAGE_MIDDLEWARE!r} to MIDDLEWARE (anywhere): a page then reads the "
             "cache once and sends its impressions in one pipeline. Silence upcross.W004 if "
             "you only use the REST API.",
        id="upcross.W004")]


@checks.register()
def check_value_ranges(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for key, (id_, wrong, what, hint) in _RANGES.items():
        value = _typed(key)
        if value is not None and wrong(value):
            messages.append(_error(id_, f"UPCROSS[{key!r}] = {value!r} {what}.", hint))
    for key in _SCHEDULES:
        spec = _typed(key)
        problem = _crontab_problem(spec) if spec is not None else None
        if problem:
            messages.append(_error(
                "E019", f"UPCROSS[{key!r}] = {dict(spec)!r} is not a valid crontab: {problem}",
                "Use crontab fields (minute 0-59, hour 0-23, day_of_week, day_of_month, "
                "month_of_year) such as {'minute': '30', 'hour': '3'}."))
    url = _typed("ANALYTICS_REDIS_URL")
    if url is not None and not _is_redis_url(url):
        messages.append(_error(
            "E021", f"UPCROSS['ANALYTICS_REDIS_URL'] = {url!r} is not a Redis URL.",
            "Give a URL such as 'redis://127.0.0.1:6379/1', or None to use the cache's "
            "Redis."))
    for index, plan in enumerate(_typed("INSTALLMENTS") or ()):
        problem = installments.plan_error(plan)
        if problem:
            messages.append(_error(
                "E028", f"UPCROSS['INSTALLMENTS'][{index}] = {plan!r} {problem}.",
                "Give each plan as {'months': 12, 'min_amount': 3000000, 'interest': 0} "
                "(months 2 or more; the minimum price and the yearly interest in percent, "
                "0 or more)."))
    impressions = _typed("IMPRESSIONS")
    if impressions is not None and impressions not in IMPRESSION_MODES:
        messages.append(_error(
            "E029", f"UPCROSS['IMPRESSIONS'] = {impressions!r} is neither 'render' nor 'seen'.",
            "'render' counts a widget when its tag renders; 'seen' when the tracking script "
            "({% upcross_tracking %}) saw it on screen."))
    return messages


#: When a widget's impression is counted (``IMPRESSIONS``).
IMPRESSION_MODES = ("render", "seen")


def _crontab_problem(spec: Mapping[str, Any]) -> str | None:
    fields = {key: str(value) for key, value in spec.items()
              if key in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}
    try:
        crontab(**fields)
    except (ValueError, TypeError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _is_redis_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return False
    if parts.scheme not in _REDIS_SCHEMES:
        return False
    return bool(parts.path) if parts.scheme == "unix" else bool(parts.hostname)


@checks.register()
def check_product_display(app_configs: Any = None,
                          **kwargs: Any) -> list[checks.CheckMessage]:
    """``PRODUCT_DISPLAY``: each value set an attribute path of the product, or a callable."""
    user = upcross_settings.user_settings
    if not isinstance(user, Mapping) or not isinstance(user.get("PRODUCT_DISPLAY", {}), Mapping):
        return []
    model = _get_model(upcross_settings.PRODUCT_MODEL)
    if model is None:
        return []  # E001/E002
    messages: list[checks.CheckMessage] = []
    # The user's own values only: the default 'image_url' may be absent (no picture).
    for key, value in user.get("PRODUCT_DISPLAY", {}).items():
        if key not in DEFAULTS["PRODUCT_DISPLAY"] or value is None or callable(value):
            continue
        problem = _display_problem(model, value)
        if problem:
            messages.append(_error(
                "E020", f"UPCROSS['PRODUCT_DISPLAY'][{key!r}] = {value!r} {problem}.",
                "Give an attribute path of the product ('image_url', 'photo__url'), the "
                "dotted path of a callable(product) -> value, or None."))
    return messages


def _display_problem(model: type[models.Model], value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "is not a string"
    if is_dotted_path(value):
        return None if _importable(value) else "cannot be imported"
    first = value.split("__", 1)[0]
    if hasattr(model, first):
        return None
    try:
        model._meta.get_field(first)
    except Exception:
        return f"is not an attribute of {model._meta.label}"
    return None
