"""Complement rules in the admin (preview, apply, permissions), the recompute's rule rows
(after manual, before mined), and the dashboard's "served by" counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.admin_support import make_merchandiser, merchandiser_group
from tests.celery_support import place_orders
from upcross import cache, recommend
from upcross import recompute as recomputing
from upcross.models import ComplementRule, ProductRelation

pytestmark = pytest.mark.django_db


def key_of(item: Any) -> str:
    return item.sku if f.is_demo() else item.slug


@pytest.fixture
def merch_client(client: Client) -> Client:
    client.force_login(make_merchandiser())
    return client


@pytest.fixture
def kit() -> dict[str, Any]:
    """Cameras and bags: Bag A sells most, Bag C is the cheapest; a lens is bought with the
    camera (mined); the strap is a manual complement."""
    cameras, bags, lenses = f.category("Cameras"), f.category("Bags"), f.category("Lenses")
    camera = f.product("Camera", "500.00", in_category=cameras)
    bag_a = f.product("Bag A", "80.00", in_category=bags)
    bag_b = f.product("Bag B", "300.00", in_category=bags)
    bag_c = f.product("Bag C", "40.00", in_category=bags)
    lens = f.product("Lens", "200.00", in_category=lenses)
    strap = f.product("Strap", "10.00", in_category=bags)
    now = timezone.now()
    place_orders([([camera, lens], None, now)] * 6 + [([bag_a], None, now)] * 3
                 + [([bag_b], None, now)] * 2)
    f.relation(camera, strap)  # manual
    return {"cameras": cameras, "bags": bags, "camera": camera, "bag_a": bag_a,
            "bag_b": bag_b, "bag_c": bag_c, "lens": lens, "strap": strap}


def rule_data(kit: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "Cameras get bags", "is_active": "on",
            "category": str(f.category_value(kit["cameras"])),
            "target_category": str(f.category_value(kit["bags"])), "min_price_percent": "",
            "max_price_percent": "", "sort": "best_selling", "limit": "2", "priority": "0",
            **fields}


def preview(client: Client, kit: dict[str, Any], url: str | None = None,
            **fields: Any) -> list[str]:
    response = client.post(url or reverse("admin:upcross_complementrule_add"), {
        **rule_data(kit, **fields), "preview_product": key_of(kit["camera"]),
        "_preview": "Preview"})
    assert response.status_code == 200, response.content[:300]
    result = response.context["preview"]
    assert result is not None, response.context["errors"]
    return [str(candidate.product) for candidate in result.candidates]


def test_merchandisers_may_manage_complement_rules_and_view_fallback_picks() -> None:
    codenames = set(merchandiser_group().permissions.filter(
        content_type__app_label="upcross").values_list("codename", flat=True))
    assert {"view_complementrule", "add_complementrule", "change_complementrule",
            "delete_complementrule", "view_fallbackpick"} <= codenames
    assert "change_fallbackpick" not in codenames


def test_preview_sorts_bands_and_never_saves(merch_client: Client, kit: dict[str, Any]) -> None:
    assert preview(merch_client, kit) == ["Bag A", "Bag B"]  # most orders first
    assert preview(merch_client, kit, sort="lowest_price") == ["Strap", "Bag C"]
    # At most half the camera's price: Bag B (60 %) is out of the band.
    banded = preview(merch_client, kit, max_price_percent="50", limit="4")
    assert banded[0] == "Bag A" and sorted(banded[1:]) == ["Bag C", "Strap"]  # unsold: by pk
    assert not ComplementRule.objects.exists()


def test_preview_for_a_product_outside_the_rule(merch_client: Client,
                                                kit: dict[str, Any]) -> None:
    response = merch_client.post(reverse("admin:upcross_complementrule_add"), {
        **rule_data(kit), "preview_product": key_of(kit["lens"]), "_preview": "1"})
    assert response.status_code == 200
    assert not response.context["preview"].applies
    assert "does not apply" in response.content.decode()


def test_a_band_upside_down_is_a_form_error(merch_client: Client, kit: dict[str, Any]) -> None:
    response = merch_client.post(reverse("admin:upcross_complementrule_add"), rule_data(
        kit, min_price_percent="60", max_price_percent="10", preview_product=""))
    assert response.status_code == 200
    assert "The maximum must not be below the minimum." in response.content.decode()
    assert not ComplementRule.objects.exists()


def test_rule_rows_rank_after_manual_and_before_mined(merch_client: Client,
                                                      kit: dict[str, Any]) -> None:
    response = merch_client.post(reverse("admin:upcross_complementrule_add"),
                                 {**rule_data(kit), "preview_product": ""})
    assert response.status_code == 302, response.content[:500]
    run = recomputing.recompute("complements")
    assert run.status == "succeeded", run.error
    rows = ProductRelation.objects.filter(source=kit["camera"], origin="rule")
    assert {r.target_id for r in rows} == {kit["bag_a"].pk, kit["bag_b"].pk}
    cache.clear()
    found = recommend.complements(kit["camera"], limit=8)
    assert [(str(item.product), item.origin) for item in found] == [
        ("Strap", "manual"), ("Bag A", "rule"), ("Bag B", "rule"), ("Lens", "mined")]
    assert found[1].reason == "Goes well with this"
    # What the preview shows is what the recompute wrote.
    rule = ComplementRule.objects.get()
    assert preview(merch_client, kit, url=reverse("admin:upcross_complementrule_change",
                                                  args=[rule.pk])) == ["Bag A", "Bag B"]
    # Switched off, the next recompute removes its rows; the manual one stays.
    rule.is_active = False
    rule.save()
    recomputing.recompute("complements")
    assert not ProductRelation.objects.filter(origin="rule").exists()
    assert ProductRelation.objects.filter(source=kit["camera"], origin="manual").exists()


def test_rules_feed_a_product_created_after_the_recompute(
        kit: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    ComplementRule.objects.create(name="Cameras get bags", category=str(
        f.category_value(kit["cameras"])), target_category=str(f.category_value(kit["bags"])),
        limit=2)
    recomputing.recompute("complements")
    with django_capture_on_commit_callbacks(execute=True):
        new = f.product("New camera", "450.00", in_category=kit["cameras"])
    cache.clear()
    found = recommend.complements(new, limit=4)
    assert [(str(item.product), item.origin) for item in found] == [
        ("Bag A", "rule"), ("Bag B", "rule")]  # the suite runs without fallbacks


def test_apply_rules_now_recomputes_complements(merch_client: Client, kit: dict[str, Any],
                                                django_capture_on_commit_callbacks: Any
                                                ) -> None:
    from celery import current_app

    from upcross.models import MiningRun

    ComplementRule.objects.create(name="Cameras get bags", category=str(
        f.category_value(kit["cameras"])), target_category=str(f.category_value(kit["bags"])),
        limit=1)
    page = merch_client.get(reverse("admin:upcross_complementrule_changelist"))
    assert page.status_code == 200 and b"Apply rules now" in page.content
    assert b"Cameras" in page.content and b"Bags" in page.content
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = merch_client.post(reverse("admin:upcross_complementrule_apply"),
                                         follow=True)
    finally:
        current_app.conf.task_always_eager = previous
    assert "a recompute of complements started" in response.content.decode()
    assert MiningRun.objects.get().kind == "complements"
    assert ProductRelation.objects.filter(source=kit["camera"], target=kit["bag_a"],
                                          origin="rule").exists()


def test_dashboard_counts_products_by_serving_source(merch_client: Client,
                                                     kit: dict[str, Any]) -> None:
    from django.conf import settings

    f.product("Camera 2", "450.00", in_category=kit["cameras"])  # never sold
    on = {"complements": True, "cart_complements": True}
    with override_settings(UPCROSS={**settings.UPCROSS, "FALLBACK": on}):
        recomputing.recompute("complements")
        response = merch_client.get(reverse("admin:upcross_productrelation_dashboard"))
        served = {row.origin: row.products for row in response.context["served_by"]}
    # Camera: manual first; the lens: mined (with the camera); Camera 2: the lens, bought
    # with cameras (category); bags are bought alone: the catalogue's best sellers.
    assert (served["manual"], served["mined"], served["category"]) == (1, 1, 1)
    assert (served["best_seller"], served[""]) == (4, 0)
    assert sum(served.values()) == 7
    assert 'id="upcross-served-by"' in response.content.decode()
    off = merch_client.get(reverse("admin:upcross_productrelation_dashboard"))
    served_off = {row.origin: row.products for row in off.context["served_by"]}
    assert served_off["category"] == served_off["best_seller"] == 0
    assert served_off[""] == 5
