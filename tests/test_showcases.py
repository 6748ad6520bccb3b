"""Showcases: ranking, exclusions, pins and blocks, cache invalidation, query budget."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests import factories as f
from upcross import cache
from upcross.models import Bundle, BundleItem, ShowcaseDecision
from upcross.showcases import make_visitor, showcase
from upcross.showcases.builtin import decay_weight

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


names = f.names


def sell(product: Any, times: int, days_ago: float = 0, buyer: Any = None) -> None:
    for _ in range(times):
        placed = f.order([product], buyer=buyer)
        if days_ago:
            when = timezone.now() - datetime.timedelta(days=days_ago)
            field = "created_at" if f.is_demo() else "placed_on"
            type(placed).objects.filter(pk=placed.pk).update(**{field: when})


# --- best sellers ----------------------------------------------------------------------


def test_decay_weight_halves_each_half_life_and_stops_after_four() -> None:
    assert decay_weight(0, 14) > decay_weight(14, 14) > decay_weight(28, 14)
    assert decay_weight(1, 14) / decay_weight(15, 14) == pytest.approx(2.0)
    assert decay_weight(14 * 4, 14) == 0.0


def test_best_sellers_rank_recent_sales_above_older_ones() -> None:
    old, recent, slow = f.product("Old hit"), f.product("Recent hit"), f.product("Slow")
    sell(old, 6, days_ago=40)        # 6 sales of ~40 days: weight ~0.14 each
    sell(recent, 3, days_ago=1)      # 3 fresh sales: ~0.84 each
    sell(slow, 1, days_ago=2)
    assert names(showcase("best_sellers", 3)) == ["Recent hit", "Old hit", "Slow"]


def test_best_sellers_per_category() -> None:
    shoes = f.shoes_and_hats(rank=sell)
    assert names(showcase("best_sellers", 4)) == ["Cap", "Sandal", "Boot"]
    assert names(showcase("best_sellers", 4, category=f.category_value(shoes))) == [
        "Sandal", "Boot"]


def test_best_sellers_leave_out_unavailable_cart_and_bought() -> None:
    visitor = f.left_out_catalog(rank=sell)
    assert names(showcase("best_sellers", 4, visitor=visitor)) == ["Left"]
    assert names(showcase("best_sellers", 4)) == ["Carted", "Owned", "Left"]


def test_pins_come_first_and_blocks_leave_out() -> None:
    a, b, c, pinned = (f.product(n) for n in ("A", "B", "C", "Pinned"))
    sell(a, 3)
    sell(b, 2)
    sell(c, 1)
    assert names(showcase("best_sellers", 4)) == ["A", "B", "C"]
    ShowcaseDecision.objects.create(showcase="best_sellers", product=pinned, position=1)
    ShowcaseDecision.objects.create(showcase="best_sellers", product=a, status="blocked")
    ShowcaseDecision.objects.create(showcase="on_offer", product=b, status="blocked")
    results = showcase("best_sellers", 4)
    assert names(results) == ["Pinned", "B", "C"]
    assert results[0].reason == "Our pick"


def test_a_sale_a_decision_and_a_product_change_each_show_at_once() -> None:
    a, b = f.product("A"), f.product("B")
    sell(a, 2)
    assert names(showcase("best_sellers", 4)) == ["A"]
    f.set_price(a, "12.00")  # the product changed: the list is rebuilt
    assert showcase("best_sellers", 4)[0].price == pytest.approx(12)
    sell(b, 5)  # an order bumps the orders token the list is stamped with
    assert names(showcase("best_sellers", 4)) == ["B", "A"]
    ShowcaseDecision.objects.create(showcase="best_sellers", product=b, status="blocked")
    assert names(showcase("best_sellers", 4)) == ["A"]
    ShowcaseDecision.objects.all().delete()
    assert names(showcase("best_sellers", 4)) == ["B", "A"]


def test_best_sellers_cold_two_queries_warm_none(django_assert_num_queries: Any) -> None:
    for i in range(6):
        sell(f.product(f"P{i}"), i + 1)
    with django_assert_num_queries(2):
        cold = showcase("best_sellers", 4)
    with django_assert_num_queries(0):
        warm = showcase("best_sellers", 4)
    assert names(cold) == names(warm) == ["P5", "P4", "P3", "P2"]


# --- on offer --------------------------------------------------------------------------


def test_on_offer_ranks_open_windows_ending_soonest_first() -> None:
    now = timezone.now()
    anchor = f.product("Anchor")
    soon, later, closed, future, plain = (f.product(n) for n in
                                         ("Soon", "Later", "Closed", "Future", "Plain"))
    f.relation(anchor, later, ends_at=now + datetime.timedelta(days=5))
    f.relation(anchor, closed, ends_at=now - datetime.timedelta(days=1))
    f.relation(anchor, future, starts_at=now + datetime.timedelta(days=1),
               ends_at=now + datetime.timedelta(days=3))
    f.relation(anchor, plain)
    bundle = Bundle.objects.create(product=f.product("Bundle anchor"),
                                   ends_at=now + datetime.timedelta(days=2))
    BundleItem.objects.create(bundle=bundle, product=soon)
    results = showcase("on_offer", 5)
    # the bundle's two products end together (ties by pk), then the relation's target
    assert set(names(results)[:2]) == {"Bundle anchor", "Soon"}
    assert names(results)[2:] == ["Later"]
    assert results[0].ends_at == bundle.ends_at
    assert results.expires_at == bundle.ends_at


def test_on_offer_leaves_out_unavailable_and_blocked() -> None:
    now = timezone.now()
    anchor, a, b = f.product("Anchor"), f.product("A"), f.product("B")
    f.relation(anchor, a, ends_at=now + datetime.timedelta(days=1))
    f.relation(anchor, b, ends_at=now + datetime.timedelta(days=2))
    f.set_available(a, False)
    assert names(showcase("on_offer", 4)) == ["B"]
    ShowcaseDecision.objects.create(showcase="on_offer", product=b, status="blocked")
    assert names(showcase("on_offer", 4)) == []


def test_on_offer_cold_two_queries_warm_none(django_assert_num_queries: Any) -> None:
    anchor = f.product("Anchor")
    for i in range(3):
        f.relation(anchor, f.product(f"O{i}"),
                   ends_at=timezone.now() + datetime.timedelta(days=i + 1))
    with django_assert_num_queries(2):
        showcase("on_offer", 4)
    with django_assert_num_queries(0):
        assert names(showcase("on_offer", 4)) == ["O0", "O1", "O2"]
    sell(anchor, 1)  # offers are not ranked from orders: an order leaves the list warm
    with django_assert_num_queries(0):
        assert names(showcase("on_offer", 4)) == ["O0", "O1", "O2"]


# --- for you ---------------------------------------------------------------------------


def taste() -> dict[str, Any]:
    """A tent buyer's world: tent → pegs (strong), tent → lamp; stove → pot."""
    products = {n: f.product(n) for n in ("Tent", "Pegs", "Lamp", "Stove", "Pot", "Sofa")}
    f.relation(products["Tent"], products["Pegs"], origin="mined", score=0.5)
    f.relation(products["Tent"], products["Lamp"], origin="mined", score=0.2)
    f.relation(products["Stove"], products["Pot"], origin="mined", score=0.3)
    f.relation(products["Stove"], products["Lamp"], origin="mined", score=0.2)
    sell(products["Sofa"], 3)
    return products


