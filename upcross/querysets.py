"""Query helpers for relations, shared by the read path, admin and API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone


class RelationQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None) -> RelationQuerySet:
        """Not blocked, and inside the active window (if any) at ``now``."""
        now = now or timezone.now()
        return self.filter(status="active").filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )

    def blocked(self) -> RelationQuerySet:
        return self.filter(status="blocked")

    def complements(self) -> RelationQuerySet:
        return self.filter(kind="complement")

    def upgrades(self) -> RelationQuerySet:
        return self.filter(kind="upgrade")

    def mined(self) -> RelationQuerySet:
        return self.filter(origin="mined")

    def manual(self) -> RelationQuerySet:
        return self.filter(origin="manual")

    def for_products(self, pks: Iterable[Any]) -> RelationQuerySet:
        return self.filter(source__in=list(pks))
