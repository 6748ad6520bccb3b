"""Diversity and consistency: no two substitutes in a widget or bundle, a cap per
category, a manual relation's kind wins over a computed one of the other kind."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests import factories as f
from tests.upcross_overrides import with_upcross
from upcross import bundles, cache, recommend
from upcross.checks import check_settings_shape
from upcross.diversity import Diversity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


names = f.names


@pytest.fixture
def running() -> dict[str, Any]:
    """Socks whose complements are two versions of one shoe, another shoe and a cleaner."""
    shoes, gear = f.category("Running shoes"), f.category("Running gear")
    items = {
        "socks": f.product("Running Socks", 10, in_category=gear),
        "stride": f.product("Stride Runner 2", 100, in_category=shoes),
        "pro": f.product("Stride Runner 2 Pro", 130, in_category=shoes),
        "hawk": f.product("Trail Hawk", 115, in_category=shoes),
        "cleaner": f.product("Shoe Cleaner", 8, in_category=gear),
    }
    for score, key in ((0.9, "pro"), (0.8, "stride"), (0.7, "hawk"), (0.6, "cleaner")):
        f.relation(items["socks"], items[key], origin="mined", score=score, pair_count=20)
    return items


def link_versions(items: dict[str, Any]) -> None:
    f.relation(items["stride"], items["pro"], kind="upgrade", origin="mined", score=0.9)


def test_complements_hold_one_version_of_a_shoe(running: dict[str, Any]) -> None:
    socks = running["socks"]
    assert names(recommend.complements(socks, limit=4)) == [
        "Stride Runner 2 Pro", "Stride Runner 2", "Trail Hawk", "Shoe Cleaner"]
    link_versions(running)
    cache.clear()
    # The next candidate takes the place of the substitute.
    assert names(recommend.complements(socks, limit=4)) == [
        "Stride Runner 2 Pro", "Trail Hawk", "Shoe Cleaner"]


def test_substitutes_of_what_the_page_or_cart_shows_are_left_out(
        running: dict[str, Any]) -> None:
    link_versions(running)
    shown = recommend.complements(running["socks"], limit=4, exclude=[running["stride"]])
    assert names(shown) == ["Trail Hawk", "Shoe Cleaner"]  # not the Pro of the plain one


def test_a_bundle_holds_no_two_substitutes(running: dict[str, Any]) -> None:
    link_versions(running)
    offer = bundles.bundle_for(running["socks"])
    assert offer is not None
    assert [part.product.pk for part in offer.parts] == [
        running["socks"].pk, running["pro"].pk, running["hawk"].pk]


def test_cart_complements_hold_no_two_substitutes(running: dict[str, Any]) -> None:
    link_versions(running)
    found = names(recommend.cart_complements([f.Line(running["socks"])], limit=4))
    assert found == ["Stride Runner 2 Pro", "Trail Hawk", "Shoe Cleaner"]
    left_out = recommend.cart_complements([f.Line(running["socks"])], limit=4,
                                          exclude=[running["hawk"].pk])
    assert names(left_out) == ["Stride Runner 2 Pro", "Shoe Cleaner"]


def test_substitute_categories_share_no_widget(running: dict[str, Any]) -> None:
    shoes = f.category_value(f.category_of(running["stride"]))
    with override_settings(UPCROSS=with_upcross(SUBSTITUTE_CATEGORIES=[shoes])):
        assert names(recommend.complements(running["socks"], limit=4)) == [
            "Stride Runner 2 Pro", "Shoe Cleaner"]


def test_at_most_max_per_category_suggestions_of_one_category(running: dict[str, Any]) -> None:
    with override_settings(UPCROSS=with_upcross(MAX_PER_CATEGORY=2)):
        assert names(recommend.complements(running["socks"], limit=4)) == [
            "Stride Runner 2 Pro", "Stride Runner 2", "Shoe Cleaner"]
    with override_settings(UPCROSS=with_upcross(MAX_PER_CATEGORY=None)):
        assert len(recommend.complements(running["socks"], limit=4)) == 4


def test_a_product_of_several_categories_counts_while_one_has_room() -> None:
    accept = Diversity(max_per_category=1, substitute_categories=())

    class Card:
        def __init__(self, *categories: str) -> None:
            self.categories = frozenset(categories)

    assert accept(1, Card("all", "shoes"))
    assert accept(2, Card("all", "socks"))  # "socks" still has room
    assert not accept(3, Card("all", "shoes"))
    assert Diversity(substitute_pairs=[(1, 2)])(1, Card("x")) is True


def test_a_substitute_of_the_product_is_not_its_complement() -> None:
    """A mined complement and a mined upgrade of one pair: the toner shows once, as the
    upgrade (only a merchandiser's manual complement puts it back among complements)."""
    cleanser, toner = f.product("Cleanser", 10), f.product("Toner", 12)
    f.relation(cleanser, toner, origin="mined", score=0.5, pair_count=9)
    f.relation(cleanser, toner, kind="upgrade", origin="mined", score=0.5)
    assert names(recommend.complements(cleanser)) == []
    assert names(recommend.upgrades(cleanser)) == ["Toner"]


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_a_manual_complement_suppresses_the_computed_upgrade(direction: str) -> None:
    cleanser, toner = f.product("Gentle Cleanser", 10), f.product("Balancing Toner", 12)
    f.relation(cleanser, toner, kind="upgrade", origin="mined", score=0.5)
    if direction == "forward":
        f.relation(cleanser, toner)  # manual complement
    else:
        f.relation(toner, cleanser)
    assert names(recommend.upgrades(cleanser)) == []
    assert names(recommend.cart_upgrades([f.Line(cleanser)])) == []
    if direction == "forward":
        assert names(recommend.complements(cleanser)) == ["Balancing Toner"]


def test_a_manual_upgrade_suppresses_the_computed_complement() -> None:
    small, large = f.product("Jar 50 ml", 10), f.product("Jar 100 ml", 14)
    f.relation(small, large, origin="mined", score=0.9, pair_count=30)
    f.relation(small, large, kind="upgrade")  # manual upgrade
    assert names(recommend.complements(small)) == []
    assert names(recommend.upgrades(small)) == ["Jar 100 ml"]


def test_a_manual_relation_of_the_same_kind_is_kept() -> None:
    phone, case = f.product("Phone", 100), f.product("Case", 10)
    f.relation(phone, case)  # manual complement, and a mined one cannot coexist (unique)
    f.relation(phone, case, kind="upgrade", origin="manual")
    assert names(recommend.complements(phone)) == ["Case"]
    assert names(recommend.upgrades(phone)) == ["Case"]


@pytest.mark.parametrize(("value", "ids"), [
    (0, ["upcross.E105"]), (-1, ["upcross.E105"]), ("2", ["upcross.E010"]),
    (True, ["upcross.E010"]), (2.5, ["upcross.E010"]), (None, []), (1, []), (5, [])])
def test_max_per_category_check(value: Any, ids: list[str]) -> None:
    with override_settings(UPCROSS=with_upcross(MAX_PER_CATEGORY=value)):
        found = [m for m in check_settings_shape() if "MAX_PER_CATEGORY" in m.msg]
    assert [m.id for m in found] == ids


def test_fallback_counts_substitutes_once() -> None:
    """Three sizes of one phone fill one place of a widget: the fallback sees one group.
    A run that writes upgrades uses its own pairs and the stored manual ones only."""
    from upcross.fallback import substitute_groups

    small, medium, large, other = (f.product(n, p) for n, p in (
        ("Nova 64", 100), ("Nova 128", 120), ("Nova 256", 150), ("Lumo", 90)))
    f.relation(small, medium, kind="upgrade", origin="mined")
    f.relation(large, other, kind="upgrade", origin="mined")
    f.relation(other, small, kind="upgrade")  # manual
    f.relation(medium, other)  # a complement: not a substitute
    stored = substitute_groups()
    assert len({stored[p.pk] for p in (small, medium, large, other)}) == 1
    fresh = substitute_groups([(medium.pk, large.pk)])
    assert fresh[medium.pk] == fresh[large.pk] and fresh[small.pk] == fresh[other.pk]
    assert fresh[small.pk] != fresh[medium.pk]
