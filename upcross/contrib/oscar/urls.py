"""``path("upcross/", include("upcross.contrib.oscar.urls"))``: the basket-line swap, and
upcross's own URLs (the follow-up e-mail's unsubscribe link) under the same prefix."""

from __future__ import annotations

from django.urls import include, path

from upcross.contrib.oscar import views

app_name = "upcross_oscar"
urlpatterns = [
    path("basket/swap/", views.swap, name="swap"),
    path("", include("upcross.urls")),
]
