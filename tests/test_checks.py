"""One test per system check id: each misconfiguration yields exactly its ``upcross.*`` id.

The cases start from the running shape's own (correct) ``UPCROSS`` dict and break one
thing, so they run against both the demo shop and the altshop.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

import upcross.checks
from tests.upcross_overrides import with_upcross

ALL_IDS = {
    "upcross.E001", "upcross.E002", "upcross.E003", "upcross.E004", "upcross.E005",
    "upcross.E006", "upcross.E007", "upcross.E008", "upcross.E009", "upcross.E010",
    "upcross.E101", "upcross.E102", "upcross.E103", "upcross.E104", "upcross.E105",
    "upcross.E106", "upcross.E107", "upcross.E108",
    "upcross.E011", "upcross.E012", "upcross.E013", "upcross.E014", "upcross.E015",
    "upcross.E016", "upcross.E017", "upcross.E018", "upcross.E019", "upcross.E020",
    "upcross.E021", "upcross.E022", "upcross.E023", "upcross.E024", "upcross.E025",
    "upcross.E026", "upcross.E027", "upcross.E028", "upcross.E029", "upcross.E030",
    "upcross.W001", "upcross.W002", "upcross.W003", "upcross.W004",
}


def upcross_messages() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if (m.id or "").startswith("upcross.")]




def assert_only(expected: str, **overrides: Any) -> list[checks.CheckMessage]:
    """Under ``overrides`` the upcross checks report ``expected`` and nothing else.

    Also runs ``manage.py check``: an error must come out as a ``SystemCheckError``
    naming the id (Django's normal report), a warning on stderr; never a traceback.
    """
    with override_settings(**overrides):
        messages = upcross_messages()
        assert {m.id for m in messages} == {expected}, [str(m) for m in messages]
        for message in messages:
            assert message.hint, f"{message.id} has no hint"
            assert message.obj is None or message.obj
        stderr = StringIO()
        if expected.startswith("upcross.E"):
            with pytest.raises(SystemCheckError, match=expected.replace(".", r"\.")):
                call_command("check", stdout=StringIO(), stderr=stderr)
        else:
            call_command("check", stdout=StringIO(), stderr=stderr)
            assert expected in stderr.getvalue()
    return messages


def test_correct_configuration_has_no_upcross_messages() -> None:
    assert upcross_messages() == []
    call_command("check", stdout=StringIO(), stderr=StringIO())  # raises on any error


def test_every_documented_id_is_tested_here() -> None:
    """The module docstring of upcross.checks lists the ids; this file covers each."""
    documented = {f"upcross.{line.split()[1]}" for line in upcross.checks.__doc__.splitlines()
                  if line.startswith("- E") or line.startswith("- W")}
    assert documented == ALL_IDS
    tested = {f"upcross.{match[1].upper()}" for name in globals()
              if (match := re.match(r"test_([ew]\d{3})_", name))}
    assert tested == ALL_IDS


# --- E001 / E002: the product model ---------------------------------------------------


def test_e001_product_model_missing() -> None:
    with override_settings():
        del settings.UPCROSS_PRODUCT_MODEL
        messages = upcross_messages()
        assert [m.id for m in messages] == ["upcross.E001"]
        assert "AUTH_USER_MODEL" in messages[0].hint
    assert_only("upcross.E001", UPCROSS_PRODUCT_MODEL="")


@pytest.mark.parametrize("label", ["shop.Nothing", "not-a-label", "catalog", 42])
def test_e002_product_model_unknown(label: object) -> None:
    assert_only("upcross.E002", UPCROSS_PRODUCT_MODEL=label)


# --- order lines ------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["orders.Nothing", "nothing"])
def test_e003_order_line_model_unknown(label: str) -> None:
    assert_only("upcross.E003", UPCROSS=with_upcross(ORDER_LINE_MODEL=label))


@pytest.mark.parametrize("fields", [
    {"placed_at": "order__no_such_date"},
    {"product": "no_such_product"},
    {"order": ""},
])
def test_e004_order_line_field_does_not_resolve(fields: dict[str, str]) -> None:
    messages = assert_only("upcross.E004", UPCROSS=with_upcross(ORDER_LINE_FIELDS=fields))
    assert len(messages) == 1
    assert repr(next(iter(fields))) in messages[0].msg


def test_order_line_model_none_turns_mining_off_quietly() -> None:
    with override_settings(UPCROSS=with_upcross(ORDER_LINE_MODEL=None)):
        assert upcross_messages() == []


# --- products ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["price", "category", "parent"])
def test_e005_product_field_does_not_resolve(key: str) -> None:
    messages = assert_only("upcross.E005",
                           UPCROSS=with_upcross(PRODUCT_FIELDS={key: "no_such__path"}))
    assert len(messages) == 1
    assert settings.UPCROSS_PRODUCT_MODEL in messages[0].msg


@pytest.mark.parametrize("rule", [{"order__no_such_field": True}, "tests.nowhere.keep_lines",
                                  "not a path", 7])
def test_e006_order_line_filter_unusable(rule: object) -> None:
    assert_only("upcross.E006", UPCROSS=with_upcross(ORDER_LINE_FILTER=rule))


@pytest.mark.parametrize("rule", [{"no_such_flag": True}, "tests.nowhere.available", None])
def test_e007_product_available_unusable(rule: object) -> None:
    assert_only("upcross.E007", UPCROSS=with_upcross(PRODUCT_AVAILABLE=rule))


# --- callables and URLs -----------------------------------------------------------------


@pytest.mark.parametrize("changes", [
    {"PRODUCT_FIELDS": {"price": "tests.nowhere.price_of"}},
    {"PRODUCT_FIELDS": {"category": "tests.altshop.hooks.no_such_function"}},
    {"ADD_TO_CART_URL": "tests.nowhere.add_to_cart"},
    {"ADAPTER": "tests.nowhere.Adapter"},
    {"ADAPTER": "tests.altshop.hooks.add_to_cart"},  # importable, but not a ShopAdapter
], ids=["price", "category", "add-to-cart", "adapter-missing", "adapter-not-a-class"])
def test_e008_dotted_path_does_not_import(changes: dict[str, Any]) -> None:
    assert_only("upcross.E008", UPCROSS=with_upcross(**changes))


@pytest.mark.parametrize("target", ["no_such:add", "add-to-cart", "admin:app_list"])
def test_e009_add_to_cart_url_does_not_reverse(target: str) -> None:
    # "admin:app_list" exists but takes an installed app label, not a product pk.
    assert_only("upcross.E009", UPCROSS=with_upcross(ADD_TO_CART_URL=target))


@pytest.mark.parametrize("overrides", [
    {"UPCROSS": ["not", "a", "dict"]},
    {"UPCROSS": None},
    {"UPCROSS": "PRODUCT_MODEL=catalog.Product"},
], ids=["list", "none", "str"])
def test_e010_upcross_is_not_a_dict(overrides: dict[str, Any]) -> None:
    assert_only("upcross.E010", **overrides)


@pytest.mark.parametrize("changes", [
    {"PRODUCT_FIELDS": "price"},
    {"ORDER_LINE_FIELDS": ["order", "product"]},
    {"ORDER_LINE_FIELDS": {"quantity": 3}},
    {"PRODUCT_FIELDS": {"price": 3}},
    {"DEFAULT_LIMIT": "4"},
    {"COMPLEMENTS_ENABLED": "yes"},
    {"MIN_PAIR_COUNT": True},
    {"LOOKBACK_DAYS": 30.5},
    {"REPEAT_PURCHASE_CATEGORIES": "socks"},
    {"RECOMPUTE_SCHEDULE": "daily"},
    {"ADD_TO_CART_URL": 12},
    {"ADAPTER": 12},
    {"ORDER_LINE_MODEL": 12},
    {"SUBSTITUTE_CATEGORIES": 3},
    {"CACHE_FRAGMENTS": "yes"},
    {"API_CACHE_MAX_AGE": "60"},
    {"PRODUCT_DISPLAY": "title"},
    {"FALLBACK": "on"},
    {"ITEM_MODEL_MAX_ITEMS": "5000"},
    {"CART_POPULARITY_WEIGHT": "0.1"},
    {"MIN_LIFT": "1"},
], ids=lambda changes: "-".join(f"{k}={v}" for k, v in changes.items()))
def test_e010_value_of_wrong_type(changes: dict[str, Any]) -> None:
    messages = assert_only("upcross.E010", UPCROSS=with_upcross(**changes))
    assert len(messages) == 1


# --- E101 to E108: one id per family of range checks (each can be silenced alone) ------


def test_e101_upgrade_band_reversed() -> None:
    assert_only("upcross.E101", UPCROSS=with_upcross(UPGRADE_MIN_PRICE_INCREASE=80,
                                                      UPGRADE_MAX_PRICE_INCREASE=20))


@pytest.mark.parametrize("key", ["EVENTS_THROTTLE_RATE", "ATTRIBUTION_THROTTLE_RATE"])
def test_e102_throttle_rate_is_not_a_rate(key: str) -> None:
    assert_only("upcross.E102", UPCROSS=with_upcross(**{key: "10 per minute"}))


@pytest.mark.parametrize("changes", [{"PRICE_QUANTUM": "0"}, {"BUNDLE_SIZE": 1},
                                     {"BUNDLE_DISCOUNT_PERCENT": 150}])
def test_e103_money_setting_out_of_range(changes: dict[str, Any]) -> None:
    assert_only("upcross.E103", UPCROSS=with_upcross(**changes))


def test_e104_fallback_value_is_not_a_bool() -> None:
    assert_only("upcross.E104", UPCROSS=with_upcross(FALLBACK={"complements": "yes"}))


def test_e105_max_per_category_below_one() -> None:
    assert_only("upcross.E105", UPCROSS=with_upcross(MAX_PER_CATEGORY=0))


@pytest.mark.parametrize("changes", [
    {"ITEM_MODEL_MAX_ITEMS": -1}, {"ITEM_MODEL_DROPOUT": 1}, {"ITEM_MODEL_DROPOUT": -0.1},
    {"ITEM_MODEL_L2": -1}, {"ITEM_MODEL_L2": 0, "ITEM_MODEL_DROPOUT": 0},
    {"CART_POPULARITY_WEIGHT": -1},
], ids=lambda changes: "-".join(f"{k}={v}" for k, v in changes.items()))
def test_e106_item_model_settings_out_of_range(changes: dict[str, Any]) -> None:
    messages = assert_only("upcross.E106", UPCROSS=with_upcross(**changes))
    assert len(messages) == 1


def test_e107_holdout_share_out_of_range() -> None:
    assert_only("upcross.E107", UPCROSS=with_upcross(HOLDOUT_SHARE=1.5))


def test_e108_cache_alias_not_in_caches() -> None:
    assert_only("upcross.E108", UPCROSS=with_upcross(CACHE_ALIAS="no-such-cache"))


def test_one_family_of_settings_can_be_silenced_alone() -> None:
    """Silencing the item model's id leaves the cache alias reported."""
    changes = with_upcross(ITEM_MODEL_L2=-1, CACHE_ALIAS="no-such-cache")
    with override_settings(UPCROSS=changes, SILENCED_SYSTEM_CHECKS=["upcross.E106"]):
        shown = {m.id for m in upcross_messages() if not m.is_silenced()}
    assert shown == {"upcross.E108"}


@pytest.mark.shop("altshop")
def test_e009_url_whose_pk_type_is_not_the_products() -> None:
    # basket:legacy takes an <int:number>; the altshop's items have UUID keys.
    assert_only("upcross.E009", UPCROSS=with_upcross(ADD_TO_CART_URL="basket:legacy"))
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL="basket:add")):
        assert upcross_messages() == []  # <uuid:pk> fits


