"""upcross.pricing: bundle discounts with quantities, partial bundles and rounding (both shapes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_django import Settings

from tests import factories as f
from upcross.models import Bundle, BundleItem
from upcross.pricing import price_cart

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _upcross_settings(fresh_cache: None, settings: Settings) -> None:
    # Curated bundles only, unless a test builds them from complements.
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": None,
                        "PRICE_QUANTUM": "0.01", "PRICE_ROUNDING": "ROUND_HALF_UP"}


def curated(anchor: Any, *others: tuple[Any, int], percent: str = "10", **fields: Any) -> Bundle:
    bundle = Bundle.objects.create(product=anchor, discount_percent=D(percent), **fields)
    for position, (product, quantity) in enumerate(others):
        BundleItem.objects.create(bundle=bundle, product=product, quantity=quantity,
                                  position=position)
    return bundle


@pytest.fixture
def kit() -> tuple[Any, Any, Any]:
    return f.product("Camera", "100.00"), f.product("Lens", "50.00"), f.product("Bag", "20.00")


def test_complete_bundle_is_discounted_once_per_set(kit: tuple[Any, Any, Any]) -> None:
    camera, lens, bag = kit
    curated(camera, (lens, 1), (bag, 1), name="Camera kit")

    pricing = price_cart([f.Line(camera), f.Line(lens), f.Line(bag)])

    assert pricing.subtotal == D("170.00")
    [discount] = pricing.discounts
    assert (discount.name, discount.count, discount.amount) == ("Camera kit", 1, D("17.00"))
    assert pricing.total == D("153.00")


def test_partial_bundle_gets_nothing(kit: tuple[Any, Any, Any]) -> None:
    camera, lens, bag = kit
    curated(camera, (lens, 1), (bag, 1))

    pricing = price_cart([f.Line(camera, 3), f.Line(lens, 2)])

    assert pricing.discounts == ()
    assert pricing.total == pricing.subtotal == D("400.00")


def test_quantities_count_complete_sets_only(kit: tuple[Any, Any, Any]) -> None:
    camera, lens, bag = kit
    curated(camera, (lens, 1), (bag, 2))  # a set: camera + lens + two bags = 190.00

    # 3 cameras, 2 lenses, 5 bags: two complete sets (lenses limit), a bag and a camera over.
    pricing = price_cart([f.Line(camera, 3), f.Line(lens, 2), f.Line(bag, 5)])

    [discount] = pricing.discounts
    assert discount.count == 2
    assert discount.amount == D("38.00")  # 10 % of 2 x 190.00
    assert pricing.subtotal == D("500.00")
    assert pricing.total == D("462.00")

    # One bag short of a second set: one set.
    assert price_cart([f.Line(camera, 2), f.Line(lens, 2), f.Line(bag, 3)]).discounts[0].count == 1


def test_lines_of_the_same_product_add_up(kit: tuple[Any, Any, Any]) -> None:
    camera, lens, _bag = kit
    curated(camera, (lens, 2))
    pricing = price_cart([f.Line(camera), f.Line(lens), (lens, 1)])
    assert pricing.discounts[0].count == 1


@pytest.mark.parametrize(("rounding", "quantum", "expected"), [
    ("ROUND_HALF_UP", "0.01", D("0.38")),    # 10 % of 3.75 = 0.375
    ("ROUND_HALF_EVEN", "0.01", D("0.38")),  # ...to the even neighbour: 0.38
    ("ROUND_DOWN", "0.01", D("0.37")),
    ("ROUND_HALF_UP", "1", D("0")),
])
def test_discount_rounds_to_the_minor_unit(settings: Settings, rounding: str, quantum: str,
                                           expected: Decimal) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "PRICE_ROUNDING": rounding, "PRICE_QUANTUM": quantum}
    a, b = f.product("Pen", "1.25"), f.product("Ink", "2.50")
    curated(a, (b, 1))
    assert price_cart([f.Line(a), f.Line(b)]).discounts[0].amount == expected


def test_rounding_happens_once_per_bundle_not_per_set(settings: Settings) -> None:
    """3 sets of 3.75 at 10 %: 1.125 → 1.13 (per set it would be 3 x 0.38 = 1.14)."""
    a, b = f.product("Pen", "1.25"), f.product("Ink", "2.50")
    curated(a, (b, 1))
    pricing = price_cart([f.Line(a, 3), f.Line(b, 3)])
    assert pricing.discounts[0].amount == D("1.13")
    assert pricing.total == D("10.12")


def test_half_up_rounds_a_half_cent_up(settings: Settings) -> None:
    a, b = f.product("Clip", "0.05"), f.product("Pin", "0.20")  # set 0.25, 10 % = 0.025
    curated(a, (b, 1))
    assert price_cart([f.Line(a), f.Line(b)]).discounts[0].amount == D("0.03")
    settings.UPCROSS = {**settings.UPCROSS, "PRICE_ROUNDING": "ROUND_HALF_EVEN"}
    assert price_cart([f.Line(a), f.Line(b)]).discounts[0].amount == D("0.02")


def test_overlapping_bundles_use_each_unit_once_biggest_saving_first(
        kit: tuple[Any, Any, Any]) -> None:
    camera, lens, bag = kit
    curated(camera, (lens, 1), percent="10")  # saves 15.00
    curated(lens, (bag, 1), percent="20")     # saves 14.00
    pricing = price_cart([f.Line(camera), f.Line(lens), f.Line(bag)])
    assert [(d.amount, d.count) for d in pricing.discounts] == [(D("15.00"), 1)]

    pricing = price_cart([f.Line(camera), f.Line(lens, 2), f.Line(bag)])
    assert sorted(d.amount for d in pricing.discounts) == [D("14.00"), D("15.00")]
    assert pricing.total == D("220.00") - D("29.00")


def test_inactive_expired_and_unavailable_bundles_do_not_apply(kit: tuple[Any, Any, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    camera, lens, bag = kit
    lines = [f.Line(camera), f.Line(lens), f.Line(bag)]
    bundle = curated(camera, (lens, 1), is_active=False)
    assert price_cart(lines).discounts == ()
    bundle.is_active = True
    bundle.ends_at = timezone.now() - timedelta(minutes=1)
    bundle.save()
    assert price_cart(lines).discounts == ()
    bundle.ends_at = None
    bundle.save()
    assert len(price_cart(lines).discounts) == 1
    f.set_available(lens, False)
    assert price_cart(lines).discounts == ()


def test_unit_price_of_the_line_wins(kit: tuple[Any, Any, Any]) -> None:
    """Order lines carry the price paid: the discount is of that, not of today's price."""
    camera, lens, _bag = kit
    curated(camera, (lens, 1))

    class OrderLine(f.Line):
        def __init__(self, product: Any, unit_price: str) -> None:
            super().__init__(product)
            self.unit_price = D(unit_price)

    pricing = price_cart([OrderLine(camera, "80.00"), OrderLine(lens, "40.00")])
    assert pricing.subtotal == D("120.00")
    assert pricing.discounts[0].amount == D("12.00")


