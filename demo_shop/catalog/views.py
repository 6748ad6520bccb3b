from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape

from demo_shop.catalog.models import Category, Product


def product_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    products = Product.objects.filter(is_active=True).select_related("category")
    category = None
    if slug:
        category = get_object_or_404(Category, slug=slug)
        products = products.filter(category=category)
    return render(request, "catalog/product_list.html", {
        "products": products, "category": category, "categories": Category.objects.all(),
    })


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug,
                                is_active=True)
    return render(request, "catalog/product_detail.html", {"product": product})


def placeholder(request: HttpRequest, pk: int) -> HttpResponse:
    """A generated picture for products without an image (no external service)."""
    product = get_object_or_404(Product, pk=pk)
    initials = escape("".join(word[0] for word in product.name.split()[:2]).upper())
    color = escape(product.color)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">'
        f'<rect width="400" height="300" fill="{color}"/>'
        '<text x="200" y="175" font-family="sans-serif" font-size="72" fill="#fff" '
        f'text-anchor="middle">{initials}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
