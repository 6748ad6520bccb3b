from django.urls import path

from demo_shop.orders import views

app_name = "orders"
urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("<int:pk>/thanks/", views.thanks, name="thanks"),
]
