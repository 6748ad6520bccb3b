"""Installments: "or 12 x Rp 499.917" on upgrades and the cart, in the locale's format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from tests import factories as f
from tests.upcross_overrides import with_upcross
from upcross import cache
from upcross.adapters import ShopAdapter
from upcross.installments import Installment, Plan, best_plan

PLANS = [{"months": 3, "min_amount": 1_000_000}, {"months": 12, "min_amount": 3_000_000}]
NBSP = "\u00a0"


def render(source: str, **context: Any) -> str:
    return Template("{% load upcross %}" + source).render(Context(context)).strip()


def test_off_by_default() -> None:
    from upcross.conf import DEFAULTS

    assert DEFAULTS["INSTALLMENTS"] == []
    with override_settings(UPCROSS=with_upcross(INSTALLMENTS=[])):
        assert render("{% upcross_installment price %}", price=Decimal("5999000")) == ""


def test_the_longest_plan_the_price_reaches_wins() -> None:
    plans = [Plan(3, Decimal("1000000")), Plan(12, Decimal("3000000"))]
    assert best_plan(Decimal("999999"), plans) is None
    assert best_plan(Decimal("1500000"), plans).months == 3
    assert best_plan(Decimal("5999000"), plans).months == 12
    assert best_plan(None, plans) is None


def test_interest_is_an_annuity_at_a_twelfth_of_the_yearly_rate() -> None:
    with override_settings(UPCROSS=with_upcross(PRICE_QUANTUM="0.01")):
        plan = best_plan(Decimal("1200000"), [Plan(12, Decimal(0), Decimal(12))])
        assert plan.amount == Decimal("106618.55")  # 1.2M x 0.01 / (1 - 1.01^-12)
        assert best_plan(Decimal("5999000"), [Plan(12)]).amount == Decimal("499916.67")


@pytest.mark.parametrize(("language", "demo", "plain"), [
    ("en", "or 12 × Rp" + NBSP + "499,917", "or 12 × 499,916.67"),
    ("id", "atau 12 × Rp" + NBSP + "499.917", "atau 12 × 499.916,67"),
    ("pl", "lub 12 × 499" + NBSP + "917" + NBSP + "Rp", "lub 12 × 499" + NBSP + "916,67"),
])
def test_formatted_through_the_shops_price_display(language: str, demo: str,
                                                   plain: str) -> None:
    """The demo shape's price partial is the demo shop's (whole rupiah); the other shape
    uses upcross's own (two decimals, the locale's grouping)."""
    quantum = "1" if f.is_demo() else "0.01"
    settings = with_upcross(INSTALLMENTS=PLANS, PRICE_QUANTUM=quantum)
    with override_settings(UPCROSS=settings), translation.override(language):
        html = render("{% upcross_installment price %}", price=Decimal("5999000"))
    text = html.replace('<span class="upcross-price">', "").replace("</span>", "")
    text = text.replace('<span class="upcross-installment">', "")
    assert text == (demo if f.is_demo() else plain)


class TwoPaymentsAdapter(ShopAdapter):
    """A shop whose payment provider offers 2 payments on everything."""

    def installment(self, price: Any, product: Any = None) -> Any:
        return None if price is None else Installment(months=2, amount=price / 2)


def test_one_adapter_hook_decides_for_shops_with_their_own_rules() -> None:
    settings = with_upcross(ADAPTER="tests.test_installments.TwoPaymentsAdapter")
    with override_settings(UPCROSS=settings), translation.override("en"):
        html = render("{% get_upcross_installment price as plan %}{{ plan.months }}"
                      "{% upcross_installment price %}", price=Decimal("100"))
    assert html.startswith("2") and "or 2 ×" in html


@pytest.mark.django_db
def test_shown_on_upgrade_suggestions_not_on_complements() -> None:
    phone = f.product("Phone", 3_000_000)
    f.relation(phone, f.product("Phone Pro", 5_999_000), kind="upgrade")
    f.relation(phone, f.product("Case", 1_500_000))
    cache.clear()
    with override_settings(UPCROSS=with_upcross(INSTALLMENTS=PLANS)), translation.override("en"):
        upgrades = f.render_tags("{% upcross_upgrades product %}", product=phone)
        complements = f.render_tags("{% upcross_complements product %}", product=phone)
    assert "upcross-installment" in upgrades and "or 12 ×" in upgrades
    assert "upcross-installment" not in complements
