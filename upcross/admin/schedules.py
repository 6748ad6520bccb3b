"""Merchandisers edit upcross's own periodic tasks, never the host's.

django-celery-beat's permissions cover every ``PeriodicTask`` row: whoever holds
``change_periodictask`` may retarget any task (the host's refunds batch too) to any
Celery task. Merchandisers hold ``upcross.change_upcross_schedule`` instead; the
``PeriodicTask`` admin, wrapped here, lets that permission see and change the rows
whose task is one of upcross's (``upcross.`` task names) and keeps the task inside
that namespace. Users holding django-celery-beat's own permissions see its admin
unchanged. Adding and deleting tasks stays with django-celery-beat's permissions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

#: Task names that are upcross's (``@shared_task(name="upcross.…")``).
TASK_PREFIX = "upcross."
#: The scoped permission (``MiningRun.Meta.permissions``).
SCHEDULE_PERMISSION = "upcross.change_upcross_schedule"
BEAT_CHANGE = "django_celery_beat.change_periodictask"
BEAT_VIEW = "django_celery_beat.view_periodictask"
NOT_UPCROSS_TASK = _("You may only schedule upcross's own tasks (names starting with "
                     "\"upcross.\").")


def is_upcross_task(task: Any) -> bool:
    return isinstance(task, str) and task.startswith(TASK_PREFIX)


def is_scoped(request: HttpRequest) -> bool:
    """The user edits schedules through upcross's permission only (not beat's own)."""
    user = request.user
    return (not user.has_perm(BEAT_CHANGE) and not user.has_perm(BEAT_VIEW)
            and user.has_perm(SCHEDULE_PERMISSION))


def scoped_admin(base: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """``base`` (the registered PeriodicTask admin) with upcross's scoped permission."""

    class UpcrossScopedPeriodicTaskAdmin(base):  # type: ignore[valid-type, misc]
        def get_queryset(self, request: HttpRequest) -> QuerySet:
            queryset = super().get_queryset(request)
            if is_scoped(request):
                queryset = queryset.filter(task__startswith=TASK_PREFIX)
            return queryset

        def has_module_permission(self, request: HttpRequest) -> bool:
            return super().has_module_permission(request) or is_scoped(request)

        def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
            if super().has_view_permission(request, obj):
                return True
            return self._scoped_allows(request, obj)

        def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
            if request.user.has_perm(BEAT_CHANGE):
                return super().has_change_permission(request, obj)
            return self._scoped_allows(request, obj)

        @staticmethod
        def _scoped_allows(request: HttpRequest, obj: Any) -> bool:
            return is_scoped(request) and (obj is None or is_upcross_task(obj.task))

        def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                     **kwargs: Any) -> type[forms.ModelForm]:
            form = super().get_form(request, obj, change=change, **kwargs)
            if not is_scoped(request):
                return form

            class ScopedForm(form):  # type: ignore[valid-type, misc]
                def clean(self) -> dict[str, Any]:
                    data = super().clean()
                    if not is_upcross_task(data.get("task")):
                        self.add_error("task", NOT_UPCROSS_TASK)
                    return data

            return ScopedForm

    UpcrossScopedPeriodicTaskAdmin.__name__ = f"UpcrossScoped{base.__name__}"
    return UpcrossScopedPeriodicTaskAdmin


def install(site: admin.AdminSite | None = None) -> None:
    """Wrap the registered ``PeriodicTask`` admin (registering beat's admin first)."""
    if not apps.is_installed("django_celery_beat"):
        return
    site = site or admin.site
    import django_celery_beat.admin  # noqa: F401  (registers beat's admins once)
    from django_celery_beat.models import PeriodicTask

    current = site._registry.get(PeriodicTask)
    if current is None or getattr(current, "upcross_scoped", False):
        return
    wrapped = scoped_admin(type(current))
    wrapped.upcross_scoped = True  # type: ignore[attr-defined]
    site.unregister(PeriodicTask)
    site.register(PeriodicTask, wrapped)
