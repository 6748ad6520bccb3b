"""Upgrades are substitutes: evidence that B replaces A, not that B follows A."""

from __future__ import annotations

import numpy as np

from upcross.mining import (
    GUEST,
    Catalog,
    UpgradeParams,
    build_baskets,
    count_baskets,
    upgrade_rules,
)
from upcross.mining.text import TextVectors, tokens

#: code: (name, price, category)
PRODUCTS = {
    0: ("Nova X 128 GB", 100.0, 0),
    1: ("Nova X 256 GB", 125.0, 0),
    2: ("Trail Hawk Phone", 120.0, 0),
    3: ("Clear Case", 10.0, 1),
    4: ("Screen Protector", 8.0, 1),
    5: ("Noise", 5.0, 2),
}


def mine(baskets: list[tuple[list[int], int]], names: bool = True, **params: float):
    """Upgrade rows ``{(a, b): (together, lift)}`` of ``(products, customer)`` baskets."""
    order, product, customer, when = [], [], [], []
    for index, (items, who) in enumerate(baskets):
        for item in items:
            order.append(index)
            product.append(item)
            customer.append(who)
            when.append(1_000 + index)
    counts = count_baskets(build_baskets(np.asarray(order), np.asarray(product),
                                         np.asarray(customer), np.asarray(when)))
    ids = counts.product_ids.tolist()
    catalog = Catalog(
        np.asarray([PRODUCTS[p][1] for p in ids]), np.arange(len(ids)),
        np.asarray([PRODUCTS[p][2] for p in ids]),
        [PRODUCTS[p][0] for p in ids] if names else None,
    )
    rules = upgrade_rules(counts, catalog, UpgradeParams(**params))
    return {(s, t): (together, lift) for s, t, together, _sup, _conf, lift, _score
            in rules.rows()}


def substitutes() -> list[tuple[list[int], int]]:
    """Each phone bought with the same case and protector, never two phones together;
    Nova X 256 GB and Trail Hawk Phone are both pricier than Nova X 128 GB."""
    baskets = []
    for phone in (0, 1, 2):
        baskets += [([phone, 3], GUEST)] * 12 + [([phone, 4], GUEST)] * 8
    return baskets + [([3, 4], GUEST)] * 6 + [([5], GUEST)] * 30


def test_a_pricier_version_bought_instead_is_an_upgrade_with_its_evidence() -> None:
    rows = mine(substitutes())
    assert rows[(0, 1)] == (0, 0.0)  # never together: lift 0
    assert (1, 0) not in rows  # cheaper is not an upgrade


def test_a_different_product_line_is_not_an_upgrade() -> None:
    rows = mine(substitutes())
    assert (0, 2) not in rows  # same behaviour, but "Trail Hawk" is not "Nova X"
    # Without texts, the behaviour alone speaks.
    assert (0, 2) in mine(substitutes(), names=False)


def test_products_bought_together_are_not_upgrades() -> None:
    together = [([0, 1, 3], GUEST)] * 12 + [([0, 3], GUEST)] * 4 + [([1, 3], GUEST)] * 4
    assert (0, 1) not in mine(together + [([5], GUEST)] * 30)


def test_bought_later_alone_is_not_upgrade_evidence() -> None:
    # Thirty customers buy the 128 GB, and later the 256 GB, each alone: a next purchase
    # with nothing in common (no shared basket neighbourhood), not a substitute.
    later = [([0], who) for who in range(30)] + [([1], who) for who in range(30)]
    assert mine(later + [([5, 3], GUEST)] * 20) == {}


def test_thresholds_are_parameters() -> None:
    assert (0, 1) not in mine(substitutes(), min_name=0.99)
    assert (0, 1) not in mine(substitutes(), min_neighbourhood=1.01)


def test_text_similarity_of_product_lines() -> None:
    vectors = TextVectors.of(["Nova X 128 GB", "Nova X 256 GB", "Running Socks (3 pairs)",
                              "Running Cap", "Stride Runner 2", "Stride Runner 2 Pro", None])
    similarity = vectors.similarity(np.arange(7))
    assert similarity[0, 1] > 0.5 and similarity[4, 5] > 0.7
    assert similarity[2, 3] < 0.3 and similarity[0, 4] == 0.0
    assert similarity[6, 0] == 0.0 and not vectors.known()[6]
    assert tokens("USB-C Cable 1 m") == ["usb", "c", "cable", "1", "m"]
