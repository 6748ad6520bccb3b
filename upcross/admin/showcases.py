"""Showcase decisions: a merchandiser pins a product in a showcase (at a position) or
blocks it there, optionally for one category only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from upcross import showcases
from upcross.adapters import get_adapter
from upcross.admin.relations import ProductAutocompleteMixin
from upcross.admin.rules import category_choices
from upcross.models import ShowcaseDecision


def showcase_choices() -> list[tuple[str, str]]:
    return [(showcase.name, str(showcase.title)) for showcase in showcases.registry.all_showcases()]


class ShowcaseDecisionForm(forms.ModelForm):
    class Meta:
        model = ShowcaseDecision
        fields = ("showcase", "product", "status", "position", "scope")
        labels = {"status": _("decision")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["showcase"] = forms.ChoiceField(
            label=_("showcase"), choices=showcase_choices(),
            help_text=_("Where the product is pinned or blocked."))
        self.fields["scope"] = forms.ChoiceField(
            label=_("category"), choices=category_choices(), required=False,
            help_text=_("Per-category showcases (best sellers): only in this category's. "
                        "All categories: everywhere."))
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("active", _("Pin")), ("blocked", _("Block"))]


@admin.display(description=_("showcase"), ordering="showcase")
def showcase_label(decision: ShowcaseDecision) -> str:
    found = showcases.get(decision.showcase)
    return str(found.title) if found is not None else decision.showcase


class ShowcaseDecisionAdmin(ProductAutocompleteMixin, admin.ModelAdmin):
    form = ShowcaseDecisionForm
    product_fields = ("product",)
    list_display = ("product", showcase_label, "status", "position", "scope")
    list_editable = ("position",)
    list_filter = ("showcase", "status")

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return tuple(f"product__{name}" for name in get_adapter().product_search_fields())
