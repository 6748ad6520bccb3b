"""upcross.E011: ``SWAP_CART_LINE_URL`` must reverse (the cart-line "Upgrade" form posts there)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from tests import factories as f
from upcross.checks import check_swap_cart_line


def with_swap(target: object) -> dict:
    from django.conf import settings

    return {**settings.UPCROSS, "SWAP_CART_LINE_URL": target}


def test_the_shops_own_swap_url_reverses() -> None:
    assert check_swap_cart_line() == []


@pytest.mark.parametrize("target", [None, "/basket/swap/"])
def test_none_or_a_path_needs_no_reversing(target: object) -> None:
    with override_settings(UPCROSS=with_swap(target)):
        assert check_swap_cart_line() == []


@pytest.mark.parametrize("target", ["no_such:swap", "swap-that-does-not-exist"])
def test_a_name_that_does_not_reverse_is_e011(target: str) -> None:
    with override_settings(UPCROSS=with_swap(target)):
        [message] = check_swap_cart_line()
        assert message.id == "upcross.E011"
        assert target in message.msg
        assert "replacement_id" in message.hint
        with pytest.raises(SystemCheckError, match=r"upcross\.E011"):
            call_command("check", stdout=StringIO(), stderr=StringIO())


def test_a_name_that_needs_arguments_is_e011() -> None:
    """The swap view takes a POST, not a pk in its path: a pattern with arguments is wrong."""
    name = "catalog:product" if f.is_demo() else "item_detail"
    with override_settings(UPCROSS=with_swap(name)):
        assert [m.id for m in check_swap_cart_line()] == ["upcross.E011"]
