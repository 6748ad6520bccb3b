"""``path("upcross/", include("upcross.urls"))``: the follow-up e-mail's unsubscribe link."""

from __future__ import annotations

from django.urls import path

from upcross import views

app_name = "upcross"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
