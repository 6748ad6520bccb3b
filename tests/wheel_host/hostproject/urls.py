from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("shop/", include("shop.urls")),
    path("upcross/", include("upcross.urls")),
    path("api/upcross/", include("upcross.api.urls")),
]
