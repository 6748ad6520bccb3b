"""The nightly recompute ``PeriodicTask``: created once on migrate, never overwritten."""

from __future__ import annotations

import json

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.test import override_settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from upcross.schedule import TASK_NAME, ensure_nightly_recompute

pytestmark = pytest.mark.django_db


def test_created_by_migrate_with_the_configured_schedule() -> None:
    task = PeriodicTask.objects.get(name=TASK_NAME)  # the test database was migrated
    assert task.task == "upcross.recompute"
    assert json.loads(task.kwargs) == {"kind": "all"}
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("30", "3")
    assert (task.crontab.day_of_week, task.crontab.day_of_month,
            task.crontab.month_of_year) == ("*", "*", "*")


def test_idempotent() -> None:
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ensure_nightly_recompute()
    assert PeriodicTask.objects.filter(name=TASK_NAME).count() == 1
    assert CrontabSchedule.objects.filter(minute="30", hour="3").count() == 1


def test_merchandiser_edits_survive_later_migrations() -> None:
    task = PeriodicTask.objects.get(name=TASK_NAME)
    task.crontab = CrontabSchedule.objects.create(minute="0", hour="5")
    task.enabled = False
    task.kwargs = json.dumps({"kind": "complements"})
    task.save()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("0", "5", False)
    assert json.loads(task.kwargs) == {"kind": "complements"}


def test_schedule_comes_from_settings_when_first_created() -> None:
    from django.conf import settings

    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    with override_settings(UPCROSS={**settings.UPCROSS,
                                    "RECOMPUTE_SCHEDULE": {"minute": "15", "hour": "1",
                                                           "day_of_week": "1-5"}}):
        task = ensure_nightly_recompute()
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == \
        ("15", "1", "1-5")
