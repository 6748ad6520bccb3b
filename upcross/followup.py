"""Follow-up e-mails: "complete your set", ``FOLLOW_UP_DAYS`` after an order.

The ``upcross.send_follow_ups`` task (hourly by default) calls
:func:`send_follow_ups`. It reads orders through the order-line adapter (the same
lines mining reads, ``ORDER_LINE_FILTER`` applied) placed between
``FOLLOW_UP_DAYS + FOLLOW_UP_MAX_LATE_DAYS`` and ``FOLLOW_UP_DAYS`` days ago, and
writes to each order's address (``ORDER_EMAIL_FIELD``) the complements of what was
bought, leaving out what was bought: the thank-you page's box.

At most once per order: a :class:`~upcross.models.FollowUp` row with the order's id
(unique) is inserted in the transaction that sends. A second task handling the
same order at the same time waits on that insert and then fails on the unique
constraint, so it never sends; a failed send rolls the row back and the next run
tries again. Orders whose customer opted out (upcross's unsubscribe list or the
``FOLLOW_UP_OPT_OUT`` callable), without an address, or with nothing to suggest
get a row too (``opted_out`` / ``skipped``): they are looked at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from upcross import recommend
from upcross.adapters import get_adapter
from upcross.conf import upcross_settings
from upcross.models import FollowUp, FollowUpOptOut, FollowUpStatus

logger = logging.getLogger("upcross.followup")

UNSUBSCRIBE_SALT = "upcross.followup.unsubscribe"


@dataclass
class DueOrder:
    """An order whose follow-up is due: what it bought, who bought it, where to write."""

    order: Any
    email: str = ""
    customer: Any = None
    products: list[Any] = field(default_factory=list)


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.strip().lower(), salt=UNSUBSCRIBE_SALT, compress=True)


def email_from_token(token: str) -> str | None:
    """The address a signed unsubscribe token names, or ``None`` if it was tampered with."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and "@" in value else None


def unsubscribe_url(email: str) -> str:
    """Absolute (with ``SITE_URL``) link of upcross's unsubscribe view; "" if not mounted."""
    try:
        path = reverse("upcross:unsubscribe", args=[unsubscribe_token(email)])
    except NoReverseMatch:
        return ""
    return upcross_settings.SITE_URL + path


def opt_out(email: str) -> None:
    FollowUpOptOut.objects.get_or_create(email=email.strip().lower())


def opted_out(email: str) -> bool:
    if FollowUpOptOut.objects.filter(email=email.strip().lower()).exists():
        return True
    return get_adapter().email_opted_out(email)


def due_orders(now: datetime | None = None) -> list[DueOrder]:
    """Orders in the follow-up window that have no ``FollowUp`` row yet, oldest first."""
    now = now or timezone.now()
    adapter = get_adapter()
    paths = adapter.order_line_paths()
    order_path, product_path, placed = paths["order"], paths["product"], paths["placed_at"]
    if adapter.order_line_model() is None or not (order_path and product_path and placed):
        return []
    latest = now - timedelta(days=upcross_settings.FOLLOW_UP_DAYS)
    earliest = latest - timedelta(days=upcross_settings.FOLLOW_UP_MAX_LATE_DAYS)
    email_path = adapter.order_email_path()
    columns = [order_path, product_path, paths["customer"] or order_path,
               email_path or order_path]
    rows = (adapter.order_lines()
            .filter(**{f"{placed}__lte": latest, f"{placed}__gt": earliest})
            .order_by(placed, order_path)
            .values_list(*columns))
    orders: dict[Any, DueOrder] = {}
    for order, product, customer, email in rows:
        due = orders.setdefault(order, DueOrder(order=order))
        if product not in due.products:
            due.products.append(product)
        if paths["customer"]:
            due.customer = customer
        if email_path and email:
            due.email = str(email)
    done = set(FollowUp.objects.filter(order_id__in=[str(o) for o in orders])
               .values_list("order_id", flat=True))
    due_list = [due for order, due in orders.items() if str(order) not in done]
    if not email_path:
        for due in due_list:
            due.email = adapter.order_email(due.order)
    return due_list


def send_follow_ups(now: datetime | None = None) -> dict[str, int]:
    """Send every due follow-up (once per order); counts per outcome."""
    counts: dict[str, int] = defaultdict(int)
    if not upcross_settings.FOLLOW_UP_ENABLED:
        return dict(counts)
    for due in due_orders(now):
        counts[send_follow_up(due) or "taken"] += 1
    return dict(counts)


def send_follow_up(due: DueOrder) -> str | None:
    """Decide, write the order's row and send, in one transaction.

    Returns the status written, or ``None`` when another task has the order already.
    """
    email = due.email.strip()
    items: list[Any] = []
    if not email:
        status = FollowUpStatus.SKIPPED
    elif opted_out(email):
        status = FollowUpStatus.OPTED_OUT
    else:
        items = suggestions(due)
        status = FollowUpStatus.SENT if items else FollowUpStatus.SKIPPED
    try:
        with transaction.atomic():
            FollowUp.objects.create(order_id=str(due.order), email=email, status=status)
            if status == FollowUpStatus.SENT:
                message(email, items).send()
    except IntegrityError:
        return None
    logger.info("follow-up for order %s: %s", due.order, status)
    return str(status)


def suggestions(due: DueOrder) -> list[Any]:
    """Complements of the order's products (the thank-you page's box), best first."""
    model = get_adapter().product_model()
    products = model._default_manager.in_bulk(due.products)
    bought = [products[pk] for pk in due.products if pk in products]
    if not bought:  # an empty cart would get best sellers: not a "complete your set"
        return []
    return list(recommend.cart_complements(bought, limit=upcross_settings.FOLLOW_UP_LIMIT,
                                           customer=due.customer))


def message(email: str, items: list[Any]) -> EmailMultiAlternatives:
    context = {"items": items, "email": True, "site_url": upcross_settings.SITE_URL,
               "unsubscribe_url": unsubscribe_url(email)}
    text = render_to_string("upcross/email/follow_up.txt", context)
    html = render_to_string("upcross/email/follow_up.html", context)
    headers = {}
    if context["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        # RFC 8058 one-click: the mail client POSTs this body to the link (the view takes it).
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMultiAlternatives(
        subject=_("Complete your set"), body=text,
        from_email=upcross_settings.FOLLOW_UP_FROM_EMAIL, to=[email], headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    return mail
