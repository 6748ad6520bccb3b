"""What the job tests share: a real Celery worker, and order data on either shop shape.

``celery_worker_app`` starts a real worker (``celery.contrib.testing.worker``)
in this process, talking to the Redis broker of ``settings.REDIS_URL`` with
Redis as the result backend (chords need one). The worker runs in a thread
with its own database connection, so tests that use it must be
``django_db(transaction=True)``: the worker only sees committed rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from tests import factories
from upcross.mining.synthetic import generate
from upcross.models import MiningRun, ProductRelation

#: ``(products, customer or None, placed at)``
Basket = tuple[Sequence[Any], Any, datetime]


def place_orders(baskets: Sequence[Basket]) -> list[Any]:
    """Create orders with one line per product, in bulk, on the active shop shape."""
    if factories.is_demo():
        from demo_shop.orders.models import Order, OrderLine

        orders = Order.objects.bulk_create([
            Order(customer=customer, status="paid", created_at=when)
            for _products, customer, when in baskets
        ])
        OrderLine.objects.bulk_create([
            OrderLine(order=order, product=product, quantity=1, unit_price=product.price)
            for order, (products, _c, _w) in zip(orders, baskets, strict=True)
            for product in products
        ])
        return orders
    from tests.altshop.ordering.models import Line, Order

    orders = Order.objects.bulk_create([
        Order(customer=customer, placed_on=when) for _products, customer, when in baskets
    ])
    Line.objects.bulk_create([
        Line(order=order, item=product, qty=1)
        for order, (products, _c, _w) in zip(orders, baskets, strict=True)
        for product in products
    ])
    return orders


def delete_orders(orders: Sequence[Any]) -> None:
    for order in orders:
        order.delete()


@dataclass
class SmallShop:
    """A hand-made shop whose mined relations are known in advance.

    - ``cheap`` (10.00) and ``fancy`` (12.00) share a category: fancy upgrades cheap;
    - ``filter`` is bought with each of them in 6 orders (complements);
    - three customers bought ``cheap`` and, a week later, ``fancy``;
    - ``x`` and ``y`` are together in 2 orders only (under the minimum of 5).
    """

    cheap: Any
    fancy: Any
    filter: Any
    x: Any
    y: Any
    orders_with_fancy: list[Any]

    n_orders: int = 6 + 6 + 3 + 3 + 6


def small_shop() -> SmallShop:
    machines, parts = factories.category("Machines"), factories.category("Parts")
    cheap = factories.product("Cheap machine", "10.00", in_category=machines)
    fancy = factories.product("Fancy machine", "12.00", in_category=machines)
    filt = factories.product("Filter", "3.00", in_category=parts)
    x = factories.product("X", "1.00", in_category=parts)
    y = factories.product("Y", "1.50", in_category=parts)
    buyers = [factories.customer() for _ in range(3)]
    now = timezone.now()
    day = timedelta(days=1)
    place_orders([([cheap, filt], None, now - 20 * day)] * 6)
    with_fancy = place_orders([([fancy, filt], None, now - 10 * day)] * 6)
    place_orders([([cheap], buyer, now - 30 * day) for buyer in buyers])
    place_orders([([fancy], buyer, now - 23 * day) for buyer in buyers])
    place_orders([([x, y], None, now - 5 * day)] * 2 + [([x], None, now)] * 2
                 + [([y], None, now)] * 2)
    return SmallShop(cheap, fancy, filt, x, y, with_fancy)


def synthetic_shop(n_orders: int = 600, n_products: int = 48, seed: int = 3) -> list[Any]:
    """Generated orders with planted structure, stored through the shop's models."""
    data = generate(n_orders, n_products, seed=seed, category_size=12,
                    n_customers=max(n_orders // 6, 5))
    categories = [factories.category(f"C{k}") for k in range(int(data.category.max()) + 1)]
    # An upgrade path's two products are one line (what upgrade mining compares).
    names = {k: f"P{k}" for k in range(len(data.category))}
    for line, (a, b, _x) in enumerate(data.upgrade_paths.tolist()):
        names[a], names[b] = f"Line {line} Standard", f"Line {line} Plus"
    products = [
        factories.product(names[k], f"{data.price[k]:.2f}", in_category=categories[c])
        for k, c in enumerate(data.category.tolist())
    ]
    customers = [factories.customer() for _ in range(int(data.customer.max()) + 1)]
    now = timezone.now()
    newest = int(data.time.max())
    starts = np.flatnonzero(np.r_[True, data.order[1:] != data.order[:-1]])
    ends = np.r_[starts[1:], len(data.order)]
    baskets = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        who = int(data.customer[lo])
        when = now - timedelta(seconds=newest - int(data.time[lo]))
        baskets.append(([products[p] for p in data.product[lo:hi].tolist()],
                        customers[who] if who >= 0 else None, when))
    place_orders(baskets)
    return products


def relation_rows(**filters: Any) -> set[tuple]:
    """Every relation as comparable tuples (evidence included, timestamps left out)."""
    return set(ProductRelation.objects.filter(**filters).values_list(
        "source", "target", "kind", "origin", "status", "pair_count", "support",
        "confidence", "lift", "score",
    ))


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


def finished_run(pk: int | None = None, **filters: Any) -> MiningRun | None:
    runs = MiningRun.objects.filter(status__in=["succeeded", "failed", "skipped"], **filters)
    if pk is not None:
        runs = runs.filter(pk=pk)
    return runs.order_by("-pk").first()


@pytest.fixture
def celery_worker_app() -> Iterator[Any]:
    """A Celery app bound to the Redis broker, with a real worker consuming its queue."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import upcross.tasks  # noqa: F401  (registers the shared tasks)

    app = Celery("upcross-tests", set_as_current=True)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=settings.REDIS_URL,
        result_backend=settings.REDIS_URL,
        task_always_eager=False,
        task_default_queue=f"upcross-tests-{settings.UPCROSS_TEST_SHOP}",
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
    )
    app.finalize()
    with start_worker(app, pool="solo", perform_ping_check=False,
                      shutdown_timeout=30) as worker:
        yield worker.app


def producer_app() -> Any:
    """A Celery app that only sends messages to the test broker (no worker)."""
    from celery import Celery

    app = Celery("upcross-tests-producer", set_as_current=False)
    app.conf.update(broker_url=settings.REDIS_URL, task_always_eager=False,
                    broker_connection_retry_on_startup=True)
    return app


def shop_celery_app_module() -> str:
    """The Celery app module of the active shop shape (for ``celery -A``)."""
    return "demo_shop.celery" if factories.is_demo() else "tests.altshop.celery"
