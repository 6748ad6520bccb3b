"""The OpenAPI schema, and schemathesis against it.

Schemathesis loads ``/api/upcross/schema/`` from the Django WSGI application,
generates requests for every operation (anonymous and as a superuser, valid and
invalid data) and checks each answer: no 5xx, a documented status code and
content type, a body that matches the documented schema. Every case counts
toward the total asserted at the end (at least 200).
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.test_api_support import client_for, make_product
from upcross.api.throttling import EventsRateThrottle
from upcross.models import ProductRelation

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/upcross/schema/"
#: Generated cases per operation, per user and generation mode. CI runs a fixed,
#: derandomized set; ``UPCROSS_FUZZ_EXAMPLES=200`` digs deeper with fresh seeds.
EXAMPLES = int(os.environ.get("UPCROSS_FUZZ_EXAMPLES", "8"))
DERANDOMIZE = "UPCROSS_FUZZ_EXAMPLES" not in os.environ
MIN_TOTAL_CASES = 200
#: Operations whose bodies carry business rules a JSON schema cannot state: the
#: products named must exist, a relation may not point at its source nor repeat,
#: a click names one product. A schema-valid body may rightly get a 400 there, so
#: schemathesis's "schema-valid data is accepted" heuristic is off for them; the
#: no-5xx and schema-conformance checks still run on every answer.
BUSINESS_RULES = {
    "POST /api/upcross/relations/", "PUT /api/upcross/relations/{pk}/",
    "PATCH /api/upcross/relations/{pk}/", "POST /api/upcross/events/",
}


def openapi_document() -> dict[str, Any]:
    response = client_for().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    return json.loads(response.content)


def test_the_schema_describes_every_endpoint_request_and_response() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    prefix = "/api/upcross/"
    assert operations == {
        ("GET", f"{prefix}products/{{pk}}/complements/"),
        ("GET", f"{prefix}products/{{pk}}/upgrades/"),
        ("POST", f"{prefix}cart/complements/"),
        ("POST", f"{prefix}cart/upgrades/"),
        ("GET", f"{prefix}relations/"), ("POST", f"{prefix}relations/"),
        ("GET", f"{prefix}relations/{{pk}}/"), ("PUT", f"{prefix}relations/{{pk}}/"),
        ("PATCH", f"{prefix}relations/{{pk}}/"), ("DELETE", f"{prefix}relations/{{pk}}/"),
        ("GET", f"{prefix}runs/"), ("POST", f"{prefix}runs/"),
        ("GET", f"{prefix}runs/{{pk}}/"),
        ("POST", f"{prefix}events/"),
        ("GET", f"{prefix}showcases/{{name}}/"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            label = f"{method.upper()} {path}"
            assert operation.get("summary"), label
            codes = set(operation["responses"])
            assert codes & {"200", "201", "202", "204"}, label
            assert codes & {"400", "403", "404"}, label  # errors are documented too
            if method in ("post", "put", "patch"):
                assert "application/json" in operation["requestBody"]["content"], label
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, label
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"message", "code"}
    # Product ids take the product model's key type.
    pk = document["paths"][f"{prefix}products/{{pk}}/complements/"]["get"]["parameters"]
    pk_schema = next(p["schema"] for p in pk if p["name"] == "pk")
    card_pk = document["components"]["schemas"]["ProductCard"]["properties"]["pk"]
    from upcross.api.openapi import product_pk_schema

    expected = product_pk_schema()
    assert pk_schema == expected
    assert {key: card_pk[key] for key in expected} == expected


def test_the_schema_follows_the_mount_point() -> None:
    from django.conf import settings
    from django.urls import reverse

    # The host need not install drf_spectacular as an app nor point DRF at it.
    assert "drf_spectacular" not in settings.INSTALLED_APPS
    assert "DEFAULT_SCHEMA_CLASS" not in getattr(settings, "REST_FRAMEWORK", {})

    assert reverse("upcross_api:schema") == SCHEMA_URL
    assert all(path.startswith("/api/upcross/") for path in openapi_document()["paths"])


@pytest.fixture
def catalog() -> list[Any]:
    """Real rows for generated requests to meet now and then."""
    products = [make_product(f"Fuzz {n}", f"{n + 1}.00") for n in range(3)]
    ProductRelation.objects.create(source=products[0], target=products[1], kind="complement")
    ProductRelation.objects.create(source=products[0], target=products[2], kind="upgrade")
    return products


@pytest.fixture
def wsgi_app() -> Any:
    """Django's WSGI handler, keeping the test's database connection open between
    requests (the same thing Django's test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _basic_auth(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


def test_schemathesis_finds_no_5xx_and_no_schema_violation(catalog: list[Any],
                                                           wsgi_app: Any) -> None:
    get_user_model().objects.create_superuser("fuzz-admin", "fuzz@example.com", "pw")
    EventsRateThrottle().forget("127.0.0.1")
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 15
    users = {"anonymous": {}, "superuser": {"Authorization": _basic_auth("fuzz-admin", "pw")}}
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    def fuzz(operation: Any, user: str, headers: dict[str, str], mode: GenerationMode) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            excluded = ([positive_data_acceptance]
                        if case.operation.label in BUSINESS_RULES else [])
            if headers:
                # Valid credentials sent as a plain header look "generated" to this
                # check; the anonymous pass is where it proves staff-only access.
                excluded.append(ignored_auth)
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            counts[f"{case.operation.label} as {user}"] += 1
            statuses[response.status_code] += 1
            assert response.status_code < 500, case.operation.label

        run()

    for operation in operations:
        for user, headers in users.items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz(operation, user, headers, mode)
    total = sum(counts.values())
    print(f"schemathesis: {total} cases over {len(counts)} operation/user pairs; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert total >= MIN_TOTAL_CASES
    assert len(counts) == len(operations) * len(users)
    # The superuser reached past the permission checks: real 2xx answers were validated.
    assert any(200 <= code < 300 for code in statuses)
