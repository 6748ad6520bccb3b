"""Template helpers of the demo shop: prices and the category navigation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import pgettext

from demo_shop.catalog.models import Category

register = template.Library()


def format_money(value: object) -> str:
    """Whole rupiah, grouped the way the active locale groups numbers.

    Grouping comes from Django's locale formats (``,`` in English, ``.`` in
    Indonesian, a no-break space in Polish); where the currency sign goes is a
    translation (``Rp 1.000`` in Indonesian, ``1 000 Rp`` in Polish).
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    number = number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)
    # Translators: a price in Indonesian rupiah; keep %(amount)s and put "Rp" where your
    # language puts a currency sign (e.g. "%(amount)s Rp").
    price = pgettext("price", "Rp %(amount)s") % {"amount": number}
    # No-break spaces keep a price on one line.
    return price.replace(" ", "\u00a0")


@register.filter(is_safe=True)
def money(value: object) -> str:
    """``{{ product.price|money }}`` → ``Rp 3,999,000`` (en), ``Rp 3.999.000`` (id)."""
    return format_money(value)


@register.simple_tag
def shop_categories() -> QuerySet[Category]:
    """``{% shop_categories as categories %}``: the categories that have active products."""
    return Category.objects.filter(products__is_active=True).distinct()
