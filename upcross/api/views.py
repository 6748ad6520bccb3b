"""Views of upcross's REST API: DRF generics, thin over ``upcross.recommend``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from upcross import cache
from upcross.adapters import get_adapter
from upcross.api import serializers as s
from upcross.api.authentication import RejectMalformedCredentials
from upcross.api.caching import CachedAnswerMixin
from upcross.api.events import record_event, record_view
from upcross.api.exceptions import upcross_exception_handler
from upcross.api.openapi import UpcrossAutoSchema, error_responses
from upcross.api.parsers import BoundedJSONParser
from upcross.api.permissions import IsStaffWithModelPermission
from upcross.api.throttling import EventsRateThrottle
from upcross.conf import upcross_settings
from upcross.models import MiningRun, ProductRelation
from upcross.tasks import enqueue_recompute

UNKNOWN_PRODUCT = _("Unknown or unavailable product.")
DUPLICATE_RELATION = _("A relation of this kind between these two products already exists.")

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER, required=False,
    description=str(_("An ETag from an earlier answer: 304 when it is still current.")),
)
NOT_MODIFIED = OpenApiResponse(description=str(_("Not modified (the ETag matched).")))


if TYPE_CHECKING:
    # The mixins below are only used with DRF's views: type-check them as such.
    _APIView = APIView
    _GenericAPIView = generics.GenericAPIView[Any]
else:
    _APIView = _GenericAPIView = object


class UpcrossAPIMixin(_APIView):
    """What every upcross view shares: the OpenAPI inspector and JSON errors."""

    schema: Any = UpcrossAutoSchema()
    # JSON in, whatever the host's DEFAULT_PARSER_CLASSES: nested bodies (cart items)
    # have no faithful form encoding, and the schema then documents one media type.
    parser_classes = (BoundedJSONParser,)

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return upcross_exception_handler


class ConditionalGetMixin(_APIView):
    """``Cache-Control`` and a body ``ETag`` on successful reads; 304 on a match.

    Works like Django's ``ConditionalGetMiddleware`` but for these views only, so
    a storefront or CDN can revalidate cheaply.
    """

    cache_control: dict[str, Any] = {"public": True}

    # DRF's stubs say Response in and out; a cached answer or a 304 is a plain response.
    def finalize_response(  # type: ignore[override]
            self, request: Request, response: HttpResponseBase, *args: Any,
            **kwargs: Any) -> HttpResponseBase:
        response = super().finalize_response(
            request, response, *args, **kwargs)  # type: ignore[arg-type]
        if getattr(response, "upcross_cached", False):
            # A cached answer (upcross.api.caching): headers and ETag were stored with it.
            return self._conditional(request, response)
        if response.status_code != 200 or request.method not in ("GET", "HEAD", "POST"):
            self.answer_ready(request, response)
            return response
        if isinstance(response, Response):
            response.render()
        patch_cache_control(response, max_age=upcross_settings.API_CACHE_MAX_AGE,
                            **self.cache_control)
        patch_vary_headers(response, ("Accept", "Accept-Language"))
        set_response_etag(response)
        self.answer_ready(request, response)
        return self._conditional(request, response)

    def answer_ready(self, request: Request, response: HttpResponseBase) -> None:
        """The answer is final (rendered, with its ETag), before any 304: a hook."""

    @staticmethod
    def _conditional(request: Request, response: HttpResponseBase) -> HttpResponseBase:
        if request.method == "POST" or response.status_code != 200 or not response.has_header(
                "ETag") or not isinstance(response, HttpResponse):  # 304: safe methods only
            return response
        return get_conditional_response(request, etag=response["ETag"], response=response) \
            or response


# --- product cards --------------------------------------------------------------------


def _absolute(request: Request, url: str | None) -> str | None:
    return request.build_absolute_uri(url) if url else None


def present(suggestions: Iterable[Any], request: Request,
            with_line: bool = False) -> list[dict[str, Any]]:
    """Turn ``upcross.recommend`` results into plain dicts for the serializers.

    Name, URL and picture come from the adapter's ``product_display`` (the same
    the widgets show), made absolute for storefronts on another origin.
    """
    rows = []
    for item in suggestions:
        display = item.display
        row = {
            "product": {
                "pk": item.product.pk,
                "name": display.name,
                "url": _absolute(request, display.url),
                "image_url": _absolute(request, display.image_url),
                "price": item.price,
            },
            "kind": str(item.kind),
            "origin": str(item.origin),
            "reason": str(item.reason or ""),
            "price_difference": item.price_difference,
        }
        if with_line:
            row["line"] = getattr(item.source, "pk", None)
        rows.append(row)
    return rows


# --- public: product and cart recommendations ----------------------------------------


class ProductRecommendationsView(UpcrossAPIMixin, CachedAnswerMixin, ConditionalGetMixin,
                                 generics.RetrieveAPIView):
    """A product's suggestions; ``recommend_name`` picks the ``upcross.recommend`` call."""

    authentication_classes = ()  # public and cacheable: no session, no ``Vary: Cookie``
    permission_classes = (AllowAny,)
    serializer_class = s.ProductRecommendationsSerializer
    product_lookup = True
    recommend_name = ""

    def get_queryset(self) -> models.QuerySet:
        return get_adapter().available_products()

    def answer_key_parts(self, request: Request) -> tuple[Any, ...]:
        return (request.query_params.get("limit"),)

    def get_object(self) -> dict[str, Any]:
        try:
            pk = s.clean_product_pk(self.kwargs["pk"])
        except (DjangoValidationError, TypeError, ValueError, OverflowError) as exc:
            raise NotFound(UNKNOWN_PRODUCT) from exc  # a malformed id names no product
        product = self.get_queryset().filter(pk=pk).first()
        if product is None:
            raise NotFound(UNKNOWN_PRODUCT)
        # A plain dict, not the QueryDict: DRF would read ``?limit=`` as "not given".
        query = s.LimitQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        limit = query.validated_data.get("limit", upcross_settings.DEFAULT_LIMIT)
        from upcross import recommend

        suggestions = getattr(recommend, self.recommend_name)(product, limit=limit)
        self.answer_expires_at = suggestions.expires_at
        return {"product": product.pk, "results": present(suggestions, self.request)}


