"""Run inside the host project after ``migrate``: one manual complement, rendered as a
shop page would, printed as JSON for the wheel test to read."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostproject.settings")
django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.template import RequestContext, Template  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import translation  # noqa: E402
from shop.models import Product  # noqa: E402

import upcross  # noqa: E402
from upcross.models import ProductRelation  # noqa: E402

tent = Product.objects.create(name="Tent", price="199.00")
pegs = Product.objects.create(name="Steel pegs", price="12.50")
ProductRelation.objects.create(source=tent, target=pegs, kind="complement", origin="manual")

request = RequestFactory().get("/")
request.user = AnonymousUser()
get_token(request)
html = Template("{% load upcross %}{% upcross_complements product limit=4 %}").render(
    RequestContext(request, {"product": tent}))
with translation.override("pl"):
    polish = str(translation.gettext("Add"))
print(json.dumps({
    "upcross_file": upcross.__file__,
    "html": html,
    "css": finders.find("upcross/upcross.css"),
    "polish_add": polish,
}))
