"""``path("api/upcross/", include("upcross.api.urls"))``: namespace ``upcross_api``."""

from __future__ import annotations

from django.urls import path, re_path

from upcross.api import views
from upcross.api.exceptions import unknown_endpoint
from upcross.api.schema import UpcrossSchemaView

app_name = "upcross_api"

#: The endpoints the OpenAPI schema describes.
api_patterns = [
    path("products/<str:pk>/complements/", views.ProductComplementsView.as_view(),
         name="product-complements"),
    path("products/<str:pk>/upgrades/", views.ProductUpgradesView.as_view(),
         name="product-upgrades"),
    path("cart/complements/", views.CartComplementsView.as_view(), name="cart-complements"),
    path("cart/upgrades/", views.CartUpgradesView.as_view(), name="cart-upgrades"),
    path("showcases/<str:name>/", views.ShowcaseView.as_view(), name="showcase"),
    path("relations/", views.RelationListView.as_view(), name="relation-list"),
    path("relations/<int:pk>/", views.RelationDetailView.as_view(), name="relation-detail"),
    path("runs/", views.MiningRunListView.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.MiningRunDetailView.as_view(), name="run-detail"),
    path("events/", views.EventView.as_view(), name="events"),
]

urlpatterns = [
    *api_patterns,
    path(UpcrossSchemaView.schema_route, UpcrossSchemaView.as_view(api_patterns=api_patterns),
         name="schema"),
    # Anything else under the API's prefix: a JSON 404, not the host's HTML page.
    re_path(r"^", unknown_endpoint, name="unknown"),
]