def test_e011_swap_cart_line_url_does_not_reverse() -> None:
    assert_only("upcross.E011", UPCROSS=with_upcross(SWAP_CART_LINE_URL="no_such:swap"))


def test_e012_add_many_to_cart_url_does_not_reverse() -> None:
    assert_only("upcross.E012", UPCROSS=with_upcross(ADD_MANY_TO_CART_URL="no_such:add_many"))


def test_e013_follow_up_email_field_does_not_resolve() -> None:
    assert_only("upcross.E013", UPCROSS=with_upcross(FOLLOW_UP_ENABLED=True,
                                                     ORDER_EMAIL_FIELD="order__no_such"))


@pytest.mark.parametrize("target", [None, "/basket/swap.php"])
def test_swap_url_none_or_literal_path_is_fine(target: str | None) -> None:
    with override_settings(UPCROSS=with_upcross(SWAP_CART_LINE_URL=target)):
        assert upcross_messages() == []


@pytest.mark.parametrize("target", ["/cart/add.php", "https://shop.example/cart/add/"])
def test_add_to_cart_literal_url_with_dots_is_not_a_callable_path(target: str) -> None:
    with override_settings(UPCROSS=with_upcross(ADD_TO_CART_URL=target)):
        assert upcross_messages() == []


# --- warnings ---------------------------------------------------------------------------


