"""Co-views: products viewed in the same browsing sessions, as substitute evidence.

Shoppers compare what they might buy *instead*: the 128 GB and the 256 GB phone are
viewed in one session and then one of them is bought. The tracking script counts,
per day, the sessions in which two products were both viewed; the recompute sums
them over the look-back window into :class:`CoViews`, aligned with the product codes
of :class:`~upcross.mining.counting.CoCounts`.

The similarity of A and B is ``sessions(A, B) / sqrt(views(A) * views(B))``: the
cosine of their session sets when each view is its own session, lower when a product
is viewed several times in one session (a conservative estimate). Pairs seen in
fewer than :data:`MIN_SESSIONS` sessions count 0: two views by one curious visitor
are no evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Fewest sessions that make a co-view count as evidence.
MIN_SESSIONS = 3


@dataclass(frozen=True)
class CoViews:
    """Views per product code and sessions per unordered pair of codes (sorted keys
    ``min * n + max``)."""

    n_products: int
    views: np.ndarray
    pair_key: np.ndarray
    sessions: np.ndarray

    @classmethod
    def empty(cls, n_products: int) -> CoViews:
        return cls(n_products, np.zeros(n_products, np.int64), np.empty(0, np.int64),
                   np.empty(0, np.int64))

    @classmethod
    def of(cls, code_of: Mapping[Any, int], views: Iterable[tuple[Any, int]],
           pairs: Iterable[tuple[Any, Any, int]]) -> CoViews:
        """From ``(product, views)`` and ``(product, other, sessions)`` rows (either or both
        directions of a pair; a pair's count is the larger direction's), keeping the
        products ``code_of`` knows."""
        n = len(code_of)
        view_count = np.zeros(n, np.int64)
        for product, count in views:
            code = code_of.get(product)
            if code is not None:
                view_count[code] += int(count)
        found: dict[int, int] = {}
        for product, other, count in pairs:
            a, b = code_of.get(product), code_of.get(other)
            if a is None or b is None or a == b:
                continue
            key = min(a, b) * n + max(a, b)
            found[key] = max(found.get(key, 0), int(count))
        keys = np.fromiter(found, np.int64, len(found))
        counts = np.fromiter(found.values(), np.int64, len(found))
        order = np.argsort(keys, kind="stable")
        return cls(n, view_count, keys[order], counts[order])

    def sessions_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sessions in which ``a[i]`` and ``b[i]`` were both viewed (0 when never)."""
        if not len(self.pair_key) or not len(a):
            return np.zeros(len(a), np.int64)
        n = max(self.n_products, 1)
        keys = np.minimum(a, b) * n + np.maximum(a, b)
        pos = np.minimum(np.searchsorted(self.pair_key, keys), len(self.pair_key) - 1)
        return np.where(self.pair_key[pos] == keys, self.sessions[pos], 0)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``sessions / sqrt(views(a) views(b))`` per pair, 0 below :data:`MIN_SESSIONS`."""
        together = self.sessions_of(a, b)
        if not len(together):
            return np.zeros(0)
        scale = np.sqrt(self.views[a].astype(float) * self.views[b].astype(float))
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(scale > 0, together / scale, 0.0)
        return np.where(together >= MIN_SESSIONS, np.minimum(value, 1.0), 0.0)
