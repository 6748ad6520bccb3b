""""For you" against planted tastes, end to end: orders → the real recompute → the
showcase (bench/for_you.py measures the same on 1,000 visitors)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests import factories as f
from upcross import cache
from upcross import recompute as recomputing
from upcross.showcases import make_visitor, showcase

pytestmark = pytest.mark.django_db

TASTES, TASTE_SIZE, ORDERS, VISITORS = 6, 7, 240, 60


def planted_shop(rng: random.Random) -> list[list[Any]]:
    categories = [f.category(f"Category {i}") for i in range(4)]
    products = [f.product(f"Product {i}", 10 + i, in_category=categories[i % 4])
                for i in range(TASTES * TASTE_SIZE + 6)]
    shuffled = products[:]
    rng.shuffle(shuffled)
    tastes = [shuffled[i * TASTE_SIZE:(i + 1) * TASTE_SIZE] for i in range(TASTES)]
    popular = products[-6:]  # bought with every taste: the best sellers, not a taste
    buyers = [f.customer() for _ in range(30)]
    taste_of = {buyer.pk: rng.randrange(TASTES) for buyer in buyers}
    for _ in range(ORDERS):
        buyer = rng.choice(buyers)
        basket = set(rng.sample(tastes[taste_of[buyer.pk]], rng.randint(2, 4)))
        if rng.random() < 0.7:
            basket.add(rng.choice(popular))
        f.order(sorted(basket, key=lambda p: str(p.pk)), buyer=buyer)
    return tastes


def test_a_visitor_who_viewed_three_of_a_taste_gets_two_more_of_it_in_the_top_4() -> None:
    rng = random.Random(3)
    tastes = planted_shop(rng)
    recomputing.recompute("complements")
    cache.clear()
    served = best_hits = 0
    best = {r.product.pk for r in showcase("best_sellers", 4)}
    for _ in range(VISITORS):
        taste = rng.choice(tastes)
        viewed = rng.sample(taste, 3)
        others = {p.pk for p in taste} - {p.pk for p in viewed}
        top = [r.product.pk for r in showcase("for_you", 4, visitor=make_visitor(viewed=viewed))]
        assert not {p.pk for p in viewed} & set(top)
        served += len(others.intersection(top)) >= 2
        best_hits += len(others & best) >= 2
    assert served / VISITORS >= 0.95
    assert best_hits / VISITORS < 0.2  # the best sellers alone would not serve them
