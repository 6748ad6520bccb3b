from django.http import HttpResponse
from django.urls import path

app_name = "shop"


def add(request):
    return HttpResponse("added")


urlpatterns = [path("cart/add/", add, name="add")]
