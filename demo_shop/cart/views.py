from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from demo_shop.cart.cart import Cart
from demo_shop.catalog.models import Product


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def cart_detail(request: HttpRequest) -> HttpResponse:
    return render(request, "cart/detail.html", {"cart": Cart(request.session)})


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    product = get_object_or_404(Product, pk=_int(request.POST.get("product_id"), 0),
                                is_active=True)
    Cart(request.session).add(product, _int(request.POST.get("quantity"), 1))
    return redirect("cart:detail")


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    Cart(request.session).set_quantity(_int(request.POST.get("product_id"), 0),
                                       _int(request.POST.get("quantity"), 1))
    return redirect("cart:detail")


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    Cart(request.session).remove(_int(request.POST.get("product_id"), 0))
    return redirect("cart:detail")
