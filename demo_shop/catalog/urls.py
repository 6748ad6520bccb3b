from django.urls import path

from demo_shop.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("c/<slug:slug>/", views.product_list, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("img/<int:pk>.svg", views.placeholder, name="placeholder"),
]