_READ_DOC: dict[str, Any] = {
    "parameters": [s.LimitQuerySerializer, IF_NONE_MATCH],
    "responses": {200: s.ProductRecommendationsSerializer, 304: NOT_MODIFIED,
                  **error_responses(400, 404, 503)},
}


@extend_schema(
    summary=str(_("Complements of a product")),
    description=str(_("Products to add too (“add this too”), best first; available only.")),
    **_READ_DOC,
)
class ProductComplementsView(ProductRecommendationsView):
    recommend_name = "complements"


@extend_schema(
    summary=str(_("Upgrades of a product")),
    description=str(_("Better, pricier versions of the product (“upgrade to”), best first.")),
    **_READ_DOC,
)
class ProductUpgradesView(ProductRecommendationsView):
    recommend_name = "upgrades"


class CartRecommendationsView(UpcrossAPIMixin, CachedAnswerMixin, ConditionalGetMixin,
                              generics.GenericAPIView):
    """Suggestions for a posted cart; unknown or unavailable ids are ignored and listed.

    A POST because a cart is per shopper and may be long; the answer is still
    a read (nothing is stored), with an ``ETag`` and ``Cache-Control: private``.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    serializer_class = s.CartSerializer
    cache_control = {"private": True}

    def get_queryset(self) -> models.QuerySet:
        return get_adapter().available_products()

    def cart_request(self) -> dict[str, Any]:
        """The validated body (once: the cache key and the answer both need it)."""
        validated = getattr(self, "_cart_request", None)
        if validated is None:
            body = self.get_serializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            validated = self._cart_request = body.validated_data
        return validated

    def answer_key_parts(self, request: Request) -> tuple[Any, ...]:
        validated = self.cart_request()
        return (tuple((item["product"], item["quantity"]) for item in validated["items"]),
                validated.get("limit"))

    def cart_lines(self) -> tuple[list[tuple[models.Model, int]], list[Any]]:
        validated = self.cart_request()
        quantities: dict[Any, int] = {}
        for item in validated["items"]:
            quantities[item["product"]] = quantities.get(item["product"], 0) + item["quantity"]
        products = self.get_queryset().in_bulk(list(quantities))
        lines = [(products[pk], qty) for pk, qty in quantities.items() if pk in products]
        ignored = [pk for pk in quantities if pk not in products]
        self.limit = validated.get("limit", upcross_settings.DEFAULT_LIMIT)
        return lines, ignored


class CartLine:
    """What ``upcross.recommend`` takes for a cart: an object with product and quantity."""

    __slots__ = ("product", "quantity")

    def __init__(self, product: models.Model, quantity: int) -> None:
        self.product = product
        self.quantity = quantity


@extend_schema(
    summary=str(_("Complements of a cart")),
    request=s.CartSerializer,
    responses={200: s.CartRecommendationsSerializer, **error_responses(400, 413, 415, 503)},
)
class CartComplementsView(CartRecommendationsView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lines, ignored = self.cart_lines()
        from upcross import recommend

        suggestions = recommend.cart_complements(
            [CartLine(product, qty) for product, qty in lines], limit=self.limit
        )
        self.answer_expires_at = suggestions.expires_at
        data = {"results": present(suggestions, request), "ignored": ignored}
        return Response(s.CartRecommendationsSerializer(data).data)


@extend_schema(
    summary=str(_("Upgrades of a cart's lines")),
    description=str(_("For each cart line, upgrades it could be swapped for; `line` names "
                      "the line's product.")),
    request=s.CartSerializer,
    responses={200: s.CartUpgradesSerializer, **error_responses(400, 413, 415, 503)},
)
class CartUpgradesView(CartRecommendationsView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lines, ignored = self.cart_lines()
        from upcross import recommend

        suggestions = recommend.cart_upgrades([CartLine(product, qty) for product, qty in lines])
        self.answer_expires_at = suggestions.expires_at
        data = {"results": present(suggestions, request, with_line=True), "ignored": ignored}
        return Response(s.CartUpgradesSerializer(data).data)


# --- public: showcases ------------------------------------------------------------------


UNKNOWN_SHOWCASE = _("Unknown showcase.")


@extend_schema(
    summary=str(_("A showcase")),
    description=str(_("Best sellers, products on offer, a personal pick (`for_you`) and "
                      "any showcase the shop registered, best first; available products "
                      "only. Personal showcases rank from `viewed`, `cart`.")),
    parameters=[
        OpenApiParameter("name", str, OpenApiParameter.PATH,
                         description=str(_("The showcase's name, e.g. `best_sellers`."))),
        s.ShowcaseQuerySerializer, IF_NONE_MATCH,
    ],
    responses={200: s.ShowcaseSerializer, 304: NOT_MODIFIED, **error_responses(400, 404)},
)
class ShowcaseView(UpcrossAPIMixin, CachedAnswerMixin, ConditionalGetMixin,
                   generics.RetrieveAPIView):
    """One showcase. Anonymous (no session): a personal showcase is told what the
    visitor viewed and carted in the query, so answers stay cacheable per URL; a warm
    answer is one cache read (:class:`~upcross.api.caching.CachedAnswerMixin`)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    serializer_class = s.ShowcaseSerializer

    def answer_key_parts(self, request: Request) -> tuple[Any, ...]:
        return tuple(request.query_params.get(name)
                     for name in ("limit", "category", "viewed", "cart", "product"))

    def answer_stamp_keys(self, request: Request) -> tuple[str, ...]:
        from upcross import showcases

        keys = super().answer_stamp_keys(request)
        found = showcases.get(self.kwargs["name"])
        scope = showcases.Scope(category=request.query_params.get("category") or "")
        if found is not None and found.shows_orders(scope):
            return (*keys, cache.BOUGHT_GENERATION_KEY)
        return keys

    def get_object(self) -> dict[str, Any]:
        from upcross import showcases
        from upcross.showcases.reading import showcase

        found = showcases.get(self.kwargs["name"])
        if found is None:
            raise NotFound(UNKNOWN_SHOWCASE)
        query = s.ShowcaseQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        visitor = showcases.make_visitor(viewed=data.get("viewed"), cart=data.get("cart"))
        results = showcase(found.name, data.get("limit", upcross_settings.DEFAULT_LIMIT),
                           category=data.get("category", ""), visitor=visitor,
                           product=data.get("product"))
        self.answer_expires_at = results.expires_at
        rows = present(results, self.request)
        for row, item in zip(rows, results, strict=True):
            row["pinned"] = item.pinned
            row["ends_at"] = item.ends_at
        return {"showcase": found.name, "title": str(found.title), "results": rows}


