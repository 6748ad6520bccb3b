"""Complement rules ("products of category X get complements from category Y"), with a
preview of what a rule yields for a chosen product before saving, like upgrade rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from upcross.adapters import get_adapter
from upcross.admin.rules import UpgradeRuleAdmin, UpgradeRuleForm, category_choices
from upcross.models import ComplementRule, MiningRunKind, UpgradeRule
from upcross.rule_evaluation import evaluate_complement_rule


class ComplementRuleForm(UpgradeRuleForm):
    class Meta:
        model = ComplementRule
        fields = ("name", "is_active", "category", "target_category", "min_price_percent",
                  "max_price_percent", "sort", "limit", "priority")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        forms.ModelForm.__init__(self, *args, **kwargs)
        choices = [choice for choice in category_choices() if choice[0]]
        for name, label, help_text in (
            ("category", _("Products of category"),
             _("The rule applies to the products of this category.")),
            ("target_category", _("Get complements from category"),
             _("Suggested products come from this category.")),
        ):
            current = getattr(self.instance, name, "") if self.instance else ""
            options = list(choices)
            if current and current not in {value for value, _label in options}:
                options.append((current, _("%(value)s (no product has it)")
                                % {"value": current}))
            self.fields[name] = forms.ChoiceField(label=label, choices=options,
                                                  help_text=help_text)

    def clean(self) -> dict[str, Any]:
        forms.ModelForm.clean(self)
        cleaned = self.cleaned_data
        low, high = cleaned.get("min_price_percent"), cleaned.get("max_price_percent")
        if low is not None and high is not None and low > high:
            self.add_error("max_price_percent", _("The maximum must not be below the minimum."))
        return cleaned


class ComplementRuleAdmin(UpgradeRuleAdmin):
    form = ComplementRuleForm
    change_form_template = "upcross/admin/complement_rules/change_form.html"
    change_list_template = "upcross/admin/complement_rules/change_list.html"
    list_display = ("name", "is_active", "scope", "target_scope", "min_price_percent",
                    "max_price_percent", "sort", "limit", "priority")
    list_filter = ("is_active", "sort")
    fieldsets = [
        (None, {"fields": ["name", "is_active", "priority"]}),
        (_("Which products"), {"fields": ["category", "target_category",
                                          "min_price_percent", "max_price_percent"]}),
        (_("How to pick"), {"fields": ["sort", "limit"]}),
        (_("Preview"), {"fields": ["preview_product"]}),
    ]

    recompute_kind = MiningRunKind.COMPLEMENTS
    rule_relations_query = "?origin=rule&kind=complement"
    apply_failed_message = _("The rules could not be applied (the task queue is "
                             "unreachable). Try again, or run “manage.py "
                             "upcross_recompute --kind complements”.")
    apply_started_message = _(
        "Applying the rules: a recompute of complements started. Its rule suggestions "
        "replace the previous ones when it is done.")

    @admin.display(description=_("products of category"), ordering="category")
    def scope(self, obj: UpgradeRule | ComplementRule) -> str:
        return get_adapter().category_labels([obj.category]).get(obj.category, obj.category)

    @admin.display(description=_("complements from category"), ordering="target_category")
    def target_scope(self, obj: ComplementRule) -> str:
        return get_adapter().category_labels([obj.target_category]).get(
            obj.target_category, obj.target_category)

    def evaluate(self, rule: Any, product: Any) -> Any:
        return evaluate_complement_rule(rule, product)


