"""Merchandisers edit upcross's own periodic tasks only, and curate bundles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.admin_support import form_data, make_merchandiser
from upcross.schedule import ensure_nightly_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks() -> dict[str, Any]:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    ours = ensure_nightly_recompute()
    crontab = CrontabSchedule.objects.create(minute="0", hour="2")
    host = PeriodicTask.objects.create(name="shop: nightly refunds batch",
                                       task="shop.refunds", crontab=crontab,
                                       kwargs=json.dumps({"limit": 10}))
    return {"ours": ours, "host": host, "crontab": crontab}


@pytest.fixture
def merch(client: Client) -> Client:
    client.force_login(make_merchandiser())
    return client


def change_url(task: Any) -> str:
    return reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])


def test_the_host_task_is_neither_listed_nor_editable(merch: Client,
                                                      tasks: dict[str, Any]) -> None:
    listing = merch.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "upcross: nightly recompute" in html
    assert "nightly refunds batch" not in html
    assert merch.get(change_url(tasks["host"])).status_code in (302, 403)
    page = merch.get(change_url(tasks["host"]))
    data = {"name": "shop: nightly refunds batch", "task": "shop.refunds",
            "crontab": tasks["crontab"].pk, "kwargs": json.dumps({"limit": 999999}),
            "args": "[]", "enabled": "on"}
    response = merch.post(change_url(tasks["host"]), data)
    assert response.status_code in (302, 403), page.status_code
    tasks["host"].refresh_from_db()
    assert json.loads(tasks["host"].kwargs) == {"limit": 10}


def test_our_task_is_editable_but_cannot_be_retargeted(merch: Client,
                                                       tasks: dict[str, Any]) -> None:
    url = change_url(tasks["ours"])
    page = merch.get(url)
    assert page.status_code == 200 and b'name="_save"' in page.content
    data = form_data(page.content.decode(), "periodictask_form")
    data.update({"regtask": "", "task": "celery.backend_cleanup"})
    refused = merch.post(url, data)
    assert refused.status_code == 200
    assert "upcross&#x27;s own tasks" in refused.content.decode() or \
        "upcross's own tasks" in refused.content.decode()
    tasks["ours"].refresh_from_db()
    assert tasks["ours"].task == "upcross.recompute"
    data.update({"task": "upcross.recompute", "kwargs": json.dumps({"kind": "complements"})})
    saved = merch.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    tasks["ours"].refresh_from_db()
    assert json.loads(tasks["ours"].kwargs) == {"kind": "complements"}


def test_shared_crontab_rows_are_not_editable(merch: Client, tasks: dict[str, Any]) -> None:
    url = reverse("admin:django_celery_beat_crontabschedule_change",
                  args=[tasks["crontab"].pk])
    response = merch.post(url, {"minute": "*", "hour": "*", "day_of_month": "*",
                                "month_of_year": "*", "day_of_week": "*", "timezone": "UTC"})
    assert response.status_code == 403
    tasks["crontab"].refresh_from_db()
    assert (tasks["crontab"].minute, tasks["crontab"].hour) == ("0", "2")


def test_holders_of_beat_permissions_keep_the_full_admin(client: Client,
                                                        tasks: dict[str, Any]) -> None:
    user = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="django_celery_beat",
        codename__in=["view_periodictask", "change_periodictask"]))
    client.force_login(user)
    html = client.get(reverse("admin:django_celery_beat_periodictask_changelist")).content
    assert b"nightly refunds batch" in html and b"upcross: nightly recompute" in html
    assert client.get(change_url(tasks["host"])).status_code == 200


def test_merchandisers_curate_bundles(merch: Client) -> None:
    assert merch.get(reverse("admin:upcross_bundle_changelist")).status_code == 200
    assert merch.get(reverse("admin:upcross_bundle_add")).status_code == 200