def test_w001_unknown_key() -> None:
    messages = assert_only("upcross.W001", UPCROSS=with_upcross(DEFAULT_LIMTI=3))
    assert "DEFAULT_LIMTI" in messages[0].msg
    assert "DEFAULT_LIMIT" in messages[0].hint


@pytest.mark.parametrize("key", ["PRODUCT_FIELDS", "ORDER_LINE_FIELDS", "PRODUCT_DISPLAY"])
def test_w002_unknown_field_key(key: str) -> None:
    messages = assert_only("upcross.W002", UPCROSS=with_upcross(**{key: {"colour": "colour"}}))
    assert "colour" in messages[0].msg


# --- values of the right type, out of range (one id each) ------------------------------


@pytest.mark.parametrize("days", [-5, 0])
def test_e014_lookback_days_below_one(days: int) -> None:
    assert_only("upcross.E014", UPCROSS=with_upcross(LOOKBACK_DAYS=days))


@pytest.mark.parametrize("days", [0, -1.5])
def test_e015_half_life_not_positive(days: float) -> None:
    assert_only("upcross.E015", UPCROSS=with_upcross(HALF_LIFE_DAYS=days))


@pytest.mark.parametrize("days", [0, -3])
def test_e026_showcase_half_life_not_positive(days: float) -> None:
    assert_only("upcross.E026", UPCROSS=with_upcross(SHOWCASE_HALF_LIFE_DAYS=days))


