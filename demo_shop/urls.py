from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/upcross/", include("upcross.api.urls")),
    path("upcross/", include("upcross.urls")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("cart/", include("demo_shop.cart.urls")),
    path("orders/", include("demo_shop.orders.urls")),
    path("", include("demo_shop.catalog.urls")),
    prefix_default_language=False,
)
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