# --- staff: relations ------------------------------------------------------------------


class StaffPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (1-500); a bad page size is a 400, not ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            ]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class StaffAPIMixin(UpcrossAPIMixin, _GenericAPIView):
    """The host's authentication classes, behind a guard; staff with model permissions."""

    permission_classes = (IsStaffWithModelPermission,)
    pagination_class = StaffPagination

    def get_authenticators(self) -> list[Any]:
        authenticators = list(super().get_authenticators())
        guard = RejectMalformedCredentials(authenticators[0] if authenticators else None)
        return [guard, *authenticators]


STAFF_ERRORS = (401, 403)


class RelationMixin(StaffAPIMixin):
    queryset = ProductRelation.objects.all()
    serializer_class = s.ProductRelationSerializer

    def save_checked(self, serializer: BaseSerializer[Any]) -> None:
        """Save; a unique-pair race lost to another writer becomes a 400, not a 500."""
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError as exc:
            raise ValidationError({"non_field_errors": [DUPLICATE_RELATION]}) from exc


@extend_schema(
    methods=["GET"], summary=str(_("List relations (staff)")),
    parameters=[s.RelationFilterSerializer],
    responses={200: s.ProductRelationSerializer(many=True),
               **error_responses(400, 404, *STAFF_ERRORS)},
)
@extend_schema(
    methods=["POST"], summary=str(_("Create a relation (staff)")),
    responses={201: s.ProductRelationSerializer,
               **error_responses(400, *STAFF_ERRORS, 413, 415)},
)
class RelationListView(RelationMixin, generics.ListCreateAPIView):
    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        if self.request.method != "GET":
            return queryset
        filters = s.RelationFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        queryset = queryset.filter(**filters.validated_data)
        return queryset.order_by(*(ProductRelation._meta.ordering or ()), "pk")

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        self.save_checked(serializer)


