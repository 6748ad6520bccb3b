"""The alternative orders: guest checkout, no status, lines point at the variant bought."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Order(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="alt_orders",
    )
    placed_on = models.DateTimeField(default=timezone.now, db_index=True)
    #: Orders placed by the shop's own staff to test checkout; mining must ignore them.
    is_test = models.BooleanField(default=False)

    class Meta:
        ordering = ("-placed_on",)

    def __str__(self) -> str:
        return f"order {self.pk}"


class Line(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("altcatalog.Item", on_delete=models.PROTECT,
                             related_name="order_lines")
    qty = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.qty} × {self.item}"
