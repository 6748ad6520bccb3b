"""Recompute history (read-only, live while a run is going) and the "Recompute now" button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from upcross.admin.utils import ReadOnlyAdminMixin, has_upcross_perm, require
from upcross.models import MiningRun, MiningRunKind, MiningRunStatus
from upcross.recompute import GUARD_PREFIX
from upcross.tasks import enqueue_recompute

SCHEDULE_NAME = "upcross: nightly recompute"
TASK_NAME = "upcross.recompute"
#: Seconds between reloads of the history while a run is pending or running.
REFRESH_SECONDS = 3


class RecomputeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=MiningRunKind.choices,
                             initial=MiningRunKind.ALL)
    force = forms.BooleanField(
        label=_("Accept the removal"), required=False,
        help_text=_("Write the result even if it loaded no orders or removes more than "
                    "RECOMPUTE_MAX_REMOVED_SHARE of the mined relations."))


def refused_by_guard() -> MiningRun | None:
    """The latest run, when the removal guard refused it (the admin then offers force)."""
    last = MiningRun.objects.exclude(status=MiningRunStatus.SKIPPED).order_by("-pk").first()
    if last is not None and last.status == MiningRunStatus.FAILED and \
            GUARD_PREFIX in last.error:
        return last
    return None


def schedule_link(request: HttpRequest) -> str | None:
    """Admin URL of the django-celery-beat row that schedules the recompute, if visible."""
    if not apps.is_installed("django_celery_beat"):
        return None
    from upcross.admin.schedules import BEAT_VIEW, SCHEDULE_PERMISSION

    if not (request.user.has_perm(BEAT_VIEW) or request.user.has_perm(SCHEDULE_PERMISSION)):
        return None
    from django_celery_beat.models import PeriodicTask

    task = (PeriodicTask.objects.filter(name=SCHEDULE_NAME).first()
            or PeriodicTask.objects.filter(task=TASK_NAME).order_by("pk").first())
    if task is None:
        return None
    try:
        return reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    except NoReverseMatch:
        return None


class MiningRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_list_template = "upcross/admin/runs/change_list.html"
    list_display = ("__str__", "status", "progress_bar", "created_at", "duration_display",
                    "orders_scanned", "lines_scanned", "relations_created", "relations_updated",
                    "relations_removed")
    list_filter = ("kind", "status")
    date_hierarchy = "created_at"

    @admin.display(description=_("progress"))
    def progress_bar(self, obj: MiningRun) -> str:
        percent = max(0, min(100, round((obj.progress or 0) * 100)))
        if obj.status == MiningRunStatus.SUCCEEDED:
            percent = 100
        return format_html(
            '<progress max="100" value="{}" title="{} %">{} %</progress> {} %',
            percent, percent, percent, percent,
        )

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, obj: MiningRun) -> str:
        return "—" if obj.duration is None else f"{obj.duration:.1f} s"

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("recompute/", wrap(require_POST(self.recompute_view)),
                 name="upcross_miningrun_recompute"),
            *super().get_urls(),
        ]

    @staticmethod
    def can_recompute(request: HttpRequest) -> bool:
        return (has_upcross_perm(request, "change_productrelation")
                and has_upcross_perm(request, "view_miningrun"))

    def recompute_view(self, request: HttpRequest) -> HttpResponse:
        require(self.can_recompute(request))
        form = RecomputeForm(request.POST)
        changelist = reverse("admin:upcross_miningrun_changelist")
        if not form.is_valid():
            messages.error(request, _("Choose what to recompute."))
            return HttpResponseRedirect(changelist)
        kind = form.cleaned_data["kind"]
        if enqueue_recompute(kind, force=form.cleaned_data["force"]) is not None:
            messages.error(request, _("The recompute could not be started (the task queue is "
                                      "unreachable). Try again, or run “manage.py "
                                      "upcross_recompute”."))
            return HttpResponseRedirect(changelist)
        messages.success(request, _("Recompute of %(kind)s started. This page refreshes until "
                                    "it is done.") % {"kind": MiningRunKind(kind).label.lower()})
        return HttpResponseRedirect(changelist)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        running = MiningRun.objects.filter(
            status__in=(MiningRunStatus.PENDING, MiningRunStatus.RUNNING)).exists()
        extra_context = {
            **(extra_context or {}),
            "refresh_seconds": REFRESH_SECONDS if running else None,
            "recompute_form": RecomputeForm() if self.can_recompute(request) else None,
            "refused_run": refused_by_guard(),
            "recompute_url": reverse("admin:upcross_miningrun_recompute"),
            "schedule_url": schedule_link(request),
        }
        return super().changelist_view(request, extra_context)
