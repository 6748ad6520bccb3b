""""For you" against planted tastes: does a visitor who viewed 3 products of a taste
get that taste's other products?

    .venv/bin/python bench/for_you.py [--visitors 1000] [--seed 7]

Builds a throwaway demo shop (SQLite in a temporary directory, local-memory cache) with
planted **tastes**: disjoint groups of ``--group-size`` products spread over the
categories. Each customer has one taste; each order takes 2 to 5 products of it, and a
share (``--noise``, 0.5) of the orders 1 to 3 products of the whole catalogue drawn by
popularity (Zipf: noise that makes the best sellers the wrong answer). Then it runs the
real complements recompute (``upcross.recompute.recompute``) and asks
``showcases.showcase("for_you", 4)`` for ``--visitors`` simulated visitors, each of whom
viewed 3 random products of a random taste. A visitor is served when at least 2 of the
top 4 are other products of that taste.
Prints one JSON line: the share served, the mean taste products in the top 4, the same
for the best sellers (what a new visitor gets), and the milliseconds per cold call.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import time
from decimal import Decimal

import throwaway


def build_shop(args: argparse.Namespace, rng: random.Random) -> list[list[int]]:
    """The catalogue, customers and orders; returns the tastes (product pks)."""
    from django.contrib.auth import get_user_model

    from demo_shop.catalog.models import Category, Product
    from demo_shop.orders.models import Order, OrderLine

    categories = [Category.objects.create(name=f"Category {i}", slug=f"category-{i}")
                  for i in range(args.categories)]
    products = Product.objects.bulk_create([
        Product(category=categories[i % len(categories)], name=f"Product {i}",
                slug=f"product-{i}", sku=f"P{i}", price=Decimal(10_000 + 1_000 * (i % 50)),
                stock=100)
        for i in range(args.products)])
    pks = [p.pk for p in products]
    shuffled = pks[:]
    rng.shuffle(shuffled)
    tastes = [shuffled[i * args.group_size:(i + 1) * args.group_size]
              for i in range(args.groups)]
    popular_weights = [1.0 / (rank + 1) for rank in range(len(pks))]
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=f"shopper{i}") for i in range(args.customers)])
    taste_of = {user.pk: rng.randrange(len(tastes)) for user in users}
    now = datetime.datetime.now(datetime.UTC)
    orders, baskets = [], []
    for _ in range(args.orders):
        user = rng.choice(users)
        taste = tastes[taste_of[user.pk]]
        basket = set(rng.sample(taste, rng.randint(2, 5)))
        if rng.random() < args.noise:
            basket |= set(rng.choices(pks, weights=popular_weights, k=rng.randint(1, 3)))
        orders.append(Order(customer=user, status="paid",
                            created_at=now - datetime.timedelta(days=rng.uniform(0, 50))))
        baskets.append(basket)
    orders = Order.objects.bulk_create(orders)
    price = {p.pk: p.price for p in products}
    OrderLine.objects.bulk_create([
        OrderLine(order=order, product_id=pk, quantity=1, unit_price=price[pk])
        for order, basket in zip(orders, baskets, strict=True) for pk in basket])
    return tastes


def simulate(args: argparse.Namespace, tastes: list[list[int]],
             rng: random.Random) -> dict[str, float]:
    from upcross import cache
    from upcross.showcases import make_visitor, showcase

    served = hits_total = best_hits = 0
    seconds = 0.0
    best = [r.product.pk for r in showcase("best_sellers", 4)]
    for _ in range(args.visitors):
        taste = rng.choice(tastes)
        viewed = rng.sample(taste, 3)
        others = set(taste) - set(viewed)
        cache.clear()  # every visitor cold: the figure is the uncached cost
        start = time.perf_counter()
        top = [r.product.pk for r in showcase("for_you", 4, visitor=make_visitor(viewed=viewed))]
        seconds += time.perf_counter() - start
        hits = len(others.intersection(top))
        hits_total += hits
        served += hits >= 2
        best_hits += len(others.intersection(best))
    n = args.visitors
    return {"visitors": n, "served_share": round(served / n, 4),
            "mean_taste_in_top4": round(hits_total / n, 3),
            "best_sellers_mean_taste_in_top4": round(best_hits / n, 3),
            "cold_ms_per_call": round(1000 * seconds / n, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--categories", type=int, default=10)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--orders", type=int, default=6000)
    parser.add_argument("--noise", type=float, default=0.5,
                        help="share of orders with 1 to 3 popular products of any taste")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.groups * args.group_size > args.products:
        parser.error("--groups x --group-size must not exceed --products")
    throwaway.demo_shop("upcross-bench-")
    rng = random.Random(args.seed)
    tastes = build_shop(args, rng)
    from upcross.recompute import recompute

    run = recompute("complements")
    result = {"seed": args.seed, "orders": args.orders, "noise": args.noise,
              "products": args.products,
              "tastes": args.groups, "taste_size": args.group_size,
              "mined_relations": run.relations_created + run.relations_updated,
              **simulate(args, tastes, rng), "load": os.getloadavg()[0]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
