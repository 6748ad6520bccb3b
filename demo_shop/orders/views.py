from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from demo_shop.cart.cart import Cart
from demo_shop.orders.models import Order, OrderLine


def checkout(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    if request.method != "POST":
        return render(request, "orders/checkout.html", {"cart": cart})
    if not cart.lines:
        return redirect("cart:detail")
    with transaction.atomic():
        order = Order.objects.create(
            customer=request.user if request.user.is_authenticated else None,
            email=request.POST.get("email", "")[:254],
            status=Order.Status.PAID,
            total=cart.total,
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=order, product=line.product, quantity=line.quantity,
                      unit_price=line.product.price)
            for line in cart.lines
        )
    cart.clear()
    request.session["last_order"] = order.pk
    return redirect("orders:thanks", pk=order.pk)


def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    if request.session.get("last_order") != pk:
        return redirect("catalog:list")
    order = get_object_or_404(Order.objects.prefetch_related("lines__product"), pk=pk)
    return render(request, "orders/thanks.html", {"order": order})
