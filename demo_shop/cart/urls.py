from django.urls import path

from demo_shop.cart import views

app_name = "cart"
urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.add, name="add"),
    path("add-many/", views.add_many, name="add_many"),
    path("update/", views.update, name="update"),
    path("remove/", views.remove, name="remove"),
    path("swap/", views.swap, name="swap"),
]
