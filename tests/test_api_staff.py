"""Staff endpoints: relations CRUD with filters and pagination, mining runs.

Only staff holding upcross's model permissions may read or write; everyone else
gets a JSON 403. Bad input is a 400 with a message, never an IntegrityError 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_api_support import client_for, make_product, make_user, missing_pk, pk_json
from upcross.api.serializers import ProductRelationSerializer
from upcross.api.views import RelationListView
from upcross.models import MiningRun, ProductRelation

pytestmark = pytest.mark.django_db

RELATION_PERMS = ("view_productrelation", "add_productrelation", "change_productrelation",
                  "delete_productrelation")

LIST = "upcross_api:relation-list"


def detail(relation: Any) -> str:
    return reverse("upcross_api:relation-detail", args=[relation.pk])


@pytest.fixture
def products() -> list[Any]:
    return [make_product(f"Product {n}", f"{10 + n}.00") for n in range(4)]


@pytest.fixture
def merchandiser() -> Any:
    return client_for(make_user("merch", perms=RELATION_PERMS))


def new_relation(products: list[Any], **changes: Any) -> dict[str, Any]:
    return {"source": pk_json(products[0]), "target": pk_json(products[1]),
            "kind": "complement", **changes}


# --- permissions ------------------------------------------------------------------------


def test_anonymous_cannot_read_or_write(products: list[Any]) -> None:
    client = client_for()
    relation = ProductRelation.objects.create(source=products[0], target=products[1],
                                              kind="complement")
    for response in (
        client.get(reverse(LIST)),
        client.post(reverse(LIST), new_relation(products, kind="upgrade"), format="json"),
        client.patch(detail(relation), {"status": "blocked"}, format="json"),
        client.delete(detail(relation)),
        client.get(reverse("upcross_api:run-list")),
        client.post(reverse("upcross_api:run-list"), {}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "not_authenticated"
        assert response.json()["message"]
    relation.refresh_from_db()
    assert relation.status == "active"
    assert ProductRelation.objects.count() == 1 and not MiningRun.objects.exists()


def test_staff_without_the_permission_cannot_write(products: list[Any]) -> None:
    relation = ProductRelation.objects.create(source=products[0], target=products[1],
                                              kind="complement")
    reader = client_for(make_user("reader", perms=("view_productrelation",)))
    assert reader.get(reverse(LIST)).status_code == 200
    for response in (
        reader.post(reverse(LIST), new_relation(products, kind="upgrade"), format="json"),
        reader.patch(detail(relation), {"status": "blocked"}, format="json"),
        reader.put(detail(relation), new_relation(products, status="blocked"), format="json"),
        reader.delete(detail(relation)),
        reader.post(reverse("upcross_api:run-list"), {}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    nobody = client_for(make_user("staff-only"))
    assert nobody.get(reverse(LIST)).status_code == 403
    assert nobody.get(reverse("upcross_api:run-list")).status_code == 403
    relation.refresh_from_db()
    assert relation.status == "active" and ProductRelation.objects.count() == 1


def test_permissions_without_staff_status_are_not_enough(products: list[Any]) -> None:
    client = client_for(make_user("customer", staff=False, perms=RELATION_PERMS))
    assert client.get(reverse(LIST)).status_code == 403
    response = client.post(reverse(LIST), new_relation(products), format="json")
    assert response.status_code == 403
    assert not ProductRelation.objects.exists()


def test_the_merchandiser_group_may_write(products: list[Any]) -> None:
    """The group upcross's migration creates grants the relation permissions."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(permissions__codename="add_productrelation").first()
    if group is None:
        pytest.skip("no group with upcross's relation permissions (migration not present)")
    user = make_user("in-group")
    user.groups.add(group)
    response = client_for(user).post(reverse(LIST), new_relation(products), format="json")
    assert response.status_code == 201, response.content