@extend_schema(
    methods=["GET"], summary=str(_("One relation (staff)")),
    responses={200: s.ProductRelationSerializer, **error_responses(404, *STAFF_ERRORS)},
)
@extend_schema(
    methods=["PUT", "PATCH"], summary=str(_("Change a relation (staff)")),
    responses={200: s.ProductRelationSerializer,
               **error_responses(400, 404, *STAFF_ERRORS, 413, 415)},
)
@extend_schema(
    methods=["DELETE"], summary=str(_("Delete a relation (staff)")),
    responses={204: None, **error_responses(404, *STAFF_ERRORS)},
)
class RelationDetailView(RelationMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        self.save_checked(serializer)


# --- staff: mining runs ---------------------------------------------------------------


@extend_schema(
    methods=["GET"], summary=str(_("List mining runs (staff)")),
    parameters=[s.RunFilterSerializer],
    responses={200: s.MiningRunSerializer(many=True),
               **error_responses(400, 404, *STAFF_ERRORS)},
)
@extend_schema(
    methods=["POST"], summary=str(_("Start a recompute (staff)")),
    description=str(_("Enqueues the `upcross.recompute` task (after the transaction "
                      "commits) and answers 202 with its `task_id`. The task records a "
                      "mining run under that id: `run` holds it when it already exists "
                      "(tasks running eagerly), else follow `runs_url`. `force` accepts "
                      "a run the removal guard would refuse (no orders loaded, or more "
                      "of the mined relations removed than RECOMPUTE_MAX_REMOVED_SHARE).")),
    request=s.MiningRunTriggerSerializer,
    responses={202: s.MiningRunTriggeredSerializer,
               **error_responses(400, *STAFF_ERRORS, 413, 415, 503)},
)
class MiningRunListView(StaffAPIMixin, generics.ListCreateAPIView):
    queryset = MiningRun.objects.all()
    serializer_class = s.MiningRunSerializer

    def get_serializer_class(self) -> type[Any]:
        if self.request is not None and self.request.method == "POST":
            return s.MiningRunTriggerSerializer
        return s.MiningRunSerializer

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        if self.request.method == "GET":
            filters = s.RunFilterSerializer(data=self.request.query_params.dict())
            filters.is_valid(raise_exception=True)
            queryset = queryset.filter(**filters.validated_data)
        return queryset.order_by("-created_at", "-pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        trigger = self.get_serializer(data=request.data)
        trigger.is_valid(raise_exception=True)
        kind = trigger.validated_data["kind"]
        partitions = trigger.validated_data["partitions"]
        force = trigger.validated_data["force"]
        task_id = str(uuid.uuid4())
        failure = enqueue_recompute(kind, partitions=partitions, force=force, task_id=task_id)
        run = MiningRun.objects.filter(task_id=task_id).order_by("-pk").first()
        if failure is not None and run is None:
            raise QueueUnavailable()
        runs_url = request.build_absolute_uri(
            f"{reverse('upcross_api:run-list')}?{urlencode({'task_id': task_id})}"
        )
        data = {"task_id": task_id, "kind": kind, "partitions": partitions, "force": force,
                "run": run, "runs_url": runs_url}
        return Response(s.MiningRunTriggeredSerializer(data).data,
                        status=status.HTTP_202_ACCEPTED)


class QueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The task queue is unreachable; the recompute was not started.")
    default_code = "queue_unavailable"


@extend_schema(
    summary=str(_("One mining run (staff)")),
    responses={200: s.MiningRunSerializer, **error_responses(404, *STAFF_ERRORS)},
)
class MiningRunDetailView(StaffAPIMixin, generics.RetrieveAPIView):
    queryset = MiningRun.objects.all()
    serializer_class = s.MiningRunSerializer


# --- events ----------------------------------------------------------------------------


@extend_schema(
    summary=str(_("Record widget impressions, clicks and product views")),
    description=str(_("Anonymous, throttled. One event, or a batch of up to 20 under "
                      "\"events\" (one beacon of the tracking script; a batch counts as "
                      "one request for the throttle). Counted per day, widget, event type "
                      "and product; nothing is stored in the database yet.")),
    request=PolymorphicProxySerializer(
        component_name="EventOrBatch",
        serializers=[s.EventSerializer, s.EventBatchSerializer],
        resource_type_field_name=None,
    ),
    responses={202: s.EventAcceptedSerializer, **error_responses(400, 413, 415, 429)},
)
class EventView(UpcrossAPIMixin, generics.CreateAPIView):
    """Widget beacons. No authentication at all: a beacon carries no identity and no
    session is read, so no session-authenticated write can happen without CSRF."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (EventsRateThrottle,)
    serializer_class = s.EventSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = request.data
        if isinstance(body, dict) and "events" in body:
            return self._batch(body)
        event = self.get_serializer(data=body)
        event.is_valid(raise_exception=True)
        return Response({"counted": self._count(event.validated_data)},
                        status=status.HTTP_202_ACCEPTED)

    def _batch(self, body: dict[str, Any]) -> Response:
        """Count each valid event of a batch; an invalid one is only counted as rejected
        (one stale suggestion must not lose a page's other beacons)."""
        batch = s.EventBatchSerializer(data=body)
        batch.is_valid(raise_exception=True)
        counted = rejected = 0
        for item in batch.validated_data["events"]:
            event = self.get_serializer(data=item)
            if event.is_valid():
                counted += self._count(event.validated_data)
            else:
                rejected += 1
        return Response({"counted": counted, "rejected": rejected},
                        status=status.HTTP_202_ACCEPTED)

    @staticmethod
    def _count(data: dict[str, Any]) -> int:
        if data["event"] == "view":
            return record_view(data["products"][0], data.get("session"))
        return record_event(data["widget"], data["event"], data["products"],
                            source=data.get("source"))
