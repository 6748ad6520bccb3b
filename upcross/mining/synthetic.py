"""Synthetic orders with planted structure, for tests and ``bench/mining.py``.

Realistic enough to exercise everything mining claims to find:

- popularity skew (Zipf-like product weights) and 1 to 30 products per order;
- planted **complement groups**: disjoint triples of products from different
  categories; an order that "takes" a group contains its anchor and, each with
  probability 0.8, its two partners;
- planted **upgrade paths**: within a category, A and a 10 to 50 % pricier B; a
  customer buys A with an accessory X, and later B with the same X, never A and
  B together (substitutes: same context, not together);
- repeat customers (Zipf-like) and guest orders (no customer);
- timestamps spread over a year before ``now``.

Pure numpy and seeded: the same arguments give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

YEAR = 365 * 86_400


@dataclass
class SyntheticShop:
    """Product facts and order lines; product ids are ``0..n_products-1``."""

    price: np.ndarray  # float64 per product
    category: np.ndarray  # int64 per product
    order: np.ndarray  # int64 order id per line
    product: np.ndarray  # int64 product id per line
    customer: np.ndarray  # int64 customer id per line, -1 for guests
    time: np.ndarray  # int64 epoch seconds per line (the order's time)
    complement_groups: np.ndarray  # (groups, 3) product ids
    upgrade_paths: np.ndarray  # (paths, 3): A, B (pricier substitute), shared accessory X

    @property
    def n_orders(self) -> int:
        return int(self.order.max()) + 1 if len(self.order) else 0

    def planted_complements(self) -> set[tuple[int, int]]:
        """Directional pairs inside each complement group."""
        pairs = set()
        for group in self.complement_groups.tolist():
            for a in group:
                for b in group:
                    if a != b:
                        pairs.add((a, b))
        return pairs

    def planted_upgrades(self) -> set[tuple[int, int]]:
        return {(a, b) for a, b, _x in self.upgrade_paths.tolist()}


def generate(
    n_orders: int,
    n_products: int = 2_000,
    *,
    n_customers: int | None = None,
    category_size: int = 50,
    group_share: float = 0.3,
    path_share: float = 0.05,
    guest_share: float = 0.3,
    now: int = 1_767_225_600,  # 2026-01-01
    seed: int = 7,
) -> SyntheticShop:
    """About ``n_orders`` orders (upgrade paths add a few) with ~3 lines each."""
    rng = np.random.default_rng(seed)
    n_customers = n_customers or max(n_orders // 5, 10)
    n_categories = max(n_products // category_size, 1)
    category = rng.permutation(np.arange(n_products) % n_categories).astype(np.int64)
    price = np.round(np.exp(rng.normal(3.5, 0.8, n_products)), 2)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9
    popularity = popularity[rng.permutation(n_products)]
    popularity /= popularity.sum()

    # Disjoint structure: groups and paths use different products.
    pool = rng.permutation(n_products)
    n_groups = max(n_products // 12, 1)
    groups = pool[: n_groups * 3].reshape(n_groups, 3)
    n_paths = max(n_products // 40, 1)
    rest = pool[n_groups * 3 :]
    paths = _upgrade_paths(rng, rest, category, price, n_paths)

    # Background orders.
    sizes = np.minimum(1 + rng.poisson(1.2, n_orders), 30)
    order = np.repeat(np.arange(n_orders), sizes)
    product = rng.choice(n_products, size=len(order), p=popularity)
    # Complement groups.
    takers = np.flatnonzero(rng.random(n_orders) < group_share)
    chosen = groups[rng.integers(0, n_groups, len(takers))]
    keep = np.ones_like(chosen, dtype=bool)
    keep[:, 1:] = rng.random((len(takers), 2)) < 0.8
    group_order = np.repeat(takers, keep.sum(axis=1))
    group_product = chosen[keep]
    # Customers and times per background order.
    customer_of = _customers(rng, n_orders, n_customers, guest_share)
    time_of = now - rng.integers(0, YEAR, n_orders)

    # Upgrade paths: pairs of orders (A+X, later B+X) by identified customers.
    n_path_orders = max(int(n_orders * path_share) // 2, len(paths))
    path_index = rng.integers(0, len(paths), n_path_orders)
    buyer = rng.integers(0, n_customers, n_path_orders)
    first = n_orders + 2 * np.arange(n_path_orders)
    t1 = now - rng.integers(YEAR // 2, YEAR, n_path_orders)
    t2 = t1 + rng.integers(86_400, YEAR // 2, n_path_orders)
    a, b, x = paths[path_index].T
    path_order = np.concatenate([first, first, first + 1, first + 1])
    path_product = np.concatenate([a, x, b, x])
    customer_of = np.concatenate([customer_of, np.repeat(buyer, 2)])
    time_of = np.concatenate([time_of, np.column_stack([t1, t2]).ravel()])

    order = np.concatenate([order, group_order, path_order])
    product = np.concatenate([product, group_product, path_product])
    sort = np.argsort(order, kind="stable")
    order, product = order[sort], product[sort]
    return SyntheticShop(
        price=price, category=category, order=order.astype(np.int64),
        product=product.astype(np.int64), customer=customer_of[order],
        time=time_of[order].astype(np.int64), complement_groups=groups, upgrade_paths=paths,
    )


def _customers(rng: np.random.Generator, n: int, n_customers: int,
               guest_share: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n_customers + 1) ** 0.7
    weights /= weights.sum()
    customer = rng.choice(n_customers, size=n, p=weights)
    customer[rng.random(n) < guest_share] = -1
    return customer.astype(np.int64)


def _upgrade_paths(rng: np.random.Generator, candidates: np.ndarray, category: np.ndarray,
                   price: np.ndarray, n_paths: int) -> np.ndarray:
    """(A, B, X): B in A's category at 10 to 50 % above A's price (prices are adjusted)."""
    paths: list[tuple[int, int, int]] = []
    used: set[int] = set()
    by_category: dict[int, list[int]] = {}
    for p in candidates.tolist():
        by_category.setdefault(int(category[p]), []).append(p)
    accessories = [p for p in candidates.tolist()]
    rng.shuffle(accessories)
    for members in by_category.values():
        for i in range(0, len(members) - 1, 2):
            if len(paths) >= n_paths:
                break
            a, b = members[i], members[i + 1]
            price[b] = round(price[a] * rng.uniform(1.1, 1.5), 2)
            paths.append((a, b, -1))
            used.update((a, b))
    free = [p for p in accessories if p not in used]
    out = np.array([(a, b, free[i]) for i, (a, b, _x) in enumerate(paths)], dtype=np.int64)
    return out.reshape(-1, 3)
