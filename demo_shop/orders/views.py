"""Checkout: the cart becomes a paid order (the demo has no payment step)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from demo_shop.cart.cart import Cart
from demo_shop.orders.forms import CheckoutForm
from demo_shop.orders.models import Order, OrderLine
from upcross import analytics

LAST_ORDER_SESSION_KEY = "last_order"


def checkout(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    if not cart.lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("cart:detail")
    if request.method != "POST":
        initial = {"email": request.user.email} if request.user.is_authenticated else {}
        form = CheckoutForm(initial=initial)
        return render(request, "orders/checkout.html", {"cart": cart, "form": form})
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/checkout.html", {"cart": cart, "form": form}, status=400)
    order = place_order(cart, email=form.cleaned_data["email"],
                        customer=request.user if request.user.is_authenticated else None)
    # upcross: attribute widget-added lines, record the holdout group for the report.
    # Each line with what it cost after bundle discounts: widgets earn what was paid.
    paid = cart.pricing.paid_per_line()
    analytics.order_placed(request, order.pk, total=order.total, lines=[
        (line.product.pk, line.quantity, line.product.price, paid.get(line.product.pk))
        for line in cart.lines])
    cart.clear()
    request.session[LAST_ORDER_SESSION_KEY] = order.pk
    return redirect("orders:thanks", pk=order.pk)


def place_order(cart: Cart, *, email: str, customer: object | None) -> Order:
    """Write the order and its lines at today's prices, all or nothing.

    Bundle discounts come from ``upcross.pricing`` (the cart page shows the same).
    """
    lines = cart.lines  # active products only, prices fresh from the database
    pricing = cart.pricing
    with transaction.atomic():
        order = Order.objects.create(
            customer=customer, email=email, status=Order.Status.PAID,
            discount=pricing.discount_total, total=pricing.total,
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=order, product=line.product, quantity=line.quantity,
                      unit_price=line.product.price)
            for line in lines
        )
    return order


def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the shopper who placed the order sees it (order numbers are guessable).
    if request.session.get(LAST_ORDER_SESSION_KEY) != pk:
        return redirect("catalog:list")
    order = get_object_or_404(Order.objects.prefetch_related("lines__product"), pk=pk)
    return render(request, "orders/thanks.html", {"order": order})