def test_for_you_sums_the_scores_of_what_the_visitor_viewed() -> None:
    p = taste()
    results = showcase("for_you", 4, visitor=make_visitor(viewed=[p["Tent"], p["Stove"]]))
    # Lamp: 0.2 + 0.2; Pegs 0.5; Pot 0.3 — then best sellers fill up
    assert names(results) == ["Pegs", "Lamp", "Pot", "Sofa"]
    assert results[0].reason == "Picked for you from what you viewed"
    assert results[3].origin == "best_sellers"


def test_for_you_leaves_out_what_was_viewed_carted_and_bought() -> None:
    p = taste()
    buyer = f.customer()
    f.order([p["Pegs"]], buyer=buyer)
    visitor = make_visitor(viewed=[p["Tent"]], cart=[p["Stove"]], customer=buyer)
    results = showcase("for_you", 3, visitor=visitor)
    assert "Pegs" not in names(results) and "Tent" not in names(results)
    assert names(results)[:2] == ["Lamp", "Pot"]  # Lamp: 0.2 + 2 x 0.2 from the cart
    assert results[0].reason == "Goes with what is in your cart"


def test_for_you_from_purchases_alone() -> None:
    p = taste()
    buyer = f.customer()
    f.order([p["Stove"]], buyer=buyer)
    results = showcase("for_you", 2, visitor=make_visitor(customer=buyer))
    assert names(results) == ["Pot", "Lamp"]
    assert results[0].reason == "Goes with what you bought"


