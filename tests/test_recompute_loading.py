"""Loading order lines through the adapter: both ways in give the same arrays."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from tests.celery_support import small_shop
from upcross import loading
from upcross.adapters import get_adapter
from upcross.mining import GUEST

pytestmark = pytest.mark.django_db


def as_rows(lines: loading.LineArrays) -> list[tuple]:
    customers = [None if c is None or (isinstance(c, int) and c == GUEST) else c
                 for c in lines.customer.tolist()]
    return sorted(zip(lines.order.tolist(), [str(p) for p in lines.product.tolist()],
                      [str(c) for c in customers], lines.time.tolist(), strict=True))


def test_chunked_generic_load_equals_one_chunk() -> None:
    shop = small_shop()
    adapter = get_adapter()
    seen: list[int] = []
    small = loading._load_generic(adapter, loading.order_lines(adapter), seen.append, 4)
    whole = loading._load_generic(adapter, loading.order_lines(adapter), None, 10_000)
    assert as_rows(small) == as_rows(whole)
    assert len(whole) == 6 * 2 + 6 * 2 + 3 + 3 + 4 + 2 + 2
    assert seen[-1] == len(whole) and seen[:2] == [4, 8]
    guests = sum(1 for c in whole.customer.tolist() if c is None or c == GUEST)
    assert guests == len(whole) - 6  # only the six orders of the three customers
    assert shop.cheap.pk in set(whole.product.tolist())


@pytest.mark.postgres
def test_postgres_copy_fast_path_equals_the_generic_path() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    small_shop()
    adapter = get_adapter()
    fast = loading.load_lines(adapter)
    slow = loading._load_generic(adapter, loading.order_lines(adapter), None, 10_000)
    assert as_rows(fast) == as_rows(slow)
    paths = adapter.order_line_paths()
    model = adapter.order_lines().model
    uses_copy = all(loading._is_integer(model, paths[key])
                    for key in ("order", "product", "customer"))
    # The demo shop has integer keys (COPY path); the altshop's UUID items do not.
    assert uses_copy == (fast.product.dtype == np.int64)


def test_partition_bounds_cover_every_order_once() -> None:
    small_shop()
    adapter = get_adapter()
    whole = loading.load_lines(adapter)
    parts = [loading.load_lines(adapter, order_range=bounds)
             for bounds in loading.partition_bounds(4)]
    assert len(parts) == 4
    assert sorted(o for part in parts for o in part.order.tolist()) == \
        sorted(whole.order.tolist())
    assert all(len(part) for part in parts)


def test_columns_left_out_are_none_and_the_rest_unchanged() -> None:
    small_shop()
    adapter = get_adapter()
    whole = loading.load_lines(adapter)
    keys_only = loading.load_lines(adapter, customers=False, times=False)
    assert keys_only.customer is None and keys_only.time is None
    with_times = loading.load_lines(adapter, customers=False)
    assert with_times.customer is None
    assert sorted(zip(keys_only.order.tolist(), keys_only.product.tolist(), strict=True)) == \
        sorted(zip(whole.order.tolist(), whole.product.tolist(), strict=True))
    assert sorted(zip(with_times.order.tolist(), with_times.time.tolist(), strict=True)) == \
        sorted(zip(whole.order.tolist(), whole.time.tolist(), strict=True))
