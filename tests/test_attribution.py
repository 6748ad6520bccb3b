"""Attribution cannot be forged: signed widget tokens, stat rows only for
what a widget showed, a throttle on counted adds, no attribution for held-out orders."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories as f
from upcross.analytics import order_placed, widget_add
from upcross.analytics.attribution import SESSION_KEY, relation_value, sign_touch
from upcross.analytics.flush import flush_events
from upcross.models import RelationDailyStat, WidgetDailyStat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]


def adds() -> int:
    return sum(WidgetDailyStat.objects.values_list("adds", flat=True))


@pytest.mark.shop("demo")
def test_forged_widget_fields_count_nothing_through_the_cart() -> None:
    phone, case = f.product("Phone", "300.00"), f.product("Case", "25.50")  # no relation
    client = Client()
    forged = [{"upcross_widget": "complements", "upcross_relation": f"{phone.pk}:{case.pk}"},
              {"upcross_widget": "complements",
               "upcross_relation": relation_value(phone, case, "complements")[:-3] + "abc"},
              {"upcross_widget": "bundle"},
              {"upcross_widget": "complements", "upcross_relation": relation_value(
                  phone, phone, "complements")}]  # genuine, but for another product
    for n in range(40):
        client.post(reverse("cart:add"), {"product_id": case.pk, **forged[n % len(forged)]})
    client.post(reverse("orders:checkout"), {"email": "forger@example.com"})
    flush_events()
    assert adds() == 0
    assert not RelationDailyStat.objects.filter(adds__gt=0).exists()
    assert not RelationDailyStat.objects.filter(purchases__gt=0).exists()


@pytest.mark.shop("demo")
def test_the_bundle_add_all_token_credits_only_the_bundles_products(settings: Any) -> None:
    phone, case, strap = f.product("Phone", "300"), f.product("Case", "20"), f.product("S", "5")
    token = sign_touch("bundle", None, [phone, case])
    request = RequestFactory().post("/", {"upcross_widget": "bundle",
                                          "upcross_relation": token})
    request.session = {}  # type: ignore[attr-defined]
    assert widget_add(request, case) is not None
    assert widget_add(request, strap) is None
    assert list(request.session[SESSION_KEY]) == [str(case.pk)]


def test_counted_adds_are_throttled_per_client(settings: Any) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ATTRIBUTION_THROTTLE_RATE": "3/day"}
    token = relation_value(1, 2, "complements")
    counted = 0
    for _ in range(8):
        request = RequestFactory().post("/", {"upcross_widget": "complements",
                                              "upcross_relation": token})
        request.session = {}  # type: ignore[attr-defined]
        counted += widget_add(request, 2) is not None
    assert counted == 3


def test_held_out_visitors_adds_and_orders_carry_no_attribution(
        django_capture_on_commit_callbacks: Any) -> None:
    token = relation_value(1, 7, "complements")
    request = RequestFactory().post("/", {"upcross_widget": "complements",
                                          "upcross_relation": token})
    request.upcross_holdout = True  # type: ignore[attr-defined]
    request.session = {}  # type: ignore[attr-defined]
    assert widget_add(request, 7) is None and request.session == {}
    # even a remembered add (made before, or planted in the session) is not credited
    request.session = {SESSION_KEY: {"7": ["complements", "1"]}}  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        exposure = order_placed(request, "held-1", [(7, 50, "1899.00")])
    assert exposure is not None and exposure.group == "holdout"
    assert exposure.attributed_items == 0 and exposure.attributed_revenue == 0
    flush_events()
    assert not RelationDailyStat.objects.filter(purchases__gt=0).exists()
