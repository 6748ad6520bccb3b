"""Closeness of product texts (names, or what the adapter's text hook gives).

Two versions of one thing share most words of their product line ("Nova X 128 GB"
and "Nova X 256 GB", "Stride Runner 2" and "Stride Runner 2 Pro"); two kinds of
product of one category share few ("Running Socks (3 pairs)" and "Running Cap").

Texts become lower-case word tokens weighted by their smoothed inverse document
frequency over the catalogue (``log(1 + N / df)``: a word every product has, like
"product" or a shop's brand, weighs least; a rare one weighs most), and two texts are compared
by the cosine of those vectors. Vectors are kept sparse (:class:`TextVectors`) and
turned dense only for the few products of one category at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str | None) -> list[str]:
    """Distinct lower-case words of ``text``, in order ("USB-C" gives "usb", "c")."""
    if not text:
        return []
    return list(dict.fromkeys(_WORD.findall(text.casefold())))


@dataclass(frozen=True)
class TextVectors:
    """TF-IDF rows in CSR form, one per product code; an empty row: no text known."""

    indptr: np.ndarray  # int64, len n_products + 1
    indices: np.ndarray  # int64 token ids
    weights: np.ndarray  # float64 IDF weight of each token

    @classmethod
    def of(cls, texts: Sequence[str | None]) -> TextVectors:
        vocabulary: dict[str, int] = {}
        rows = [[vocabulary.setdefault(word, len(vocabulary)) for word in tokens(text)]
                for text in texts]
        lengths = np.fromiter((len(row) for row in rows), np.int64, len(rows))
        indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
        indices = np.fromiter((t for row in rows for t in row), np.int64, int(indptr[-1]))
        documents = max(int((lengths > 0).sum()), 1)
        df = np.bincount(indices, minlength=len(vocabulary)).astype(float)
        idf = np.log1p(documents / np.maximum(df, 1.0))
        return cls(indptr, indices, idf[indices] if len(indices) else np.empty(0))

    def known(self) -> np.ndarray:
        """Per product code: whether it has any text."""
        return np.diff(self.indptr) > 0

    def similarity(self, members: np.ndarray) -> np.ndarray:
        """Cosine similarity matrix of the rows ``members`` (0 where a text is empty)."""
        starts, ends = self.indptr[members], self.indptr[members + 1]
        lengths = ends - starts
        row = np.repeat(np.arange(len(members)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        position = np.repeat(starts, lengths) + offsets
        columns, local = np.unique(self.indices[position], return_inverse=True)
        dense = np.zeros((len(members), len(columns)))
        dense[row, local] = self.weights[position]
        norm = np.linalg.norm(dense, axis=1)
        norm[norm == 0] = 1.0
        dense /= norm[:, None]
        return dense @ dense.T
