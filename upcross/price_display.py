"""Amounts shown the way the shop shows prices: through ``upcross/partials/price.html``.

The partial is the one override point for money (a shop overrides it to add its
currency and its locale's format, as the demo does for rupiah); the admin report and
the installment line use it too, as HTML in tables and as plain text in charts.
"""

from __future__ import annotations

import html
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

PARTIAL = "upcross/partials/price.html"


def price_html(amount: Any) -> SafeString:
    """The partial's HTML for ``amount`` ("" for ``None``)."""
    if amount is None or amount == "":
        return mark_safe("")
    return mark_safe(render_to_string(PARTIAL, {"price": amount}).strip())  # escaped by it


def price_text(amount: Any) -> str:
    """The same amount as plain text (for SVG labels and tooltips)."""
    return html.unescape(strip_tags(price_html(amount)))
