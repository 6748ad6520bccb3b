"""Celery app of the altshop: ``celery -A tests.altshop worker`` (settings from env)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings_altshop")

app = Celery("altshop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