@pytest.mark.parametrize("plan", [{"months": 1}, {"months": 12, "min_amount": -5},
                                  {"months": 6, "interest": "lots"}, {"weeks": 4}, "12"])
def test_e028_installment_plan_malformed(plan: Any) -> None:
    assert_only("upcross.E028", UPCROSS=with_upcross(INSTALLMENTS=[{"months": 3}, plan]))


@pytest.mark.parametrize("value", [2, -0.1])
def test_e016_min_confidence_out_of_range(value: float) -> None:
    assert_only("upcross.E016", UPCROSS=with_upcross(MIN_CONFIDENCE=value))


def test_e017_default_limit_below_one() -> None:
    assert_only("upcross.E017", UPCROSS=with_upcross(DEFAULT_LIMIT=0))


def test_e018_cache_timeout_negative() -> None:
    assert_only("upcross.E018", UPCROSS=with_upcross(CACHE_TIMEOUT=-1))


@pytest.mark.parametrize("seconds", [0, -1])
def test_e027_read_timeout_not_positive(seconds: float) -> None:
    assert_only("upcross.E027", UPCROSS=with_upcross(READ_TIMEOUT=seconds))


@pytest.mark.parametrize(("key", "spec"), [
    ("RECOMPUTE_SCHEDULE", {"minute": "99", "hour": "3"}),
    ("ANALYTICS_FLUSH_SCHEDULE", {"minute": "*/5", "hour": "25"}),
    ("FOLLOW_UP_SCHEDULE", {"day_of_week": "someday"}),
])
def test_e019_schedule_not_a_crontab(key: str, spec: dict[str, str]) -> None:
    messages = assert_only("upcross.E019", UPCROSS=with_upcross(**{key: spec}))
    assert key in messages[0].msg


@pytest.mark.parametrize("value", ["no_such_attribute", "upcross.nowhere.display_name"])
def test_e020_product_display_does_not_resolve(value: str) -> None:
    assert_only("upcross.E020", UPCROSS=with_upcross(PRODUCT_DISPLAY={"name": value}))


