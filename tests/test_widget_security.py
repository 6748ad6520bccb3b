"""Product names and image URLs come from the host's data: the widgets render them inert."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from pytest_django import Settings

from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

SCRIPT = "<script>alert(1)</script>"
EVIL_IMAGE = '/media/x.png" onerror="alert(2)'


def evil_image_url(product: Any) -> str:
    """``PRODUCT_DISPLAY["image_url"]`` callable: a URL holding a double quote."""
    return EVIL_IMAGE


def render_all(**context: Any) -> str:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    get_token(request)
    source = ("{% load upcross %}{% upcross_complements product %}{% upcross_upgrades product %}"
              "{% upcross_cart_complements items %}{% upcross_cart_upgrades items %}"
              "{% for line in items %}{% upcross_cart_upgrades items line=line %}{% endfor %}")
    return Template(source).render(RequestContext(request, context))


def test_hostile_name_and_image_url_render_inert(settings: Settings) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "PRODUCT_DISPLAY": {
        "image_url": "tests.test_widget_security.evil_image_url"}}
    source = f.product(SCRIPT, 100)
    f.relation(source, f.product(SCRIPT, 10))
    f.relation(source, f.product(SCRIPT, 200), kind="upgrade")
    other = f.product("Other", 5)
    f.relation(other, f.product(f"{SCRIPT} 2", 3))

    html = render_all(product=source, items=[f.Line(source), f.Line(other)])

    assert "Add this too" in html and "Upgrade to" in html and "Upgrade your cart" in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onerror="' not in html
    assert 'src="/media/x.png&quot; onerror=&quot;alert(2)"' in html
    assert 'alt="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "replace &lt;script&gt;alert(1)&lt;/script&gt; with" in html


@pytest.mark.shop("demo")
def test_demo_product_page_with_a_hostile_name(client: Client) -> None:
    """The real page: the name goes through the demo's templates and upcross's."""
    phone = f.product("Phone", 300)
    f.relation(phone, f.product(SCRIPT, 10))
    response = client.get(phone.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Add this too" in html
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
