"""Widget analytics and the holdout group.

The hooks a host calls (README, "Analytics and holdout"):

- :func:`widget_add` in its add-to-cart and swap views, after the product is in
  the cart (counts a widget add and remembers it for attribution);
- :func:`order_placed` when an order is saved (attributes widget-added lines,
  stores the order's holdout group);
- ``upcross.analytics.middleware.HoldoutMiddleware`` in ``MIDDLEWARE``.

Impressions are counted by the widget tags, impressions and clicks also by the
events endpoint. All of it goes to Redis counters (no database write); the task
``upcross.flush_events`` moves them into daily rows.
"""

from __future__ import annotations

from typing import Any


def widget_add(request: Any, product: Any, quantity: int = 1, replaced: Any = None) -> Any:
    from upcross.analytics.attribution import widget_add as hook

    return hook(request, product, quantity, replaced)


def order_placed(request: Any, order_id: Any, lines: Any, total: Any = None) -> Any:
    from upcross.analytics.attribution import order_placed as hook

    return hook(request, order_id, lines, total)


__all__ = ["order_placed", "widget_add"]
