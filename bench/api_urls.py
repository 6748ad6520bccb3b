"""The demo's URLconf plus ``bench/constant/<pk>/``: the yardstick of ``bench/api.py``.

A DRF view that returns four fixed suggestions, shaped like the complements
endpoint's answer, with the same public-read settings (no authentication, anyone
may read). It goes through the same middleware and the same DRF machinery; only
the answer costs nothing. It comes first in the URLconf, so its URL resolves at
least as fast as the complements endpoint's: the comparison does not flatter upcross.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demo_shop.urls import urlpatterns as shop_patterns

FOUR = [
    {"product": {"pk": i, "name": f"Product {i}", "url": f"http://127.0.0.1/products/p-{i}/",
                 "image_url": None, "price": "100000.00"},
     "kind": "complement", "origin": "mined", "reason": "Bought together in 99 orders",
     "price_difference": None}
    for i in range(4)
]


class ConstantView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request, pk: int) -> Response:
        return Response({"product": pk, "results": FOUR})


urlpatterns: list[Any] = [
    path("bench/constant/<int:pk>/", ConstantView.as_view(), name="bench-constant"),
    *shop_patterns,
]
