"""Host shop integration: the only place that turns settings into querysets and values.

A shop with needs the settings cannot express subclasses :class:`ShopAdapter`
and names it in ``UPCROSS["ADAPTER"]`` (the django-allauth pattern).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from upcross import installments
from upcross.conf import upcross_settings
from upcross.setting_values import is_dotted_path, is_literal_url, resolve_callable

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite, ModelAdmin

#: The order-line values mining needs, in this order.
ORDER_LINE_KEYS: tuple[str, ...] = ("order", "product", "quantity", "customer", "placed_at")
#: Product facts upcross knows about (``text`` is read on its own: :meth:`product_texts`).
PRODUCT_FIELD_KEYS: tuple[str, ...] = ("price", "category", "parent", "cost")
#: Product fields that name a product, tried in order when ``PRODUCT_FIELDS["text"]`` is unset.
DEFAULT_TEXT_FIELDS: tuple[str, ...] = ("name", "title")
#: Product fields the admin searches, when ``PRODUCT_SEARCH_FIELDS`` is not set.
DEFAULT_SEARCH_FIELDS: tuple[str, ...] = ("name", "title", "sku", "slug")


def configured_paths(paths: Mapping[str, str | None], keys: Iterable[str]) -> list[str]:
    """The paths of ``keys`` in ``paths``, those left unset (``None``) skipped."""
    return [path for key in keys if (path := paths[key])]


def _is_collection(value: object) -> bool:
    """Several values (a set, list, queryset...) rather than one category."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, models.Model))


@dataclass(frozen=True)
class ProductFacts:
    """What upcross knows of one product: lowest price, categories, parent."""

    price: Decimal | None = None
    categories: frozenset[Any] = field(default_factory=frozenset)
    parent: Any = None


@dataclass(frozen=True)
class ProductDisplay:
    """How a widget shows a product: plain strings, escaped by the templates."""

    name: str
    url: str
    image_url: str


@dataclass(frozen=True)
class AddToCart:
    """Where a widget form posts, and the fields it carries."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class AddMany:
    """The bundle box's "Add all" form: ``fields`` as pairs, a name may repeat."""

    url: str
    fields: list[tuple[str, str]]


