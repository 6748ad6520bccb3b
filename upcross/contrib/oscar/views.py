"""Swap an Oscar basket line for its upgrade (``SWAP_CART_LINE_URL = "upcross_oscar:swap"``).

POST ``product_id`` (the line's product) and ``replacement_id`` (the upgrade). The line
is replaced by the upgrade with the same quantity; bad input gives a message and a
redirect to the basket, an unknown product a 404: never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from upcross import analytics
from upcross.contrib.oscar.handlers import credited_product
from upcross.contrib.oscar.hooks import buyable


def _pk(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 0 < number < 2**53 else None


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("basket:summary"))


@require_POST
def swap(request: HttpRequest) -> HttpResponse:
    from oscar.core.loading import get_model

    product_model = get_model("catalogue", "Product")
    old_pk, new_pk = _pk(request.POST.get("product_id")), _pk(request.POST.get("replacement_id"))
    if old_pk is None or new_pk is None:
        messages.error(request, _("Please choose a basket line and its upgrade."))
        return _back(request)
    basket = request.basket  # type: ignore[attr-defined]  # Oscar's BasketMiddleware
    line = next((line for line in basket.all_lines() if line.product_id == old_pk), None)
    if line is None:
        messages.error(request, _("That product is no longer in your basket."))
        return _back(request)
    offered = get_object_or_404(product_model, pk=new_pk, is_public=True)
    replacement = buyable(offered, request)
    if replacement is None:
        raise Http404("The upgrade cannot be bought.")
    quantity = line.quantity
    line.delete()
    basket.reset_offer_applications()
    basket.add_product(replacement, quantity)
    analytics.widget_add(request, credited_product(request, replacement), quantity,
                         replaced=line.product)  # a swap earns the price difference
    messages.success(request, _("Replaced %(old)s with %(new)s.") % {
        "old": line.product.get_title(), "new": replacement.get_title()})
    return _back(request)
