"""Counting: order lines → item and pair counts, in compact numpy arrays.

An order is a basket of *distinct* products. The only pass over the data turns
``(order, product)`` lines into

- ``item_count[p]``: orders that contain product ``p``;
- ``pair_count[k]``: orders that contain both products of the unordered pair
  ``k = a * P + b`` (``a < b``, product codes, ``P`` products);
- per ``(customer, product)`` the first and last time the customer bought it
  (identified customers only; upgrades use it for "bought A, later B").

Everything is additive, so counts of disjoint order ranges (partitions) merge
into exactly the counts of the whole (:func:`merge_counts`). Recency weights are
held as fixed-point integers (``WEIGHT_SCALE``) for the same reason: integer
sums do not depend on the order of addition, floating-point sums do.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

#: One full weight (an order placed "now") in fixed point: 2**20 ≈ 1e-6 resolution.
WEIGHT_SCALE = 1 << 20
SECONDS_PER_DAY = 86_400
#: Sentinel for "no customer" (guest order) in raw customer key arrays of integers.
GUEST = np.iinfo(np.int64).min


@dataclass
class Baskets:
    """Deduplicated order lines as dense codes, sorted by (order, product)."""

    order: np.ndarray  # int64 order code per line (0..n_orders-1), ascending
    product: np.ndarray  # int32 product code per line
    product_ids: np.ndarray  # raw product key per product code, ascending
    order_time: np.ndarray  # int64 epoch seconds per order code
    order_customer: np.ndarray  # int64 customer code per order, -1 for guests
    customer_ids: np.ndarray  # raw customer key per customer code, ascending
    lines: int  # order lines read (before de-duplication)

    @property
    def n_orders(self) -> int:
        return len(self.order_time)


def _encode(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the dense code of each key.

    Integer keys in a compact range (database ids usually are) use a lookup
    table, O(n); anything else sorts.
    """
    if keys.dtype.kind in "iu" and len(keys):
        low, high = int(keys.min()), int(keys.max())
        if high - low <= 4 * len(keys) + 1_000_000:
            present = np.zeros(high - low + 1, dtype=bool)
            offset = keys - low
            present[offset] = True
            code_of = np.cumsum(present, dtype=np.int64) - 1
            return np.flatnonzero(present).astype(keys.dtype) + low, code_of[offset]
    ids, codes = np.unique(keys, return_inverse=True)
    return ids, codes.reshape(-1)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-d array by sorting (faster than hashing for big int64 arrays)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def sorted_member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` are in ``sorted_keys`` (sorted, unique)."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    found: np.ndarray = sorted_keys[pos] == values
    return found


def build_baskets(
    order_keys: np.ndarray,
    product_keys: np.ndarray,
    customer_keys: np.ndarray | None = None,
    times: np.ndarray | None = None,
    product_parent: dict[Any, Any] | None = None,
) -> Baskets:
    """Encode raw line arrays into :class:`Baskets`.

    ``customer_keys`` uses ``GUEST`` (integer arrays) or ``None`` (object arrays)
    for guest orders. ``product_parent`` folds variants into their parent.
    ``times`` are epoch seconds of the order (0 when unknown).
    """
    n_lines = len(order_keys)
    product_keys = np.asarray(product_keys)
    if product_parent:
        mapped = [product_parent.get(key, key) for key in product_keys.tolist()]
        product_keys = np.asarray(mapped, dtype=product_keys.dtype)
    order_ids, order_code = _encode(np.asarray(order_keys))
    product_ids, product_code = _encode(product_keys)
    n_products = max(len(product_ids), 1)
    line_key = order_code.astype(np.int64) * n_products + product_code
    unique_key = sorted_unique(line_key)
    n_orders = len(order_ids)

    order_time = np.zeros(n_orders, dtype=np.int64)
    if times is not None and n_lines:
        order_time[order_code] = np.asarray(times, dtype=np.int64)
    order_customer = np.full(n_orders, -1, dtype=np.int64)
    customer_ids = np.empty(0, dtype=np.int64)
    if customer_keys is not None and n_lines:
        customer_keys = np.asarray(customer_keys)
        if customer_keys.dtype == object:
            known = np.fromiter((key is not None for key in customer_keys), bool, n_lines)
        else:
            known = customer_keys != GUEST
        if known.any():
            customer_ids, codes = _encode(customer_keys[known])
            order_customer[order_code[known]] = codes
    return Baskets(
        order=unique_key // n_products,
        product=(unique_key % n_products).astype(np.int32),
        product_ids=product_ids,
        order_time=order_time,
        order_customer=order_customer,
        customer_ids=customer_ids,
        lines=n_lines,
    )


def recency_weights(order_time: np.ndarray, now: float, half_life_days: float) -> np.ndarray:
    """Fixed-point weight ``0.5 ** (age / half_life)`` per order (future orders weigh 1)."""
    age_days = np.maximum(now - order_time, 0) / SECONDS_PER_DAY
    weights: np.ndarray = np.rint(WEIGHT_SCALE * np.exp2(-age_days / half_life_days))
    return weights.astype(np.int64)


@dataclass
class CoCounts:
    """Additive co-occurrence counts of a set of orders (see the module docstring).

    ``*_weight`` arrays are ``None`` when no recency weighting is used: the
    weighted figures are then the plain counts.
    """

    product_ids: np.ndarray
    item_count: np.ndarray  # int64 per product code
    pair_key: np.ndarray  # int64 a * P + b, a < b, ascending
    pair_count: np.ndarray  # int64 per pair
    n_orders: int
    lines: int
    # Customer histories, one row per (customer, product), sorted by customer.
    customer_ids: np.ndarray
    hist_customer: np.ndarray  # int64 customer code
    hist_product: np.ndarray  # int64 product code
    hist_first: np.ndarray  # int64 epoch seconds
    hist_last: np.ndarray  # int64 epoch seconds
    item_weight: np.ndarray | None = None
    pair_weight: np.ndarray | None = None
    total_weight: int | None = None

    @property
    def n_products(self) -> int:
        return len(self.product_ids)

    @property
    def weighted(self) -> bool:
        return self.pair_weight is not None

    def pair_codes(self) -> tuple[np.ndarray, np.ndarray]:
        n = max(self.n_products, 1)
        return self.pair_key // n, self.pair_key % n

    # --- transport between processes (Celery partition results) -------------------

    def to_bytes(self) -> bytes:
        """Serialise to ``.npz`` bytes (no pickle: raw keys travel as strings if needed)."""
        arrays = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, np.ndarray) and value.dtype == object:
                value = value.astype(str)
            arrays[item.name] = _narrow(np.asarray(value))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # stubs: names as **kwargs
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> CoCounts:
        with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
            # Integers travel narrowed (:func:`_narrow`); they are int64 again here.
            values = {name: loaded[name].astype(np.int64) if loaded[name].dtype.kind in "iu"
                      else loaded[name] for name in loaded.files}
        for name in ("n_orders", "lines", "total_weight"):
            if name in values:
                values[name] = int(values[name])
        return cls(**values)


def _narrow(values: np.ndarray) -> np.ndarray:
    """An int64 array as 32 bits when its values fit: partition counts cross the result
    backend at about half the size (pair keys and counts are mostly small)."""
    if values.dtype != np.int64 or values.ndim != 1 or not len(values):
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int32, np.uint32):
        limits = np.iinfo(dtype)
        if limits.min <= low and high <= limits.max:
            return values.astype(dtype)
    return values


def _sum_by_key(keys: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Unique sorted keys and the integer sums of each value array per key."""
    if len(keys) == 0:
        return (keys.astype(np.int64), *(v.astype(np.int64) for v in values))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sums = tuple(np.add.reduceat(v[order].astype(np.int64), starts) for v in values)
    return (sorted_keys[starts], *sums)


def _basket_pairs(
    order: np.ndarray, product: np.ndarray, n_products: int, owners: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """All unordered pair keys of every basket, and (``owners``) the order code of each pair.

    Baskets are grouped by size ``s`` so each group is one ``(n, s)`` matrix and
    its pairs are two fancy-indexing operations (upper triangle, ``i < j``). Keys are
    ``uint32`` when every key fits (up to 65,535 products): half the memory, and
    sorting them is about twice as fast.
    """
    dtype = np.uint32 if n_products * n_products <= np.iinfo(np.uint32).max + 1 \
        else np.int64
    if len(order) == 0:
        return np.empty(0, dtype), np.empty(0, np.int64) if owners else None
    starts = np.flatnonzero(np.r_[True, order[1:] != order[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keys, owner = [], []
    product_keys = product.astype(dtype)
    for size in np.unique(sizes):
        if size < 2:
            continue
        group_starts = starts[sizes == size]
        first, second = np.triu_indices(int(size), 1)
        # Process big groups in slices so the (n, s*(s-1)/2) matrices stay small.
        step = max(1, 4_000_000 // len(first))
        for lo in range(0, len(group_starts), step):
            rows = group_starts[lo : lo + step]
            matrix = product_keys[rows[:, None] + np.arange(size)]
            keys.append((matrix[:, first] * dtype(n_products) + matrix[:, second]).ravel())
            if owners:
                owner.append(np.repeat(order[rows], len(first)))
    if not keys:
        return np.empty(0, dtype), np.empty(0, np.int64) if owners else None
    return np.concatenate(keys), np.concatenate(owner) if owners else None


def count_baskets(
    baskets: Baskets, now: float | None = None, half_life_days: float | None = None
) -> CoCounts:
    """Item counts, pair counts and customer histories of ``baskets``."""
    n_products = len(baskets.product_ids)
    item_count = np.bincount(baskets.product, minlength=n_products).astype(np.int64)
    pair_keys, pair_order = _basket_pairs(baskets.order, baskets.product, max(n_products, 1))

    weights = None
    item_weight: np.ndarray | None = None
    pair_weight: np.ndarray | None = None
    total_weight: int | None = None
    if half_life_days:
        weights = recency_weights(baskets.order_time, float(now or 0), half_life_days)
        pair_key, pair_count, pair_weight = _sum_by_key(
            pair_keys, np.ones(len(pair_keys), np.int64), weights[pair_order]
        )
        item_weight = np.zeros(n_products, np.int64)
        np.add.at(item_weight, baskets.product, weights[baskets.order])
        total_weight = int(weights.sum())
    else:
        pair_keys.sort()
        if len(pair_keys):
            starts = np.flatnonzero(np.r_[True, pair_keys[1:] != pair_keys[:-1]])
            pair_key = pair_keys[starts]
            pair_count = np.diff(np.r_[starts, len(pair_keys)]).astype(np.int64)
        else:
            pair_key, pair_count = pair_keys, np.empty(0, np.int64)
    del pair_keys, pair_order

    # Customer histories: first and last purchase time per (customer, product).
    if len(baskets.customer_ids):
        line_customer = baskets.order_customer[baskets.order]
        known = line_customer >= 0
        hist_key = line_customer[known] * max(n_products, 1) + baskets.product[known]
        hist_time = baskets.order_time[baskets.order[known]]
    else:  # no customers given: no histories
        hist_key = hist_time = np.empty(0, np.int64)
    if len(hist_key):
        order = np.argsort(hist_key)
        sorted_key = hist_key[order]
        sorted_time = hist_time[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        unique_key = sorted_key[starts]
        first = np.minimum.reduceat(sorted_time, starts)
        last = np.maximum.reduceat(sorted_time, starts)
    else:
        unique_key = first = last = np.empty(0, np.int64)
    return CoCounts(
        product_ids=baskets.product_ids,
        item_count=item_count,
        pair_key=pair_key.astype(np.int64),
        pair_count=pair_count,
        n_orders=baskets.n_orders,
        lines=baskets.lines,
        customer_ids=baskets.customer_ids,
        hist_customer=unique_key // max(n_products, 1),
        hist_product=unique_key % max(n_products, 1),
        hist_first=first,
        hist_last=last,
        item_weight=item_weight,
        pair_weight=pair_weight,
        total_weight=total_weight,
    )


def _union(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted union of key arrays and, per array, the position of each key in it."""
    non_empty = [a for a in arrays if len(a)]
    union = np.unique(np.concatenate(non_empty)) if non_empty else np.empty(0, np.int64)
    return union, [np.searchsorted(union, a).astype(np.int64) for a in arrays]


def merge_counts(parts: Sequence[CoCounts]) -> CoCounts:
    """Exact counts of the union of disjoint order sets (partitions)."""
    if len(parts) == 1:
        return parts[0]
    product_ids, product_maps = _union([p.product_ids for p in parts])
    customer_ids, customer_maps = _union([p.customer_ids for p in parts])
    n_products = max(len(product_ids), 1)
    weighted = all(p.weighted for p in parts)

    item_count = np.zeros(len(product_ids), np.int64)
    item_weight = np.zeros(len(product_ids), np.int64) if weighted else None
    pair_keys: list[np.ndarray] = []
    pair_counts: list[np.ndarray] = []
    pair_weights: list[np.ndarray] = []
    hist_keys: list[np.ndarray] = []
    hist_firsts: list[np.ndarray] = []
    hist_lasts: list[np.ndarray] = []
    for part, pmap, cmap in zip(parts, product_maps, customer_maps, strict=True):
        item_count[pmap] += part.item_count
        if item_weight is not None and part.item_weight is not None:
            item_weight[pmap] += part.item_weight
        a, b = part.pair_codes()
        pair_keys.append(pmap[a] * n_products + pmap[b])  # the map keeps a < b
        pair_counts.append(part.pair_count)
        if part.pair_weight is not None:
            pair_weights.append(part.pair_weight)
        hist_keys.append(cmap[part.hist_customer] * n_products + pmap[part.hist_product])
        hist_firsts.append(part.hist_first)
        hist_lasts.append(part.hist_last)

    all_keys = np.concatenate(pair_keys)
    if weighted:
        pair_key, pair_count, pair_weight = _sum_by_key(
            all_keys, np.concatenate(pair_counts), np.concatenate(pair_weights)
        )
    else:
        pair_key, pair_count = _sum_by_key(all_keys, np.concatenate(pair_counts))
        pair_weight = None

    hist_key = np.concatenate(hist_keys)
    firsts, lasts = np.concatenate(hist_firsts), np.concatenate(hist_lasts)
    if len(hist_key):
        order = np.argsort(hist_key, kind="stable")
        hist_key, firsts, lasts = hist_key[order], firsts[order], lasts[order]
        starts = np.flatnonzero(np.r_[True, hist_key[1:] != hist_key[:-1]])
        firsts = np.minimum.reduceat(firsts, starts)
        lasts = np.maximum.reduceat(lasts, starts)
        hist_key = hist_key[starts]
    return CoCounts(
        product_ids=product_ids,
        item_count=item_count,
        pair_key=pair_key,
        pair_count=pair_count,
        n_orders=sum(p.n_orders for p in parts),
        lines=sum(p.lines for p in parts),
        customer_ids=customer_ids,
        hist_customer=hist_key // n_products,
        hist_product=hist_key % n_products,
        hist_first=firsts,
        hist_last=lasts,
        item_weight=item_weight,
        pair_weight=pair_weight,
        total_weight=sum(p.total_weight or 0 for p in parts) if weighted else None,
    )
