"""Views of the altshop: a listing, an item page, and a basket with add and swap."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseGone
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.views.decorators.http import require_POST

from tests.altshop.basket import MAX_QUANTITY, Basket
from tests.altshop.catalog.models import Item


def _with_widgets(template: str) -> list[str]:
    """Render the page with upcross's widgets once its tag library exists."""
    libraries = engines["django"].engine.template_libraries
    plain = template.replace(".html", "_plain.html")
    return [template, plain] if "upcross" in libraries else [plain]


def item_list(request: HttpRequest) -> HttpResponse:
    items = Item.objects.filter(is_public=True, parent__isnull=True)
    return render(request, "altshop/item_list.html", {"items": items})


def item_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Item, slug=slug, is_public=True)
    return render(request, _with_widgets("altshop/item_detail.html"), {"item": item})


def basket_detail(request: HttpRequest) -> HttpResponse:
    lines = list(Basket(request.session))
    return render(request, _with_widgets("altshop/basket.html"), {"lines": lines})


def _quantity(raw: str | None) -> int | None:
    try:
        quantity = int(raw or "")
    except ValueError:
        return None
    return quantity if 1 <= quantity <= MAX_QUANTITY else None


@require_POST
def basket_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """``/basket/add/<uuid:pk>/``: the quantity field is required, as in many real carts."""
    return _add(request, pk, request.POST.get("quantity"))


def _add(request: HttpRequest, pk: uuid.UUID, quantity_field: str | None) -> HttpResponse:
    quantity = _quantity(quantity_field)
    if quantity is None:
        return HttpResponseBadRequest(f"quantity must be a whole number from 1 to {MAX_QUANTITY}")
    Basket(request.session).add(get_object_or_404(Item, pk=pk, is_public=True), quantity)
    return redirect("basket:detail")


@require_POST
def basket_add_posted(request: HttpRequest) -> HttpResponse:
    """``/basket/add/``: the item pk in the ``item`` POST field (``ADD_TO_CART_PRODUCT_PARAM``)."""
    try:
        pk = uuid.UUID(request.POST.get("item", ""))
    except ValueError:
        return HttpResponseBadRequest("item must be an item id")
    return _add(request, pk, request.POST.get("quantity", "1"))


@require_POST
def basket_swap(request: HttpRequest) -> HttpResponse:
    """``SWAP_CART_LINE_URL``: replace the line of ``product_id`` by ``replacement_id``."""
    try:
        old = uuid.UUID(request.POST.get("product_id", ""))
        new = uuid.UUID(request.POST.get("replacement_id", ""))
    except ValueError:
        return HttpResponseBadRequest("product_id and replacement_id must be item ids")
    replacement = get_object_or_404(Item, pk=new, is_public=True)
    if not Basket(request.session).swap(old, replacement):
        return HttpResponseBadRequest("that item is not in the basket")
    return redirect("basket:detail")


def basket_legacy(request: HttpRequest, number: int) -> HttpResponse:
    return HttpResponseGone("numeric item ids are no longer used")
