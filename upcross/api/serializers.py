"""Serializers of upcross's REST API.

Product ids are those of ``UPCROSS_PRODUCT_MODEL``: integers in one shop, UUIDs in
another; :class:`ProductPkField` validates them with the model's own pk field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueTogetherValidator

from upcross.adapters import get_adapter
from upcross.models import (
    MiningRun,
    MiningRunKind,
    MiningRunStatus,
    ProductRelation,
    RelationKind,
    RelationOrigin,
    RelationStatus,
)

#: Most suggestions one read request may ask for.
MAX_LIMIT = 50
#: Most lines a posted cart may hold.
MAX_CART_ITEMS = 200
#: Most products one widget event may name.
MAX_EVENT_PRODUCTS = 50
#: Widget names and event types the events endpoint accepts.
WIDGETS = (
    ("complements", _("Product page: complements")),
    ("upgrades", _("Product page: upgrades")),
    ("cart_complements", _("Cart: complements")),
    ("cart_upgrades", _("Cart: upgrades")),
)
EVENT_TYPES = (("impression", _("Impression")), ("click", _("Click")),
               ("view", _("Product view")))
#: A browsing session id of the tracking script: random, URL-safe, 8 to 64 characters.
SESSION_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
#: Most events one batch (one beacon of the tracking script) may carry.
MAX_BATCH_EVENTS = 20


def clean_product_pk(value: Any) -> Any:
    """Return ``value`` as a product pk, or raise Django's ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise DjangoValidationError("not an id")
    return get_adapter().product_pk_field().clean(value, None)


class ProductPkField(serializers.Field):
    """A primary key of the configured product model (integer or UUID)."""

    default_error_messages = {"invalid": _("“{value}” is not a valid product id.")}

    def to_internal_value(self, data: Any) -> Any:
        try:
            return clean_product_pk(data)
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            self.fail("invalid", value=str(data)[:100])

    def to_representation(self, value: Any) -> Any:
        return value if isinstance(value, int) else str(value)


