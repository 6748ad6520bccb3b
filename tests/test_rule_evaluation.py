"""The order counts behind rule previews: the same as a recompute's, errors not hidden."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests.celery_support import small_shop
from tests.upcross_overrides import with_upcross
from upcross.rule_evaluation import rule_order_counts

pytestmark = [pytest.mark.django_db, pytest.mark.shop("demo")]


def broken_filter(queryset: Any) -> Any:
    """A host filter with a bug: a KeyError from the host's own code."""
    return queryset.filter(order__status={}["paid"])


def test_rule_order_counts_are_the_orders_per_product() -> None:
    shop = small_shop()
    counts = rule_order_counts(None)
    # cheap: 6 orders with the filter and 3 alone; x: 2 with y and 2 alone.
    assert counts[shop.cheap.pk] == 9
    assert counts[shop.x.pk] == 4


def test_without_order_lines_nothing_has_sold() -> None:
    small_shop()
    with override_settings(UPCROSS=with_upcross(ORDER_LINE_MODEL=None)):
        assert rule_order_counts(None) == {}


def test_an_error_while_counting_is_not_read_as_nothing_sold() -> None:
    """A KeyError is a LookupError: the preview used to show "nothing sold" for it."""
    small_shop()
    filter_path = f"{__name__}.broken_filter"
    with override_settings(UPCROSS=with_upcross(ORDER_LINE_FILTER=filter_path)), \
            pytest.raises(KeyError):
        rule_order_counts(None)
