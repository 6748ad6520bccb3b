"""The settings door: defaults merged with the user's dict, cleared when settings change."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import setting_changed
from django.test import override_settings

from upcross import checks as upcross_checks
from upcross.adapters import get_adapter
from upcross.admin import checks as admin_checks
from upcross.conf import DEFAULTS, MERGED_DICT_KEYS, UpcrossSettings, upcross_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_without_an_upcross_setting() -> None:
    with override_settings():
        del settings.UPCROSS
        assert upcross_settings.merged == DEFAULTS
        assert upcross_settings.unknown_keys() == []
        limit = upcross_settings.DEFAULT_LIMIT
        assert limit == DEFAULTS["DEFAULT_LIMIT"]


def test_user_values_replace_defaults_and_nested_dicts_merge_key_by_key() -> None:
    user = {
        "DEFAULT_LIMIT": 7,
        "ORDER_LINE_FIELDS": {"placed_at": "order__paid_at"},
        "PRODUCT_FIELDS": {"parent": "parent"},
        "ORDER_LINE_FILTER": {"order__status": "shipped"},
    }
    with override_settings(UPCROSS=user):
        merged = upcross_settings.merged
    assert merged["DEFAULT_LIMIT"] == 7
    assert merged["ORDER_LINE_FIELDS"] == {**DEFAULTS["ORDER_LINE_FIELDS"],
                                           "placed_at": "order__paid_at"}
    assert merged["PRODUCT_FIELDS"] == {**DEFAULTS["PRODUCT_FIELDS"], "parent": "parent"}
    # A dict of lookups is one value, replaced whole (merging would AND the defaults in).
    assert merged["ORDER_LINE_FILTER"] == {"order__status": "shipped"}
    assert merged["MIN_LIFT"] == DEFAULTS["MIN_LIFT"]


def test_merging_mutates_neither_the_defaults_nor_the_user_dict() -> None:
    defaults_before = copy.deepcopy(DEFAULTS)
    user = {"PRODUCT_FIELDS": {"price": "stockrecords__price"}}
    with override_settings(UPCROSS=user):
        upcross_settings.PRODUCT_FIELDS["category"] = "changed by a caller"
        upcross_settings.clear()
        category = upcross_settings.PRODUCT_FIELDS["category"]
    assert category == DEFAULTS["PRODUCT_FIELDS"]["category"]
    assert defaults_before == DEFAULTS
    assert user == {"PRODUCT_FIELDS": {"price": "stockrecords__price"}}


def test_merged_view_is_cached_and_cleared_on_setting_changed() -> None:
    original = upcross_settings.DEFAULT_LIMIT
    assert upcross_settings.merged is upcross_settings.merged  # computed once
    user = dict(settings.UPCROSS)
    with override_settings(UPCROSS=user):
        first = upcross_settings.DEFAULT_LIMIT
        user["DEFAULT_LIMIT"] = first + 5  # mutated in place: only the signal can tell
        stale = upcross_settings.DEFAULT_LIMIT
        setting_changed.send(sender=None, setting="UPCROSS", value=user, enter=True)
        fresh = upcross_settings.DEFAULT_LIMIT
    assert (first, stale, fresh) == (original, original, original + 5)
    with override_settings(UPCROSS={**settings.UPCROSS, "DEFAULT_LIMIT": original + 1}):
        changed = upcross_settings.DEFAULT_LIMIT
    restored = upcross_settings.DEFAULT_LIMIT
    assert (changed, restored) == (original + 1, original)


def test_product_model_change_clears_the_cached_adapter() -> None:
    adapter = get_adapter()
    with override_settings(UPCROSS_PRODUCT_MODEL=settings.UPCROSS_PRODUCT_MODEL):
        assert get_adapter() is not adapter
    assert upcross_settings.PRODUCT_MODEL == settings.UPCROSS_PRODUCT_MODEL


def test_other_settings_do_not_clear_the_cache() -> None:
    merged = upcross_settings.merged
    with override_settings(LANGUAGE_CODE="pl"):
        assert upcross_settings.merged is merged


def test_unknown_keys_are_listed_sorted() -> None:
    with override_settings(UPCROSS={"ZED": 1, "DEFAULT_LIMIT": 3, "ALPHA": 2}):
        assert upcross_settings.unknown_keys() == ["ALPHA", "ZED"]
    with override_settings(UPCROSS=["not a dict"]):
        assert upcross_settings.unknown_keys() == []
        assert upcross_settings.merged == DEFAULTS  # the check reports E010; reads stay sane


def test_every_default_has_a_typed_property() -> None:
    missing = [key for key in DEFAULTS if not isinstance(getattr(UpcrossSettings, key, None),
                                                         property)]
    assert missing == []


def test_merged_dict_keys_have_dict_defaults() -> None:
    assert all(isinstance(DEFAULTS[key], dict) for key in MERGED_DICT_KEYS)


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_readme_documents_every_setting(key: str) -> None:
    """The configuration reference lists every key of ``DEFAULTS`` (as a table row)."""
    text = README.read_text(encoding="utf-8")
    assert re.search(rf"^\| `{key}` \|", text, re.MULTILINE), (
        f"README.md's configuration reference has no row for UPCROSS[{key!r}]")


def test_readme_documents_every_check_id() -> None:
    text = README.read_text(encoding="utf-8")
    docs = (upcross_checks.__doc__ or "") + (admin_checks.__doc__ or "")
    ids = re.findall(r"^- ([EW]\d{3}) ", docs, re.MULTILINE)
    assert len(ids) >= 15
    missing = [f"upcross.{id_}" for id_ in ids if f"`upcross.{id_}`" not in text]
    assert missing == []


def test_get_product_model_and_its_errors() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from upcross import get_product_model, get_product_model_string

    assert get_product_model_string() == settings.UPCROSS_PRODUCT_MODEL
    assert get_product_model()._meta.label == settings.UPCROSS_PRODUCT_MODEL
    for value, message in (("", "is not set"), ("nodot", "form 'app_label.ModelName'"),
                           ("shop.Nothing", "has not been installed")):
        with override_settings(UPCROSS_PRODUCT_MODEL=value), pytest.raises(
                ImproperlyConfigured, match=message):
            get_product_model()