def bound_list(data: Any, field: str, limit: int) -> None:
    """Refuse a list ``field`` longer than ``limit`` before its items are validated (a
    50-item limit checked after converting 800k items is seconds of work)."""
    items = data.get(field) if isinstance(data, Mapping) else None
    if isinstance(items, list) and len(items) > limit:
        raise serializers.ValidationError({field: [
            _("Ensure this field has no more than %(n)s elements.") % {"n": limit}]})


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers with."""

    message = serializers.CharField(help_text=_("What went wrong, in words."))
    code = serializers.CharField(help_text=_("A stable code, e.g. `not_found`, `invalid`."))
    # Declared fields leave the class (DRF's metaclass), so the names of Serializer and
    # Field attributes ("errors", "source") are free for fields; the stubs cannot know.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text=_("Validation errors per field (400 only)."),
    )


# --- public read side -----------------------------------------------------------------


class ProductCardSerializer(serializers.Serializer):
    """What a storefront needs to show a product card."""

    pk = ProductPkField(read_only=True)
    name = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, allow_null=True)
    image_url = serializers.CharField(read_only=True, allow_null=True)
    price = serializers.DecimalField(
        max_digits=None, decimal_places=None, read_only=True, allow_null=True,
    )


class RecommendationSerializer(serializers.Serializer):
    product = ProductCardSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=RelationKind.choices, read_only=True)
    origin = serializers.ChoiceField(choices=RelationOrigin.choices, read_only=True)
    reason = serializers.CharField(read_only=True, help_text=_("Why it is suggested."))
    price_difference = serializers.DecimalField(
        max_digits=None, decimal_places=None, read_only=True, allow_null=True,
        help_text=_("Upgrades: how much more it costs than the product it upgrades."),
    )


class ProductRecommendationsSerializer(serializers.Serializer):
    product = ProductPkField(read_only=True, help_text=_("The product asked about."))
    results = RecommendationSerializer(many=True, read_only=True)


class LimitQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT,
        help_text=_("How many suggestions at most (default: the DEFAULT_LIMIT setting)."),
    )


#: Most recently viewed (or carted) products a showcase request may name.
MAX_VISITOR_PRODUCTS = 20


class ProductIdListField(serializers.CharField):
    """Comma-separated product ids (a query parameter), at most ``MAX_VISITOR_PRODUCTS``."""

    default_error_messages = {
        "invalid_id": _("“{value}” is not a valid product id."),
        "too_many": _("Name at most {max} products."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if len(parts) > MAX_VISITOR_PRODUCTS:
            self.fail("too_many", max=MAX_VISITOR_PRODUCTS)
        pks = []
        for part in parts:
            try:
                pks.append(clean_product_pk(part))
            except (DjangoValidationError, TypeError, ValueError, OverflowError):
                self.fail("invalid_id", value=part[:100])
        return pks


class ShowcaseQuerySerializer(LimitQuerySerializer):
    product = ProductPkField(
        required=False,
        help_text=_("Showcases about one product (similar): that product's id."),
    )
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=255,
        help_text=_("A category value (per-category showcases such as best sellers)."),
    )
    viewed = ProductIdListField(
        help_text=_("Personal showcases: ids of the products the visitor viewed lately, "
                    "newest first, comma-separated."),
    )
    cart = ProductIdListField(
        help_text=_("Ids of the products in the visitor's cart, comma-separated (left out; "
                    "personal showcases also rank from them)."),
    )


class ShowcaseItemSerializer(serializers.Serializer):
    product = ProductCardSerializer(read_only=True)
    reason = serializers.CharField(read_only=True, help_text=_("Why it is shown."))
    pinned = serializers.BooleanField(read_only=True,
                                      help_text=_("Pinned by a merchandiser."))
    ends_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text=_("On offer: when the offer ends."),
    )


class ShowcaseSerializer(serializers.Serializer):
    showcase = serializers.CharField(read_only=True, help_text=_("The showcase's name."))
    title = serializers.CharField(read_only=True, help_text=_("Its heading, translated."))
    results = ShowcaseItemSerializer(many=True, read_only=True)


class CartItemSerializer(serializers.Serializer):
    product = ProductPkField()
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(
        many=True, max_length=MAX_CART_ITEMS,  # type: ignore[call-arg]  # ListSerializer's
        help_text=_("The cart's lines; a product named twice counts once."),
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT,
        help_text=_("Cart complements: how many at most. Cart upgrades give at most one "
                    "per line and ignore it."),
    )


class CartRecommendationsSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True, read_only=True)
    ignored = serializers.ListField(
        child=ProductPkField(), read_only=True,
        help_text=_("Posted product ids that are unknown or unavailable (left out)."),
    )


class CartUpgradeSerializer(RecommendationSerializer):
    line = ProductPkField(read_only=True, help_text=_("The cart line's product it upgrades."))


class CartUpgradesSerializer(serializers.Serializer):
    results = CartUpgradeSerializer(many=True, read_only=True)
    ignored = serializers.ListField(
        child=ProductPkField(), read_only=True,
        help_text=_("Posted product ids that are unknown or unavailable (left out)."),
    )


# --- staff: relations and mining runs --------------------------------------------------


class ProductRelatedField(serializers.PrimaryKeyRelatedField):
    """A product of ``UPCROSS_PRODUCT_MODEL`` by pk; it must exist (available or not)."""

    default_error_messages = {
        "does_not_exist": _("Unknown product id “{pk_value}”."),
        "incorrect_type": _("“{data_type}” is not a valid product id."),
    }

    def get_queryset(self) -> Any:
        return get_adapter().product_model()._default_manager.all()

    def to_internal_value(self, data: Any) -> Any:
        try:
            clean_product_pk(data)
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            self.fail("incorrect_type", data_type=str(data)[:100])
        return super().to_internal_value(data)


class ProductRelationSerializer(serializers.ModelSerializer):
    source = ProductRelatedField()  # type: ignore[assignment]  # see ErrorSerializer
    target = ProductRelatedField()

    class Meta:
        model = ProductRelation
        fields = (
            "id", "source", "target", "kind", "origin", "status", "position", "score",
            "pair_count", "support", "confidence", "lift", "computed_at",
            "starts_at", "ends_at", "created_at", "updated_at",
        )
        read_only_fields = (
            "pair_count", "support", "confidence", "lift", "computed_at",
            "created_at", "updated_at",
        )

    def get_validators(self) -> list[Any]:
        return [UniqueTogetherValidator(
            queryset=ProductRelation.objects.all(), fields=("source", "target", "kind"),
            message=_("A relation of this kind between these two products already exists."),
        )]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        instance = self.instance

        def current(name: str) -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(instance, name, None)

        source, target = current("source"), current("target")
        if source is not None and target is not None and source.pk == target.pk:
            raise serializers.ValidationError(
                {"target": [_("A product cannot be related to itself.")]}
            )
        starts, ends = current("starts_at"), current("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            raise serializers.ValidationError(
                {"ends_at": [_("The end of the active window must come after its start.")]}
            )
        return attrs


class RelationFilterSerializer(serializers.Serializer):
    """Query parameters of the relation list."""

    source = ProductPkField(required=False, help_text=_("Only relations from this product."))  # type: ignore[assignment]  # see ErrorSerializer
    target = ProductPkField(required=False, help_text=_("Only relations to this product."))
    kind = serializers.ChoiceField(choices=RelationKind.choices, required=False)
    origin = serializers.ChoiceField(choices=RelationOrigin.choices, required=False)
    status = serializers.ChoiceField(choices=RelationStatus.choices, required=False)


class MiningRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = MiningRun
        fields = (
            "id", "kind", "status", "task_id", "parameters", "partitions", "created_at",
            "started_at", "finished_at", "orders_scanned", "lines_scanned",
            "relations_created", "relations_updated", "relations_removed", "duration",
            "progress", "error",
        )
        read_only_fields = fields


class RunFilterSerializer(serializers.Serializer):
    """Query parameters of the mining run list."""

    task_id = serializers.RegexField(
        r"^[A-Za-z0-9._:-]+$", required=False, max_length=255,
        help_text=_("The task id a trigger answered with."),
    )
    kind = serializers.ChoiceField(choices=MiningRunKind.choices, required=False)
    status = serializers.ChoiceField(choices=MiningRunStatus.choices, required=False)


class MiningRunTriggerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MiningRunKind.choices, default=MiningRunKind.ALL)
    partitions = serializers.IntegerField(min_value=1, max_value=64, default=1)
    force = serializers.BooleanField(
        default=False,
        help_text=_("Accept a run that loads no orders or removes more than "
                    "RECOMPUTE_MAX_REMOVED_SHARE of the mined relations (the removal "
                    "guard refuses it otherwise and keeps the old rows)."))


class MiningRunTriggeredSerializer(serializers.Serializer):
    task_id = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=MiningRunKind.choices, read_only=True)
    partitions = serializers.IntegerField(read_only=True)
    force = serializers.BooleanField(read_only=True)
    run = MiningRunSerializer(read_only=True, allow_null=True,
                              help_text=_("The run, when the task already recorded it."))
    runs_url = serializers.CharField(read_only=True,
                                     help_text=_("The run list filtered to this task."))


# --- events ----------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    """One widget impression or click, or one product view, sent by the tracking script."""

    widget = serializers.ChoiceField(
        choices=WIDGETS, required=False, allow_null=True,
        help_text=_("The widget shown or clicked; none for a product view."),
    )
    event = serializers.ChoiceField(choices=EVENT_TYPES)
    products = serializers.ListField(
        child=ProductPkField(), min_length=1, max_length=MAX_EVENT_PRODUCTS,
        help_text=_("Products shown (impression), the product clicked (click) or the product "
                    "whose page was viewed (view)."),
    )
    source = ProductPkField(  # type: ignore[assignment]  # see ErrorSerializer
        required=False, allow_null=True,
        help_text=_("The product whose page shows the widget, if any."),
    )
    session = serializers.RegexField(
        SESSION_PATTERN, required=False, allow_null=True, max_length=64,
        help_text=_("A random id of the browsing session (kept in the browser's "
                    "sessionStorage, no cookie): views of one session count as viewed "
                    "together."),
    )

    def get_fields(self) -> dict[str, Any]:
        from upcross.showcases.registry import all_showcases

        fields = super().get_fields()
        widget = fields["widget"]
        assert isinstance(widget, serializers.ChoiceField)
        widget.choices = [*WIDGETS, *((showcase.name, showcase.title)
                                               for showcase in all_showcases())]
        return fields

    def to_internal_value(self, data: Any) -> Any:
        bound_list(data, "products", MAX_EVENT_PRODUCTS)
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        products = list(dict.fromkeys(attrs["products"]))
        if attrs["event"] == "view":
            return self._validate_view(attrs, products)
        if not attrs.get("widget"):
            raise serializers.ValidationError({"widget": [_("This field is required.")]})
        if attrs["event"] == "click" and len(products) != 1:
            raise serializers.ValidationError(
                {"products": [_("A click names exactly one product.")]}
            )
        source = attrs.get("source")
        facts = served_facts(products, source, WIDGET_KINDS.get(attrs["widget"]))
        if source is not None and source not in facts:
            raise serializers.ValidationError({"source": [_("Unknown product id.")]})
        unknown = [pk for pk in products if pk not in facts]
        if unknown:
            raise serializers.ValidationError({"products": [
                _("Unknown product ids: %(ids)s.") % {"ids": ", ".join(sorted(map(str, unknown)))}
            ]})
        # Counted only what a widget can show: an available product that some active
        # relation of the widget's kind suggests (from ``source`` when named).
        unserved = [pk for pk in products if not facts[pk]]
        if unserved:
            raise serializers.ValidationError({"products": [
                _("Not suggested by this widget: %(ids)s.")
                % {"ids": ", ".join(sorted(map(str, unserved)))}
            ]})
        attrs["products"] = products
        return attrs

    @staticmethod
    def _validate_view(attrs: dict[str, Any], products: list[Any]) -> dict[str, Any]:
        """A view names one available product and no widget (one query)."""
        if attrs.get("widget"):
            raise serializers.ValidationError({"widget": [_("A view belongs to no widget.")]})
        if len(products) != 1:
            raise serializers.ValidationError(
                {"products": [_("A view names exactly one product.")]})
        if not get_adapter().available_products().filter(pk=products[0]).exists():
            raise serializers.ValidationError({"products": [
                _("Unknown or unavailable product: %(id)s.") % {"id": products[0]}]})
        attrs["products"] = products
        return attrs


class EventBatchSerializer(serializers.Serializer):
    """Several events in one beacon (the tracking script batches what a page saw)."""

    events = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_BATCH_EVENTS,
        help_text=_("Events as the single-event body has them. Each is validated on its own: "
                    "an invalid one is not counted and does not stop the others."),
    )

    def to_internal_value(self, data: Any) -> Any:
        bound_list(data, "events", MAX_BATCH_EVENTS)
        return super().to_internal_value(data)


#: The relation kind each widget of the events endpoint shows.
WIDGET_KINDS = {"complements": "complement", "cart_complements": "complement",
                "upgrades": "upgrade", "cart_upgrades": "upgrade"}


def served_facts(products: list[Any], source: Any, kind: str | None) -> dict[Any, bool]:
    """``{pk: served}`` for the named products that exist (and the source), one query.

    Served: the product is available and an active relation of ``kind`` suggests it:
    from ``source`` (or the source's parent, whose suggestions a variant shows) when
    a source is named, from any product otherwise. ``kind=None`` (a showcase, which may
    show any available product): available is enough.
    """
    from django.db.models import Exists, OuterRef, Q, Value

    adapter = get_adapter()
    model = adapter.product_model()
    relations = ProductRelation.objects.active().filter(kind=kind, target=OuterRef("pk"))
    if source is not None:
        sources = Q(source=source)
        parent = adapter.product_field("parent")
        if isinstance(parent, str) and parent and not callable(parent) and "." not in parent:
            sources |= Q(source__in=model._default_manager.filter(pk=source).values(parent))
        relations = relations.filter(sources)
    available = adapter.available_products().filter(pk=OuterRef("pk"))
    wanted = {*products, *([source] if source is not None else [])}
    suggested = Exists(relations) if kind is not None else Value(True)
    rows = (model._default_manager.filter(pk__in=wanted)
            .annotate(upcross_suggested=suggested, upcross_available=Exists(available))
            .values_list("pk", "upcross_suggested", "upcross_available"))
    return {pk: suggested and is_available for pk, suggested, is_available in rows}


class EventAcceptedSerializer(serializers.Serializer):
    counted = serializers.IntegerField(help_text=_("How many product counters were bumped."))
    rejected = serializers.IntegerField(
        required=False, help_text=_("In a batch: how many events were invalid and not counted."))


def first_error(errors: Any, prefix: str = "") -> str:
    """Flatten DRF's nested validation errors into one readable sentence."""
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            if key in ("non_field_errors", "detail"):
                label = prefix
            elif isinstance(key, int) or str(key).isdigit():  # a list item, by index
                label = f"{prefix}[{key}]"
            else:
                label = f"{prefix}.{key}" if prefix else str(key)
            return first_error(value, label)
    if isinstance(errors, (list, tuple)):
        for index, value in enumerate(errors):
            if value in ({}, [], None):
                continue
            label = f"{prefix}[{index}]" if isinstance(value, (Mapping, list)) else prefix
            return first_error(value, label)
    return f"{prefix}: {errors}" if prefix else str(errors)
