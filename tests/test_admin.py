"""The merchandiser admin through the test client, on both shop shapes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.admin_support import form_data, make_merchandiser, make_staff, merchandiser_group
from upcross.adapters import get_adapter
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:upcross_productrelation_changelist"


def key_of(item: Any) -> str:
    """How a merchandiser names a product: SKU in the demo, slug in the altshop."""
    return item.sku if factories.is_demo() else item.slug


@pytest.fixture
def merch_client(client: Client) -> Client:
    client.force_login(make_merchandiser())
    return client


@pytest.fixture
def catalog() -> dict[str, Any]:
    """Two categories; a mined, a manual and a blocked relation."""
    kitchen, garden = factories.category("Kitchen"), factories.category("Garden")
    pan = factories.product("Frying pan", "20.00", in_category=kitchen)
    lid = factories.product("Glass lid", "8.00", in_category=kitchen)
    oil = factories.product("Olive oil", "6.00", in_category=kitchen)
    hose = factories.product("Garden hose", "15.00", in_category=garden)
    nozzle = factories.product("Hose nozzle", "4.00", in_category=garden)
    mined = factories.relation(pan, lid, origin="mined", pair_count=12, confidence=0.31,
                               lift=2.4, support=0.01, score=0.5)
    manual = factories.relation(hose, nozzle, position=1)
    blocked = factories.relation(pan, oil, origin="mined", status="blocked", pair_count=3)
    return {"kitchen": kitchen, "garden": garden, "pan": pan, "lid": lid, "oil": oil,
            "hose": hose, "nozzle": nozzle, "mined": mined, "manual": manual,
            "blocked": blocked}


def changelist(client: Client, **params: Any) -> Any:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200, response.content[:500]
    return response


def listed(response: Any) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


# --- the group -----------------------------------------------------------------------

def test_migration_creates_the_merchandiser_group() -> None:
    codenames = set(merchandiser_group().permissions.values_list(
        "content_type__app_label", "codename"))
    for model in ("productrelation", "upgraderule"):
        for action in ("view", "add", "change", "delete"):
            assert ("upcross", f"{action}_{model}") in codenames
    assert ("upcross", "view_miningrun") in codenames
    assert ("upcross", "change_miningrun") not in codenames  # history is read-only
    product = get_adapter().product_model()._meta
    assert (product.app_label, f"view_{product.model_name}") in codenames
    # upcross's own schedules only (upcross.admin.schedules), never the host's tasks
    assert ("upcross", "change_upcross_schedule") in codenames
    assert ("django_celery_beat", "change_periodictask") not in codenames
    assert ("django_celery_beat", "view_periodictask") not in codenames
    assert ("django_celery_beat", "change_crontabschedule") not in codenames
    assert ("django_celery_beat", "delete_periodictask") not in codenames
    for action in ("view", "add", "change", "delete"):  # merchandisers curate bundles
        assert ("upcross", f"{action}_bundle") in codenames


# --- relations changelist --------------------------------------------------------------

def test_changelist_shows_relations_with_their_evidence(merch_client: Client,
                                                        catalog: dict[str, Any]) -> None:
    response = changelist(merch_client)
    assert listed(response) == {catalog["mined"].pk, catalog["manual"].pk, catalog["blocked"].pk}
    html = response.content.decode()
    assert "12 orders · confidence 0.31 · lift 2.40" in html
    for header in ("source product", "suggested product", "kind", "origin", "status",
                   "position", "evidence"):
        assert header in html.lower()
    assert "Review 1 new suggestion" in html  # the mined, active, unreviewed row
    for label in ("Dashboard", "Import CSV", "Export CSV"):
        assert label in html


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "complement"}, {"mined", "manual", "blocked"}),
    ({"kind": "upgrade"}, set()),
    ({"origin": "mined"}, {"mined", "blocked"}),
    ({"origin": "manual"}, {"manual"}),
    ({"status": "blocked"}, {"blocked"}),
    ({"review": "new"}, {"mined"}),
])
def test_filters(merch_client: Client, catalog: dict[str, Any], params: dict[str, str],
                 expected: set[str]) -> None:
    response = changelist(merch_client, **params)
    assert listed(response) == {catalog[name].pk for name in expected}


def test_filter_by_the_source_category(merch_client: Client, catalog: dict[str, Any]) -> None:
    response = changelist(merch_client)
    cl = response.context["cl"]
    choices = [choice["display"] for spec in cl.filter_specs
               if spec.title == "source category" for choice in spec.choices(cl)]
    assert {"Kitchen", "Garden"} <= set(choices)
    kitchen = factories.category_value(catalog["kitchen"])
    response = changelist(merch_client, source_category=str(kitchen))
    assert listed(response) == {catalog["mined"].pk, catalog["blocked"].pk}
    garden = factories.category_value(catalog["garden"])
    assert listed(changelist(merch_client, source_category=str(garden))) == {catalog["manual"].pk}


def test_a_nonsense_category_value_is_not_a_server_error(merch_client: Client,
                                                         catalog: dict[str, Any]) -> None:
    response = merch_client.get(reverse(CHANGELIST), {"source_category": "not-a-key"})
    assert response.status_code in (200, 302)


def test_search_by_product_name_and_sku_or_slug(merch_client: Client,
                                                catalog: dict[str, Any]) -> None:
    assert listed(changelist(merch_client, q="nozzle")) == {catalog["manual"].pk}
    assert listed(changelist(merch_client, q=key_of(catalog["lid"]))) == {catalog["mined"].pk}


# --- the add and change forms ------------------------------------------------------------

def test_product_fields_autocomplete(merch_client: Client, catalog: dict[str, Any]) -> None:
    html = merch_client.get(reverse("admin:upcross_productrelation_add")).content.decode()
    assert 'name="source"' in html and "admin-autocomplete" in html  # host admin searches
    response = merch_client.get(reverse("admin:autocomplete"), {
        "app_label": "upcross", "model_name": "productrelation", "field_name": "source",
        "term": "hose"})
    assert response.status_code == 200  # the group's view permission on products
    assert {row["text"] for row in response.json()["results"]} == {"Garden hose",
                                                                   "Hose nozzle"}


def test_product_fields_fall_back_to_raw_id_without_a_searchable_product_admin(
        merch_client: Client, catalog: dict[str, Any], monkeypatch: Any) -> None:
    from django.contrib import admin

    monkeypatch.delitem(admin.site._registry, get_adapter().product_model())
    assert "upcross.W050" in admin_check_ids()
    html = merch_client.get(reverse("admin:upcross_productrelation_add")).content.decode()
    assert 'type="text" name="source"' in html and "admin-autocomplete" not in html
    response = add_relation(merch_client, source=catalog["oil"].pk,
                            target=catalog["nozzle"].pk, kind="complement")
    assert response.status_code == 302


def add_relation(client: Client, **fields: Any) -> Any:
    url = reverse("admin:upcross_productrelation_add")
    data = form_data(client.get(url).content, "productrelation_form")
    data.update({key: str(value) for key, value in fields.items()})
    return client.post(url, data)


def test_adding_a_complement_can_add_the_reverse_too(merch_client: Client,
                                                     catalog: dict[str, Any]) -> None:
    pan, oil = catalog["pan"], catalog["hose"]
    response = add_relation(merch_client, source=pan.pk, target=oil.pk, kind="complement",
                            position=2, add_reverse="on")
    assert response.status_code == 302, response.content.decode()[:3000]
    forward = ProductRelation.objects.get(source=pan, target=oil, kind="complement")
    backward = ProductRelation.objects.get(source=oil, target=pan, kind="complement")
    assert forward.origin == backward.origin == "manual"
    assert backward.position == 2


def test_adding_without_the_checkbox_adds_one_direction(merch_client: Client,
                                                        catalog: dict[str, Any]) -> None:
    response = add_relation(merch_client, source=catalog["oil"].pk,
                            target=catalog["nozzle"].pk, kind="complement")
    assert response.status_code == 302
    assert not ProductRelation.objects.filter(source=catalog["nozzle"]).exists()


def test_add_form_rejects_a_self_relation_and_a_reverse_upgrade(
        merch_client: Client, catalog: dict[str, Any]) -> None:
    pan = catalog["pan"]
    response = add_relation(merch_client, source=pan.pk, target=pan.pk, kind="complement")
    assert response.status_code == 200
    assert "A product cannot be suggested for itself." in response.content.decode()
    response = add_relation(merch_client, source=catalog["lid"].pk, target=pan.pk,
                            kind="upgrade", add_reverse="on")
    assert response.status_code == 200
    assert "Only complements go both ways" in response.content.decode()
    response = add_relation(merch_client, source=pan.pk, target=catalog["lid"].pk,
                            kind="complement")
    assert response.status_code == 200  # the mined pair exists already
    assert "already exists" in response.content.decode()
    assert ProductRelation.objects.count() == 3


def test_editing_a_mined_row_by_hand_makes_it_manual(merch_client: Client,
                                                     catalog: dict[str, Any]) -> None:
    mined = catalog["mined"]
    url = reverse("admin:upcross_productrelation_change", args=[mined.pk])
    page = merch_client.get(url)
    assert "Evidence (mined from orders, read-only)" in page.content.decode()
    data = form_data(page.content, "productrelation_form")
    data["position"] = "5"
    assert merch_client.post(url, data).status_code == 302
    mined.refresh_from_db()
    assert (mined.origin, mined.position, mined.pair_count) == ("manual", 5, 12)


# --- bulk actions --------------------------------------------------------------------------

def act(client: Client, action: str, *relations: ProductRelation, **extra: Any) -> Any:
    return client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [r.pk for r in relations], **extra})


def test_keep_as_manual_block_unblock_and_mark_reviewed(merch_client: Client,
                                                        catalog: dict[str, Any]) -> None:
    mined, blocked = catalog["mined"], catalog["blocked"]
    assert act(merch_client, "keep_as_manual", mined).status_code == 302
    mined.refresh_from_db()
    assert mined.origin == "manual" and mined.reviewed_at is not None
    act(merch_client, "unblock", blocked)
    blocked.refresh_from_db()
    assert blocked.status == "active"
    act(merch_client, "block", blocked, mined)
    assert set(ProductRelation.objects.filter(status="blocked").values_list("pk", flat=True)) \
        == {mined.pk, blocked.pk}
    act(merch_client, "mark_reviewed", catalog["manual"])
    catalog["manual"].refresh_from_db()
    assert catalog["manual"].reviewed_at is not None


def test_delete_action_asks_then_deletes(merch_client: Client, catalog: dict[str, Any]) -> None:
    manual = catalog["manual"]
    response = act(merch_client, "delete_selected", manual)
    assert response.status_code == 200 and b"Are you sure" in response.content
    act(merch_client, "delete_selected", manual, post="yes")
    assert not ProductRelation.objects.filter(pk=manual.pk).exists()


def test_review_accept_and_block_in_bulk(merch_client: Client, catalog: dict[str, Any]) -> None:
    extra = factories.relation(catalog["hose"], catalog["pan"], origin="mined", pair_count=6)
    assert listed(changelist(merch_client, review="new")) == {catalog["mined"].pk, extra.pk}
    act(merch_client, "keep_as_manual", catalog["mined"])
    act(merch_client, "block", extra)
    assert listed(changelist(merch_client, review="new")) == set()
    assert listed(changelist(merch_client, review="reviewed")) == {catalog["mined"].pk, extra.pk}


def test_a_blocked_relation_leaves_the_read_path(merch_client: Client,
                                                 catalog: dict[str, Any]) -> None:
    from upcross import recommend

    pan = catalog["pan"]
    assert [s.product.pk for s in recommend.complements(pan)] == [catalog["lid"].pk]
    act(merch_client, "block", catalog["mined"])
    assert recommend.complements(pan) == []


def test_view_only_staff_cannot_run_change_actions(client: Client,
                                                   catalog: dict[str, Any]) -> None:
    user = make_staff("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_productrelation"))
    client.force_login(user)
    assert changelist(client).status_code == 200
    act(client, "block", catalog["mined"])
    catalog["mined"].refresh_from_db()
    assert catalog["mined"].status == "active"


# --- the product inline ---------------------------------------------------------------------

@pytest.fixture
def product_editor(client: Client) -> Client:
    """A merchandiser who may also edit products (the host grants that, not upcross)."""
    user = make_merchandiser("editor")
    grant_product_editing(user)
    client.force_login(user)
    return client


def grant_product_editing(user: Any) -> None:
    meta = get_adapter().product_model()._meta
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label=meta.app_label,
        codename__in=[f"view_{meta.model_name}", f"change_{meta.model_name}"]))


def product_change_url(item: Any) -> str:
    meta = get_adapter().product_model()._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[item.pk])


def product_form_id() -> str:
    return f"{get_adapter().product_model()._meta.model_name}_form"


def upcross_formsets(response: Any) -> list[Any]:
    """The complements and upgrades inlines (the host may have inlines of its own)."""
    return [f for f in response.context["inline_admin_formsets"]
            if f.opts.model is ProductRelation]


def test_product_inline_lists_edits_and_adds(product_editor: Client,
                                             catalog: dict[str, Any]) -> None:
    pan = catalog["pan"]
    steel = factories.product("Steel pan", "28.00", in_category=catalog["kitchen"])
    upgrade = factories.relation(pan, steel, kind="upgrade")
    catalog["blocked"].position = 0
    catalog["blocked"].save()
    ProductRelation.objects.filter(pk=catalog["mined"].pk).update(position=1)
    url = product_change_url(pan)
    response = product_editor.get(url)
    html = response.content.decode()
    assert "Complements (add this too)" in html and "Upgrades (upgrade to)" in html
    complements, upgrades = upcross_formsets(response)
    assert [form.instance.pk for form in complements.formset.forms] == [
        catalog["blocked"].pk, catalog["mined"].pk]
    assert [form.instance.pk for form in upgrades.formset.forms] == [upgrade.pk]
    assert "12 orders · confidence 0.31 · lift 2.40" in html  # evidence, read-only
    assert 'name="upcross_relations_from-0-pair_count"' not in html

    data = form_data(response.content, product_form_id())
    prefix = complements.formset.prefix
    data[f"{prefix}-1-position"] = "0"  # the mined row moves up: now curated by hand
    data[f"{prefix}-0-position"] = "3"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-target"] = str(catalog["nozzle"].pk)
    data[f"{prefix}-{total}-position"] = "2"
    data[f"{prefix}-{total}-status"] = "active"
    response = product_editor.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    mined = ProductRelation.objects.get(pk=catalog["mined"].pk)
    assert (mined.position, mined.origin) == (0, "manual")
    added = ProductRelation.objects.get(source=pan, target=catalog["nozzle"])
    assert (added.kind, added.origin, added.position) == ("complement", "manual", 2)
    assert ProductRelation.objects.filter(source=pan, kind="upgrade").count() == 1


def test_product_inline_rejects_self_and_duplicate_targets(product_editor: Client,
                                                          catalog: dict[str, Any]) -> None:
    pan = catalog["pan"]
    url = product_change_url(pan)
    response = product_editor.get(url)
    prefix = upcross_formsets(response)[0].formset.prefix
    data = form_data(response.content, product_form_id())
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-target"] = str(pan.pk)
    data[f"{prefix}-{total}-position"] = "0"
    data[f"{prefix}-{total}-status"] = "active"
    response = product_editor.post(url, data)
    assert response.status_code == 200
    assert "A product cannot be suggested for itself." in response.content.decode()
    data[f"{prefix}-{total}-target"] = str(catalog["lid"].pk)  # already the mined complement
    response = product_editor.post(url, data)
    assert response.status_code == 200
    assert "is already related to this product" in response.content.decode()
    assert ProductRelation.objects.filter(source=pan).count() == 2


def test_staff_without_upcross_permissions_gets_no_inline(client: Client,
                                                          catalog: dict[str, Any]) -> None:
    user = make_staff("catalog-only")
    grant_product_editing(user)
    client.force_login(user)
    response = client.get(product_change_url(catalog["pan"]))
    assert response.status_code == 200
    assert upcross_formsets(response) == []


# --- upgrade rules ---------------------------------------------------------------------------

@pytest.fixture
def ladder() -> dict[str, Any]:
    """A kettle at 100 and pricier kettles around it; one order of the 150 model."""
    cat = factories.category("Kettles")
    other = factories.category("Toasters")
    items = {price: factories.product(f"Kettle {price}", price, in_category=cat)
             for price in ("100.00", "104.00", "110.00", "130.00", "150.00", "170.00")}
    items["toaster"] = factories.product("Toaster 120", "120.00", in_category=other)
    factories.order([items["150.00"]])
    factories.order([items["150.00"], items["toaster"]])
    factories.order([items["130.00"]])
    return {"cat": cat, "other": other, **items}


def preview(client: Client, product: Any, url: str | None = None, **fields: Any) -> Any:
    url = url or reverse("admin:upcross_upgraderule_add")
    data = {"name": "Kettles up", "is_active": "on", "category": "", "min_price_increase": "5",
            "max_price_increase": "60", "sort": "best_selling", "limit": "3", "priority": "0",
            "preview_product": key_of(product), "_preview": "Preview", **fields}
    return client.post(url, data)


def previewed(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    result = response.context["preview"]
    assert result is not None, response.context["errors"]
    return [str(candidate.product) for candidate in result.candidates]


def test_rule_preview_same_category_price_band_sorted(merch_client: Client,
                                                      ladder: dict[str, Any]) -> None:
    kettle = ladder["100.00"]
    assert previewed(preview(merch_client, kettle)) == ["Kettle 150.00", "Kettle 130.00",
                                                        "Kettle 110.00"]
    assert previewed(preview(merch_client, kettle, sort="closest_price")) == [
        "Kettle 110.00", "Kettle 130.00", "Kettle 150.00"]
    assert previewed(preview(merch_client, kettle, min_price_increase="20",
                             max_price_increase="40")) == ["Kettle 130.00"]
    scoped = preview(merch_client, kettle, category=str(factories.category_value(ladder["other"])))
    assert previewed(scoped) == [] and not scoped.context["preview"].applies
    assert b"does not apply to this product" in scoped.content
    from upcross.models import UpgradeRule

    assert not UpgradeRule.objects.exists()  # a preview never saves


def test_rule_preview_with_margin_needs_a_cost_field(merch_client: Client,
                                                     ladder: dict[str, Any], settings: Any
                                                     ) -> None:
    response = preview(merch_client, ladder["100.00"], sort="highest_margin")
    assert response.context["preview"] is None
    assert "Sorting by margin needs a cost" in response.content.decode()
    if factories.is_demo():
        settings.UPCROSS = {**settings.UPCROSS,
                            "PRODUCT_FIELDS": {**settings.UPCROSS["PRODUCT_FIELDS"],
                                               "cost": "cost"}}
        for price, cost in (("110.00", "20"), ("130.00", "120"), ("150.00", "100")):
            ladder[price].cost = Decimal(cost)
            ladder[price].save()
        assert previewed(preview(merch_client, ladder["100.00"], sort="highest_margin")) == [
            "Kettle 110.00", "Kettle 150.00", "Kettle 130.00"]


def test_rule_preview_names_an_unknown_product(merch_client: Client,
                                               ladder: dict[str, Any]) -> None:
    response = merch_client.post(reverse("admin:upcross_upgraderule_add"), {
        "name": "x", "min_price_increase": "5", "max_price_increase": "60",
        "sort": "best_selling", "limit": "3", "priority": "0", "preview_product": "nope",
        "_preview": "1"})
    assert response.status_code == 200
    assert "No product with id, SKU or slug “nope”." in response.content.decode()


def test_rules_save_and_list_with_their_scope(merch_client: Client,
                                              ladder: dict[str, Any]) -> None:
    from upcross.models import UpgradeRule

    value = str(factories.category_value(ladder["cat"]))
    page = merch_client.get(reverse("admin:upcross_upgraderule_add")).content.decode()
    assert "All categories" in page and "Kettles" in page
    response = merch_client.post(reverse("admin:upcross_upgraderule_add"), {
        "name": "Kettles up", "is_active": "on", "category": value,
        "min_price_increase": "5", "max_price_increase": "60", "sort": "closest_price",
        "limit": "2", "priority": "1", "preview_product": ""})
    assert response.status_code == 302
    rule = UpgradeRule.objects.get()
    assert (rule.category, rule.sort, rule.limit) == (value, "closest_price", 2)
    listing = merch_client.get(reverse("admin:upcross_upgraderule_changelist")).content.decode()
    assert "Kettles" in listing
    change = reverse("admin:upcross_upgraderule_change", args=[rule.pk])
    assert previewed(preview(merch_client, ladder["100.00"], url=change, category=value,
                             sort="closest_price", limit="2")) == ["Kettle 110.00",
                                                                    "Kettle 130.00"]
    bad = merch_client.post(reverse("admin:upcross_upgraderule_add"), {
        "name": "Backwards", "min_price_increase": "50", "max_price_increase": "10",
        "sort": "best_selling", "limit": "2", "priority": "1"})
    assert bad.status_code == 200 and b"must not be below the minimum" in bad.content


# --- dashboard ---------------------------------------------------------------------------------

def test_dashboard_shows_coverage_last_run_and_top_pairs(merch_client: Client,
                                                         catalog: dict[str, Any]) -> None:
    from upcross.models import MiningRun

    MiningRun.objects.create(kind="all", status="succeeded", orders_scanned=1234,
                             lines_scanned=5678, relations_created=42, duration=3.5)
    response = merch_client.get(reverse("admin:upcross_productrelation_dashboard"))
    assert response.status_code == 200
    overall, rows = response.context["overall"], {r.label: r for r in response.context["rows"]}
    # Kitchen: pan has an active complement, lid and oil none; Garden: hose has one.
    assert (overall.products, overall.with_complements, overall.with_upgrades) == (5, 2, 0)
    assert (rows["Kitchen"].products, rows["Kitchen"].with_complements) == (3, 1)
    assert rows["Garden"].complement_percent == 50
    html = response.content.decode()
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "1234 / 5678" in html and "3.5 s" in html
    assert [pair.pk for pair in response.context["top_pairs"]] == [catalog["mined"].pk]


def test_dashboard_without_data(merch_client: Client) -> None:
    response = merch_client.get(reverse("admin:upcross_productrelation_dashboard"))
    assert response.status_code == 200
    assert b"No recompute yet." in response.content


# --- recompute ---------------------------------------------------------------------------------

def test_mining_runs_are_read_only_history(merch_client: Client) -> None:
    from upcross.models import MiningRun

    run = MiningRun.objects.create(kind="all", status="running", progress=0.4)
    response = merch_client.get(reverse("admin:upcross_miningrun_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in html
    assert 'value="40"' in html  # the progress bar
    assert "Recompute now" in html
    assert merch_client.get(reverse("admin:upcross_miningrun_add")).status_code == 403
    change = merch_client.get(reverse("admin:upcross_miningrun_change", args=[run.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    run.status = "succeeded"
    run.save()
    html = merch_client.get(reverse("admin:upcross_miningrun_changelist")).content.decode()
    assert 'http-equiv="refresh"' not in html


def test_recompute_now_runs_the_job(merch_client: Client, eager_celery: Any,
                                    django_capture_on_commit_callbacks: Any) -> None:
    from upcross.models import MiningRun

    a, b = factories.product("A"), factories.product("B")
    for _ in range(6):
        factories.order([a, b])
    with django_capture_on_commit_callbacks(execute=True):
        response = merch_client.post(reverse("admin:upcross_miningrun_recompute"),
                                     {"kind": "complements"})
    assert response.status_code == 302
    run = MiningRun.objects.get()
    assert (run.kind, run.status) == ("complements", "succeeded")
    assert run.orders_scanned == 6
    assert ProductRelation.objects.filter(source=a, target=b, origin="mined").exists()


def test_recompute_needs_post_and_a_known_kind(merch_client: Client) -> None:
    from upcross.models import MiningRun

    url = reverse("admin:upcross_miningrun_recompute")
    assert merch_client.get(url).status_code == 405
    response = merch_client.post(url, {"kind": "everything"}, follow=True)
    assert "Choose what to recompute." in response.content.decode()
    assert not MiningRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_recompute_reports_an_unreachable_queue(merch_client: Client, monkeypatch: Any
                                                ) -> None:
    from upcross import tasks

    def broker_down(**kwargs: Any) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.recompute, "apply_async", broker_down)
    response = merch_client.post(reverse("admin:upcross_miningrun_recompute"),
                                 {"kind": "all"}, follow=True)
    assert response.status_code == 200
    assert "could not be started" in response.content.decode()


def test_runs_link_to_the_nightly_schedule_merchandisers_may_edit(
        merch_client: Client) -> None:
    from django_celery_beat.models import PeriodicTask

    from upcross.schedule import ensure_nightly_recompute

    ensure_nightly_recompute()
    task = PeriodicTask.objects.get(name="upcross: nightly recompute")
    link = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    html = merch_client.get(reverse("admin:upcross_miningrun_changelist")).content.decode()
    assert link in html
    page = merch_client.get(link)
    assert page.status_code == 200 and b'name="_save"' in page.content


# --- permissions and CSRF ----------------------------------------------------------------------

def upcross_urls(relation: ProductRelation) -> list[tuple[str, str]]:
    return [
        ("get", reverse(CHANGELIST)),
        ("get", reverse("admin:upcross_productrelation_add")),
        ("get", reverse("admin:upcross_productrelation_change", args=[relation.pk])),
        ("get", reverse("admin:upcross_productrelation_dashboard")),
        ("get", reverse("admin:upcross_productrelation_import")),
        ("get", reverse("admin:upcross_productrelation_export")),
        ("get", reverse("admin:upcross_miningrun_changelist")),
        ("post", reverse("admin:upcross_miningrun_recompute")),
        ("get", reverse("admin:upcross_upgraderule_changelist")),
        ("get", reverse("admin:upcross_upgraderule_add")),
        ("post", reverse("admin:upcross_upgraderule_add")),
    ]


def test_staff_without_the_group_is_refused_everywhere(client: Client,
                                                       catalog: dict[str, Any]) -> None:
    client.force_login(make_staff())
    for method, url in upcross_urls(catalog["mined"]):
        response = getattr(client, method)(url, {"kind": "all", "_preview": "1"}
                                           if method == "post" else {})
        assert response.status_code == 403, (method, url, response.status_code)
    index = client.get(reverse("admin:index"))
    assert b"upcross" not in index.content.lower()
    assert b"Cross-sell" not in index.content
    act(client, "block", catalog["mined"])
    catalog["mined"].refresh_from_db()
    assert catalog["mined"].status == "active"


def test_merchandiser_sees_the_menu_and_every_screen(merch_client: Client,
                                                     catalog: dict[str, Any]) -> None:
    index = merch_client.get(reverse("admin:index")).content.decode()
    assert "Cross-sell" in index and "Product relations" in index
    app = merch_client.get(reverse("admin:app_list", args=["upcross"])).content.decode()
    assert reverse("admin:upcross_productrelation_dashboard") in app
    for method, url in upcross_urls(catalog["mined"]):
        if method == "get":
            assert merch_client.get(url).status_code == 200, url


def test_anonymous_users_are_sent_to_the_login(client: Client) -> None:
    response = client.get(reverse("admin:upcross_productrelation_dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_custom_views_check_csrf(catalog: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_merchandiser("csrf"))
    assert client.post(reverse("admin:upcross_miningrun_recompute"),
                       {"kind": "all"}).status_code == 403
    assert client.post(reverse("admin:upcross_productrelation_import"), {}).status_code == 403
    assert client.post(reverse(CHANGELIST), {
        "action": "block", "_selected_action": [catalog["mined"].pk]}).status_code == 403
    catalog["mined"].refresh_from_db()
    assert catalog["mined"].status == "active"


# --- checks --------------------------------------------------------------------------------------

def admin_check_ids() -> list[str]:
    from upcross.admin import checks

    messages = checks.check_admin_product_fields() + checks.check_product_admin()
    return [message.id for message in messages]


def test_checks_for_search_and_lookup_fields(settings: Any) -> None:
    assert "upcross.E050" not in admin_check_ids()
    settings.UPCROSS = {**settings.UPCROSS, "PRODUCT_SEARCH_FIELDS": ["slug", "nope__x"],
                        "CSV_LOOKUP_FIELDS": ["pk", "barcode"]}
    ids = admin_check_ids()
    assert ids.count("upcross.E050") == 1 and ids.count("upcross.E051") == 1
    settings.UPCROSS = {**settings.UPCROSS, "PRODUCT_SEARCH_FIELDS": "name",
                        "CSV_LOOKUP_FIELDS": None}
    assert admin_check_ids().count("upcross.E050") == 1


def test_check_is_quiet_when_the_product_admin_can_autocomplete() -> None:
    assert "upcross.W050" not in admin_check_ids()


def test_evidence_in_words_per_kind() -> None:
    from upcross.admin.relations import format_evidence

    def words(**fields: Any) -> str:
        return format_evidence(ProductRelation(**fields))

    assert words(kind="complement", pair_count=1, confidence=0.5, lift=3) == (
        "1 order · confidence 0.50 · lift 3.00")
    assert words(kind="upgrade", pair_count=1, confidence=0.01, lift=0.12, score=0.8) == (
        "similar name, same baskets, rarely together · 1 order together · lift 0.12 · "
        "score 0.80")
    assert words(kind="upgrade", pair_count=0, confidence=0.0, lift=0.0, score=0.42) == (
        "similar name, same baskets, rarely together · 0 orders together · lift 0.00 · "
        "score 0.42")
    assert words(kind="complement") == "—"


def test_apply_rules_writes_rule_upgrades_and_respects_curation(
        merch_client: Client, ladder: dict[str, Any], eager_celery: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    """"Apply rules now" runs the upgrades recompute, the one writer of rule rows."""
    from upcross.models import MiningRun, UpgradeRule

    UpgradeRule.objects.create(name="Kettles", category=str(factories.category_value(
        ladder["cat"])), min_price_increase=5, max_price_increase=60, sort="closest_price",
        limit=2, priority=0)
    UpgradeRule.objects.create(name="Everything else", min_price_increase=5,
                               max_price_increase=60, limit=1, priority=5, is_active=False)
    kettle = ladder["100.00"]
    factories.relation(kettle, ladder["104.00"], kind="upgrade", status="blocked")
    page = merch_client.get(reverse("admin:upcross_upgraderule_changelist"))
    assert b"Apply rules now" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = merch_client.post(reverse("admin:upcross_upgraderule_apply"), follow=True)
    assert "Applying the rules: a recompute of upgrades started." in response.content.decode()
    run = MiningRun.objects.get()
    assert (run.kind, run.status) == ("upgrades", "succeeded"), run.error
    rows = ProductRelation.objects.filter(source=kettle, origin="rule").order_by("-score")
    # 104 is out of the band (+4 %); 110 and 130 are the closest in the band. Rule rows
    # are shown by score (position orders manual rows only): 1 / (1 + rank).
    assert [(str(r.target), r.score) for r in rows] == [("Kettle 110.00", 1.0),
                                                        ("Kettle 130.00", 0.5)]
    assert ProductRelation.objects.get(source=kettle, target=ladder["104.00"]).status == \
        "blocked"
    assert not ProductRelation.objects.filter(source=ladder["toaster"]).exists()  # out of scope
    # What the preview shows is what applying writes.
    rule = UpgradeRule.objects.get(name="Kettles")
    assert previewed(preview(merch_client, kettle, url=reverse(
        "admin:upcross_upgraderule_change", args=[rule.pk]), category=rule.category,
        sort="closest_price", limit="2")) == ["Kettle 110.00", "Kettle 130.00"]
    # Applying again replaces, never duplicates; a manual pair keeps its row.
    ProductRelation.objects.filter(source=kettle, target=ladder["130.00"]).update(
        origin="manual")
    with django_capture_on_commit_callbacks(execute=True):
        merch_client.post(reverse("admin:upcross_upgraderule_apply"))
    assert set(ProductRelation.objects.filter(source=kettle, kind="upgrade").values_list(
        "target__pk", "origin")) == {(ladder["110.00"].pk, "rule"),
                                     (ladder["130.00"].pk, "manual"),
                                     (ladder["104.00"].pk, "manual")}


def test_rule_preview_shows_what_the_recompute_writes(
        merch_client: Client, ladder: dict[str, Any], settings: Any) -> None:
    """One implementation: the preview runs the recompute's function with the mining
    counts (orders outside the look-back window do not sell) and the earlier rules
    (rules are unioned in priority order, a later rule skips what earlier ones took)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.celery_support import place_orders
    from upcross import recompute as recomputing
    from upcross.models import UpgradeRule

    settings.UPCROSS = {**settings.UPCROSS, "LOOKBACK_DAYS": 30}
    kettle = ladder["100.00"]
    # Three old orders of the 110 kettle: the best seller of all time, not of the window.
    place_orders([([ladder["110.00"]], None, timezone.now() - timedelta(days=90))] * 3)
    assert previewed(preview(merch_client, kettle)) == ["Kettle 150.00", "Kettle 130.00",
                                                        "Kettle 110.00"]
    UpgradeRule.objects.create(name="Next step", category=str(factories.category_value(
        ladder["cat"])), min_price_increase=5, max_price_increase=60, sort="closest_price",
        limit=1, priority=0)
    # The later rule skips 110 (taken by "Next step") and fills its limit with new ones.
    response = preview(merch_client, kettle, priority="5", limit="2")
    assert previewed(response) == ["Kettle 150.00", "Kettle 130.00"]
    assert [c.orders for c in response.context["preview"].candidates] == [2, 1]
    added = merch_client.post(reverse("admin:upcross_upgraderule_add"), {
        "name": "Best sellers", "is_active": "on", "category": "", "min_price_increase": "5",
        "max_price_increase": "60", "sort": "best_selling", "limit": "2", "priority": "5",
        "preview_product": ""})
    assert added.status_code == 302
    later = UpgradeRule.objects.get(name="Best sellers")
    change = reverse("admin:upcross_upgraderule_change", args=[later.pk])
    shown = previewed(preview(merch_client, kettle, url=change, priority="5", limit="2"))
    assert recomputing.recompute("upgrades").status == "succeeded"
    rows = ProductRelation.objects.filter(source=kettle, origin="rule").order_by("-score")
    assert [(str(r.target), r.score) for r in rows] == [
        ("Kettle 110.00", 1.0), ("Kettle 150.00", 0.5), ("Kettle 130.00", 1 / 3)]
    assert [str(r.target) for r in rows][1:] == shown
    # Same priority: the older rule runs first. Once "Next step" runs after it, the
    # rule keeps 110 too.
    assert previewed(preview(merch_client, kettle, url=change, priority="0",
                             limit="3")) == ["Kettle 150.00", "Kettle 130.00"]
    UpgradeRule.objects.filter(name="Next step").update(priority=10)
    assert previewed(preview(merch_client, kettle, url=change, priority="5",
                             limit="3")) == ["Kettle 150.00", "Kettle 130.00", "Kettle 110.00"]


