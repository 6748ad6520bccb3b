"""The alternative catalog: UUID keys, M2M sections, prices on stock records, variants."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse


class Section(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A product; a variant has a ``parent`` (the item shoppers see on the listing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, max_length=200)
    is_public = models.BooleanField(default=True)
    sections = models.ManyToManyField(Section, related_name="items", blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="variants"
    )

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("item_detail", args=[self.slug])


class StockRecord(models.Model):
    """One partner's offer for an item (django-oscar style): the lowest price wins."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="stockrecords")
    partner = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("item", "partner"), name="altcatalog_one_offer_each")
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.partner}: {self.price}"
