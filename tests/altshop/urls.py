"""URLs of the altshop. ``basket:add`` takes the item pk in its path."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

from tests.altshop import views

basket_patterns = (
    [
        path("", views.basket_detail, name="detail"),
        path("add/", views.basket_add_posted, name="add_posted"),
        path("add/<uuid:pk>/", views.basket_add, name="add"),
        path("swap/", views.basket_swap, name="swap"),
        # Numeric ids of the shop's old platform: never a valid ADD_TO_CART_URL here
        # (items have UUIDs), which upcross.E009 must notice.
        path("legacy/<int:number>/", views.basket_legacy, name="legacy"),
    ],
    "basket",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("basket/", include(basket_patterns)),
    path("items/<slug:slug>/", views.item_detail, name="item_detail"),
    path("", views.item_list, name="item_list"),
]

# upcross's API is mounted the way the README tells hosts to, once the package ships it.
try:
    _has_api = find_spec("upcross.api.urls") is not None
except ModuleNotFoundError:
    _has_api = False
if _has_api:
    urlpatterns.append(path("api/upcross/", include("upcross.api.urls")))
