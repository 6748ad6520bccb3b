"""Upgrade rules, with a preview of what a rule yields for a chosen product before saving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from upcross.adapters import get_adapter
from upcross.admin.utils import has_upcross_perm, require
from upcross.csv_io import resolve_products
from upcross.models import ComplementRule, MiningRunKind, UpgradeRule, UpgradeRuleSort
from upcross.rule_evaluation import evaluate_rule
from upcross.tasks import enqueue_recompute

PREVIEW_BUTTON = "_preview"


def category_choices() -> list[tuple[str, str]]:
    adapter = get_adapter()
    labels = adapter.category_labels(adapter.category_values())
    choices = sorted(((str(value), label) for value, label in labels.items()),
                     key=lambda item: item[1].lower())
    return [("", str(_("All categories"))), *choices]


class UpgradeRuleForm(forms.ModelForm):
    preview_product = forms.CharField(
        label=_("Preview for product"), required=False,
        help_text=_("Id, SKU or slug of a product: “Preview” shows what this rule yields "
                    "for it, without saving."),
    )

    class Meta:
        model = UpgradeRule
        fields = ("name", "is_active", "category", "min_price_increase", "max_price_increase",
                  "sort", "limit", "priority")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = category_choices()
        current = self.instance.category if self.instance else ""
        if current and current not in {value for value, _label in choices}:
            choices.append((current, _("%(value)s (no product has it)") % {"value": current}))
        self.fields["category"] = forms.ChoiceField(
            label=_("Category scope"), choices=choices, required=False,
            help_text=_("The rule applies to products of this category and suggests products "
                        "of it; “All categories” keeps each product's own category."),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        low, high = cleaned.get("min_price_increase"), cleaned.get("max_price_increase")
        if low is not None and high is not None and low > high:
            self.add_error("max_price_increase",
                           _("The maximum must not be below the minimum."))
        if (cleaned.get("sort") == UpgradeRuleSort.HIGHEST_MARGIN
                and not get_adapter().product_field("cost")):
            self.add_error("sort", _("Sorting by margin needs a cost: set "
                                     "UPCROSS['PRODUCT_FIELDS']['cost'] in your settings."))
        return cleaned

    def clean_preview_product(self) -> Any:
        key = self.cleaned_data.get("preview_product", "").strip()
        if not key:
            return None
        adapter = get_adapter()
        found = resolve_products([key], adapter.product_lookup_fields())
        if key not in found:
            raise forms.ValidationError(_("No product with id, SKU or slug “%(key)s”.")
                                        % {"key": key})
        return adapter.product_model()._default_manager.get(pk=found[key])


class UpgradeRuleAdmin(admin.ModelAdmin):
    form = UpgradeRuleForm
    change_form_template = "upcross/admin/rules/change_form.html"
    change_list_template = "upcross/admin/rules/change_list.html"
    list_display: tuple[str, ...] = ("name", "is_active", "scope", "min_price_increase",
                                     "max_price_increase", "sort", "limit", "priority")
    list_editable = ("is_active", "priority")
    list_filter = ("is_active", "sort")
    search_fields = ("name",)
    fieldsets = [
        (None, {"fields": ["name", "is_active", "priority"]}),
        (_("Which products"), {"fields": ["category", "min_price_increase",
                                          "max_price_increase"]}),
        (_("How to pick"), {"fields": ["sort", "limit"]}),
        (_("Preview"), {"fields": ["preview_product"]}),
    ]

    @admin.display(description=_("category scope"), ordering="category")
    def scope(self, obj: UpgradeRule | ComplementRule) -> str:
        if not obj.category:
            return str(_("All categories"))
        return get_adapter().category_labels([obj.category])[obj.category]

    #: What "Apply rules now" recomputes, and what it says (a subclass for another kind
    #: of rule sets its own).
    recompute_kind: str = MiningRunKind.UPGRADES
    rule_relations_query = "?origin=rule"
    apply_failed_message = _("The rules could not be applied (the task queue is "
                             "unreachable). Try again, or run “manage.py "
                             "upcross_recompute --kind upgrades”.")
    apply_started_message = _(
        "Applying the rules: a recompute of upgrades started. Its rule suggestions "
        "replace the previous ones when it is done.")

    def _url_name(self, view: str) -> str:
        return f"upcross_{self.opts.model_name}_{view}"

    def get_urls(self) -> list[Any]:
        return [
            path("apply/", self.admin_site.admin_view(require_POST(self.apply_view)),
                 name=self._url_name("apply")),
            *super().get_urls(),
        ]

    def can_apply(self, request: HttpRequest) -> bool:
        return (self.has_change_permission(request)
                and has_upcross_perm(request, "change_productrelation"))

    def apply_view(self, request: HttpRequest) -> HttpResponse:
        """Apply the active rules: start the recompute of their kind, the one writer of
        rule rows (queued on commit exactly like “Recompute now”)."""
        require(self.can_apply(request))
        changelist = reverse(f"admin:{self._url_name('changelist')}")
        if enqueue_recompute(self.recompute_kind) is not None:
            messages.error(request, self.apply_failed_message)
            return HttpResponseRedirect(changelist)
        messages.success(request, self.apply_started_message)
        if has_upcross_perm(request, "view_miningrun"):
            return HttpResponseRedirect(reverse("admin:upcross_miningrun_changelist"))
        return HttpResponseRedirect(changelist)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "apply_url": reverse(f"admin:{self._url_name('apply')}")
            if self.can_apply(request) else None,
            "rule_relations_url": reverse("admin:upcross_productrelation_changelist")
            + self.rule_relations_query,
        }
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request: HttpRequest, object_id: str | None = None,
                        form_url: str = "", extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        if request.method == "POST" and PREVIEW_BUTTON in request.POST:
            return self.preview_view(request, object_id, form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def evaluate(self, rule: Any, product: Any) -> Any:
        """What the unsaved ``rule`` yields for ``product`` (the preview)."""
        return evaluate_rule(rule, product)

    def preview_view(self, request: HttpRequest, object_id: str | None,
                     form_url: str) -> HttpResponse:
        """Validate the posted form, evaluate it unsaved, and show the form again."""
        add = object_id is None
        obj = None if object_id is None else self.get_object(request, unquote(object_id))
        if object_id is not None and obj is None:
            # Django's own "does not exist" answer (a private ModelAdmin helper).
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id)
        require(self.has_add_permission(request) if add
                else self.has_change_permission(request, obj))
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(request, obj, change=not add,
                                   fields=flatten_fieldsets(fieldsets))
        form = form_class(request.POST, request.FILES, instance=obj)
        preview = None
        product = None
        if form.is_valid():
            rule = form.save(commit=False)
            product = form.cleaned_data.get("preview_product")
            if product is None:
                form.add_error("preview_product", _("Name a product to preview the rule."))
            else:
                preview = self.evaluate(rule, product)
        admin_form = helpers.AdminForm(form, list(fieldsets), {}, (),  # type: ignore[arg-type]
                                       model_admin=self)  # (stubs: narrower fieldsets type)
        context = {
            **self.admin_site.each_context(request),
            "title": (_("Add %s") if add else _("Change %s")) % self.opts.verbose_name,
            "subtitle": None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "preview": preview,
            "preview_product": product,
        }
        return self.render_change_form(request, context, add=add, change=not add, obj=obj,
                                       form_url=form_url)
