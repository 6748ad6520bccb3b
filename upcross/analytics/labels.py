"""Widgets named in words, for the report (the counters key them by code name)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: Where each built-in widget is and what it offers.
WIDGET_LABELS = {
    "complements": _("Product page: add this too"),
    "upgrades": _("Product page: upgrade to"),
    "bundle": _("Product page: bought together (bundle)"),
    "cart_complements": _("Cart: goes well with your cart"),
    "cart_upgrades": _("Cart: upgrade a line"),
    "free_shipping_nudge": _("Cart: free-shipping nudge"),
    "order_complements": _("Thank-you page: complete your set"),
}


def widget_label(name: str) -> str:
    """The widget's name in words: built-in widgets, then showcases ("Showcase: Best
    sellers"), else the code name itself."""
    if name in WIDGET_LABELS:
        return str(WIDGET_LABELS[name])
    from upcross.showcases.registry import get

    showcase = get(name)
    if showcase is not None:
        return str(_("Showcase: %(title)s") % {"title": showcase.title})
    return name
