"""What the shared product card reads from any item that wraps a host product."""

from __future__ import annotations

from functools import cached_property

from django.db import models

from upcross.adapters import ProductDisplay, get_adapter


class ProductDisplayMixin:
    """``display`` (from the adapter, once per item) and its ``name``/``url``/``image_url``.

    For the dataclasses the widgets render (recommendations, bundle parts); they
    provide ``product``.
    """

    product: models.Model

    @cached_property
    def display(self) -> ProductDisplay:
        return get_adapter().product_display(self.product)

    @property
    def name(self) -> str:
        return self.display.name

    @property
    def url(self) -> str:
        return self.display.url

    @property
    def image_url(self) -> str:
        return self.display.image_url
