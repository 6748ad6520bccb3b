"""An item-item model over the pair counts: what each product in a cart says about each other.

The model is EASE (H. Steck, "Embarrassingly Shallow Autoencoders for Sparse Data",
WWW 2019) with the dropout-style regularisation of its denoising variant (Steck,
"Autoencoders that don't overfit towards the identity", NeurIPS 2020). With ``X`` the
order-by-product matrix (1: the order holds the product) and ``G = XᵀX`` (its diagonal
is ``n(A)``, the rest the pair counts ``n(A∧B)``: exactly what counting produces)::

    Λ = l2 + dropout / (1 - dropout) * diag(G)
    P = (G + Λ)⁻¹
    W = -P / diag(P)        (column-wise), diagonal 0

``W[a, b]`` is what a cart holding A adds to B's score; a cart's score of B is the sum
over its lines. Unlike a confidence or a lift, a weight accounts for the other products
bought with A and B (a pair explained by a third product gets little), and the
regularisation shrinks rare products more than common ones: the dropout term is
proportional to each product's own order count, so the same setting suits a
supermarket (hundreds of orders per product) and a long-tail catalogue (a handful).

Cost: one dense ``P x P`` inverse, ``O(P³)`` time and about ``12 P²`` bytes (float32
matrices; 5,000 products: ~300 MB, seconds). ``ItemModelParams.max_items`` bounds it;
above it mining falls back to the rule score (:mod:`upcross.mining.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from upcross.mining.counting import WEIGHT_SCALE, CoCounts


@dataclass(frozen=True)
class ItemModelParams:
    """``max_items``: the model is fitted when the mined products are at most this many
    (0: never). ``l2`` and ``dropout`` (a share, 0 <= dropout < 1) regularise it."""

    max_items: int = 5_000
    l2: float = 30.0
    dropout: float = 0.5

    def applies(self, n_products: int) -> bool:
        return 0 < n_products <= self.max_items


def gram(counts: CoCounts, dtype: type = np.float32) -> np.ndarray:
    """``XᵀX`` as a dense matrix from the item and pair counts (recency-weighted when the
    counts are)."""
    n = counts.n_products
    matrix: np.ndarray = np.zeros((n, n), dtype=dtype)
    a, b = counts.pair_codes()
    if counts.pair_weight is not None and counts.item_weight is not None:
        together = counts.pair_weight / WEIGHT_SCALE
        items = counts.item_weight / WEIGHT_SCALE
    else:
        together, items = counts.pair_count, counts.item_count
    matrix[a, b] = together
    matrix[b, a] = together
    matrix[np.diag_indices(n)] = items
    return matrix


def item_weights(counts: CoCounts, params: ItemModelParams) -> np.ndarray:
    """The weight matrix ``W`` (``P x P``, float32) of the module docstring."""
    matrix = gram(counts)
    diagonal = np.diag(matrix).astype(np.float64)
    ratio = params.dropout / (1.0 - params.dropout)
    # A product of zero weight (recency) still needs a positive diagonal to invert.
    matrix[np.diag_indices_from(matrix)] += params.l2 + ratio * diagonal + 1e-6
    inverse = np.linalg.inv(matrix)
    del matrix
    scale = -1.0 / np.diag(inverse)
    inverse *= scale[None, :].astype(inverse.dtype)
    np.fill_diagonal(inverse, 0.0)
    return inverse
