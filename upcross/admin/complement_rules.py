"""Complement rules ("products of category X get complements from category Y"), with a
preview of what a rule yields for a chosen product before saving, like upgrade rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from upcross import recompute as recomputing
from upcross.adapters import get_adapter
from upcross.admin.rules import UpgradeRuleAdmin, UpgradeRuleForm, category_choices
from upcross.admin.runs import recompute_failed
from upcross.admin.utils import has_upcross_perm, require
from upcross.complement_rules import active_complement_rules, rule_pairs
from upcross.models import ComplementRule, MiningRunKind


@dataclass(frozen=True)
class ComplementCandidate:
    product: models.Model
    price: Decimal | None
    percent: Decimal | None  # of the source's price
    orders: int


@dataclass(frozen=True)
class ComplementPreview:
    candidates: list[ComplementCandidate]
    applies: bool
    source_price: Decimal | None


def evaluate_complement_rule(rule: ComplementRule, product: models.Model) -> ComplementPreview:
    """What the complements recompute writes for ``product`` because of ``rule``: the
    active rules run in priority order with ``rule`` (saved or not) in its place, over
    the available products of the target categories of the rules that apply."""
    adapter = get_adapter()
    source = adapter.facts_for(product)
    mine = {str(value) for value in source.categories}
    applies = str(rule.category) in mine
    available = adapter.available_products()
    if not applies or not available.filter(pk=product.pk).exists():
        return ComplementPreview([], False, source.price)
    rules = [other for other in active_complement_rules()
             if (rule.pk is None or other.pk != rule.pk) and str(other.category) in mine]
    rules.append(rule)
    rules.sort(key=lambda r: (r.priority, r.pk is None, r.pk or 0))
    scope = available.none()
    for each in rules:
        scope = scope | adapter.products_in_category(each.target_category, available)
    pks = list(scope.order_by().values_list("pk", flat=True).distinct())
    facts = adapter.product_facts([*pks, product.pk])
    sold = recomputing.rule_order_counts(scope)
    index = next(i for i, each in enumerate(rules) if each is rule)
    picked = [pair.target for pair in rule_pairs(rules, facts, sold, sources=[product.pk])
              if pair.rule == index]
    products = adapter.product_model()._default_manager.in_bulk(picked)
    candidates = []
    for pk in picked:
        price = facts[pk].price
        percent = (price / source.price * 100).quantize(Decimal("0.1")) \
            if price is not None and source.price else None
        candidates.append(ComplementCandidate(products[pk], price, percent, sold.get(pk, 0)))
    return ComplementPreview(candidates, True, source.price)


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
        cleaned = forms.ModelForm.clean(self)
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

    @admin.display(description=_("products of category"), ordering="category")
    def scope(self, obj: ComplementRule) -> str:
        return get_adapter().category_labels([obj.category]).get(obj.category, obj.category)

    @admin.display(description=_("complements from category"), ordering="target_category")
    def target_scope(self, obj: ComplementRule) -> str:
        return get_adapter().category_labels([obj.target_category]).get(
            obj.target_category, obj.target_category)

    def get_urls(self) -> list[Any]:
        return [
            path("apply/", self.admin_site.admin_view(require_POST(self.apply_view)),
                 name="upcross_complementrule_apply"),
            *super(UpgradeRuleAdmin, self).get_urls(),
        ]

    def evaluate(self, rule: Any, product: Any) -> Any:
        return evaluate_complement_rule(rule, product)

    def apply_view(self, request: HttpRequest) -> HttpResponse:
        """Apply the active rules: start the complements recompute, the one writer of rule
        complements (queued on commit exactly like “Recompute now”)."""
        require(self.can_apply(request))
        changelist = reverse("admin:upcross_complementrule_changelist")
        if recompute_failed(MiningRunKind.COMPLEMENTS):
            messages.error(request, _("The rules could not be applied (the task queue is "
                                      "unreachable). Try again, or run “manage.py "
                                      "upcross_recompute --kind complements”."))
            return HttpResponseRedirect(changelist)
        messages.success(request, _(
            "Applying the rules: a recompute of complements started. Its rule suggestions "
            "replace the previous ones when it is done."))
        if has_upcross_perm(request, "view_miningrun"):
            return HttpResponseRedirect(reverse("admin:upcross_miningrun_changelist"))
        return HttpResponseRedirect(changelist)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "apply_url": reverse("admin:upcross_complementrule_apply")
            if self.can_apply(request) else None,
            "rule_relations_url": reverse("admin:upcross_productrelation_changelist")
            + "?origin=rule&kind=complement",
        }
        return super(UpgradeRuleAdmin, self).changelist_view(request, extra_context)

