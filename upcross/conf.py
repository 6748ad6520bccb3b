"""The one door to settings: every other module asks this one.

``UPCROSS_PRODUCT_MODEL`` is a top-level setting (like ``AUTH_USER_MODEL``)
because migrations point at it. Everything else lives in the ``UPCROSS``
dict; missing keys take the defaults below, nested dicts are merged key by key.
The merged view is cached and cleared on ``setting_changed``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

#: Documented defaults of every key of the ``UPCROSS`` dict (README lists them).
DEFAULTS: dict[str, Any] = {
    # Order lines: where mining reads from.
    "ORDER_LINE_MODEL": "orders.OrderLine",
    "ORDER_LINE_FIELDS": {
        "order": "order",
        "product": "product",
        "quantity": "quantity",
        "customer": "order__customer",
        "placed_at": "order__created_at",
    },
    "ORDER_LINE_FILTER": {},
    # What upcross needs to know about a product.
    # ``text``: what names a product for upgrade mining (a path or a callable(product) ->
    # str); ``None``: the ``name`` or ``title`` field, else ``str(product)``.
    "PRODUCT_FIELDS": {"price": "price", "category": "category", "parent": None, "cost": None,
                       "text": None},
    "PRODUCT_AVAILABLE": {},
    # How widgets show a product. Each value is an attribute path ("image_url", "image",
    # "photo__url"; a method is called, a file field gives its URL) or the dotted path of
    # a callable(product) -> value. ``None``: ``str(product)`` for the name,
    # ``product.get_absolute_url()`` for the URL, no picture for the image.
    "PRODUCT_DISPLAY": {"name": None, "url": None, "image_url": "image_url"},
    # Admin: product fields the relation list searches (source and target); ``None`` uses
    # the host ProductAdmin's search_fields, else whichever of name/title/sku/slug exist.
    "PRODUCT_SEARCH_FIELDS": None,
    # CSV import: how a source/target cell names a product, tried in order ("pk" allowed);
    # ``None`` means the pk, then whichever of the unique fields ``sku``, ``slug`` exist.
    "CSV_LOOKUP_FIELDS": None,
    # How widgets add to the host's cart.
    "ADD_TO_CART_URL": "cart:add",
    "ADD_TO_CART_PRODUCT_PARAM": "product_id",
    # The POST field that carries the quantity (1) in the URL-name and path forms, for
    # carts that require one (django-oscar's ``basket:add``); ``None``: not posted.
    "ADD_TO_CART_QUANTITY_PARAM": "quantity",
    # Cart-line upgrades: a URL name/path that takes a POST with ``product_id`` (the
    # line's product) and ``replacement_id`` (the upgrade) and swaps the line.
    # ``None``: cart upgrades are offered with a plain add-to-cart button.
    "SWAP_CART_LINE_URL": None,
    # Host integration hook (django-allauth style): a subclass may override any method.
    "ADAPTER": "upcross.adapters.ShopAdapter",
    # Widgets.
    "COMPLEMENTS_ENABLED": True,
    "UPGRADES_ENABLED": True,
    "DEFAULT_LIMIT": 4,
    # Category values whose products may be suggested again after a purchase (socks, toner).
    "REPEAT_PURCHASE_CATEGORIES": [],
    # Category values whose products replace each other (phones, laptops): a cart holding
    # one is not offered another of the same category as a complement, and one widget
    # or bundle never holds two of them.
    "SUBSTITUTE_CATEGORIES": [],
    # No empty widget: a product short of suggestions of its own is filled from the
    # fallback chain (category co-purchase, then best sellers; see upcross.fallback), and
    # an empty cart shows best sellers. Per widget kind; False keeps that widget to
    # manual, rule and mined suggestions.
    "FALLBACK": {"complements": True, "cart_complements": True},
    # Diversity: at most this many suggestions of one category in one complements widget
    # or bundle (``None``: no cap). Substitutes (an upgrade pair) never share a widget.
    "MAX_PER_CATEGORY": 3,
    # Read-side cache (Django cache framework).
    "CACHE_ALIAS": "default",
    "CACHE_TIMEOUT": 60 * 15,
    # Cache the widgets' rendered HTML too (the CSRF token is put in per request).
    # ``None``: on unless ``DEBUG`` (so template edits show at once while developing).
    "CACHE_FRAGMENTS": None,
    # Mining. Thresholds left as None adapt to the scoring: with the item model every pair
    # seen together once (its weight shrinks weak evidence); with the rule score 5 orders
    # together, confidence 0.01, lift 1.
    "MIN_PAIR_COUNT": None,
    "MIN_CONFIDENCE": None,
    "MIN_LIFT": None,
    "LOOKBACK_DAYS": 365,
    "HALF_LIFE_DAYS": None,
    # Installments shown on upgrades and the cart ("or 12 x Rp 499.917"): the shop's
    # plans, e.g. [{"months": 12, "min_amount": 3000000, "interest": 0}] (interest: yearly
    # percent). Empty: off. ShopAdapter.installment() is the hook for other rules.
    "INSTALLMENTS": [],
    # Showcases: the best sellers count sales of the last 4 half-lives, each weighed by
    # its age (a sale this many days old counts half).
    "SHOWCASE_HALF_LIFE_DAYS": 14,
    # Mined relations stored per product and kind (a cart ranks from all its lines' lists,
    # so more than a widget shows).
    "MAX_PER_PRODUCT": 50,
    # Complements are scored by an item-item model (EASE) when the mined products are at
    # most this many (its cost grows with the cube of the count; 0: never), with these
    # regularisation strengths; above it, by the rule score.
    "ITEM_MODEL_MAX_ITEMS": 5_000,
    "ITEM_MODEL_L2": 30.0,
    "ITEM_MODEL_DROPOUT": 0.5,
    # Cart complements: a mined candidate's score (the sum over the cart's lines) plus this
    # times its share of all orders, a popularity prior that settles close calls in favour
    # of what more shoppers buy (0: off).
    "CART_POPULARITY_WEIGHT": 0.1,
    "FOLD_VARIANTS": True,
    # A recompute that would remove more than this share (0 to 1) of the mined rows, or
    # that loaded no orders yet would remove any, fails and keeps the old rows (``--force``
    # accepts it). ``None``: only the no-orders guard.
    "RECOMPUTE_MAX_REMOVED_SHARE": 0.5,
    # Upgrades: price band above the source, in percent.
    "UPGRADE_MIN_PRICE_INCREASE": 5,
    "UPGRADE_MAX_PRICE_INCREASE": 60,
    # Substitute evidence a mined upgrade needs (see upcross.mining.upgrades): bought
    # together at most this lift (well below 1: one or the other), bought with the same
    # other products (cosine of co-purchase profiles, 0 to 1), and names this close
    # (cosine of TF-IDF words of PRODUCT_FIELDS["text"], 0 to 1).
    "UPGRADE_MAX_TOGETHER_LIFT": 0.5,
    "UPGRADE_MIN_NEIGHBOURHOOD": 0.5,
    "UPGRADE_MIN_NAME_SIMILARITY": 0.3,
    # Viewed together (tracking script): a pair viewed in the same sessions this much
    # (sessions / sqrt(views x views), at least 3 sessions) is substitute evidence in
    # place of a shared co-purchase neighbourhood. None: co-views unused.
    "UPGRADE_MIN_COVIEW": 0.2,
    # Celery / schedule.
    "RECOMPUTE_SCHEDULE": {"minute": "30", "hour": "3"},
    "TASK_SOFT_TIME_LIMIT": 60 * 60,
    "TASK_TIME_LIMIT": 60 * 65,
    # REST API: throttle of the anonymous events endpoint (DRF rate, None: no limit)
    # and the ``max-age`` of the public read endpoints' ``Cache-Control``.
    "EVENTS_THROTTLE_RATE": "120/min",
    "API_CACHE_MAX_AGE": 60,
    # Seconds each worker process keeps the public read endpoints' answers (and the cache
    # tokens they are checked against) in its own memory, so a warm request makes no
    # round trip to Redis; a change made in another process shows within that time.
    # At most API_CACHE_MAX_AGE; 0: off (every warm request reads the shared cache once).
    "API_WORKER_CACHE_SECONDS": 1,
    # Largest request body any upcross API endpoint reads (bytes): a larger one is a JSON
    # 413 before any parsing. Also bounds the cart add's attribution fields.
    "API_MAX_BODY_BYTES": 64 * 1024,
    # Proxies in front of the site that append to X-Forwarded-For: 0 (default) keys the
    # throttles on REMOTE_ADDR and ignores the header, which any client can forge; N takes
    # the address the Nth proxy from the right saw.
    "NUM_PROXIES": 0,
    # Longest wait (seconds) of a widget or API read for relations it has not cached (a
    # lock on the table): past it the widgets render nothing and the API answers 503,
    # nothing cached. PostgreSQL (autocommit) and MariaDB; None: no bound.
    "READ_TIMEOUT": 2.0,
    # Analytics: widget counters live in Redis (this URL, or the cache's client when
    # ``CACHE_ALIAS`` is a RedisCache; neither: in-process counting, not exact) and are
    # flushed into daily rows on ``ANALYTICS_FLUSH_SCHEDULE``.
    "ANALYTICS_ENABLED": True,
    # Widget forms carry a signed token; it is valid this many seconds (keep it above
    # CACHE_TIMEOUT: cached widget HTML carries the token it was rendered with).
    "ATTRIBUTION_MAX_AGE": 2 * 24 * 60 * 60,
    # Widget adds counted per client address (DRF rate; None: no limit); adds beyond it
    # still go to the cart, they only count nothing.
    "ATTRIBUTION_THROTTLE_RATE": "30/min",
    "ANALYTICS_REDIS_URL": None,
    "ANALYTICS_FLUSH_SCHEDULE": {"minute": "*/5"},
    # Tracking script ({% upcross_tracking %}): "render" counts a widget's impression when
    # its tag renders (no script needed); "seen" when the script saw it on screen (the
    # tags then count nothing, so an impression is never counted twice).
    "IMPRESSIONS": "render",
    # The script sends nothing for a browser that sends Do-Not-Track, and, when consent is
    # required, nothing until the page calls ``upcross.consent(true)``.
    "TRACKING_RESPECT_DNT": True,
    "TRACKING_REQUIRES_CONSENT": False,
    # Holdout: this share of visitors (0 to 1, sticky per customer or visitor cookie)
    # sees no widgets; the salt (``None``: derived from SECRET_KEY) mixes the assignment.
    "HOLDOUT_SHARE": 0,
    "HOLDOUT_SALT": None,
    # Bundles ("buy all and save"): the discount of a bundle built from a product's top
    # complements (curated bundles carry their own), how many products such a bundle
    # holds (the product and its complements), and ``None`` percent: no automatic bundles.
    "BUNDLE_DISCOUNT_PERCENT": 10,
    "BUNDLE_SIZE": 3,
    # Money: discounts are rounded to this quantum (the currency's minor unit) with this
    # ``decimal`` rounding mode.
    "PRICE_QUANTUM": "0.01",
    "PRICE_ROUNDING": "ROUND_HALF_UP",
    # Bundle box "Add all": a URL name/path that takes a POST with one ``product_id`` per
    # product (repeated field). ``None``: the box offers one add button per product.
    "ADD_MANY_TO_CART_URL": None,
    # Free-shipping nudge: the cart value from which shipping is free (``None``: no nudge).
    "FREE_SHIPPING_THRESHOLD": None,
    # Follow-up e-mail ("complete your set"), off unless switched on.
    "FOLLOW_UP_ENABLED": False,
    "FOLLOW_UP_DAYS": 7,
    # Orders older than FOLLOW_UP_DAYS + this are never written to (switching it on
    # does not mail every customer the shop ever had).
    "FOLLOW_UP_MAX_LATE_DAYS": 3,
    "FOLLOW_UP_LIMIT": 4,
    # The customer's address: a field path from the order-line model, or the dotted path
    # of a callable(order_pk) -> e-mail or None.
    "ORDER_EMAIL_FIELD": "order__email",
    # Opt-out: a dotted path of a callable(email) -> bool (True: do not write), checked
    # besides upcross's own unsubscribe list.
    "FOLLOW_UP_OPT_OUT": None,
    "FOLLOW_UP_FROM_EMAIL": None,
    # Absolute links in e-mails: the shop's base URL ("https://shop.example").
    "SITE_URL": "",
    "FOLLOW_UP_SCHEDULE": {"minute": "15"},
}

#: Keys whose value is a dict merged key by key with the default.
MERGED_DICT_KEYS = frozenset({"ORDER_LINE_FIELDS", "PRODUCT_FIELDS", "PRODUCT_DISPLAY",
                              "FALLBACK"})


#: What ``UPCROSS`` reads as when unset: one object, so the identity check below holds.
_NO_USER_SETTINGS: Mapping[str, Any] = MappingProxyType({})


class UpcrossSettings:
    """Typed, lazily merged view of the ``UPCROSS`` settings dict."""

    def __init__(self) -> None:
        self._merged: dict[str, Any] | None = None
        self._merged_from: Any = None

    def clear(self) -> None:
        self._merged = None
        self._merged_from = None

    @property
    def user_settings(self) -> Any:
        return getattr(settings, "UPCROSS", _NO_USER_SETTINGS)

    @property
    def merged(self) -> dict[str, Any]:
        user = self.user_settings
        # ``setting_changed`` clears the cache; the identity check also catches a setting
        # replaced or deleted without the signal (``del settings.UPCROSS`` in a test).
        if self._merged is None or user is not self._merged_from:
            merged = copy.deepcopy(DEFAULTS)
            if isinstance(user, Mapping):
                for key, value in user.items():
                    if key in MERGED_DICT_KEYS and isinstance(value, Mapping):
                        merged[key] = {**merged[key], **value}
                    else:
                        merged[key] = value
            self._merged, self._merged_from = merged, user
        return self._merged

    def get(self, key: str) -> Any:
        return self.merged[key]

    def unknown_keys(self) -> list[str]:
        user = self.user_settings
        if not isinstance(user, Mapping):
            return []
        return sorted(str(key) for key in user if key not in DEFAULTS)

    # One typed property per setting.
    @property
    def PRODUCT_MODEL(self) -> str:
        value = getattr(settings, "UPCROSS_PRODUCT_MODEL", None)
        # Always a string, so a wrong type is "not an installed model" (E002) everywhere,
        # never an AttributeError in whoever calls apps.get_model() with it.
        return "" if value is None else str(value)

    @property
    def ORDER_LINE_MODEL(self) -> str | None:
        return self.get("ORDER_LINE_MODEL")

    @property
    def ORDER_LINE_FIELDS(self) -> dict[str, str | None]:
        return self.get("ORDER_LINE_FIELDS")

    @property
    def ORDER_LINE_FILTER(self) -> Mapping[str, Any] | str | Callable[..., Any]:
        return self.get("ORDER_LINE_FILTER")

    @property
    def PRODUCT_FIELDS(self) -> dict[str, str | Callable[..., Any] | None]:
        return self.get("PRODUCT_FIELDS")

    @property
    def PRODUCT_AVAILABLE(self) -> Mapping[str, Any] | str | Callable[..., Any]:
        return self.get("PRODUCT_AVAILABLE")

    @property
    def PRODUCT_SEARCH_FIELDS(self) -> list[str] | None:
        value = self.get("PRODUCT_SEARCH_FIELDS")
        return None if value is None else list(value)

    @property
    def CSV_LOOKUP_FIELDS(self) -> list[str] | None:
        value = self.get("CSV_LOOKUP_FIELDS")
        return None if value is None else list(value)

    @property
    def PRODUCT_DISPLAY(self) -> dict[str, str | Callable[..., Any] | None]:
        return self.get("PRODUCT_DISPLAY")

    @property
    def ADD_TO_CART_URL(self) -> str | Callable[..., Any]:
        return self.get("ADD_TO_CART_URL")

    @property
    def ADD_TO_CART_PRODUCT_PARAM(self) -> str:
        return self.get("ADD_TO_CART_PRODUCT_PARAM")

    @property
    def ADD_TO_CART_QUANTITY_PARAM(self) -> str | None:
        return self.get("ADD_TO_CART_QUANTITY_PARAM")

    @property
    def SWAP_CART_LINE_URL(self) -> str | None:
        return self.get("SWAP_CART_LINE_URL")

    @property
    def ADAPTER(self) -> str:
        return self.get("ADAPTER")

    @property
    def COMPLEMENTS_ENABLED(self) -> bool:
        return bool(self.get("COMPLEMENTS_ENABLED"))

    @property
    def UPGRADES_ENABLED(self) -> bool:
        return bool(self.get("UPGRADES_ENABLED"))

    @property
    def DEFAULT_LIMIT(self) -> int:
        return int(self.get("DEFAULT_LIMIT"))

    @property
    def REPEAT_PURCHASE_CATEGORIES(self) -> list[Any]:
        return list(self.get("REPEAT_PURCHASE_CATEGORIES"))

    @property
    def SUBSTITUTE_CATEGORIES(self) -> list[Any]:
        return list(self.get("SUBSTITUTE_CATEGORIES"))

    @property
    def FALLBACK(self) -> dict[str, bool]:
        """Per widget kind (``complements``, ``cart_complements``): fallbacks on or off."""
        return {key: bool(value) for key, value in self.get("FALLBACK").items()}

    @property
    def MAX_PER_CATEGORY(self) -> int | None:
        value = self.get("MAX_PER_CATEGORY")
        return None if value is None else int(value)

    @property
    def CACHE_ALIAS(self) -> str:
        return self.get("CACHE_ALIAS")

    @property
    def CACHE_TIMEOUT(self) -> int:
        return int(self.get("CACHE_TIMEOUT"))

    @property
    def CACHE_FRAGMENTS(self) -> bool:
        value = self.get("CACHE_FRAGMENTS")
        return not settings.DEBUG if value is None else bool(value)

    @property
    def MIN_PAIR_COUNT(self) -> int | None:
        value = self.get("MIN_PAIR_COUNT")
        return None if value is None else int(value)

    @property
    def MIN_CONFIDENCE(self) -> float | None:
        value = self.get("MIN_CONFIDENCE")
        return None if value is None else float(value)

    @property
    def MIN_LIFT(self) -> float | None:
        value = self.get("MIN_LIFT")
        return None if value is None else float(value)

    @property
    def LOOKBACK_DAYS(self) -> int | None:
        value = self.get("LOOKBACK_DAYS")
        return None if value is None else int(value)

    @property
    def HALF_LIFE_DAYS(self) -> float | None:
        value = self.get("HALF_LIFE_DAYS")
        return None if value is None else float(value)

    @property
    def INSTALLMENTS(self) -> list[dict[str, Any]]:
        return list(self.get("INSTALLMENTS") or [])

    @property
    def SHOWCASE_HALF_LIFE_DAYS(self) -> float:
        return float(self.get("SHOWCASE_HALF_LIFE_DAYS"))

    @property
    def MAX_PER_PRODUCT(self) -> int:
        return int(self.get("MAX_PER_PRODUCT"))

    @property
    def ITEM_MODEL_MAX_ITEMS(self) -> int:
        return int(self.get("ITEM_MODEL_MAX_ITEMS"))

    @property
    def ITEM_MODEL_L2(self) -> float:
        return float(self.get("ITEM_MODEL_L2"))

    @property
    def ITEM_MODEL_DROPOUT(self) -> float:
        return float(self.get("ITEM_MODEL_DROPOUT"))

    @property
    def CART_POPULARITY_WEIGHT(self) -> float:
        return float(self.get("CART_POPULARITY_WEIGHT"))

    @property
    def FOLD_VARIANTS(self) -> bool:
        return bool(self.get("FOLD_VARIANTS"))

    @property
    def API_WORKER_CACHE_SECONDS(self) -> float:
        """Never longer than clients may keep the answer (``API_CACHE_MAX_AGE``)."""
        seconds = float(self.get("API_WORKER_CACHE_SECONDS") or 0)
        return max(0.0, min(seconds, self.API_CACHE_MAX_AGE))

    @property
    def READ_TIMEOUT(self) -> float | None:
        value = self.get("READ_TIMEOUT")
        return None if value is None else float(value)

    @property
    def RECOMPUTE_MAX_REMOVED_SHARE(self) -> float | None:
        value = self.get("RECOMPUTE_MAX_REMOVED_SHARE")
        return None if value is None else float(value)

    @property
    def UPGRADE_MIN_PRICE_INCREASE(self) -> float:
        return float(self.get("UPGRADE_MIN_PRICE_INCREASE"))

    @property
    def UPGRADE_MAX_PRICE_INCREASE(self) -> float:
        return float(self.get("UPGRADE_MAX_PRICE_INCREASE"))

    @property
    def UPGRADE_MAX_TOGETHER_LIFT(self) -> float:
        return float(self.get("UPGRADE_MAX_TOGETHER_LIFT"))

    @property
    def UPGRADE_MIN_NEIGHBOURHOOD(self) -> float:
        return float(self.get("UPGRADE_MIN_NEIGHBOURHOOD"))

    @property
    def UPGRADE_MIN_NAME_SIMILARITY(self) -> float:
        return float(self.get("UPGRADE_MIN_NAME_SIMILARITY"))

    @property
    def UPGRADE_MIN_COVIEW(self) -> float | None:
        value = self.get("UPGRADE_MIN_COVIEW")
        return None if value is None else float(value)

    @property
    def RECOMPUTE_SCHEDULE(self) -> dict[str, str]:
        return dict(self.get("RECOMPUTE_SCHEDULE"))

    @property
    def TASK_SOFT_TIME_LIMIT(self) -> int:
        return int(self.get("TASK_SOFT_TIME_LIMIT"))

    @property
    def TASK_TIME_LIMIT(self) -> int:
        return int(self.get("TASK_TIME_LIMIT"))

    @property
    def EVENTS_THROTTLE_RATE(self) -> str | None:
        return self.get("EVENTS_THROTTLE_RATE")

    @property
    def API_CACHE_MAX_AGE(self) -> int:
        return int(self.get("API_CACHE_MAX_AGE"))

    @property
    def API_MAX_BODY_BYTES(self) -> int:
        return int(self.get("API_MAX_BODY_BYTES"))

    @property
    def NUM_PROXIES(self) -> int:
        return int(self.get("NUM_PROXIES") or 0)

    @property
    def ANALYTICS_ENABLED(self) -> bool:
        return bool(self.get("ANALYTICS_ENABLED"))

    @property
    def ATTRIBUTION_MAX_AGE(self) -> int:
        return int(self.get("ATTRIBUTION_MAX_AGE"))

    @property
    def ATTRIBUTION_THROTTLE_RATE(self) -> str | None:
        return self.get("ATTRIBUTION_THROTTLE_RATE")

    @property
    def ANALYTICS_REDIS_URL(self) -> str | None:
        return self.get("ANALYTICS_REDIS_URL") or None

    @property
    def ANALYTICS_FLUSH_SCHEDULE(self) -> dict[str, str]:
        return dict(self.get("ANALYTICS_FLUSH_SCHEDULE"))

    @property
    def IMPRESSIONS(self) -> str:
        return str(self.get("IMPRESSIONS"))

    @property
    def TRACKING_RESPECT_DNT(self) -> bool:
        return bool(self.get("TRACKING_RESPECT_DNT"))

    @property
    def TRACKING_REQUIRES_CONSENT(self) -> bool:
        return bool(self.get("TRACKING_REQUIRES_CONSENT"))

    @property
    def HOLDOUT_SHARE(self) -> float:
        return float(self.get("HOLDOUT_SHARE"))

    @property
    def HOLDOUT_SALT(self) -> str:
        value = self.get("HOLDOUT_SALT")
        return f"upcross.holdout:{settings.SECRET_KEY}" if value is None else str(value)

    @property
    def BUNDLE_DISCOUNT_PERCENT(self) -> Decimal | None:
        value = self.get("BUNDLE_DISCOUNT_PERCENT")
        return None if value is None else Decimal(str(value))

    @property
    def BUNDLE_SIZE(self) -> int:
        return int(self.get("BUNDLE_SIZE"))

    @property
    def PRICE_QUANTUM(self) -> Decimal:
        return Decimal(str(self.get("PRICE_QUANTUM")))

    @property
    def PRICE_ROUNDING(self) -> str:
        return str(self.get("PRICE_ROUNDING"))

    @property
    def ADD_MANY_TO_CART_URL(self) -> str | None:
        return self.get("ADD_MANY_TO_CART_URL")

    @property
    def FREE_SHIPPING_THRESHOLD(self) -> Decimal | None:
        value = self.get("FREE_SHIPPING_THRESHOLD")
        return None if value is None else Decimal(str(value))

    @property
    def FOLLOW_UP_ENABLED(self) -> bool:
        return bool(self.get("FOLLOW_UP_ENABLED"))

    @property
    def FOLLOW_UP_DAYS(self) -> int:
        return int(self.get("FOLLOW_UP_DAYS"))

    @property
    def FOLLOW_UP_MAX_LATE_DAYS(self) -> int:
        return int(self.get("FOLLOW_UP_MAX_LATE_DAYS"))

    @property
    def FOLLOW_UP_LIMIT(self) -> int:
        return int(self.get("FOLLOW_UP_LIMIT"))

    @property
    def ORDER_EMAIL_FIELD(self) -> str | Callable[..., Any] | None:
        return self.get("ORDER_EMAIL_FIELD")

    @property
    def FOLLOW_UP_OPT_OUT(self) -> str | Callable[..., Any] | None:
        return self.get("FOLLOW_UP_OPT_OUT")

    @property
    def FOLLOW_UP_FROM_EMAIL(self) -> str | None:
        return self.get("FOLLOW_UP_FROM_EMAIL")

    @property
    def SITE_URL(self) -> str:
        return str(self.get("SITE_URL") or "").rstrip("/")

    @property
    def FOLLOW_UP_SCHEDULE(self) -> dict[str, str]:
        return dict(self.get("FOLLOW_UP_SCHEDULE"))


upcross_settings = UpcrossSettings()


@receiver(setting_changed)
def _clear_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("UPCROSS", "UPCROSS_PRODUCT_MODEL"):
        upcross_settings.clear()
