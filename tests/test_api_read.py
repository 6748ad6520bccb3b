"""The public read endpoints: a product's and a cart's complements and upgrades.

They must give what ``upcross.recommend`` (and so the template tags) gives, on
both shop shapes, with JSON errors, ``Cache-Control``, ``ETag`` and 304.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.test_api_support import client_for, make_product, missing_pk, pk_json
from tests.upcross_overrides import with_upcross
from upcross import recommend
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db


def relate(source: Any, target: Any, kind: str = "complement", **fields: Any) -> Any:
    return ProductRelation.objects.create(source=source, target=target, kind=kind, **fields)


@pytest.fixture
def shop() -> dict[str, Any]:
    """A camera with two complements, an unavailable one, a blocked one and two upgrades."""
    camera = make_product("Camera", "100.00", category="cameras")
    bag = make_product("Bag", "20.00", category="bags")
    card = make_product("Memory card", "12.50", category="cards")
    gone = make_product("Old strap", "5.00", available=False, category="straps")
    blocked = make_product("Tripod", "40.00", category="tripods")
    pro = make_product("Camera Pro", "150.00", category="cameras")
    max_ = make_product("Camera Max", "140.00", category="cameras")
    relate(camera, card, position=1)
    relate(camera, bag, position=0)
    relate(camera, gone, position=2)
    relate(camera, blocked, status="blocked")
    relate(camera, pro, "upgrade", position=0)
    relate(camera, max_, "upgrade", origin="mined", score=0.5)
    return {"camera": camera, "bag": bag, "card": card, "gone": gone, "blocked": blocked,
            "pro": pro, "max": max_}


def url(name: str, product: Any = None) -> str:
    if product is None:
        return reverse(f"upcross_api:{name}")
    pk = product.pk if hasattr(product, "pk") else product
    return reverse(f"upcross_api:{name}", args=[pk])


def result_pks(response: Any) -> list[Any]:
    return [row["product"]["pk"] for row in response.json()["results"]]


def test_complements_are_recommends_own(shop: dict[str, Any]) -> None:
    response = client_for().get(url("product-complements", shop["camera"]))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["product"] == pk_json(shop["camera"])
    # Manual order (position), the unavailable and the blocked product left out.
    assert result_pks(response) == [pk_json(shop["bag"]), pk_json(shop["card"])]
    expected = recommend.complements(shop["camera"], limit=4)
    assert result_pks(response) == [pk_json(item.product) for item in expected]
    bag = data["results"][0]
    assert bag["kind"] == "complement" and bag["origin"] == "manual"
    assert bag["reason"] == str(expected[0].reason)
    assert bag["product"]["name"] == "Bag"
    assert Decimal(bag["product"]["price"]) == Decimal("20.00")
    assert bag["product"]["url"].startswith("http://testserver/")
    assert bag["product"]["url"].endswith(expected[0].display.url)
    assert bag["price_difference"] is None


def test_upgrades_carry_the_price_difference(shop: dict[str, Any]) -> None:
    response = client_for().get(url("product-upgrades", shop["camera"]))
    assert response.status_code == 200, response.content
    assert result_pks(response) == [pk_json(shop["pro"]), pk_json(shop["max"])]
    differences = [Decimal(row["price_difference"]) for row in response.json()["results"]]
    assert differences == [Decimal("50.00"), Decimal("40.00")]
    assert response.json()["results"][1]["origin"] == "mined"


def test_limit_is_validated(shop: dict[str, Any]) -> None:
    client = client_for()
    one = client.get(url("product-complements", shop["camera"]), {"limit": 1})
    assert result_pks(one) == [pk_json(shop["bag"])]
    for bad in ("0", "-1", "abc", "51", ""):
        response = client.get(url("product-complements", shop["camera"]), {"limit": bad})
        assert response.status_code == 400, bad
        body = response.json()
        assert body["code"] == "invalid" and "limit" in body["message"]
        assert "limit" in body["errors"]


@pytest.mark.parametrize("name", ["product-complements", "product-upgrades"])
def test_unknown_malformed_or_unavailable_product_is_a_json_404(
    shop: dict[str, Any], name: str,
) -> None:
    client = client_for()
    for pk in (missing_pk(), "not-a-pk", "99999999999999999999999", shop["gone"].pk):
        response = client.get(url(name, pk))
        assert response.status_code == 404, pk
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"message": "Unknown or unavailable product.",
                                   "code": "not_found"}


def test_read_sends_cache_control_and_etag_and_answers_304(shop: dict[str, Any]) -> None:
    client = client_for()
    target = url("product-complements", shop["camera"])
    first = client.get(target)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert "Accept-Language" in first["Vary"]
    again = client.get(target, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(target, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    # A merchandiser change makes a new body, so a new ETag and no 304.
    ProductRelation.objects.filter(source=shop["camera"], target=shop["card"]).update(position=0)
    ProductRelation.objects.filter(source=shop["camera"], target=shop["bag"]).delete()
    changed = client.get(target, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert result_pks(changed) == [pk_json(shop["card"])]


def test_max_age_follows_the_setting(shop: dict[str, Any]) -> None:
    with override_settings(UPCROSS=with_upcross(API_CACHE_MAX_AGE=5)):
        response = client_for().get(url("product-upgrades", shop["camera"]))
    assert "max-age=5" in response["Cache-Control"]


def test_cart_complements_ignore_and_report_unknown_ids(shop: dict[str, Any]) -> None:
    other = make_product("Lens", "80.00", category="lenses")
    relate(other, shop["bag"])
    relate(other, shop["camera"])  # in the cart: never suggested
    body = {"items": [
        {"product": pk_json(shop["camera"]), "quantity": 2},
        {"product": pk_json(other)},
        {"product": missing_pk()},
        {"product": pk_json(shop["gone"])},
    ]}
    response = client_for().post(url("cart-complements"), body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert sorted(map(str, data["ignored"])) == sorted([str(missing_pk()),
                                                        str(shop["gone"].pk)])
    expected = recommend.cart_complements([shop["camera"], other], limit=4)
    assert result_pks(response) == [pk_json(item.product) for item in expected]
    assert result_pks(response)[0] == pk_json(shop["bag"])  # suggested by both lines
    assert pk_json(shop["camera"]) not in result_pks(response)
    assert "private" in response["Cache-Control"] and response["ETag"]
    limited = client_for().post(url("cart-complements"), {**body, "limit": 1}, format="json")
    assert len(limited.json()["results"]) == 1


def test_cart_upgrades_name_the_line(shop: dict[str, Any]) -> None:
    body = {"items": [{"product": pk_json(shop["camera"])}, {"product": pk_json(shop["bag"])}]}
    response = client_for().post(url("cart-upgrades"), body, format="json")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(row["line"], row["product"]["pk"]) for row in rows] == [
        (pk_json(shop["camera"]), pk_json(shop["pro"]))
    ]
    assert Decimal(rows[0]["price_difference"]) == Decimal("50.00")
    assert response.json()["ignored"] == []


def test_an_empty_cart_has_no_suggestions() -> None:
    for name in ("cart-complements", "cart-upgrades"):
        response = client_for().post(url(name), {"items": []}, format="json")
        assert response.status_code == 200
        assert response.json() == {"results": [], "ignored": []}


@pytest.mark.parametrize("body, field", [
    ({}, "items"),
    ({"items": "camera"}, "items"),
    ({"items": [{"quantity": 1}]}, "items[0].product"),
    ({"items": [{"product": "not-a-pk"}]}, "items[0].product"),
    ({"items": [{"product": True}]}, "items[0].product"),
    ({"items": [{"product": 1, "quantity": 0}]}, "items[0].quantity"),
    ({"items": [], "limit": 0}, "limit"),
    ({"items": [{"product": 1}] * 201}, "items"),
])
def test_a_bad_cart_body_is_a_400_with_a_message(body: dict[str, Any], field: str) -> None:
    response = client_for().post(url("cart-complements"), body, format="json")
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("The request is invalid.") and f"{field}:" in message


def test_malformed_json_is_a_400() -> None:
    response = client_for().post(url("cart-upgrades"), "{not json",
                                 content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["message"]


def test_wrong_method_is_a_json_405(shop: dict[str, Any]) -> None:
    response = client_for().delete(url("product-complements", shop["camera"]))
    assert response.status_code == 405
    assert response.json()["message"] == 'Method "DELETE" not allowed.'
    assert client_for().get(url("cart-complements")).status_code == 405


def test_an_unknown_path_under_the_api_is_a_json_404() -> None:
    for path in ("/api/upcross/nothing/here/", "/api/upcross/relations/a%0Ab/",
                 "/api/upcross/products/1/complements"):
        response = client_for().get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def _tag_pks(product: Any, tag: str) -> list[str]:
    """What the template tag gives an anonymous shopper (data-only ``as`` form)."""
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    rendered = Template(
        "{% load upcross %}{% " + tag + " product limit=4 as items %}"
        "{% for item in items %}{{ item.product.pk }},{% endfor %}"
    ).render(Context({"product": product, "request": request}))
    return [pk for pk in rendered.split(",") if pk]


def test_the_api_and_the_template_tags_share_results_and_cache(shop: dict[str, Any]) -> None:
    from upcross import cache

    client = client_for()
    camera = shop["camera"]
    for name, tag in (("product-complements", "get_upcross_complements"),
                      ("product-upgrades", "get_upcross_upgrades")):
        api = [str(pk) for pk in result_pks(client.get(url(name, camera)))]
        assert api and api == _tag_pks(camera, tag)
    # A change that skips the signals (``update``) is invisible to both until the
    # cache is invalidated, because both read the same cached entry.
    ProductRelation.objects.filter(source=camera, target=shop["bag"]).update(status="blocked")
    assert pk_json(shop["bag"]) in result_pks(client.get(url("product-complements", camera)))
    assert str(shop["bag"].pk) in _tag_pks(camera, "get_upcross_complements")
    cache.invalidate_relations()
    after = result_pks(client.get(url("product-complements", camera)))
    assert pk_json(shop["bag"]) not in after
    assert [str(pk) for pk in after] == _tag_pks(camera, "get_upcross_complements")


def test_cart_reads_need_no_csrf_token(shop: dict[str, Any]) -> None:
    body = {"items": [{"product": pk_json(shop["camera"])}]}
    response = client_for(csrf=True).post(url("cart-complements"), body, format="json")
    assert response.status_code == 200
