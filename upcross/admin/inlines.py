"""The product's complements and upgrades, inside the host's own ProductAdmin.

One line in the host's admin::

    from upcross.admin import UpcrossProductAdminMixin

    @admin.register(Product)
    class ProductAdmin(UpcrossProductAdminMixin, admin.ModelAdmin):
        ...

or, to place the inlines yourself: ``inlines = [..., *upcross_inlines()]``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upcross.admin.relations import ProductAutocompleteMixin, format_evidence
from upcross.admin.utils import notify_relations_changed
from upcross.models import ProductRelation, RelationKind, RelationOrigin


class RelationInlineForm(forms.ModelForm):
    """Kind comes from the inline; duplicates and self-relations get clear messages."""

    kind: str = ""

    class Meta:
        model = ProductRelation
        fields = ("target", "position", "status")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        target = cleaned.get("target")
        source_id = self.instance.source_id
        if target is None or source_id is None:
            return cleaned
        if target.pk == source_id:
            raise forms.ValidationError(_("A product cannot be suggested for itself."),
                                        code="self_relation")
        duplicate = ProductRelation.objects.filter(
            source_id=source_id, target=target, kind=self.kind
        ).exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(
                _("“%(target)s” is already related to this product as %(kind)s.")
                % {"target": target, "kind": RelationKind(self.kind).label},
                code="duplicate",
            )
        return cleaned


class RelationInlineFormSet(BaseInlineFormSet):
    kind: str = ""

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # private, unstubbed
        form.kind = self.kind
        form.instance.kind = self.kind
        return form

    def clean(self) -> None:
        super().clean()
        seen: set[Any] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (
                    self.can_delete and form.cleaned_data.get("DELETE")):
                continue
            target = form.cleaned_data.get("target")
            if target is None:
                continue
            if target.pk in seen:
                raise forms.ValidationError(
                    _("“%(target)s” is listed twice.") % {"target": target}, code="duplicate")
            seen.add(target.pk)

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Any:
        form.instance.kind = self.kind
        form.instance.origin = RelationOrigin.MANUAL
        return super().save_new(form, commit=commit)

    def save_existing(self, form: forms.ModelForm, obj: Any, commit: bool = True) -> Any:
        if obj.origin != RelationOrigin.MANUAL and {"target", "position"} & set(
                form.changed_data):
            obj.origin = RelationOrigin.MANUAL  # curated by hand: recomputes keep it
            obj.reviewed_at = obj.reviewed_at or timezone.now()
        return super().save_existing(form, obj, commit=commit)

    def save(self, commit: bool = True) -> list[Any]:
        saved = super().save(commit=commit)
        source_pk = self.instance.pk
        if source_pk is not None and (saved or self.deleted_objects):
            notify_relations_changed([(source_pk, self.kind)])
        return saved


class _RelationInline(ProductAutocompleteMixin, admin.TabularInline):
    model = ProductRelation
    fk_name = "source"
    form = RelationInlineForm
    formset = RelationInlineFormSet
    fields = ("target", "position", "status", "origin", "evidence")
    readonly_fields = ("origin", "evidence")
    product_fields = ("target",)
    extra = 0
    show_change_link = True
    kind: str = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (super().get_queryset(request).filter(kind=self.kind)
                .select_related("target").order_by("position", "-score", "pk"))

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.kind = self.kind  # type: ignore[attr-defined]  # our RelationInlineFormSet
        return formset

    @admin.display(description=_("evidence"))
    def evidence(self, obj: ProductRelation) -> str:
        return format_evidence(obj) if obj.pk else "—"


class ComplementsInline(_RelationInline):
    kind = RelationKind.COMPLEMENT
    verbose_name = _("complement (add this too)")
    verbose_name_plural = _("complements (add this too)")


class UpgradesInline(_RelationInline):
    kind = RelationKind.UPGRADE
    verbose_name = _("upgrade (upgrade to)")
    verbose_name_plural = _("upgrades (upgrade to)")


def upcross_inlines() -> list[type[admin.options.InlineModelAdmin]]:
    """The inlines, for ``inlines = [..., *upcross_inlines()]``."""
    return [ComplementsInline, UpgradesInline]


class UpcrossProductAdminMixin:
    """Adds the complements and upgrades inlines to the host's ProductAdmin."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))  # type: ignore[misc]
        return [*inlines, *(inline for inline in upcross_inlines() if inline not in inlines)]
