"""CSV import (upload → preview with row errors → confirm) and export views."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.admin.utils import notify_relations_changed, require
from upcross.csv_io import (
    EXPORT_COLUMNS,
    CsvFormatError,
    ImportPlan,
    apply_import,
    iter_export_rows,
    parse_relations_csv,
)

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_MAX_AGE = 24 * 60 * 60
PREVIEW_ROWS = 20
PREVIEW_ERRORS = 200
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns source, target, kind and optionally position; products by id, "
                    "SKU or slug; UTF-8, comma or semicolon separated."),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip bad rows"), required=False,
        help_text=_("Import the valid rows even if some rows have errors."),
    )


class ConfirmForm(forms.Form):
    token = forms.RegexField(regex=TOKEN_RE, widget=forms.HiddenInput)
    skip_invalid = forms.BooleanField(label=_("Skip bad rows"), required=False)


#: Each previewed upload waits in its own folder, made like ``mkdtemp`` (mode 0700, a name
#: nobody else may have made first), named by user and random token.
UPLOAD_PREFIX = "upcross-import-"


def _upload_folder(request: HttpRequest, token: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{UPLOAD_PREFIX}{request.user.pk}-{token}"


def _private(folder: Path) -> bool:
    """Our own real folder, readable by this user only (not a symlink someone planted)."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() \
        and stat.S_IMODE(info.st_mode) == 0o700


def _store_upload(request: HttpRequest, token: str, data: bytes) -> None:
    folder = _upload_folder(request, token)
    folder.mkdir(mode=0o700)  # FileExistsError if anyone made that name first
    path = folder / "upload.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _upload_path(request: HttpRequest, token: str) -> Path | None:
    """Where a previewed file waits for its confirmation, if it is still ours and there."""
    folder = _upload_folder(request, token)
    path = folder / "upload.csv"
    if not _private(folder) or path.is_symlink() or not path.is_file():
        return None
    return path


def _discard_upload(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def _forget_old_uploads() -> None:
    """Previews nobody confirmed: gone after a day."""
    limit = time.time() - UPLOAD_MAX_AGE
    for folder in Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"):
        with contextlib.suppress(OSError):
            if _private(folder) and folder.lstat().st_mtime < limit:
                shutil.rmtree(folder)


def import_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    require(model_admin.has_add_permission(request)
            and model_admin.has_change_permission(request))
    opts = model_admin.model._meta
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": opts, "title": _("Import relations from CSV"),
        "changelist_url": reverse("admin:upcross_productrelation_changelist"),
    }
    form = ImportForm()
    if request.method == "POST" and "token" in request.POST:
        confirm = ConfirmForm(request.POST)
        if not confirm.is_valid():
            messages.error(request, _("This import expired; please upload the file again."))
            return HttpResponseRedirect(request.path)
        token = confirm.cleaned_data["token"]
        upload = _upload_path(request, token)
        if upload is None:
            messages.error(request, _("This import expired; please upload the file again."))
            return HttpResponseRedirect(request.path)
        skip = confirm.cleaned_data["skip_invalid"]
        try:
            plan = parse_relations_csv(upload.read_bytes())
        except CsvFormatError as exc:  # the file is ours; only settings could change it
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.path)
        if plan.invalid_rows and not skip:
            messages.error(request, _("Nothing was imported: fix the rows below, or tick "
                                      "“Skip bad rows”."))
            return _preview(request, context, plan, token, skip)
        result = apply_import(plan, skip_invalid=skip)
        _discard_upload(upload)
        notify_relations_changed((row.source_pk, row.kind) for row in plan.valid_rows)
        messages.success(request, _(
            "Imported %(created)s new and %(updated)s updated relation(s); %(skipped)s bad "
            "row(s) skipped.") % {"created": result.created, "updated": result.updated,
                                  "skipped": result.skipped})
        return HttpResponseRedirect(context["changelist_url"])
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            if upload_file.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is larger than %(size)s MB.")
                               % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
            else:
                data = upload_file.read()
                try:
                    plan = parse_relations_csv(data)
                except CsvFormatError as exc:
                    form.add_error("file", str(exc))
                else:
                    _forget_old_uploads()
                    token = secrets.token_hex(16)
                    _store_upload(request, token, data)
                    return _preview(request, context, plan, token,
                                    form.cleaned_data["skip_invalid"])
    context["form"] = form
    return TemplateResponse(request, "upcross/admin/relations/import.html", context)


def _preview(request: HttpRequest, context: dict[str, Any], plan: ImportPlan, token: str,
             skip: bool) -> HttpResponse:
    invalid = plan.invalid_rows
    context.update({
        "plan": plan,
        "row_count": len(plan.rows),
        "valid_count": len(plan.rows) - len(invalid),
        "invalid_count": len(invalid),
        "errors": invalid[:PREVIEW_ERRORS],
        "more_errors": max(0, len(invalid) - PREVIEW_ERRORS),
        "sample": plan.valid_rows[:PREVIEW_ROWS],
        "confirm_form": ConfirmForm(initial={"token": token, "skip_invalid": skip}),
        "title": _("Import relations: preview"),
    })
    return TemplateResponse(request, "upcross/admin/relations/import_preview.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _stream(queryset: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # spreadsheets read UTF-8 only with the byte-order mark
    yield writer.writerow(EXPORT_COLUMNS)
    for row in iter_export_rows(queryset):
        yield writer.writerow(row)


def export_response(queryset: QuerySet) -> StreamingHttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_stream(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="upcross-relations-{stamp}.csv"'
    return response


def export_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponseBase:
    """The current set, narrowed by the changelist's filters and search (same query)."""
    require(model_admin.has_view_permission(request))
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        messages.error(request, _("Unknown filter; nothing exported."))
        return HttpResponseRedirect(reverse("admin:upcross_productrelation_changelist"))
    return export_response(changelist.get_queryset(request))