class ShopAdapter:
    """Default adapter: everything driven by ``UPCROSS_PRODUCT_MODEL`` and ``UPCROSS``."""

    # --- products -----------------------------------------------------------------

    def product_model(self) -> type[models.Model]:
        """``UPCROSS_PRODUCT_MODEL``: fixed by the setting, since upcross's foreign keys
        point at it (migrations read the setting); not for a subclass to change."""
        return apps.get_model(upcross_settings.PRODUCT_MODEL)

    def product_pk_field(self) -> models.Field[Any, Any]:
        """The primary key field of the product model (an integer or a UUID, usually)."""
        field = self.product_model()._meta.pk
        assert field is not None  # every concrete model has one
        return field

    def product_admin(self, site: AdminSite) -> ModelAdmin[Any] | None:
        """The host's ``ModelAdmin`` for products on ``site``, if it registered one."""
        return site._registry.get(self.product_model())

    def available_products(self, queryset: models.QuerySet | None = None) -> models.QuerySet:
        """Apply ``PRODUCT_AVAILABLE`` (lookups or a callable(qs) -> qs)."""
        if queryset is None:
            queryset = self.product_model()._default_manager.all()
        rule = upcross_settings.PRODUCT_AVAILABLE
        if isinstance(rule, Mapping):
            return queryset.filter(**rule)
        return resolve_callable(rule)(queryset)

    def product_field(self, key: str) -> str | Callable[..., Any] | None:
        return upcross_settings.PRODUCT_FIELDS.get(key)

    def product_facts(self, pks: Iterable[Any]) -> dict[Any, ProductFacts]:
        """Price, categories and parent of many products, in one query when all are paths.

        A path that crosses a to-many relation yields several rows per product: the
        lowest price wins and categories are collected into a set.
        """
        pk_list = list(dict.fromkeys(pks))
        if not pk_list:
            return {}
        model = self.product_model()
        spec = {key: self.product_field(key) for key in PRODUCT_FIELD_KEYS}
        paths = {key: value for key, value in spec.items() if isinstance(value, str) and value
                 and not is_dotted_path(value)}
        callables = {key: resolve_callable(value) for key, value in spec.items()
                     if value and (callable(value) or is_dotted_path(value))}
        prices: dict[Any, Decimal | None] = {pk: None for pk in pk_list}
        categories: dict[Any, set[Any]] = {pk: set() for pk in pk_list}
        parents: dict[Any, Any] = {pk: None for pk in pk_list}
        if paths:
            keys = list(paths)
            rows = model._default_manager.filter(pk__in=pk_list).values_list(
                "pk", *(paths[key] for key in keys)
            )
            for pk, *values in rows:
                for key, value in zip(keys, values, strict=True):
                    self._collect(key, pk, value, prices, categories, parents)
        if callables:
            for product in model._default_manager.filter(pk__in=pk_list):
                for key, func in callables.items():
                    value = func(product)
                    if key == "category" and _is_collection(value):
                        for item in value:
                            self._collect(key, product.pk, item, prices, categories, parents)
                    else:
                        self._collect(key, product.pk, value, prices, categories, parents)
        return {
            pk: ProductFacts(
                price=prices[pk], categories=frozenset(categories[pk]), parent=parents[pk]
            )
            for pk in pk_list
        }

    @staticmethod
    def _collect(key: str, pk: Any, value: Any, prices: dict[Any, Decimal | None],
                 categories: dict[Any, set[Any]], parents: dict[Any, Any]) -> None:
        if value is None:
            return
        if isinstance(value, models.Model):  # a callable may return the object, a path its pk
            value = value.pk
        if key == "price":
            price = value if isinstance(value, Decimal) else Decimal(str(value))
            current = prices.get(pk)
            prices[pk] = price if current is None else min(current, price)
        elif key == "category":
            categories[pk].add(value)
        elif key == "parent":
            parents[pk] = value

    def product_texts(self, pks: Iterable[Any]) -> dict[Any, str]:
        """What names a product, per pk: the text upgrade mining compares ("Nova X 128 GB"
        and "Nova X 256 GB" are one product line).

        ``PRODUCT_FIELDS["text"]``: a field path, or the dotted path of a
        callable(product) -> str (e.g. name plus brand and attributes). Unset: the
        ``name`` or ``title`` field, else ``str(product)``. A product without text is
        left out (upgrades of it are judged without name evidence).
        """
        pk_list = list(dict.fromkeys(pks))
        if not pk_list:
            return {}
        model = self.product_model()
        products = model._default_manager.filter(pk__in=pk_list)
        spec = self.product_field("text") or next(
            iter(self._existing_fields(DEFAULT_TEXT_FIELDS)), None)
        if spec is None:
            rows: Iterable[tuple[Any, Any]] = ((p.pk, str(p)) for p in products)
        elif callable(spec) or is_dotted_path(spec):
            func = resolve_callable(spec)
            rows = ((p.pk, func(p)) for p in products)
        else:
            rows = products.values_list("pk", spec)
        texts: dict[Any, str] = {}
        for pk, value in rows:
            if value:  # a path across a to-many relation: the words of every row
                texts[pk] = f"{texts[pk]} {value}" if pk in texts else str(value)
        return texts

    def facts_for(self, product: models.Model) -> ProductFacts:
        return self.product_facts([product.pk])[product.pk]

    # --- admin helpers: categories, costs, search and look-up fields -------------

    def _category_path(self) -> str | None:
        value = self.product_field("category")
        return value if isinstance(value, str) and value and not is_dotted_path(value) else None

    def category_values(self, queryset: models.QuerySet | None = None) -> list[Any]:
        """Every category value the (given) products have, as ``product_facts`` yields it."""
        if queryset is None:
            queryset = self.product_model()._default_manager.all()
        path = self._category_path()
        if path:
            values = queryset.order_by().values_list(path, flat=True).distinct()
            return [value for value in values if value is not None]
        if not self.product_field("category"):
            return []
        facts = self.product_facts(queryset.values_list("pk", flat=True))
        return list({value for fact in facts.values() for value in fact.categories})

    def category_labels(self, values: Iterable[Any]) -> dict[Any, str]:
        """Human labels of category values: ``str()`` of the related row when the path
        ends in a relation (foreign key or many-to-many), else the value itself."""
        wanted = [value for value in dict.fromkeys(values) if value is not None]
        labels = {value: str(value) for value in wanted}
        path = self._category_path()
        related = self._path_related_model(path) if path else None
        if related is not None and wanted:
            pk_field = related._meta.pk
            typed = []
            for value in wanted:
                try:
                    typed.append(pk_field.to_python(value))
                except (ValidationError, ValueError, TypeError):
                    continue
            rows = related._default_manager.in_bulk(typed)
            by_text = {str(pk): str(row) for pk, row in rows.items()}
            for value in wanted:  # a value may arrive as text ("3") from a form or URL
                labels[value] = by_text.get(str(value), labels[value])
        return labels

    def products_in_category(self, value: Any,
                             queryset: models.QuerySet | None = None) -> models.QuerySet:
        """Products having category ``value`` (with a many-to-many path: among others)."""
        if queryset is None:
            queryset = self.product_model()._default_manager.all()
        path = self._category_path()
        if path:
            matching = self.product_model()._default_manager.filter(**{path: value})
            return queryset.filter(pk__in=matching.values("pk"))
        facts = self.product_facts(queryset.values_list("pk", flat=True))
        wanted = str(value)
        return queryset.filter(pk__in=[
            pk for pk, fact in facts.items() if any(str(c) == wanted for c in fact.categories)
        ])

    def product_costs(self, pks: Iterable[Any]) -> dict[Any, Decimal | None]:
        """Lowest cost per product from ``PRODUCT_FIELDS["cost"]`` (all ``None`` if unset)."""
        pk_list = list(dict.fromkeys(pks))
        costs: dict[Any, Decimal | None] = {pk: None for pk in pk_list}
        spec = self.product_field("cost")
        if not spec or not pk_list:
            return costs
        products = self.product_model()._default_manager.filter(pk__in=pk_list)
        if callable(spec) or is_dotted_path(spec):
            func = resolve_callable(spec)
            rows: Iterable[tuple[Any, Any]] = ((p.pk, func(p)) for p in products)
        else:
            rows = products.values_list("pk", spec)
        for pk, value in rows:
            if value is None:
                continue
            amount = value if isinstance(value, Decimal) else Decimal(str(value))
            current = costs.get(pk)
            costs[pk] = amount if current is None else min(current, amount)
        return costs

    def _path_related_model(self, path: str) -> type[models.Model] | None:
        model: Any = self.product_model()
        related = None
        for part in path.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return related
            related = getattr(field, "related_model", None)
            if related is None:
                return None
            model = related
        return related

    def _existing_fields(self, names: Iterable[str], unique: bool = False) -> list[str]:
        meta = self.product_model()._meta
        found = []
        for name in names:
            try:
                field = meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not unique or getattr(field, "unique", False):
                found.append(name)
        return found

    def product_search_fields(self, site: AdminSite | None = None) -> list[str]:
        """``PRODUCT_SEARCH_FIELDS``; unset, what the host's product admin on ``site``
        searches (its ``search_fields``), else whichever of name/title/sku/slug the
        model has."""
        configured = upcross_settings.PRODUCT_SEARCH_FIELDS
        if configured is not None:
            return configured
        host_admin = self.product_admin(site) if site is not None else None
        if host_admin is not None and host_admin.search_fields:
            return [name.lstrip("^=@") for name in host_admin.search_fields]
        return self._existing_fields(DEFAULT_SEARCH_FIELDS) or ["pk"]

    def product_lookup_fields(self) -> list[str]:
        """``CSV_LOOKUP_FIELDS``, or the pk then whichever of sku/slug are unique fields."""
        configured = upcross_settings.CSV_LOOKUP_FIELDS
        if configured is not None:
            return configured
        return ["pk", *self._existing_fields(("sku", "slug"), unique=True)]

    # --- order lines --------------------------------------------------------------

    def order_line_model(self) -> type[models.Model] | None:
        label = upcross_settings.ORDER_LINE_MODEL
        return apps.get_model(label) if label else None

    def order_line_paths(self) -> dict[str, str | None]:
        fields = upcross_settings.ORDER_LINE_FIELDS
        return {key: fields.get(key) for key in ORDER_LINE_KEYS}

    def order_lines(self) -> models.QuerySet:
        """The host's order lines that count for mining (``ORDER_LINE_FILTER`` applied)."""
        model = self.order_line_model()
        if model is None:
            raise LookupError("UPCROSS['ORDER_LINE_MODEL'] is not configured")
        queryset = model._default_manager.all()
        rule = upcross_settings.ORDER_LINE_FILTER
        if isinstance(rule, Mapping):
            return queryset.filter(**rule)
        return resolve_callable(rule)(queryset)

    def order_line_path(self, key: str) -> str:
        """The path of a required order-line field (``order``, ``product``, ``placed_at``)."""
        path = self.order_line_paths()[key]
        if not path:
            raise ImproperlyConfigured(f"UPCROSS['ORDER_LINE_FIELDS'][{key!r}] is not set")
        return path

    def order_email_path(self) -> str | None:
        """``ORDER_EMAIL_FIELD`` when it is a field path from an order line, else ``None``."""
        spec = upcross_settings.ORDER_EMAIL_FIELD
        return spec if isinstance(spec, str) and spec and not is_dotted_path(spec) else None

    def order_email(self, order: Any) -> str:
        """The e-mail address of ``order`` (a pk) from the ``ORDER_EMAIL_FIELD`` callable;
        empty when the setting is unset or a field path (:meth:`order_email_path`)."""
        spec = upcross_settings.ORDER_EMAIL_FIELD
        if not spec or self.order_email_path():
            return ""
        return str(resolve_callable(spec)(order) or "")

    def email_opted_out(self, email: str) -> bool:
        """Whether the shop's ``FOLLOW_UP_OPT_OUT`` hook says ``email`` wants no e-mail."""
        hook = upcross_settings.FOLLOW_UP_OPT_OUT
        return bool(hook and resolve_callable(hook)(email))

    def order_line_rows(self, queryset: models.QuerySet | None = None,
                        chunk_size: int = 20_000) -> Iterator[tuple[Any, ...]]:
        """Stream ``(order, product, quantity, customer, placed_at)`` tuples.

        A field that is not configured (``None``) yields ``None`` (quantity 1).
        """
        if queryset is None:
            queryset = self.order_lines()
        paths = self.order_line_paths()
        present = [key for key in ORDER_LINE_KEYS if paths[key]]
        rows = queryset.values_list(*configured_paths(paths, present)).iterator(
            chunk_size=chunk_size
        )
        for row in rows:
            values = dict(zip(present, row, strict=True))
            yield tuple(
                values.get(key, 1 if key == "quantity" else None) for key in ORDER_LINE_KEYS
            )

    # --- cart ---------------------------------------------------------------------

    def add_to_cart(self, product: models.Model, quantity: int = 1) -> AddToCart:
        """Resolve ``ADD_TO_CART_URL`` for one product.

        The setting is a callable (or its dotted path) returning ``(url, fields)``; a
        literal path, posted with the product pk as ``ADD_TO_CART_PRODUCT_PARAM``; or a
        URL name, reversed without arguments (the pk posted as that field) or, failing
        that, with the pk in the path.
        """
        target = upcross_settings.ADD_TO_CART_URL
        param = upcross_settings.ADD_TO_CART_PRODUCT_PARAM
        if callable(target) or is_dotted_path(target):
            url, extra = resolve_callable(target)(product, quantity)
            return AddToCart(url=str(url),
                             fields={k: str(v) for k, v in dict(extra or {}).items()})
        quantity_param = upcross_settings.ADD_TO_CART_QUANTITY_PARAM
        amount = {quantity_param: str(quantity)} if quantity_param else {}
        if is_literal_url(target):
            return AddToCart(url=target, fields={param: str(product.pk), **amount})
        try:
            return AddToCart(url=reverse(target), fields={param: str(product.pk), **amount})
        except NoReverseMatch:
            return AddToCart(url=reverse(target, args=[product.pk]), fields=amount)


    def add_many_to_cart(self, items: Iterable[tuple[models.Model, int]]) -> AddMany | None:
        """Where the "Add all" button posts (``ADD_MANY_TO_CART_URL``), or ``None``.

        One ``product_id`` field per product, repeated for a quantity above 1.
        """
        target = upcross_settings.ADD_MANY_TO_CART_URL
        if not target:
            return None
        url = target if is_literal_url(target) else reverse(target)
        return AddMany(url=url, fields=[("product_id", str(product.pk))
                                        for product, quantity in items
                                        for _ in range(max(1, quantity))])

    # --- widgets: how a product looks, swapping a cart line, past purchases ----------

    def product_display(self, product: models.Model) -> ProductDisplay:
        """Name, URL and picture of ``product`` for the widgets (``PRODUCT_DISPLAY``)."""
        spec = upcross_settings.PRODUCT_DISPLAY
        name = _display_value(product, spec.get("name"))
        url = _display_value(product, spec.get("url"))
        if url is None and spec.get("url") is None:
            get_url = getattr(product, "get_absolute_url", None)
            url = get_url() if callable(get_url) else None
        image = _display_value(product, spec.get("image_url"))
        return ProductDisplay(
            name=str(product) if name is None else str(name),
            url=str(url) if url else "",
            image_url=str(image) if image else "",
        )

    def swap_cart_line(self, product: models.Model,
                       replacement: models.Model) -> AddToCart | None:
        """Where a cart-line "Upgrade" form posts (``SWAP_CART_LINE_URL``), or ``None``.

        The host's view receives ``product_id`` (the line's product) and
        ``replacement_id`` (the upgrade) and replaces the line, keeping its quantity.
        """
        target = upcross_settings.SWAP_CART_LINE_URL
        if not target:
            return None
        url = target if is_literal_url(target) else reverse(target)
        return AddToCart(url=url, fields={"product_id": str(product.pk),
                                          "replacement_id": str(replacement.pk)})

    def installment(self, price: Decimal | None, product: models.Model | None = None) -> Any:
        """What to show as "or 12 x Rp 499.917" for ``price`` (of ``product`` when it is
        one product's; ``None`` for a cart total): an ``upcross.installments.Installment``
        or ``None``. The default picks from ``UPCROSS["INSTALLMENTS"]``; override it for
        per-product or per-provider rules."""
        plans = installments.plans_from(upcross_settings.INSTALLMENTS)
        return installments.best_plan(price, plans) if plans else None

    def bought_products(self, customer: Any) -> models.QuerySet | None:
        """The pks of the products ``customer`` (a user or its pk) bought, as a query over
        ``order_lines()`` (usable as a subquery: ``pk__in=``); ``None`` when the orders
        name no customer or product."""
        paths = self.order_line_paths()
        if not paths["customer"] or not paths["product"] or self.order_line_model() is None:
            return None
        customer_pk = getattr(customer, "pk", customer)
        rows = self.order_lines().filter(**{paths["customer"]: customer_pk})
        return rows.order_by().values(paths["product"])

    def customer_product_pks(self, customer: Any) -> set[Any]:
        """Pks of the products ``customer`` bought (:meth:`bought_products`, run)."""
        bought = self.bought_products(customer)
        product_path = self.order_line_paths()["product"]
        if bought is None or not product_path:
            return set()
        return set(bought.values_list(product_path, flat=True).distinct())


def _display_value(product: models.Model, spec: str | Callable[..., Any] | None) -> Any:
    """Follow an attribute path (``__``-separated) or call a dotted callable; ``None`` if absent.

    A method at the end of the path is called; a file field yields its URL.
    """
    if not spec:
        return None
    if callable(spec) or is_dotted_path(spec):
        return resolve_callable(spec)(product)
    value: Any = product
    for part in str(spec).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
        if callable(value) and not isinstance(value, models.Model):
            value = value()
    if hasattr(value, "url") and hasattr(value, "name"):  # FieldFile: its URL, if any
        return value.url if value.name else None
    return value


@functools.lru_cache(maxsize=1)
def get_adapter() -> ShopAdapter:
    """The configured adapter instance (cleared when settings change)."""
    adapter: ShopAdapter = import_string(upcross_settings.ADAPTER)()
    return adapter


@receiver(setting_changed)
def _clear_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("UPCROSS", "UPCROSS_PRODUCT_MODEL"):
        get_adapter.cache_clear()