def test_apply_rules_needs_post_and_permission(client: Client) -> None:
    client.force_login(make_staff())
    assert client.post(reverse("admin:upcross_upgraderule_apply")).status_code == 403
    client.force_login(make_merchandiser())
    assert client.get(reverse("admin:upcross_upgraderule_apply")).status_code == 405


def test_review_lists_only_what_a_recompute_added_since(merch_client: Client) -> None:
    """Reviewed marks survive recomputes (mined rows are updated in place); a pair that
    is mined for the first time shows up as new; a blocked pair never comes back."""
    from upcross import recompute as recomputing

    a, b, c, d = (factories.product(name) for name in ("A", "B", "C", "D"))
    for _ in range(6):
        factories.order([a, b])
        factories.order([a, d])
    recomputing.recompute("complements")
    ab = ProductRelation.objects.get(source=a, target=b, kind="complement")
    ad = ProductRelation.objects.get(source=a, target=d, kind="complement")
    assert {ab.pk, ad.pk} <= listed(changelist(merch_client, review="new"))
    act(merch_client, "mark_reviewed", *ProductRelation.objects.all())
    act(merch_client, "block", ad)
    for _ in range(6):
        factories.order([a, c])
    recomputing.recompute("complements")
    ab.refresh_from_db()
    assert ab.origin == "mined" and ab.reviewed_at is not None
    new = listed(changelist(merch_client, review="new"))
    assert new == set(ProductRelation.objects.filter(
        origin="mined", reviewed_at__isnull=True).values_list("pk", flat=True))
    assert ProductRelation.objects.get(source=a, target=c).pk in new and ab.pk not in new
    assert ProductRelation.objects.get(source=a, target=d).status == "blocked"