def test_for_you_new_visitor_gets_best_sellers() -> None:
    taste()
    results = showcase("for_you", 4, visitor=make_visitor())
    assert names(results) == ["Sofa"]
    assert results[0].origin == "best_sellers"


def test_for_you_pin_block_and_budget(django_assert_num_queries: Any) -> None:
    p = taste()
    ShowcaseDecision.objects.create(showcase="for_you", product=p["Lamp"], status="blocked")
    visitor = make_visitor(viewed=[p["Tent"]])
    with django_assert_num_queries(2):
        cold = showcase("for_you", 1, visitor=visitor)
    with django_assert_num_queries(0):
        warm = showcase("for_you", 1, visitor=visitor)
    assert names(cold) == names(warm) == ["Pegs"]
    other = make_visitor(viewed=[p["Stove"]])
    assert names(showcase("for_you", 2, visitor=other)) == ["Pot", "Sofa"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed_in"])
@pytest.mark.parametrize(("name", "anonymous", "buyer_sees"), [
    ("best_sellers", ["Sofa", "Pegs"], ["Sofa", "Pot"]),
    ("for_you", ["Pegs"], ["Lamp"]),
])
def test_cold_two_queries_warm_none_signed_in_or_not(
        name: str, anonymous: list[str], buyer_sees: list[str], signed_in: bool,
        django_assert_num_queries: Any) -> None:
    """A signed-in shopper's purchases (left out) cost no query of their own: the list's
    ranking query marks them, and the marks are cached beside the list."""
    p = taste()  # Sofa sold 3 times
    buyer = f.customer()
    sell(p["Pegs"], 2, buyer=buyer)
    sell(p["Pot"], 1)
    cache.clear()
    visitor = make_visitor(viewed=[p["Tent"]], customer=buyer if signed_in else None)
    limit = len(anonymous)
    with django_assert_num_queries(2):
        cold = showcase(name, limit, visitor=visitor)
    with django_assert_num_queries(0):
        warm = showcase(name, limit, visitor=visitor)
    assert names(cold) == names(warm) == (buyer_sees if signed_in else anonymous)
    if signed_in:
        sell(p["Sofa"], 1, buyer=buyer)  # the orders token: the marks are stale too
        assert "Sofa" not in names(showcase(name, 3, visitor=visitor))
        other = f.customer("other")
        sell(p["Pot"], 1, buyer=other)  # the list is shared, the marks are not
        assert "Pot" not in names(showcase(name, 3, visitor=make_visitor(
            viewed=[p["Tent"]], customer=other)))
        assert "Pegs" not in names(showcase(name, 3, visitor=visitor))


def test_unknown_showcase_is_a_lookup_error() -> None:
    from upcross.showcases.reading import UnknownShowcase

    with pytest.raises(UnknownShowcase):
        showcase("nope")
