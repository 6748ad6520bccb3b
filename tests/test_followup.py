"""Follow-up e-mails ("complete your set") and the thank-you box they share (both shapes).

Sent once per order: run twice, and run concurrently against PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from pytest_django import Settings

from tests import factories as f
from upcross import followup
from upcross.models import FollowUp, FollowUpOptOut

pytestmark = pytest.mark.django_db

# The host's URLs plus upcross's, for the unsubscribe tests (``@pytest.mark.urls(__name__)``);
# the demo mounts upcross's already, the altshop does not.
_host_urls = import_module(settings.ROOT_URLCONF).urlpatterns
urlpatterns = [*_host_urls] if f.is_demo() else [
    *_host_urls, path("upcross/", include("upcross.urls"))]


def email_of_order(order_pk: Any) -> str:
    """An ``ORDER_EMAIL_FIELD`` callable (the altshop's orders hold no address)."""
    return f"buyer-{order_pk}@example.com"


OPTED_OUT: set[str] = set()


def host_opt_out(email: str) -> bool:
    return email in OPTED_OUT


class SlowBackend(EmailBackend):
    """Django's test backend, slowed so two concurrent senders overlap."""

    def send_messages(self, messages: Any) -> int:
        time.sleep(0.5)
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _settings(fresh_cache: None, settings: Settings) -> None:
    OPTED_OUT.clear()
    settings.UPCROSS = {**settings.UPCROSS, "FOLLOW_UP_ENABLED": True, "FOLLOW_UP_DAYS": 7,
                        "FOLLOW_UP_MAX_LATE_DAYS": 3, "SITE_URL": "https://shop.example",
                        "ORDER_EMAIL_FIELD": "tests.test_followup.email_of_order",
                        "FOLLOW_UP_OPT_OUT": "tests.test_followup.host_opt_out"}


def placed(order: Any, days_ago: float) -> Any:
    field = "created_at" if f.is_demo() else "placed_on"
    type(order).objects.filter(pk=order.pk).update(
        **{field: timezone.now() - timedelta(days=days_ago)})
    return order


@pytest.fixture
def kit() -> dict[str, Any]:
    tent, pegs, mat = f.product("Tent"), f.product("Pegs"), f.product("Mat")
    f.relation(tent, pegs, position=0)
    f.relation(tent, mat, position=1)
    f.relation(pegs, tent, position=0)
    return {"tent": tent, "pegs": pegs, "mat": mat}


def names(html: str, kit: dict[str, Any]) -> set[str]:
    return {name for name in ("Tent", "Pegs", "Mat") if f">{name}<" in html}


def test_due_order_gets_one_email_with_complements_of_what_was_bought(
        kit: dict[str, Any]) -> None:
    order = placed(f.order([kit["tent"], kit["pegs"]]), days_ago=8)

    assert followup.send_follow_ups() == {"sent": 1}
    [message] = mail.outbox
    assert message.to == [f"buyer-{order.pk}@example.com"]
    assert message.subject == "Complete your set"
    html = message.alternatives[0][0]
    assert names(html, kit) == {"Mat"}  # what was bought is left out
    assert "Mat" in message.body and "https://shop.example/" in message.body
    assert FollowUp.objects.get().order_id == str(order.pk)

    # A second run: nothing more.
    assert followup.send_follow_ups() == {}
    assert len(mail.outbox) == 1


def test_only_orders_inside_the_window(kit: dict[str, Any]) -> None:
    placed(f.order([kit["tent"]]), days_ago=2)    # too early
    placed(f.order([kit["tent"]]), days_ago=30)   # too late: never written to
    assert followup.send_follow_ups() == {}
    assert mail.outbox == []


def test_switched_off_by_default(settings: Settings, kit: dict[str, Any]) -> None:
    settings.UPCROSS = {key: value for key, value in settings.UPCROSS.items()
                        if key != "FOLLOW_UP_ENABLED"}
    placed(f.order([kit["tent"]]), days_ago=8)
    assert followup.send_follow_ups() == {}
    assert mail.outbox == [] and not FollowUp.objects.exists()


def test_opt_outs_and_nothing_to_suggest_are_recorded_not_sent(kit: dict[str, Any]) -> None:
    unsubscribed = placed(f.order([kit["tent"]]), days_ago=8)
    hooked = placed(f.order([kit["tent"]]), days_ago=8)
    lonely = placed(f.order([f.product("Nothing goes with me")]), days_ago=8)
    FollowUpOptOut.objects.create(email=email_of_order(unsubscribed.pk))
    OPTED_OUT.add(email_of_order(hooked.pk))

    assert followup.send_follow_ups() == {"opted_out": 2, "skipped": 1}
    assert mail.outbox == []
    assert FollowUp.objects.get(order_id=str(lonely.pk)).status == "skipped"


def test_a_failed_send_is_retried_by_the_next_run(settings: Settings,
                                                  kit: dict[str, Any]) -> None:
    placed(f.order([kit["tent"]]), days_ago=8)
    settings.EMAIL_BACKEND = "tests.test_followup.BrokenBackend"
    with pytest.raises(ConnectionRefusedError):
        followup.send_follow_ups()
    assert not FollowUp.objects.exists()  # rolled back with the failed send
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert followup.send_follow_ups() == {"sent": 1}


class BrokenBackend(EmailBackend):
    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("SMTP server down")


@pytest.mark.shop("demo")
def test_demo_reads_the_address_from_the_order(settings: Settings, kit: dict[str, Any]) -> None:
    settings.UPCROSS = {**settings.UPCROSS, "ORDER_EMAIL_FIELD": "order__email"}
    order = f.order([kit["tent"]])
    order.email = "Ana@Example.com"
    order.save()
    placed(order, days_ago=8)
    assert followup.send_follow_ups() == {"sent": 1}
    assert mail.outbox[0].to == ["Ana@Example.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_once(settings: Settings, kit: dict[str, Any]) -> None:
    """Two tasks at the same moment on the same due orders: each order is mailed once."""
    settings.EMAIL_BACKEND = "tests.test_followup.SlowBackend"
    orders = [placed(f.order([kit["tent"]]), days_ago=8) for _ in range(3)]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(followup.send_follow_ups())
        except Exception as exc:  # reported below, not lost in the thread
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        email_of_order(order.pk) for order in orders)
    assert sum(r.get("sent", 0) for r in results) == 3
    assert FollowUp.objects.count() == 3


def test_task_runs_the_service_and_is_scheduled(kit: dict[str, Any]) -> None:
    from django_celery_beat.models import PeriodicTask

    from upcross.schedule import FOLLOW_UP_TASK_NAME
    from upcross.tasks import send_follow_ups

    placed(f.order([kit["tent"]]), days_ago=8)
    assert send_follow_ups.apply().get() == {"sent": 1}
    assert send_follow_ups.apply().get() == {}
    assert PeriodicTask.objects.get(name=FOLLOW_UP_TASK_NAME).task == "upcross.send_follow_ups"


@pytest.mark.urls(__name__)
def test_unsubscribe_link_in_the_email_opts_out(kit: dict[str, Any]) -> None:
    order = placed(f.order([kit["tent"]]), days_ago=8)
    followup.send_follow_ups()
    [message] = mail.outbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    local = link.removeprefix("https://shop.example")

    client = Client()
    assert client.get(local).status_code == 200  # asks first: link scanners change nothing
    assert not FollowUpOptOut.objects.exists()
    # what a mail client's one-click unsubscribe (RFC 8058) sends
    assert client.post(local, "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200
    assert followup.opted_out(email_of_order(order.pk))

    # A tampered token is a plain 400 page.
    assert client.get(local[:-3] + "xyz/").status_code == 400


@pytest.mark.urls(__name__)
def test_unsubscribe_rejects_garbage(kit: dict[str, Any]) -> None:
    client = Client()
    assert client.post("/upcross/unsubscribe/not-a-token/").status_code == 400
    assert client.put("/upcross/unsubscribe/x/").status_code == 405


# --- the thank-you page's box --------------------------------------------------------


def test_thank_you_box_excludes_what_was_bought(kit: dict[str, Any]) -> None:
    html = f.render_tags("{% upcross_order_complements items %}",
                  items=[f.Line(kit["tent"]), f.Line(kit["pegs"])])
    assert "Complete your set" in html
    assert names(html, kit) == {"Mat"}
    assert f.render_tags("{% upcross_order_complements items %}", items=[]).strip() == ""


@pytest.mark.shop("demo")
def test_demo_thank_you_page_shows_the_box(kit: dict[str, Any]) -> None:
    client = Client()
    client.post("/cart/add/", {"product_id": kit["tent"].pk})
    response = client.post("/orders/checkout/", {"email": "a@example.com"}, follow=True)
    page = response.content.decode()
    assert "Complete your set" in page
    box = page[page.index("upcross-order-complements"):]
    assert ">Pegs<" in box and ">Mat<" in box and ">Tent<" not in box


@pytest.mark.parametrize("spec", ["order__nowhere", "tests.test_followup.missing"])
def test_unresolvable_email_source_is_e013_when_follow_ups_are_on(settings: Settings,
                                                                  spec: str) -> None:
    from django.core import checks

    settings.UPCROSS = {**settings.UPCROSS, "ORDER_EMAIL_FIELD": spec}
    assert [m.id for m in checks.run_checks() if m.id == "upcross.E013"] == ["upcross.E013"]
    settings.UPCROSS = {**settings.UPCROSS, "FOLLOW_UP_ENABLED": False}
    assert not [m for m in checks.run_checks() if m.id == "upcross.E013"]
