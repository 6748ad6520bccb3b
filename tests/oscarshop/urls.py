"""Oscar's own URLs, upcross's contrib include, and two pages that show the snippets the
contrib app ships for Oscar's product and basket templates."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.shortcuts import get_object_or_404, render
from django.urls import include, path


def product_page(request, pk):
    from oscar.core.loading import get_model

    product = get_object_or_404(get_model("catalogue", "Product"), pk=pk)
    return render(request, "oscarshop/product.html", {"product": product})


def basket_page(request):
    return render(request, "oscarshop/basket.html", {})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("upcross/", include("upcross.contrib.oscar.urls")),
    path("api/upcross/", include("upcross.api.urls")),
    path("widgets/product/<int:pk>/", product_page, name="widgets-product"),
    path("widgets/basket/", basket_page, name="widgets-basket"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
