"""Products, categories, orders and relations for either shop shape.

The active shape is ``settings.UPCROSS_TEST_SHOP``: "demo" (integer pks, ``name``,
``price`` and ``category`` on the product) or "altshop" (UUID pks, ``title``,
``is_public``, many-to-many sections, prices on stock records, variants).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from upcross.models import ProductRelation

_counter = itertools.count(1)


def shop() -> str:
    return settings.UPCROSS_TEST_SHOP


def is_demo() -> bool:
    return shop() == "demo"


def category(name: str = "Things") -> Any:
    n = next(_counter)
    if is_demo():
        from demo_shop.catalog.models import Category

        return Category.objects.create(name=name, slug=f"cat-{n}")
    from tests.altshop.catalog.models import Section

    return Section.objects.create(name=name, slug=f"sec-{n}")


def product(name: str = "Thing", price: Decimal | str | int | None = "10.00", *,
            in_category: Any = None, available: bool = True, parent: Any = None) -> Any:
    """A product; ``price=None`` gives no price (altshop: no stock record)."""
    n = next(_counter)
    cat = in_category if in_category is not None else category()
    if is_demo():
        from demo_shop.catalog.models import Product

        return Product.objects.create(
            category=cat, name=name, slug=f"p-{n}", sku=f"SKU-{n}",
            price=Decimal(str(price if price is not None else "0")), is_active=available,
        )
    from tests.altshop.catalog.models import Item, StockRecord

    item = Item.objects.create(title=name, slug=f"item-{n}", is_public=available, parent=parent)
    item.sections.add(cat)
    if price is not None:
        StockRecord.objects.create(item=item, partner="main", price=Decimal(str(price)))
    return item


def set_available(item: Any, available: bool) -> None:
    field = "is_active" if is_demo() else "is_public"
    setattr(item, field, available)
    item.save()


def set_price(item: Any, price: Decimal | str) -> None:
    if is_demo():
        item.price = Decimal(str(price))
        item.save()
    else:
        item.stockrecords.update(price=Decimal(str(price)))
        item.save()  # the host saves the product when its offer changes


def category_value(cat: Any) -> Any:
    """The category value ``PRODUCT_FIELDS["category"]`` yields: the pk in both shapes."""
    return cat.pk


def category_of(item: Any) -> Any:
    return item.category if is_demo() else item.sections.first()


def customer(username: str | None = None) -> Any:
    return get_user_model().objects.create_user(username or f"user{next(_counter)}",
                                                password="x")


def order(products: Iterable[Any], buyer: Any = None) -> Any:
    """A paid (demo) / real (altshop) order holding ``products`` once each."""
    if is_demo():
        from demo_shop.orders.models import Order, OrderLine

        placed = Order.objects.create(customer=buyer, status="paid")
        for item in products:
            OrderLine.objects.create(order=placed, product=item, quantity=1,
                                     unit_price=item.price)
        return placed
    from tests.altshop.ordering.models import Line, Order

    placed = Order.objects.create(customer=buyer)
    for item in products:
        Line.objects.create(order=placed, item=item, qty=1)
    return placed


def shoes_and_hats(rank: Callable[[Any, int], Any]) -> Any:
    """Products ranked Cap > Sandal > Boot by ``rank(product, weight)`` (sales, views...)
    in two categories; returns the one of Sandal and Boot (Cap's is another)."""
    shoes, hats = category("Shoes"), category("Hats")
    for name, shelf, weight in (("Cap", hats, 5), ("Sandal", shoes, 2), ("Boot", shoes, 1)):
        rank(product(name, in_category=shelf), weight)
    return shoes


def left_out_catalog(rank: Callable[[Any, int], Any]) -> Any:
    """Products ranked Gone > Carted > Owned > Left by ``rank(product, weight)``, and the
    visitor a showcase shows only Left: Gone is unavailable, Carted in the cart, Owned
    bought (one order by the visitor, on top of its rank)."""
    from upcross.showcases import make_visitor

    gone, carted, owned, left = (product(name) for name in ("Gone", "Carted", "Owned", "Left"))
    for item, weight in ((gone, 5), (carted, 4), (owned, 2), (left, 1)):
        rank(item, weight)
    buyer = customer()
    order([owned], buyer=buyer)
    set_available(gone, False)
    return make_visitor(cart=[carted], customer=buyer)


def names(results: Iterable[Any]) -> list[str]:
    """The product names of suggestions, in their order."""
    return [r.name for r in results]


def relation(source: Any, target: Any, kind: str = "complement", origin: str = "manual",
             **fields: Any) -> ProductRelation:
    return ProductRelation.objects.create(source=source, target=target, kind=kind,
                                          origin=origin, **fields)


class Line:
    """A cart line as hosts have them: ``.product`` and ``.quantity``."""

    def __init__(self, product: Any, quantity: int = 1) -> None:
        self.product = product
        self.quantity = quantity


def product_model() -> Any:
    from upcross import get_product_model

    return get_product_model()


def name_field() -> str:
    return "name" if is_demo() else "title"


def render_tags(source: str, **context: Any) -> str:
    """``source`` rendered after ``{% load upcross %}`` for an anonymous request that
    carries a CSRF token, as the widget tags are on a page behind the CSRF middleware."""
    from django.contrib.auth.models import AnonymousUser
    from django.middleware.csrf import get_token
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    get_token(request)
    return Template("{% load upcross %}" + source).render(RequestContext(request, context))


def widget_page_catalog(slug: str) -> list[Any]:
    """40 demo-shop products in one category, each with 8 mined complements and 2 rule
    upgrades: the pages ``bench/widgets.py`` times and ``tests/test_page.py`` counts
    (the demo shape only)."""
    from demo_shop.catalog.models import Category, Product

    category = Category.objects.create(name=slug.title(), slug=slug)
    products = [
        Product.objects.create(category=category, name=f"Product {i}", slug=f"{slug}-{i}",
                               sku=f"{slug.upper()}{i}", price=Decimal(100_000 + 10_000 * i),
                               stock=50)
        for i in range(40)
    ]
    relations = []
    for i, source in enumerate(products):
        for j in range(1, 9):
            relations.append(ProductRelation(
                source=source, target=products[(i + j) % 40], kind="complement",
                origin="mined", score=1 / j, pair_count=100 - j))
        for j in (1, 2):
            if i + j < 40:
                relations.append(ProductRelation(source=source, target=products[i + j],
                                                 kind="upgrade", origin="rule", score=1 / j))
    ProductRelation.objects.bulk_create(relations)
    return products
