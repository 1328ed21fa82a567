"""What the RQ-VAE quantizes: the text embedding, plus collaborative features when asked.

With ``dim > 0`` every item's text embedding is joined by a co-occurrence vector (a
truncated factorization of the positive PMI between items that share a training
sequence), so a code prefix groups items people consume together and not only items
described alike. Items nobody interacted with, and items added after training, get the
co-occurrence part predicted from their text by a ridge regression fitted on the items
that have one: the frozen encoder needs nothing but an item's text embedding.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

log = logging.getLogger(__name__)


@dataclass
class CollabConfig:
    """Collaborative features of the RQ-VAE input."""

    dim: int = 0
    """Dimensions of the co-occurrence vector (0: quantize the text embedding alone)."""
    share: float = 0.5
    """Share of the RQ-VAE reconstruction loss that falls on the co-occurrence block."""
    min_count: int = 2
    """Items in fewer training sequences get the text-predicted vector instead."""
    ridge: float = 1.0
    """L2 penalty of the text-to-co-occurrence regression."""

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        return asdict(self)


@dataclass
class ItemFeatures:
    """Maps text embeddings to RQ-VAE inputs; holds the fitted text-to-co-occurrence map."""

    config: CollabConfig
    text_dim: int
    coef: np.ndarray
    """(text_dim + 1, dim) ridge coefficients, the intercept last."""

    @property
    def input_dim(self) -> int:
        """Length of the vectors the RQ-VAE reads."""
        return self.text_dim + self.config.dim

    def weights(self) -> np.ndarray | None:
        """Per-dimension weights that give the co-occurrence block its share of the loss."""
        k = self.config.dim
        if k == 0:
            return None
        share = min(max(self.config.share, 1e-3), 1 - 1e-3)
        block = np.sqrt(share * self.text_dim / ((1 - share) * k))
        return np.concatenate([np.ones(self.text_dim), np.full(k, block)]).astype(np.float32)

    def predict(self, text: np.ndarray) -> np.ndarray:
        """Co-occurrence vectors (N, dim) predicted from text embeddings (N, text_dim)."""
        text = np.asarray(text, dtype=np.float64).reshape(-1, self.text_dim)
        return (text @ self.coef[:-1] + self.coef[-1]).astype(np.float32)

    def inputs(self, text: np.ndarray, collab: np.ndarray | None = None) -> np.ndarray:
        """RQ-VAE inputs (N, input_dim): text beside the given or the predicted vectors."""
        text = np.asarray(text, dtype=np.float32).reshape(-1, self.text_dim)
        if self.config.dim == 0:
            return text
        if collab is None:
            collab = self.predict(text)
        return np.hstack([text, collab]).astype(np.float32)

    def save(self, path: Path) -> None:
        """Write the map as a ``.npz`` file (plain arrays, no pickles)."""
        with path.open("wb") as handle:
            np.savez(
                handle,
                coef=self.coef,
                text_dim=np.int64(self.text_dim),
                dim=np.int64(self.config.dim),
                share=np.float64(self.config.share),
                min_count=np.int64(self.config.min_count),
                ridge=np.float64(self.config.ridge),
            )

    @classmethod
    def load(cls, path: Path) -> ItemFeatures:
        """Read a map written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            config = CollabConfig(
                int(data["dim"]), float(data["share"]), int(data["min_count"]), float(data["ridge"])
            )
            return cls(config, int(data["text_dim"]), np.array(data["coef"]))

    @classmethod
    def text_only(cls, text_dim: int) -> ItemFeatures:
        """The identity map: the RQ-VAE reads the text embedding alone."""
        return cls(CollabConfig(dim=0), text_dim, np.zeros((text_dim + 1, 0)))


def cooccurrence_vectors(
    n_items: int, sequences: Sequence[Sequence[int]], dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """Factorize the positive PMI of items sharing a sequence: vectors (N, dim), counts (N,).

    Rows of items in no sequence are zero.
    """
    rows, cols = [], []
    for s, seq in enumerate(sequences):
        items = np.unique(np.asarray(seq, dtype=np.int64))
        rows.append(np.full(len(items), s))
        cols.append(items)
    if not rows:
        return np.zeros((n_items, dim), np.float32), np.zeros(n_items)
    r, c = np.concatenate(rows), np.concatenate(cols)
    x = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(sequences), n_items))
    co = (x.T @ x).tocoo()  # (N, N) sequences shared
    counts = np.asarray(x.sum(0)).ravel()
    off = co.row != co.col
    i, j, v = co.row[off], co.col[off], co.data[off]
    pmi = np.log(v * len(sequences) / (counts[i] * counts[j]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (i[keep], j[keep])), shape=(n_items, n_items))
    k = min(dim, min(ppmi.shape) - 1)
    out = np.zeros((n_items, dim), np.float32)
    if ppmi.nnz == 0 or k < 1:
        return out, counts
    u, s, _ = svds(ppmi, k=k, random_state=0)
    order = np.argsort(-s)
    # Symmetric factors U sqrt(S), as for word vectors from a PMI matrix.
    out[:, :k] = (u[:, order] * np.sqrt(s[order])).astype(np.float32)
    return out, counts


def fit_features(
    text: np.ndarray, sequences: Sequence[Sequence[int]], config: CollabConfig
) -> tuple[ItemFeatures, np.ndarray]:
    """Fit the map on training sequences over item rows; return it and every row's input.

    Only training sequences may be given: the vectors are part of the item IDs, and the
    evaluation's held-out items must not shape them.
    """
    text = np.asarray(text, dtype=np.float32)
    n, text_dim = text.shape
    if config.dim == 0:
        return ItemFeatures.text_only(text_dim), text
    vectors, counts = cooccurrence_vectors(n, sequences, config.dim)
    known = counts >= config.min_count
    # Standardize the block so its share of the loss is set by the weights alone.
    if known.any():
        vectors[known] /= vectors[known].std() + 1e-8
    design = np.hstack([text[known], np.ones((int(known.sum()), 1), np.float32)]).astype(np.float64)
    penalty = config.ridge * np.eye(text_dim + 1)
    penalty[-1, -1] = 0.0  # no penalty on the intercept
    coef = np.linalg.solve(design.T @ design + penalty, design.T @ vectors[known])
    features = ItemFeatures(config, text_dim, coef)
    collab = np.where(known[:, None], vectors, features.predict(text))
    log.info(
        "co-occurrence features: %d of %d items from interactions, the rest predicted from text",
        int(known.sum()),
        n,
    )
    return features, features.inputs(text, collab)
