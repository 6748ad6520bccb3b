"""Cart pages and actions: add, update, remove, and swap (upcross's "Upgrade" hook).

Every action is a POST that redirects (post/redirect/get). Bad input gives a
message and a redirect, an unknown or inactive product a 404: never a 500.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from demo_shop.cart.cart import Cart
from demo_shop.catalog.models import Product
from upcross import analytics

#: More products than this in one "Add all" post is not a bundle.
MAX_ADD_MANY = 50


def _int(value: str | None) -> int | None:
    """A positive-or-zero int from form data, or ``None`` when it is not one."""
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    # Out-of-range ids would overflow the database's integer column.
    return number if 0 <= number < 2**53 else None


def _active_product(pk: int | None) -> Product:
    if pk is None:
        raise Http404("No such product.")
    return get_object_or_404(Product, pk=pk, is_active=True)


def _back(request: HttpRequest, default: str = "cart:detail") -> HttpResponseRedirect:
    """Redirect to ``next`` when it is a safe, same-host URL, else to ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse(default))


def cart_detail(request: HttpRequest) -> HttpResponse:
    return render(request, "cart/detail.html", {"cart": Cart(request.session)})


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    product_id = _int(request.POST.get("product_id"))
    if product_id is None:
        messages.error(request, _("Please choose a product to add."))
        return _back(request)
    product = _active_product(product_id)
    quantity = _int(request.POST.get("quantity", "1"))
    if not quantity:
        messages.error(request, _("Please enter a quantity of at least 1."))
        return _back(request)
    Cart(request.session).add(product, quantity)
    analytics.widget_add(request, product, quantity)  # counts it if a widget's form posted
    messages.success(request, _("Added %(product)s to your cart.") % {"product": product.name})
    return _back(request)


@require_POST
def add_many(request: HttpRequest) -> HttpResponse:
    """Add every posted ``product_id`` (the field repeated; twice means two pieces).

    upcross's bundle box "Add all" button posts here (``UPCROSS["ADD_MANY_TO_CART_URL"]``).
    All or nothing: an unknown or inactive product adds none of them.
    """
    raw = request.POST.getlist("product_id")
    ids = [_int(value) for value in raw]
    if not raw or len(raw) > MAX_ADD_MANY or any(pk is None for pk in ids):
        messages.error(request, _("Please choose the products to add."))
        return _back(request)
    wanted = Counter(ids)
    products = Product.objects.filter(pk__in=wanted, is_active=True).in_bulk()
    if len(products) != len(wanted):
        raise Http404("No such product.")
    cart = Cart(request.session)
    for pk, quantity in wanted.items():
        cart.add(products[pk], quantity)
        analytics.widget_add(request, products[pk], quantity)  # the bundle box's "Add all"
    messages.success(request, ngettext("Added %(count)d item to your cart.",
                                       "Added %(count)d items to your cart.",
                                       len(ids)) % {"count": len(ids)})
    return _back(request)


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    product_id = _int(request.POST.get("product_id"))
    quantity = _int(request.POST.get("quantity"))
    cart = Cart(request.session)
    if product_id is None or quantity is None or product_id not in cart:
        messages.error(request, _("That cart line could not be updated."))
        return redirect("cart:detail")
    cart.set_quantity(product_id, quantity)
    if quantity == 0:
        messages.info(request, _("The item was removed from your cart."))
    else:
        messages.success(request, _("Your cart was updated."))
    return redirect("cart:detail")


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    product_id = _int(request.POST.get("product_id"))
    cart = Cart(request.session)
    if product_id is None or product_id not in cart:
        messages.error(request, _("That item is not in your cart."))
        return redirect("cart:detail")
    cart.remove(product_id)
    messages.info(request, _("The item was removed from your cart."))
    return redirect("cart:detail")


@require_POST
def swap(request: HttpRequest) -> HttpResponse:
    """Put ``replacement_id`` in the place of the line of ``product_id``.

    upcross's cart-line "Upgrade" button posts here (``UPCROSS["SWAP_CART_LINE_URL"]``).
    The line keeps its quantity and its position in the cart.
    """
    product_id = _int(request.POST.get("product_id"))
    replacement_id = _int(request.POST.get("replacement_id"))
    cart = Cart(request.session)
    if product_id is None or replacement_id is None:
        messages.error(request, _("That cart line could not be changed."))
        return _back(request)
    replacement = _active_product(replacement_id)
    if product_id not in cart:
        messages.error(request, _("That item is no longer in your cart."))
        return _back(request)
    if product_id == replacement.pk:
        return _back(request)
    old_name = Product.objects.filter(pk=product_id).values_list("name", flat=True).first()
    cart.replace(product_id, replacement)
    analytics.widget_add(request, replacement, replaced=product_id)  # earns the difference
    messages.success(request, _("Replaced %(old)s with %(new)s.") % {
        "old": old_name or _("the item"), "new": replacement.name,
    })
    return _back(request)
