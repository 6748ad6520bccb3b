"""The cold-start fallback: what the complements recompute writes besides mined rows,
and what the read path shows from it (``upcross.fallback``, ``upcross.cold_start``).

The suite's settings turn the fallback off (tests/settings_base.py: most tests expect
an empty widget for a product without relations); these tests turn it on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from tests import factories as f
from tests.celery_support import place_orders
from upcross import cache, recommend
from upcross import recompute as recomputing
from upcross.models import FallbackPick, ProductRelation

pytestmark = pytest.mark.django_db

ON = {"complements": True, "cart_complements": True}


def fallback(**widgets: bool) -> override_settings:
    from django.conf import settings

    return override_settings(UPCROSS={**settings.UPCROSS, "FALLBACK": {**ON, **widgets}})


class Shop:
    """Phones are bought with cases and chargers, cases with screen protectors; socks
    with shoes. The charger sells most. The "Lonely" product was never bought."""

    def __init__(self) -> None:
        self.phones, self.cases = f.category("Phones"), f.category("Cases")
        self.chargers, self.guards = f.category("Chargers"), f.category("Guards")
        self.shoes, self.socks = f.category("Shoes"), f.category("Socks")
        self.phone = f.product("Phone", 300, in_category=self.phones)
        self.phone2 = f.product("Phone 2", 350, in_category=self.phones)
        self.lonely = f.product("Lonely phone", 320, in_category=self.phones)
        self.case = f.product("Case", 20, in_category=self.cases)
        self.case2 = f.product("Case 2", 25, in_category=self.cases)
        self.charger = f.product("Charger", 15, in_category=self.chargers)
        self.charger2 = f.product("Charger 2", 18, in_category=self.chargers)
        self.guard = f.product("Guard", 8, in_category=self.guards)
        self.shoe = f.product("Shoe", 90, in_category=self.shoes)
        self.sock = f.product("Sock", 5, in_category=self.socks)
        now = timezone.now()
        place_orders(
            [([self.phone, self.case], None, now)] * 3
            + [([self.phone2, self.charger], None, now)] * 3
            + [([self.phone, self.charger2], None, now)] * 2
            + [([self.case2, self.guard], None, now)] * 2
            + [([self.case, self.guard], None, now)] * 1
            + [([self.shoe, self.sock], None, now)] * 5
            + [([self.charger], None, now)] * 6
        )


def pks(items: Any) -> list[Any]:
    return [item.product.pk for item in items]


def relations(source: Any, origin: str) -> list[ProductRelation]:
    return list(ProductRelation.objects.filter(source=source, origin=origin, kind="complement")
                .order_by("-score"))


def test_recompute_stores_category_picks_not_per_product_rows() -> None:
    """The fallback is kept per category (FallbackPick) and served at read time: the
    recompute writes no fallback relation to any product."""
    shop = Shop()
    with fallback():
        run = recomputing.recompute("complements")
        cache.clear()
        found = recommend.complements(shop.lonely, limit=8)
    assert run.status == "succeeded", run.error
    assert not ProductRelation.objects.filter(origin__in=["category", "best_seller"]).exists()
    phones = FallbackPick.objects.filter(category=str(f.category_value(shop.phones)))
    category = list(phones.filter(origin="category").order_by("rank"))
    # Products bought with phones (not phones themselves), the most bought-with first;
    # the charger sells mostly alone (lift below 1 with phones): not a category pick.
    assert [p.product_id for p in category] == [shop.case.pk, shop.charger2.pk]
    first = category[0]
    assert first.pair_count == 3 and first.lift is not None and first.lift >= 1
    assert first.confidence is not None and 0 < first.confidence <= 1
    best = {p.product_id for p in phones.filter(origin="best_seller")}
    # Best sellers of the categories bought with phones (the charger is the chargers').
    assert shop.charger.pk in best
    assert not ({p.product_id for p in category} | best) & {shop.phone.pk, shop.phone2.pk,
                                                           shop.lonely.pk}
    catalogue = list(FallbackPick.objects.filter(category="").order_by("rank"))
    assert catalogue[0].product_id == shop.charger.pk and catalogue[0].orders == 9
    # What the lonely phone shows is its category's picks, in their order, with evidence.
    assert pks(found)[:2] == [shop.case.pk, shop.charger2.pk]
    assert found[0].origin == "category" and found[0].pair_count == 3
    assert shop.charger.pk in pks(found) and len(found) >= 4


def test_product_page_chain_runs_manual_rule_mined_category_best_seller() -> None:
    shop = Shop()
    f.relation(shop.phone, shop.guard)  # manual
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = recommend.complements(shop.phone, limit=8)
    origins = [item.origin for item in found]
    assert origins[0] == "manual"
    ranks = [recommend.ORIGIN_RANK[origin] for origin in origins]
    assert ranks == sorted(ranks), origins
    assert "category" in origins or "best_seller" in origins
    reasons = {item.origin: item.reason for item in found}
    assert reasons.get("best_seller", "A best seller") == "A best seller"
    assert len(found) >= 4


def test_a_product_without_orders_shows_at_least_four_with_reasons() -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = recommend.complements(shop.lonely, limit=4)
    assert len(found) == 4
    assert {item.origin for item in found} <= {"category", "best_seller"}
    assert all(item.reason for item in found)
    assert found[0].reason == "Often bought with products like this"


def test_a_product_created_a_minute_ago_shows_four_with_reasons(
        django_capture_on_commit_callbacks: Any) -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        with django_capture_on_commit_callbacks(execute=True):
            new = f.product("Brand-new phone", 310, in_category=shop.phones)
        cache.clear()
        found = recommend.complements(new, limit=4)
    assert len(found) == 4, [item.origin for item in found]
    assert [item.origin for item in found][:2] == ["category", "category"]
    assert pks(found)[:2] == [shop.case.pk, shop.charger2.pk]
    assert {item.reason for item in found} <= {"Often bought with products like this",
                                              "A best seller"}
    assert not {shop.phone.pk, shop.phone2.pk, shop.lonely.pk} & set(pks(found))


def test_new_product_gets_nothing_written_without_fallback_or_rules(
        django_capture_on_commit_callbacks: Any) -> None:
    shop = Shop()
    with fallback(complements=False, cart_complements=False):
        recomputing.recompute("complements")
        with django_capture_on_commit_callbacks(execute=True):
            new = f.product("Brand-new phone", 310, in_category=shop.phones)
    assert not ProductRelation.objects.filter(source=new).exists()
    assert recommend.complements(new, limit=4) == []


def test_empty_cart_shows_the_best_sellers() -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = recommend.cart_complements([], limit=4)
    assert pks(found)[0] == shop.charger.pk  # 9 orders
    assert len(found) == 4
    assert {item.origin for item in found} == {"best_seller"}
    assert all(item.reason == "A best seller" for item in found)


def test_empty_cart_widget_is_titled_best_sellers() -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        html = f.render_tags("{% upcross_cart_complements cart limit=4 %}", cart=[])
    assert "Best sellers" in html and "Charger" in html
    with fallback(cart_complements=False):
        html = f.render_tags("{% upcross_cart_complements cart limit=4 %}", cart=[])
    assert "Charger" not in html
    del shop


def test_inactive_and_hidden_products_never_leak() -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        f.set_available(shop.case, False)
        f.set_available(shop.charger, False)
        cache.clear()
        page = recommend.complements(shop.lonely, limit=8)
        cart = recommend.cart_complements([f.Line(shop.lonely)], limit=8)
        empty = recommend.cart_complements([], limit=8)
    for found in (page, cart, empty):
        assert found and not {shop.case.pk, shop.charger.pk} & set(pks(found))


def test_fallback_off_per_widget_kind() -> None:
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
    with fallback(complements=False):
        cache.clear()
        assert recommend.complements(shop.lonely) == []
        assert len(recommend.cart_complements([f.Line(shop.lonely)], limit=4)) == 4
    with fallback(cart_complements=False):
        assert len(recommend.complements(shop.lonely, limit=4)) == 4
        assert recommend.cart_complements([f.Line(shop.lonely)]) == []
        assert recommend.cart_complements([]) == []


def test_cart_fills_up_after_every_line_evidence() -> None:
    """Mined complements of any line come first; fallbacks only fill what is left."""
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = recommend.cart_complements([f.Line(shop.shoe), f.Line(shop.lonely)], limit=4)
    origins = [item.origin for item in found]
    assert len(found) == 4
    assert origins[0] == "mined" and found[0].product.pk == shop.sock.pk
    assert set(origins[1:]) <= {"category", "best_seller"}
    assert found[1].reason == "Often bought with products like this"


def test_substitutes_among_the_picks_fill_one_place() -> None:
    """Two picks linked by an upgrade relation at the recompute replace one another: a
    widget filled from the fallback shows one of them."""
    shop = Shop()
    f.relation(shop.case, shop.case2, kind="upgrade")
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = pks(recommend.complements(shop.lonely, limit=8))
    groups = dict(FallbackPick.objects.filter(product__in=[shop.case, shop.case2])
                  .values_list("product", "substitute_group").distinct())
    assert groups[shop.case.pk] and groups[shop.case.pk] == groups[shop.case2.pk]
    assert shop.case.pk in found and shop.case2.pk not in found


def test_a_blocked_pick_is_not_shown_to_that_product() -> None:
    shop = Shop()
    f.relation(shop.lonely, shop.case, status="blocked")
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        found = pks(recommend.complements(shop.lonely, limit=8))
        other = pks(recommend.complements(shop.phone2, limit=8))
    assert found and shop.case.pk not in found
    assert shop.case.pk in other


PRODUCT_PAGE = ("{% upcross_complements product limit=4 %}"
                "{% upcross_upgrades product limit=2 %}")


@pytest.mark.parametrize("cart", [False, True])
def test_fallback_widgets_keep_the_query_budget(cart: bool, django_assert_max_num_queries: Any,
                                                django_assert_num_queries: Any) -> None:
    """The empty cart's best sellers: at most two queries cold, none warm. A product page
    served by the fallback: two cold, the first one after the cache lost the fallback
    table included (the picks come in the relation rows' statement), none warm."""
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        source = "{% upcross_cart_complements cart limit=4 %}" if cart else PRODUCT_PAGE
        context = {"cart": []} if cart else {"product": shop.lonely}
        cache.clear()
        if not cart:
            with django_assert_max_num_queries(2):
                f.render_tags(PRODUCT_PAGE, product=shop.phone)
            context = {"product": shop.lonely}
        with django_assert_max_num_queries(2):
            cold = f.render_tags(source, **context)
        with django_assert_num_queries(0):
            warm = f.render_tags(source, **context)
    assert cold.count('<li class="upcross-item"') == 4
    assert warm.count('<li class="upcross-item"') == 4


COMPLEMENTS = "{% upcross_complements product limit=4 %}"
CART = "{% upcross_cart_complements cart limit=4 %}"


def lose_the_cache(how: str, shop: Shop, capture: Any) -> None:
    """What makes every cached entry, card and the fallback table stale at once."""
    if how == "clear":
        cache.clear()
    elif how == "edit":  # a merchandiser saves a relation
        relation = ProductRelation.objects.filter(source=shop.shoe, kind="complement").first()
        assert relation is not None
        relation.score += 1
        relation.save()
    else:
        with capture(execute=True):  # the new set is announced on commit
            recomputing.recompute("complements")


@pytest.mark.parametrize("how", ["clear", "edit", "recompute"])
@pytest.mark.parametrize("widget", ["page", "complements", "cart"])
def test_first_widget_after_the_cache_lost_the_table_costs_two_queries(
        how: str, widget: str, django_assert_max_num_queries: Any,
        django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any) -> None:
    """Cold in every way at once (entries, cards, fallback table): still two queries,
    whether the page's product has evidence of its own (the phone: mined complements,
    short of the limit) or none (the lonely phone), and for a cart; none warm. Reading
    the picks with one query of their own cost three."""
    shop = Shop()
    source, context = {
        "page": (PRODUCT_PAGE, {"product": shop.phone}),
        "complements": (COMPLEMENTS, {"product": shop.lonely}),
        "cart": (CART, {"cart": [f.Line(shop.shoe), f.Line(shop.lonely)]}),
    }[widget]
    with fallback():
        recomputing.recompute("complements")
        before = f.render_tags(source, **context)
        f.render_tags(COMPLEMENTS, product=shop.phone2)  # the table is cached
        lose_the_cache(how, shop, django_capture_on_commit_callbacks)
        with django_assert_max_num_queries(2):
            cold = f.render_tags(source, **context)
        with django_assert_num_queries(0):
            warm = f.render_tags(source, **context)
    assert cold.count('<li class="upcross-item"') == before.count('<li class="upcross-item"')
    assert warm.count('<li class="upcross-item"') >= 4
    for html in (cold, warm):
        assert "Often bought with products like this" in html or "A best seller" in html


@contextmanager
def entry_cached_table_lost() -> Iterator[Shop]:
    """After a recompute and a cache clear, the lonely product's entry cached by a widget
    without the fallback, and the fallback table not cached."""
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        assert recommend.complements(shop.lonely, limit=4, fallback=False) == []
        yield shop


def test_a_cart_of_cached_and_new_lines_reads_the_table_with_the_new_ones(
        django_assert_max_num_queries: Any) -> None:
    """A line whose entry a widget without the fallback cached, and a line never seen:
    the missing entry and the missing table come in the same two queries (reading the
    table first, then the entry, cost four)."""
    with entry_cached_table_lost() as shop, django_assert_max_num_queries(2):
        found = recommend.cart_complements([f.Line(shop.lonely), f.Line(shop.guard)],
                                           limit=4)
    assert len(found) == 4
    assert {item.origin for item in found} <= {"mined", "category", "best_seller"}


def test_a_missing_table_alone_is_read_in_two_queries(django_assert_num_queries: Any) -> None:
    """The product's entry is cached (by a widget without the fallback), the table is
    not: the picks with their products, and their facts."""
    with entry_cached_table_lost() as shop:
        with django_assert_num_queries(2):
            found = recommend.complements(shop.lonely, limit=4)
        with django_assert_num_queries(0):
            again = recommend.complements(shop.lonely, limit=4)
    assert len(found) == 4 and pks(again) == pks(found)


def test_a_cached_pick_that_turns_unavailable_or_changes_price(
        django_capture_on_commit_callbacks: Any) -> None:
    """The table is cached with the relations' token; a picked product's card is not:
    when the product is saved its card is dropped, so a pick that turned unavailable is
    not shown, and one whose price changed shows the new price."""
    shop = Shop()
    with fallback():
        recomputing.recompute("complements")
        cache.clear()
        first = recommend.complements(shop.lonely, limit=4)
        assert pks(first)[:2] == [shop.case.pk, shop.charger2.pk]
        with django_capture_on_commit_callbacks(execute=True):
            f.set_available(shop.case, False)
            f.set_price(shop.charger2, "19.50")
        again = recommend.complements(shop.lonely, limit=4)
    assert shop.case.pk not in pks(again) and len(again) == 4
    charger2 = next(item for item in again if item.product.pk == shop.charger2.pk)
    assert charger2.price == Decimal("19.50")
