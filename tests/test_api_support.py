"""Helpers of the API tests: products of the active shop shape, users, clients.

Products are built through the models of whichever shape runs (the demo shop's
integer-keyed ``catalog.Product`` or the altshop's UUID ``altcatalog.Item`` with
stock-record prices), so every API test runs on both shapes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from tests import factories
from upcross.adapters import get_adapter
from upcross.api.throttling import EventsRateThrottle

#: Categories by name; a test's rollback removes rows, so each use checks the row is there.
_categories: dict[str, Any] = {}


def make_product(name: str, price: str | Decimal = "10.00", *, available: bool = True,
                 category: str = "general") -> Any:
    """One product of the active shape (``tests.factories``), priced, in ``category``."""
    cat = _categories.get(category)
    if cat is None or not type(cat)._default_manager.filter(pk=cat.pk).exists():
        cat = _categories[category] = factories.category(category)
    return factories.product(name, price, in_category=cat,
                             available=available)


def missing_pk() -> Any:
    """A well-formed product pk that names no product."""
    field = get_adapter().product_model()._meta.pk
    if field.get_internal_type() == "UUIDField":
        return "00000000-0000-4000-8000-000000000000"
    return 987654321


def pk_json(product: Any) -> Any:
    """A product's pk as the API writes it in JSON."""
    return product.pk if isinstance(product.pk, int) else str(product.pk)


def make_user(username: str, *, staff: bool = True, perms: tuple[str, ...] = ()) -> Any:
    user = get_user_model().objects.create_user(username, password="pw", is_staff=staff)
    for codename in perms:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="upcross", codename=codename)
        )
    return user


def client_for(user: Any = None, *, csrf: bool = False) -> APIClient:
    client = APIClient(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client




@pytest.fixture
def fresh_throttle() -> Any:
    """Forget the events throttle history of the test client's address, before and after."""
    throttle = EventsRateThrottle()
    throttle.forget("127.0.0.1")
    yield throttle.key_for("127.0.0.1")
    throttle.forget("127.0.0.1")