def test_bundle_built_from_top_complements_is_priced(settings: Settings,
                                                    kit: tuple[Any, Any, Any]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": "5", "BUNDLE_SIZE": 3}
    camera, lens, bag = kit
    f.relation(camera, lens, position=0)
    f.relation(camera, bag, position=1)

    pricing = price_cart([f.Line(camera), f.Line(lens), f.Line(bag)])
    [discount] = pricing.discounts
    assert discount.amount == D("8.50")
    assert discount.key == f"auto:{camera.pk}:{lens.pk}:{bag.pk}"
    # The camera and one complement only: no bundle.
    assert price_cart([f.Line(camera), f.Line(lens)]).discounts == ()


def test_bad_lines_are_clear_errors(kit: tuple[Any, Any, Any]) -> None:
    camera = kit[0]
    with pytest.raises(ValueError, match="quantity"):
        price_cart([f.Line(camera, 0)])
    with pytest.raises(ValueError, match="saved product"):
        price_cart([f.Line(None)])
    assert price_cart([]).total == D("0")


@pytest.mark.shop("altshop")  # demo products always have a price
def test_product_without_a_price_is_a_clear_error(settings: Settings) -> None:
    item = f.product("Unpriced", None)
    with pytest.raises(ValueError, match="no price"):
        price_cart([f.Line(item)])


def test_pricing_queries_are_bounded(django_assert_max_num_queries: Any,
                                     kit: tuple[Any, Any, Any]) -> None:
    camera, lens, bag = kit
    curated(camera, (lens, 1), (bag, 1))
    lines = [f.Line(p) for p in kit]
    with django_assert_max_num_queries(6):
        price_cart(lines)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("PRICE_ROUNDING", "ROUND_SOMETIMES", "upcross.E103"), ("PRICE_QUANTUM", "0", "upcross.E103"),
    ("PRICE_QUANTUM", "cents", "upcross.E103"), ("BUNDLE_DISCOUNT_PERCENT", 150, "upcross.E103"),
    ("BUNDLE_SIZE", 1, "upcross.E103"), ("FREE_SHIPPING_THRESHOLD", -5, "upcross.E103"),
    ("FREE_SHIPPING_THRESHOLD", [1], "upcross.E010"), ("BUNDLE_SIZE", True, "upcross.E010"),
])
def test_bad_money_settings_are_check_errors(settings: Settings, key: str, value: Any,
                                             expected: str) -> None:
    from django.core import checks

    settings.UPCROSS = {**settings.UPCROSS, key: value}
    found = [m for m in checks.run_checks() if m.id == expected]
    assert len(found) == 1 and key in found[0].msg


def test_a_bad_rounding_mode_is_a_clear_error_at_pricing_time_too(
        settings: Settings, kit: tuple[Any, Any, Any]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "PRICE_ROUNDING": "ROUND_SOMETIMES"}
    camera, lens, _bag = kit
    curated(camera, (lens, 1))
    with pytest.raises(ValueError, match="rounding mode"):
        price_cart([f.Line(camera), f.Line(lens)])


def test_built_bundles_of_a_big_cart_cost_a_fixed_number_of_queries(
        settings: Settings, django_assert_max_num_queries: Any) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "BUNDLE_DISCOUNT_PERCENT": 10, "BUNDLE_SIZE": 2}
    lines = []
    for n in range(12):
        source, target = f.product(f"Item {n}", "10.00"), f.product(f"Extra {n}", "5.00")
        f.relation(source, target)
        lines += [f.Line(source), f.Line(target)]
    pricing = price_cart(lines)  # fills the recommendation cache
    assert len(pricing.discounts) == 12
    with django_assert_max_num_queries(3):  # prices, curated bundles, anchor prices
        assert price_cart(lines).discount_total == D("18.00")
