"""Catalog pages: the product grid (all or one category), a product page, placeholders."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape

from demo_shop.cart.cart import Cart
from demo_shop.catalog.models import Category, Product
from upcross.showcases import recent_product_ids

PRODUCTS_PER_PAGE = 24


def product_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    # Cheapest first within a category: storage tiers line up from small to large.
    products = (Product.objects.filter(is_active=True).select_related("category")
                .order_by("category__position", "category__name", "price", "name"))
    category = None
    if slug:
        category = get_object_or_404(Category, slug=slug)
        products = products.filter(category=category)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    home = category is None and page.number == 1
    cart_lines = Cart(request.session).lines if home else []
    return render(request, "catalog/product_list.html", {
        "products": page.object_list, "page_obj": page, "category": category,
        # The home page's showcases: "For you" once the visitor has a history here.
        "home": home, "cart_lines": cart_lines,
        "returning": home and bool(request.user.is_authenticated or cart_lines
                                   or recent_product_ids(request)),
    })


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug,
                                is_active=True)
    return render(request, "catalog/product_detail.html", {"product": product})


def _initials(name: str) -> str:
    """Up to two capitals from words that start with a letter ("Nova X 64 GB" → "NX")."""
    words = [word for word in name.split() if word[0].isalpha()]
    return "".join(word[0] for word in words[:2]).upper() or name[:2].upper()


def placeholder(request: HttpRequest, pk: int) -> HttpResponse:
    """A generated picture for products without an image (no external service)."""
    product = get_object_or_404(Product, pk=pk)
    initials = escape(_initials(product.name))
    color = escape(product.color)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">'
        f'<rect width="400" height="300" fill="{color}"/>'
        '<circle cx="330" cy="40" r="120" fill="#fff" fill-opacity=".08"/>'
        '<circle cx="60" cy="280" r="90" fill="#000" fill-opacity=".07"/>'
        '<text x="200" y="178" font-family="system-ui, sans-serif" font-size="80" '
        'font-weight="700" letter-spacing="4" fill="#fff" fill-opacity=".92" '
        f'text-anchor="middle">{initials}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