def test_a_session_write_needs_the_csrf_token(products: list[Any]) -> None:
    user = make_user("csrf", perms=RELATION_PERMS)
    client = client_for(user, csrf=True)
    response = client.post(reverse(LIST), new_relation(products), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not ProductRelation.objects.exists()


# --- relations: create, read, update, delete ---------------------------------------------


def test_create_read_update_delete(products: list[Any], merchandiser: Any) -> None:
    created = merchandiser.post(reverse(LIST), new_relation(products, position=3), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["source"] == pk_json(products[0]) and data["target"] == pk_json(products[1])
    assert (data["kind"], data["origin"], data["status"], data["position"]) == (
        "complement", "manual", "active", 3)
    relation = ProductRelation.objects.get(pk=data["id"])
    assert relation.source_id == products[0].pk

    read = merchandiser.get(detail(relation))
    assert read.status_code == 200 and read.json()["id"] == relation.pk

    patched = merchandiser.patch(detail(relation), {"status": "blocked"}, format="json")
    assert patched.status_code == 200, patched.content
    relation.refresh_from_db()
    assert relation.status == "blocked"

    put = merchandiser.put(detail(relation), new_relation(
        products, target=pk_json(products[2]), kind="upgrade", score=0.25), format="json")
    assert put.status_code == 200, put.content
    relation.refresh_from_db()
    assert (relation.target_id, relation.kind, relation.score) == (products[2].pk, "upgrade",
                                                                  0.25)

    deleted = merchandiser.delete(detail(relation))
    assert deleted.status_code == 204
    assert not ProductRelation.objects.exists()
    gone = merchandiser.get(detail(relation))
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


@pytest.mark.parametrize("changes, field, words", [
    ({"target": "SAME"}, "target", "itself"),
    ({"target": "MISSING"}, "target", "Unknown product"),
    ({"target": "not-a-pk"}, "target", "not a valid product id"),
    ({"source": None}, "source", "may not be null"),
    ({"kind": "sidegrade"}, "kind", "not a valid choice"),
    ({"origin": "guess"}, "origin", "not a valid choice"),
    ({"status": "maybe"}, "status", "not a valid choice"),
    ({"position": -1}, "position", "greater than or equal to 0"),
    ({"score": "NaN"}, "score", "valid number"),
    ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, "ends_at",
     "after its start"),
])
def test_invalid_relations_are_400_with_a_message(
    products: list[Any], merchandiser: Any, changes: dict[str, Any], field: str, words: str,
) -> None:
    body = new_relation(products, **changes)
    if body["target"] == "SAME":
        body["target"] = body["source"]
    if body["target"] == "MISSING":
        body["target"] = missing_pk()
    response = merchandiser.post(reverse(LIST), body, format="json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in payload["errors"], payload
    assert words in payload["message"], payload
    assert not ProductRelation.objects.exists()


def test_a_duplicate_is_a_400_not_an_integrity_error(
    products: list[Any], merchandiser: Any,
) -> None:
    assert merchandiser.post(reverse(LIST), new_relation(products),
                             format="json").status_code == 201
    again = merchandiser.post(reverse(LIST), new_relation(products), format="json")
    assert again.status_code == 400
    assert "already exists" in again.json()["message"]
    # The same pair as another kind is a different relation.
    upgrade = merchandiser.post(reverse(LIST), new_relation(products, kind="upgrade"),
                                format="json")
    assert upgrade.status_code == 201
    # Changing a relation into an existing one is refused the same way.
    clash = merchandiser.patch(reverse("upcross_api:relation-detail",
                                       args=[upgrade.json()["id"]]),
                               {"kind": "complement"}, format="json")
    assert clash.status_code == 400 and "already exists" in clash.json()["message"]
    assert ProductRelation.objects.count() == 2


def test_a_duplicate_that_wins_the_race_is_still_a_400(products: list[Any]) -> None:
    """A row inserted between validation and save hits the unique constraint: 400."""
    from rest_framework.exceptions import ValidationError

    serializer = ProductRelationSerializer(data=new_relation(products))
    assert serializer.is_valid(), serializer.errors
    ProductRelation.objects.create(source=products[0], target=products[1], kind="complement")
    with pytest.raises(ValidationError) as raised:
        RelationListView().save_checked(serializer)
    assert "already exists" in str(raised.value.detail)
    assert ProductRelation.objects.count() == 1  # and the connection is still usable


def test_patching_target_onto_source_is_refused(products: list[Any], merchandiser: Any) -> None:
    relation = ProductRelation.objects.create(source=products[0], target=products[1],
                                              kind="complement")
    response = merchandiser.patch(detail(relation), {"target": pk_json(products[0])},
                                  format="json")
    assert response.status_code == 400 and "itself" in response.json()["message"]


# --- relations: filters and pagination ---------------------------------------------------


def test_filters_and_pagination(products: list[Any], merchandiser: Any) -> None:
    a, b, c, d = products
    rows = [
        ProductRelation.objects.create(source=a, target=b, kind="complement"),
        ProductRelation.objects.create(source=a, target=c, kind="upgrade", origin="mined"),
        ProductRelation.objects.create(source=b, target=c, kind="complement", status="blocked"),
        ProductRelation.objects.create(source=c, target=d, kind="complement", origin="rule"),
    ]

    def ids(**params: Any) -> set[int]:
        response = merchandiser.get(reverse(LIST), params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {row.pk for row in rows}
    assert ids(source=pk_json(a)) == {rows[0].pk, rows[1].pk}
    assert ids(target=pk_json(c)) == {rows[1].pk, rows[2].pk}
    assert ids(kind="upgrade") == {rows[1].pk}
    assert ids(origin="rule") == {rows[3].pk}
    assert ids(status="blocked") == {rows[2].pk}
    assert ids(source=pk_json(a), kind="complement") == {rows[0].pk}
    assert ids(source=missing_pk()) == set()

    page = merchandiser.get(reverse(LIST), {"page_size": 3}).json()
    assert page["count"] == 4 and len(page["results"]) == 3 and page["next"]
    second = merchandiser.get(page["next"]).json()
    assert len(second["results"]) == 1 and second["previous"]
    seen = {row["id"] for row in page["results"] + second["results"]}
    assert seen == {row.pk for row in rows}

    for params in ({"kind": "sidegrade"}, {"status": "x"}, {"source": "not-a-pk"},
                   {"target": ""}, {"kind": ""}):
        bad = merchandiser.get(reverse(LIST), params)
        assert bad.status_code == 400 and bad.json()["message"], params
    out_of_range = merchandiser.get(reverse(LIST), {"page": 99})
    assert out_of_range.status_code == 404 and out_of_range.json()["code"] == "not_found"


# --- mining runs -------------------------------------------------------------------------


def test_runs_list_and_detail(merchandiser: Any) -> None:
    old = MiningRun.objects.create(kind="complements", status="succeeded", orders_scanned=12)
    new = MiningRun.objects.create(kind="upgrades", status="failed", error="boom")
    viewer = client_for(make_user("runs", perms=("view_miningrun",)))
    listing = viewer.get(reverse("upcross_api:run-list"))
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [new.pk, old.pk]
    one = viewer.get(reverse("upcross_api:run-detail", args=[old.pk])).json()
    assert (one["kind"], one["status"], one["orders_scanned"]) == ("complements", "succeeded",
                                                                   12)
    missing = viewer.get(reverse("upcross_api:run-detail", args=[old.pk + new.pk + 1]))
    assert missing.status_code == 404
    # Reading runs is not writing them.
    assert viewer.post(reverse("upcross_api:run-list"), {}, format="json").status_code == 403
    assert merchandiser.get(reverse("upcross_api:run-list")).status_code == 403


def test_a_bad_trigger_is_a_400() -> None:
    client = client_for(make_user("trigger", perms=("add_miningrun",)))
    for body in ({"kind": "everything"}, {"partitions": 0}, {"partitions": "many"}):
        response = client.post(reverse("upcross_api:run-list"), body, format="json")
        assert response.status_code == 400 and response.json()["message"], body
    assert not MiningRun.objects.exists()


def test_window_fields_round_trip(products: list[Any], merchandiser: Any) -> None:
    starts = timezone.now().replace(microsecond=0)
    body = new_relation(products, starts_at=starts.isoformat(),
                        ends_at=(starts + timedelta(days=7)).isoformat())
    response = merchandiser.post(reverse(LIST), body, format="json")
    assert response.status_code == 201, response.content
    relation = ProductRelation.objects.get()
    assert relation.starts_at == starts and relation.ends_at == starts + timedelta(days=7)


def _drain(wait: float) -> list[Any]:
    """Every message now on the default queue (acknowledged: this test run owns it)."""
    from celery import current_app

    messages = []
    with current_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        try:
            while True:
                message = queue.get(timeout=wait)
                message.ack()
                messages.append(message)
                wait = 0.2
        except queue.Empty:
            pass
        finally:
            queue.close()
    return messages


def test_trigger_enqueues_the_task_on_commit(django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(make_user("trigger", perms=("add_miningrun", "view_miningrun")))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("upcross_api:run-list"),
                               {"kind": "upgrades", "partitions": 2}, format="json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert (data["kind"], data["partitions"], data["run"]) == ("upgrades", 2, None)
    assert data["runs_url"].endswith(f"?task_id={data['task_id']}")
    # Nothing is sent before the transaction commits...
    assert len(callbacks) == 1
    assert not [m for m in _drain(0.3) if m.headers.get("id") == data["task_id"]]
    # ...and on commit the real task message reaches the broker.
    callbacks[0]()
    sent = [m for m in _drain(3) if m.headers.get("id") == data["task_id"]]
    assert len(sent) == 1
    assert sent[0].headers["task"] == "upcross.recompute"
    args, kwargs, _embed = sent[0].decode()
    assert (args, kwargs) == ([], {"kind": "upgrades", "partitions": 2, "force": False})
    # The task records its run under the task id; the list finds it by that id.
    run = MiningRun.objects.create(kind="upgrades", task_id=data["task_id"], status="running")
    MiningRun.objects.create(kind="upgrades", task_id="another")
    found = client.get(data["runs_url"]).json()["results"]
    assert [row["id"] for row in found] == [run.pk]


@pytest.mark.django_db(transaction=True)
def test_an_eager_trigger_answers_with_the_recorded_run(eager_celery: Any) -> None:
    """Without a worker (``task_always_eager``, the demo without Redis) the task runs
    at once after commit, and the answer already holds the run it recorded."""
    client = client_for(make_user("eager", perms=("add_miningrun",)))
    response = client.post(reverse("upcross_api:run-list"), {"kind": "complements"},
                           format="json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["run"] is not None, data
    assert data["run"]["task_id"] == data["task_id"]
    assert data["run"]["kind"] == "complements"
    assert data["run"]["status"] in ("succeeded", "skipped")
    assert MiningRun.objects.filter(task_id=data["task_id"]).count() == 1


@pytest.mark.parametrize("credentials", [b"admin\x00:pw", b"admin:p\x00w"])
def test_nul_in_basic_credentials_is_a_403_not_a_database_error(credentials: bytes) -> None:
    """PostgreSQL refuses NUL in text: without the guard this is a DataError 500."""
    import base64

    header = "Basic " + base64.b64encode(credentials).decode()
    response = client_for().get(reverse(LIST), HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert "NUL" in response.json()["message"]
    assert ProductRelation.objects.count() == 0  # the connection still works


def test_basic_auth_works_for_staff(products: list[Any]) -> None:
    import base64

    make_user("basic", perms=RELATION_PERMS)
    header = "Basic " + base64.b64encode(b"basic:pw").decode()
    response = client_for().post(reverse(LIST), new_relation(products), format="json",
                                 HTTP_AUTHORIZATION=header)
    assert response.status_code == 201, response.content


def test_a_bad_page_size_is_a_400(merchandiser: Any) -> None:
    for value in ("", "0", "501", "x", "-1", "٣"):
        response = merchandiser.get(reverse(LIST), {"page_size": value})
        assert response.status_code == 400, value
        assert "page_size" in response.json()["errors"]
    assert merchandiser.get(reverse(LIST), {"page_size": "500"}).status_code == 200