@pytest.mark.parametrize("url", ["not-a-url", "http://127.0.0.1:6379/0", "redis://:x@h:port/0"])
def test_e021_analytics_redis_url_not_redis(url: str) -> None:
    assert_only("upcross.E021", UPCROSS=with_upcross(ANALYTICS_REDIS_URL=url))


@pytest.mark.parametrize("share", [1.5, -0.2])
def test_e022_removed_share_out_of_range(share: float) -> None:
    assert_only("upcross.E022", UPCROSS=with_upcross(RECOMPUTE_MAX_REMOVED_SHARE=share))


def test_e023_api_body_limit_too_small() -> None:
    assert_only("upcross.E023", UPCROSS=with_upcross(API_MAX_BODY_BYTES=10))


def test_e024_num_proxies_negative() -> None:
    assert_only("upcross.E024", UPCROSS=with_upcross(NUM_PROXIES=-1))


def test_e025_attribution_max_age_below_cache_timeout() -> None:
    assert_only("upcross.E025", UPCROSS=with_upcross(ATTRIBUTION_MAX_AGE=60,
                                                     CACHE_TIMEOUT=900))


def test_e029_impressions_mode_unknown() -> None:
    assert_only("upcross.E029", UPCROSS=with_upcross(IMPRESSIONS="scrolled"))


def test_e030_worker_cache_seconds_below_zero() -> None:
    assert_only("upcross.E030", UPCROSS=with_upcross(API_WORKER_CACHE_SECONDS=-1))


def test_each_range_id_can_be_silenced_alone() -> None:
    broken = with_upcross(LOOKBACK_DAYS=-5, DEFAULT_LIMIT=0)
    with (override_settings(UPCROSS=broken, SILENCED_SYSTEM_CHECKS=["upcross.E014"]),
          pytest.raises(SystemCheckError) as raised):
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "upcross.E017" in str(raised.value) and "upcross.E014" not in str(raised.value)


@pytest.mark.parametrize("line", ["UPCROSS_PRODUCT_MODEL = 'nope'",
                                  "UPCROSS_PRODUCT_MODEL = 'shop.Nothing'",
                                  "del UPCROSS_PRODUCT_MODEL"])
def test_a_broken_product_model_is_a_check_message_not_a_traceback(tmp_path: Any,
                                                                     line: str) -> None:
    """A fresh process: admin autodiscovery, URLs and ready() all run with the bad value."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "broken_settings.py").write_text(
        f"from {os.environ.get('DJANGO_SETTINGS_MODULE', settings.SETTINGS_MODULE)} "
        f"import *  # noqa\n{line}\n")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "broken_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    result = subprocess.run([sys.executable, str(root / "manage.py"), "check"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=root)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    expected = "upcross.E001" if line.startswith("del") else "upcross.E002"
    assert expected in output, output


def test_w002_unknown_fallback_widget() -> None:
    messages = assert_only("upcross.W002", UPCROSS=with_upcross(FALLBACK={"upgrades": True}))
    assert "upgrades" in messages[0].msg and "cart_complements" in messages[0].hint


def test_w003_item_model_limit_that_needs_gigabytes() -> None:
    messages = assert_only("upcross.W003", UPCROSS=with_upcross(ITEM_MODEL_MAX_ITEMS=50_000))
    assert "GB" in messages[0].msg and "rule score" in messages[0].hint
    # The documented values pass: the default, 0 (never) and thresholds left to adapt.
    with override_settings(UPCROSS=with_upcross(ITEM_MODEL_MAX_ITEMS=0, MIN_PAIR_COUNT=None,
                                                 MIN_LIFT=None, ITEM_MODEL_L2=0)):
        assert upcross_messages() == []


def test_w004_page_middleware_missing(settings: Any) -> None:
    without = [path for path in settings.MIDDLEWARE
               if path != "upcross.middleware.PageMiddleware"]
    assert len(without) == len(settings.MIDDLEWARE) - 1  # every test shape installs it
    messages = assert_only("upcross.W004", MIDDLEWARE=without)
    assert "PageMiddleware" in messages[0].hint
