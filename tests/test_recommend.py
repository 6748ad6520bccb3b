"""The read path: merge order and every exclusion, on both shop shapes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override
from pytest_django import Settings

from tests import factories as f
from upcross import recommend
from upcross.signals import relations_recomputed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


names = f.names


def test_manual_by_position_then_rule_then_mined_by_score() -> None:
    phone = f.product("Phone", 300)
    mined_low, mined_high, rule, manual_2, manual_1 = (
        f.product(name, 10) for name in ("Mined low", "Mined high", "Rule", "Manual 2", "Manual 1")
    )
    f.relation(phone, mined_low, origin="mined", score=0.2, pair_count=12)
    f.relation(phone, mined_high, origin="mined", score=0.9, pair_count=40)
    f.relation(phone, rule, origin="rule", score=0.1)
    f.relation(phone, manual_2, position=2)
    f.relation(phone, manual_1, position=1)

    results = recommend.complements(phone, limit=10)

    assert names(results) == ["Manual 1", "Manual 2", "Rule", "Mined high", "Mined low"]
    assert [r.origin for r in results] == ["manual", "manual", "rule", "mined", "mined"]
    assert {r.kind for r in results} == {"complement"}
    assert results[0].source == phone


def test_limit_and_default_limit() -> None:
    phone = f.product("Phone", 300)
    for i in range(6):
        f.relation(phone, f.product(f"Case {i}", 10), position=i)
    assert len(recommend.complements(phone, limit=2)) == 2
    assert len(recommend.complements(phone)) == 4  # DEFAULT_LIMIT
    assert recommend.complements(phone, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        recommend.complements(phone, limit=-1)


def test_reasons_are_human_and_translated() -> None:
    phone = f.product("Phone", 300)
    f.relation(phone, f.product("Case", 10), origin="mined", score=1, pair_count=134)
    f.relation(phone, f.product("Cable", 10), origin="mined", score=0.5)
    f.relation(phone, f.product("Phone Pro", 400), kind="upgrade", origin="mined", score=1)

    with override("en"):
        reasons = [r.reason for r in recommend.complements(phone)]
        upgrade = recommend.upgrades(phone)[0]
    assert reasons == ["Bought together in 134 orders", "Often bought together"]
    assert upgrade.reason == ("The same line, a step up: shoppers with the same extras buy "
                              "one or the other")
    with override("pl"):
        assert recommend.upgrades(phone)[0].reason != upgrade.reason
        assert "134" in recommend.complements(phone)[0].reason


def test_blocked_pair_is_left_out() -> None:
    phone = f.product("Phone", 300)
    case, cable = f.product("Case", 10), f.product("Cable", 10)
    f.relation(phone, case, origin="mined", score=1, status="blocked")
    f.relation(phone, cable, origin="manual", status="blocked")
    f.relation(phone, f.product("Charger", 20))

    assert names(recommend.complements(phone)) == ["Charger"]


def test_relations_outside_their_window_are_left_out() -> None:
    now = timezone.now()
    phone = f.product("Phone", 300)
    f.relation(phone, f.product("Future", 10), starts_at=now + timedelta(days=1))
    f.relation(phone, f.product("Expired", 10), ends_at=now - timedelta(seconds=1))
    f.relation(phone, f.product("Current", 10), starts_at=now - timedelta(days=1),
               ends_at=now + timedelta(days=1))

    assert names(recommend.complements(phone)) == ["Current"]


def test_window_is_checked_at_read_time_not_when_cached() -> None:
    """A cached entry keeps future rows: they appear once their window opens."""
    phone = f.product("Phone", 300)
    f.relation(phone, f.product("Soon", 10), starts_at=timezone.now() + timedelta(seconds=1))
    assert recommend.complements(phone) == []
    entry = recommend._Snapshot.load({phone.pk: phone}, None).entries[phone.pk]
    later = timezone.now() + timedelta(seconds=2)
    assert [c.target for c in entry.candidates("complement", later)] != []


def test_unavailable_targets_are_left_out() -> None:
    phone = f.product("Phone", 300)
    f.relation(phone, f.product("Hidden", 10, available=False), position=0)
    f.relation(phone, f.product("Shown", 10), position=1)
    assert names(recommend.complements(phone)) == ["Shown"]


def test_upgrades_carry_the_price_difference() -> None:
    phone = f.product("Phone 128 GB", "300.00")
    f.relation(phone, f.product("Phone 256 GB", "380.50"), kind="upgrade", origin="rule",
               score=1)
    [upgrade] = recommend.upgrades(phone)
    assert upgrade.kind == "upgrade"
    assert upgrade.price == Decimal("380.50")
    assert upgrade.price_difference == Decimal("80.50")


def test_mined_upgrade_that_is_not_pricier_is_left_out_but_manual_is_kept() -> None:
    phone = f.product("Phone", "300")
    f.relation(phone, f.product("Cheaper mined", "250"), kind="upgrade", origin="mined",
               score=1)
    f.relation(phone, f.product("Cheaper manual", "290"), kind="upgrade", origin="manual")
    assert names(recommend.upgrades(phone)) == ["Cheaper manual"]


def test_switched_off_by_setting(settings: Settings) -> None:
    phone = f.product("Phone", 300)
    f.relation(phone, f.product("Case", 10))
    f.relation(phone, f.product("Pro", 400), kind="upgrade")
    settings.UPCROSS = {**settings.UPCROSS, "COMPLEMENTS_ENABLED": False}
    assert recommend.complements(phone) == []
    assert recommend.cart_complements([phone]) == []
    assert names(recommend.upgrades(phone)) == ["Pro"]
    settings.UPCROSS = {**settings.UPCROSS, "COMPLEMENTS_ENABLED": True,
                        "UPGRADES_ENABLED": False}
    assert recommend.upgrades(phone) == []
    assert recommend.cart_upgrades([phone]) == []
    assert names(recommend.complements(phone)) == ["Case"]


def test_already_bought_is_left_out_for_a_signed_in_customer(settings: Settings) -> None:
    socks = f.category("Socks")
    shoes = f.product("Shoes", 100)
    laces, sock = f.product("Laces", 5), f.product("Socks", 8, in_category=socks)
    f.relation(shoes, laces, position=0)
    f.relation(shoes, sock, position=1)
    buyer, other = f.customer(), f.customer()
    f.order([laces, sock], buyer=buyer)

    assert names(recommend.complements(shoes, customer=buyer)) == []
    assert names(recommend.complements(shoes, customer=other)) == ["Laces", "Socks"]
    assert names(recommend.complements(shoes)) == ["Laces", "Socks"]
    assert names(recommend.cart_complements([shoes], customer=buyer)) == []

    settings.UPCROSS = {**settings.UPCROSS,
                        "REPEAT_PURCHASE_CATEGORIES": [f.category_value(socks)]}
    assert names(recommend.complements(shoes, customer=buyer)) == ["Socks"]


def test_a_new_order_updates_the_already_bought_set() -> None:
    shoes, laces = f.product("Shoes", 100), f.product("Laces", 5)
    f.relation(shoes, laces)
    buyer = f.customer()
    assert names(recommend.complements(shoes, customer=buyer)) == ["Laces"]
    f.order([laces], buyer=buyer)
    assert names(recommend.complements(shoes, customer=buyer)) == []


def test_cart_leaves_out_what_is_in_the_cart() -> None:
    phone, case, cable = f.product("Phone", 300), f.product("Case", 10), f.product("Cable", 5)
    f.relation(phone, case, position=0)
    f.relation(phone, cable, position=1)
    f.relation(case, phone)

    assert names(recommend.cart_complements([f.Line(phone), f.Line(case, 2)])) == ["Cable"]


def test_cart_leaves_out_upgrades_and_downgrades_of_cart_products() -> None:
    phone_128, phone_256, phone_64 = (f.product(n, p) for n, p in
                                      (("128 GB", 300), ("256 GB", 380), ("64 GB", 250)))
    case, charger = f.product("Case", 10), f.product("Charger", 20)
    f.relation(phone_128, phone_256, kind="upgrade")          # an upgrade of the cart phone
    f.relation(phone_64, phone_128, kind="upgrade", status="blocked")  # a downgrade, any status
    f.relation(case, phone_256, position=0)                    # cases sell with phones...
    f.relation(case, phone_64, position=1)
    f.relation(case, charger, position=2)

    assert names(recommend.cart_complements([phone_128, case])) == ["Charger"]


def test_cart_substitute_categories(settings: Settings) -> None:
    phones = f.category("Phones")
    phone_a = f.product("Phone A", 300, in_category=phones)
    phone_b = f.product("Phone B", 320, in_category=phones)
    case = f.product("Case", 10)
    f.relation(case, phone_b, position=0)
    f.relation(case, f.product("Cable", 5), position=1)
    assert names(recommend.cart_complements([phone_a, case])) == ["Phone B", "Cable"]
    settings.UPCROSS = {**settings.UPCROSS, "SUBSTITUTE_CATEGORIES": [f.category_value(phones)]}
    assert names(recommend.cart_complements([phone_a, case])) == ["Cable"]


def test_cart_sums_the_evidence_of_its_lines() -> None:
    """Candidates rank by the sum of their lines' scores, not by how many lines suggest
    them: a strong suggestion of one line beats a weak one of three lines."""
    tent, stove, lamp = f.product("Tent", 200), f.product("Stove", 50), f.product("Lamp", 30)
    popular, single = f.product("Matches", 2), f.product("Hammock", 40)
    for source in (tent, stove, lamp):
        f.relation(source, popular, origin="mined", score=0.1, pair_count=6)
    f.relation(tent, single, origin="mined", score=0.95, pair_count=90)

    results = recommend.cart_complements([tent, stove, lamp])

    assert names(results) == ["Hammock", "Matches"]
    assert set(results[1].sources) == {tent, stove, lamp}
    assert results[1].score == pytest.approx(0.3)
    with override("en"):
        assert recommend.cart_complements([tent, stove, lamp])[1].reason == \
            "Goes with 3 items in your cart"


def test_cart_lines_that_agree_add_up() -> None:
    """Two lines at 0.4 (0.8 together) beat one line at 0.7; a manual relation still
    comes first whatever the mined scores."""
    tent, stove = f.product("Tent", 200), f.product("Stove", 50)
    shared, single, picked = f.product("Matches", 2), f.product("Hammock", 40), \
        f.product("Mug", 5)
    f.relation(tent, shared, origin="mined", score=0.4, pair_count=6)
    f.relation(stove, shared, origin="mined", score=0.4, pair_count=6)
    f.relation(tent, single, origin="mined", score=0.7, pair_count=60)
    f.relation(stove, picked, origin="manual", position=0)

    assert names(recommend.cart_complements([tent, stove])) == ["Mug", "Matches", "Hammock"]


def test_cart_popularity_prior_settles_close_calls(settings: Settings) -> None:
    """CART_POPULARITY_WEIGHT adds the weight times the candidate's share of all orders
    (confidence / lift of its row): a close call goes to what more shoppers buy, a clear
    one does not change, and 0 ranks by the evidence alone."""
    tent = f.product("Tent", 200)
    matches, hammock, lamp = f.product("Matches", 2), f.product("Hammock", 40), \
        f.product("Lamp", 30)
    # share of orders: matches 0.5 / 2.5 = 0.2, hammock 0.5 / 50 = 0.01, lamp 0.01
    f.relation(tent, matches, origin="mined", score=0.10, pair_count=50, confidence=0.5,
               lift=2.5)
    f.relation(tent, hammock, origin="mined", score=0.11, pair_count=50, confidence=0.5,
               lift=50.0)
    f.relation(tent, lamp, origin="mined", score=0.20, pair_count=50, confidence=0.5,
               lift=50.0)

    assert recommend.upcross_settings.CART_POPULARITY_WEIGHT == 0.1  # the default
    assert names(recommend.cart_complements([tent])) == ["Lamp", "Matches", "Hammock"]
    settings.UPCROSS = {**settings.UPCROSS, "CART_POPULARITY_WEIGHT": 0}
    assert names(recommend.cart_complements([tent])) == ["Lamp", "Hammock", "Matches"]


def test_cart_upgrades_one_per_line_in_cart_order() -> None:
    phone, laptop = f.product("Phone", 300), f.product("Laptop", 900)
    phone_pro, laptop_pro = f.product("Phone Pro", 400), f.product("Laptop Pro", 1200)
    f.relation(phone, phone_pro, kind="upgrade", position=0)
    f.relation(phone, f.product("Phone Max", 500), kind="upgrade", position=1)
    f.relation(laptop, laptop_pro, kind="upgrade")
    f.relation(laptop, phone, kind="upgrade")  # in the cart already: never offered

    offers = recommend.cart_upgrades([f.Line(laptop), f.Line(phone)])

    assert [(o.source, o.product) for o in offers] == [(laptop, laptop_pro), (phone, phone_pro)]
    assert offers[1].price_difference == Decimal("100")


def test_cache_is_invalidated_by_relation_changes_and_recomputes() -> None:
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    rel = f.relation(phone, case)
    assert names(recommend.complements(phone)) == ["Case"]

    rel.status = "blocked"
    rel.save()
    assert recommend.complements(phone) == []

    rel.delete()
    cable = f.product("Cable", 5)
    assert recommend.complements(phone) == []
    # A recompute writes in bulk (no model signals) and then sends the signal.
    from upcross.models import ProductRelation

    ProductRelation.objects.bulk_create([ProductRelation(source=phone, target=cable,
                                                         kind="complement", origin="mined")])
    assert recommend.complements(phone) == []  # still the cached (empty) answer
    relations_recomputed.send(sender=None, kind="complements", run=None, source_pks=None)
    assert names(recommend.complements(phone)) == ["Cable"]


def test_cache_is_invalidated_by_product_changes() -> None:
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    pro = f.product("Phone Pro", 400)
    f.relation(phone, case)
    f.relation(phone, pro, kind="upgrade")
    assert names(recommend.complements(phone)) == ["Case"]
    assert recommend.upgrades(phone)[0].price_difference == Decimal("100")

    f.set_available(case, False)
    assert recommend.complements(phone) == []
    f.set_available(case, True)
    assert names(recommend.complements(phone)) == ["Case"]

    f.set_price(phone, 350)
    assert recommend.upgrades(phone)[0].price_difference == Decimal("50")


def test_a_cache_outage_falls_back_to_the_database(settings: Settings) -> None:
    settings.CACHES = {**settings.CACHES, "down": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }}
    settings.UPCROSS = {**settings.UPCROSS, "CACHE_ALIAS": "down"}
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    rel = f.relation(phone, case)  # the invalidation receivers swallow the error too

    assert names(recommend.complements(phone)) == ["Case"]
    assert names(recommend.cart_complements([phone])) == ["Case"]
    rel.delete()
    assert recommend.complements(phone) == []


def test_products_given_by_pk_and_iterables_of_products() -> None:
    phone, case = f.product("Phone", 300), f.product("Case", 10)
    f.relation(phone, case)
    assert names(recommend.complements(phone.pk)) == ["Case"]
    assert names(recommend.cart_complements(iter([phone]))) == ["Case"]
    assert recommend.cart_complements([]) == []
    assert recommend.cart_upgrades(None) == []  # type: ignore[arg-type]
    assert recommend.complements(None) == []


def test_product_page_leaves_out_what_is_in_the_cart() -> None:
    phone, case, cable = f.product("Phone", 300), f.product("Case", 10), f.product("Cable", 5)
    f.relation(phone, case, position=0)
    f.relation(phone, cable, position=1)
    assert names(recommend.complements(phone, exclude=[f.Line(case)])) == ["Cable"]
    assert names(recommend.complements(phone, exclude=[str(cable.pk)])) == ["Case"]


@pytest.mark.shop("altshop")
def test_a_variant_without_relations_inherits_its_parents() -> None:
    phone = f.product("Phone", None)
    black = f.product("Phone black", 300, parent=phone)
    white = f.product("Phone white", 310, parent=phone)
    case, glass = f.product("Case", 10), f.product("Glass", 5)
    f.relation(phone, case, position=0)
    f.relation(phone, glass, position=1)
    f.relation(phone, black, position=2)  # the parent suggests a variant: not to itself
    f.relation(phone, f.product("Phone Pro", 500), kind="upgrade")
    f.relation(white, f.product("White strap", 12))  # white has relations of its own

    assert names(recommend.complements(black)) == ["Case", "Glass"]
    assert names(recommend.upgrades(black)) == ["Phone Pro"]
    assert recommend.upgrades(black)[0].price_difference == Decimal("200")
    assert names(recommend.complements(white)) == ["White strap"]
    assert names(recommend.cart_complements([black])) == ["Case", "Glass"]


@pytest.mark.shop("altshop")
def test_a_variant_blocks_one_inherited_suggestion() -> None:
    phone = f.product("Phone", None)
    black = f.product("Phone black", 300, parent=phone)
    case, glass = f.product("Case", 10), f.product("Glass", 5)
    f.relation(phone, case, position=0)
    f.relation(phone, glass, position=1)
    f.relation(black, case, status="blocked")
    assert names(recommend.complements(black)) == ["Glass"]


def parent_of(product: object) -> object:
    """A ``PRODUCT_FIELDS["parent"]`` callable (costs the facts query first)."""
    return getattr(product, "parent", None)


@pytest.mark.shop("altshop")
@pytest.mark.parametrize("parent", ["tests.test_recommend.parent_of", "parent__id"])
def test_variant_parent_from_a_callable_or_a_longer_path(settings: Settings,
                                                          parent: str) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "PRODUCT_FIELDS": {
        **settings.UPCROSS["PRODUCT_FIELDS"], "parent": parent}}
    phone = f.product("Phone", None)
    black = f.product("Phone black", 300, parent=phone)
    f.relation(phone, f.product("Case", 10))
    assert names(recommend.complements(black)) == ["Case"]
    assert names(recommend.cart_complements([f.Line(black)])) == ["Case"]


def test_anonymous_user_counts_as_no_customer() -> None:
    from django.contrib.auth.models import AnonymousUser

    shoes, laces = f.product("Shoes", 100), f.product("Laces", 5)
    f.relation(shoes, laces)
    assert names(recommend.complements(shoes, customer=AnonymousUser())) == ["Laces"]
    buyer = f.customer()
    f.order([laces], buyer=buyer)
    assert recommend.complements(shoes, customer=buyer.pk) == []
