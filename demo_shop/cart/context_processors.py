from django.http import HttpRequest

from demo_shop.cart.cart import Cart


def cart(request: HttpRequest) -> dict:
    return {"cart": Cart(request.session)} if hasattr(request, "session") else {}
