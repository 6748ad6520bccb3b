"""The nightly recompute as a django-celery-beat ``PeriodicTask``, created once.

Created on ``post_migrate`` with idempotent ``get_or_create``; once the row
exists upcross never touches it again, so a merchandiser's edits in admin
(another time, disabled, other kwargs) survive every later ``migrate``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.signals import post_migrate

from upcross.conf import upcross_settings

TASK_NAME = "upcross: nightly recompute"
TASK = "upcross.recompute"
_CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def _ensure_crontab_task(using: str, name: str, task: str, schedule_spec: Mapping[str, Any],
                         description: str, kwargs: str = "{}") -> Any | None:
    """Create the ``PeriodicTask`` ``name`` on a crontab from ``schedule_spec`` once.

    Returns the row (an existing one untouched, whatever was edited since), or
    ``None`` without django-celery-beat, when the router keeps it off ``using``, or
    before its tables exist. Crontab fields missing from the spec are ``*``; keys
    that are not crontab fields are ignored.
    """
    if not global_apps.is_installed("django_celery_beat"):
        return None
    periodic_task = global_apps.get_model("django_celery_beat", "PeriodicTask")
    crontab = global_apps.get_model("django_celery_beat", "CrontabSchedule")
    if not router.allow_migrate_model(using, periodic_task):
        return None
    tables = connections[using].introspection.table_names()
    if periodic_task._meta.db_table not in tables or crontab._meta.db_table not in tables:
        return None
    existing = periodic_task.objects.using(using).filter(name=name).first()
    if existing is not None:
        return existing
    spec = {key: str(value) for key, value in schedule_spec.items() if key in _CRONTAB_FIELDS}
    spec = {**dict.fromkeys(_CRONTAB_FIELDS, "*"), **spec}
    schedule = crontab.objects.using(using).filter(**spec).order_by("pk").first()
    if schedule is None:
        schedule = crontab.objects.using(using).create(**spec)
    row, _created = periodic_task.objects.using(using).get_or_create(
        name=name,
        defaults={"task": task, "crontab": schedule, "kwargs": kwargs,
                  "description": description},
    )
    return row


def ensure_nightly_recompute(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> Any | None:
    """Create the periodic task if it does not exist yet; return it (or None)."""
    return _ensure_crontab_task(
        using, TASK_NAME, TASK, upcross_settings.RECOMPUTE_SCHEDULE,
        "Recompute mined complements and upgrades from orders.",
        kwargs=json.dumps({"kind": "all"}))


FOLLOW_UP_TASK_NAME = "upcross: follow-up e-mails"
FOLLOW_UP_TASK = "upcross.send_follow_ups"


def ensure_follow_up_schedule(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> Any | None:
    """The follow-up e-mails' periodic task, created once like the recompute's.

    Always created: the task does nothing while ``FOLLOW_UP_ENABLED`` is off, so
    switching follow-ups on needs no migrate.
    """
    return _ensure_crontab_task(
        using, FOLLOW_UP_TASK_NAME, FOLLOW_UP_TASK, upcross_settings.FOLLOW_UP_SCHEDULE,
        "Send due 'complete your set' follow-up e-mails.")


FLUSH_TASK_NAME = "upcross: flush widget statistics"
FLUSH_TASK = "upcross.flush_events"


def ensure_flush_schedule(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> Any | None:
    """The analytics flush's periodic task (``ANALYTICS_FLUSH_SCHEDULE``), created once."""
    return _ensure_crontab_task(
        using, FLUSH_TASK_NAME, FLUSH_TASK, upcross_settings.ANALYTICS_FLUSH_SCHEDULE,
        "Move the widget counters from Redis into daily rows.")


def _on_post_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    ensure_nightly_recompute(using=using)
    ensure_follow_up_schedule(using=using)
    ensure_flush_schedule(using=using)


def connect(app_config: AppConfig) -> None:
    post_migrate.connect(_on_post_migrate, sender=app_config,
                         dispatch_uid="upcross.schedule.nightly_recompute")
