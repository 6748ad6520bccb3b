"""The relations changelist: curate, review what was mined, import and export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from upcross.adapters import get_adapter
from upcross.admin import csv_views, dashboard
from upcross.admin.filters import ReviewFilter, SourceCategoryFilter
from upcross.admin.utils import (
    notify_relations_changed,
    product_autocomplete_ready,
)
from upcross.models import ProductRelation, RelationKind, RelationOrigin, RelationStatus

KIND_SHORT: dict[str, Any] = {
    RelationKind.COMPLEMENT: _("Complement"), RelationKind.UPGRADE: _("Upgrade")}
EVIDENCE_FIELDS = ("score", "pair_count", "support", "confidence", "lift", "computed_at")


def format_evidence(relation: ProductRelation) -> str:
    """The evidence of a mined row in words, "—" for a row without any.

    Complements: "12 orders · confidence 0.31 · lift 2.40" (bought together).
    Upgrades (substitutes, see ``upcross.mining.upgrades``): "similar name, same
    baskets, rarely together · 0 orders together · lift 0.00 · score 0.87".
    """
    if relation.pair_count is None and relation.confidence is None:
        return "—"
    count = relation.pair_count or 0
    if relation.kind == RelationKind.UPGRADE:
        parts = [_("similar name, same baskets, rarely together"),
                 ngettext("%(n)d order together", "%(n)d orders together", count)
                 % {"n": count}]
        if relation.lift is not None:
            parts.append(_("lift %(value).2f") % {"value": relation.lift})
        parts.append(_("score %(value).2f") % {"value": relation.score})
        return " · ".join(str(part) for part in parts)
    parts = []
    if relation.pair_count is not None:
        parts.append(ngettext("%(n)d order", "%(n)d orders", count) % {"n": count})
    if relation.confidence is not None:
        parts.append(_("confidence %(value).2f") % {"value": relation.confidence})
    if relation.lift is not None:
        parts.append(_("lift %(value).2f") % {"value": relation.lift})
    return " · ".join(str(part) for part in parts)


class RelationFormMixin:
    """Clear messages for a self-relation (instead of a bare constraint name)."""

    def clean(self) -> dict[str, Any]:
        super().clean()  # type: ignore[misc]  # a mixin for ModelForms
        cleaned: dict[str, Any] = self.cleaned_data  # type: ignore[attr-defined]
        source = cleaned.get("source") or getattr(self.instance, "source", None)  # type: ignore[attr-defined]
        target = cleaned.get("target")
        if source is not None and target is not None and source.pk == target.pk:
            raise forms.ValidationError(_("A product cannot be suggested for itself."),
                                        code="self_relation")
        return cleaned


class RelationAddForm(RelationFormMixin, forms.ModelForm):
    add_reverse = forms.BooleanField(
        label=_("Also add the reverse direction"), required=False,
        help_text=_("Complements only: suggest the source next to the target as well."),
    )

    class Meta:
        model = ProductRelation
        fields = ("source", "target", "kind", "status", "position", "starts_at", "ends_at")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("add_reverse") and cleaned.get("kind") != RelationKind.COMPLEMENT:
            self.add_error("add_reverse", _("Only complements go both ways: an upgrade's "
                                            "reverse would be a downgrade."))
        return cleaned


class RelationChangeForm(RelationFormMixin, forms.ModelForm):
    class Meta:
        model = ProductRelation
        fields = ("source", "target", "kind", "status", "position", "starts_at", "ends_at")


class ProductAutocompleteMixin:
    """Autocomplete for product fields when the host's ProductAdmin allows it
    (registered, with ``search_fields``); a raw-id input otherwise (check upcross.W050)."""

    product_fields: tuple[str, ...] = ("source", "target")

    def get_autocomplete_fields(self, request: HttpRequest) -> tuple[str, ...]:
        if product_autocomplete_ready(self.admin_site):  # type: ignore[attr-defined]
            return self.product_fields
        return ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        if (db_field.name in self.product_fields
                and db_field.name not in self.get_autocomplete_fields(request)
                and "widget" not in kwargs):
            kwargs["widget"] = ForeignKeyRawIdWidget(db_field.remote_field,
                                                     self.admin_site)  # type: ignore[attr-defined]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ProductRelationAdmin(ProductAutocompleteMixin, admin.ModelAdmin):
    change_list_template = "upcross/admin/relations/change_list.html"
    list_display = ("source", "target", "kind_label", "origin", "status", "position",
                    "evidence")
    list_display_links = ("source", "target")
    list_editable = ("position",)
    list_filter = ("kind", "origin", "status", SourceCategoryFilter, ReviewFilter)
    list_select_related = ("source", "target")
    list_per_page = 50
    readonly_fields = ("origin", *EVIDENCE_FIELDS, "reviewed_at", "created_at", "updated_at")
    actions = ("keep_as_manual", "block", "unblock", "mark_reviewed", "export_selected")

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        """Source and target, by ``PRODUCT_SEARCH_FIELDS``; unset, by what the host's
        ProductAdmin searches (its ``search_fields``), else name/title/sku/slug."""
        fields = []
        for name in get_adapter().product_search_fields(self.admin_site):
            for side in ("source", "target"):
                fields.append(f"={side}__pk" if name == "pk" else f"{side}__{name}")
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm]:
        kwargs["form"] = RelationChangeForm if obj is not None else RelationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        main = ["source", "target", "kind", "status", "position"]
        if obj is None:
            main.append("add_reverse")
        fieldsets: list[Any] = [
            (None, {"fields": main}),
            (_("Active window"), {"fields": ["starts_at", "ends_at"],
                                  "classes": ["collapse"]}),
        ]
        if obj is not None:  # a new row is manual: it has no evidence yet
            fieldsets.append((_("Evidence (mined from orders, read-only)"),
                              {"fields": ["origin", *EVIDENCE_FIELDS, "reviewed_at",
                                          "created_at", "updated_at"]}))
        return fieldsets

    @admin.display(description=_("evidence"))
    def evidence(self, obj: ProductRelation) -> str:
        return format_evidence(obj)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj: ProductRelation) -> str:
        return str(KIND_SHORT.get(obj.kind, obj.kind))

    def save_model(self, request: HttpRequest, obj: ProductRelation, form: Any,
                   change: bool) -> None:
        if change and obj.origin != RelationOrigin.MANUAL and (
                {"target", "kind", "position"} & set(form.changed_data)):
            # The merchandiser curated it: a recompute must not undo that.
            obj.origin = RelationOrigin.MANUAL
            obj.reviewed_at = obj.reviewed_at or timezone.now()
        super().save_model(request, obj, form, change)
        changed = [(obj.source_id, obj.kind)]
        if not change and form.cleaned_data.get("add_reverse"):
            reverse_row, created = ProductRelation.objects.update_or_create(
                source_id=obj.target_id, target_id=obj.source_id, kind=obj.kind,
                defaults={"origin": RelationOrigin.MANUAL, "status": obj.status,
                          "starts_at": obj.starts_at, "ends_at": obj.ends_at},
                create_defaults={"origin": RelationOrigin.MANUAL, "status": obj.status,
                                 "position": obj.position, "starts_at": obj.starts_at,
                                 "ends_at": obj.ends_at},
            )
            changed.append((reverse_row.source_id, reverse_row.kind))
            self.message_user(request, _("The reverse direction “%(relation)s” was %(what)s.")
                              % {"relation": reverse_row,
                                 "what": _("added") if created else _("updated")},
                              messages.SUCCESS)
        notify_relations_changed(changed)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = list(queryset.values_list("source", "kind"))
        super().delete_queryset(request, queryset)
        notify_relations_changed(changed)

    def delete_model(self, request: HttpRequest, obj: ProductRelation) -> None:
        changed = [(obj.source_id, obj.kind)]
        super().delete_model(request, obj)
        notify_relations_changed(changed)

    # --- bulk actions ---------------------------------------------------------

    def _bulk_update(self, request: HttpRequest, queryset: QuerySet, message: str | Promise,
                     **values: Any) -> int:
        with transaction.atomic():
            changed = list(queryset.values_list("source", "kind"))
            count = queryset.update(updated_at=timezone.now(), **values)
            notify_relations_changed(changed)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
        return count

    @admin.action(permissions=["change"],
                  description=_("Keep as manual (survives recomputes)"))
    def keep_as_manual(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_update(request, queryset,
                          _("%(count)s relation(s) kept as manual: recomputes leave them be."),
                          origin=RelationOrigin.MANUAL, reviewed_at=timezone.now())

    @admin.action(permissions=["change"],
                  description=_("Block (never shown, never mined again)"))
    def block(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_update(request, queryset,
                          _("%(count)s relation(s) blocked: they are hidden and will not "
                            "be mined again."),
                          status=RelationStatus.BLOCKED, reviewed_at=timezone.now())

    @admin.action(permissions=["change"], description=_("Unblock"))
    def unblock(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_update(request, queryset, _("%(count)s relation(s) unblocked."),
                          status=RelationStatus.ACTIVE)

    @admin.action(permissions=["change"], description=_("Mark as reviewed (keep as mined)"))
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk_update(request, queryset, _("%(count)s relation(s) marked as reviewed."),
                          reviewed_at=timezone.now())

    @admin.action(permissions=["view"], description=_("Export selected as CSV"))
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponseBase:
        return csv_views.export_response(queryset)

    # --- extra screens --------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="upcross_productrelation_import"),
            path("export/", wrap(self.export_view), name="upcross_productrelation_export"),
            path("dashboard/", wrap(self.dashboard_view), name="upcross_productrelation_dashboard"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        return csv_views.import_view(self, request)

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        return csv_views.export_view(self, request)

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        return dashboard.dashboard_view(self, request)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        new_count = ProductRelation.objects.filter(
            origin=RelationOrigin.MINED, status=RelationStatus.ACTIVE, reviewed_at__isnull=True
        ).count() if self.has_view_permission(request) else 0
        extra_context = {
            **(extra_context or {}),
            "review_url": reverse("admin:upcross_productrelation_changelist") + "?review=new",
            "review_count": new_count,
            "import_url": reverse("admin:upcross_productrelation_import"),
            "export_url": reverse("admin:upcross_productrelation_export"),
            "dashboard_url": reverse("admin:upcross_productrelation_dashboard"),
            "can_import": self.has_add_permission(request)
            and self.has_change_permission(request),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest,
                              **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "position" and field is not None:
            field.widget.attrs.setdefault("style", "width: 4em")
        return field

