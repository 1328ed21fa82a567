"""Baselines measured beside the semantic-ID generator: popularity, item-kNN and SASRec."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from knowledge.sid.data import PAD


class RowRecommender(Protocol):
    """Anything that ranks catalog rows for a history of rows."""

    def recommend_rows(self, history: Sequence[int], k: int, exclude: Iterable[int]) -> list[int]:
        """Return up to ``k`` rows, best first, none of them in ``exclude``."""
        ...


def _top_k(scores: np.ndarray, k: int, exclude: Iterable[int]) -> list[int]:
    scores = scores.astype(np.float64, copy=True)
    banned = np.fromiter(exclude, dtype=np.int64)
    scores[banned] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    # Ties break toward the lower row so rankings are reproducible.
    return [int(r) for r in top[np.lexsort((top, -scores[top]))]]


class Popularity:
    """Rank items by how many training sequences contain them."""

    def __init__(self, n_items: int, train: Sequence[Sequence[int]]) -> None:
        self.counts = np.zeros(n_items, dtype=np.float64)
        for seq in train:
            self.counts[np.unique(np.asarray(seq, dtype=np.int64))] += 1

    def recommend_rows(self, history: Sequence[int], k: int, exclude: Iterable[int]) -> list[int]:
        """Return the most popular items not excluded."""
        return _top_k(self.counts, k, exclude)


class ItemKNN:
    """Item-to-item cosine similarity of co-occurrence in training sequences.

    A history scores each item by its similarity to the last ``window`` history items,
    the most recent weighted highest (weight ``decay ** age``); items without any
    co-occurrence fall back to popularity, far below any co-occurring item.
    """

    def __init__(
        self,
        n_items: int,
        train: Sequence[Sequence[int]],
        *,
        window: int | None = 20,
        decay: float = 0.9,
        shrink: float = 10.0,
    ) -> None:
        self.n_items, self.window, self.decay = n_items, window, decay
        used = np.unique(np.concatenate([np.asarray(s, dtype=np.int64) for s in train if len(s)]))
        self.local = np.full(n_items, -1, dtype=np.int64)
        self.local[used] = np.arange(len(used))
        self.used = used
        x = np.zeros((len(train), len(used)), dtype=np.float32)  # (U, I) binary
        for u, seq in enumerate(train):
            x[u, self.local[np.asarray(seq, dtype=np.int64)]] = 1.0
        co = x.T @ x  # (I, I) co-occurrence counts
        counts = np.diag(co).copy()
        np.fill_diagonal(co, 0.0)
        self.sim = co / (np.sqrt(np.outer(counts, counts)) + shrink)  # (I, I) shrunk cosine
        self.popularity = np.zeros(n_items)
        self.popularity[used] = counts / (counts.max() + 1.0) * 1e-6

    def scores(self, history: Sequence[int]) -> np.ndarray:
        """Return a score per catalog row (N,)."""
        recent = list(history[-self.window :] if self.window else history)
        out = self.popularity.copy()
        weights = self.decay ** np.arange(len(recent))[::-1]
        rows = self.local[np.asarray(recent, dtype=np.int64)] if recent else np.zeros(0, np.int64)
        known = rows >= 0
        if known.any():
            out[self.used] += weights[known] @ self.sim[rows[known]]
        return out

    def recommend_rows(self, history: Sequence[int], k: int, exclude: Iterable[int]) -> list[int]:
        """Return the items most similar to the recent history."""
        return _top_k(self.scores(history), k, exclude)


@dataclass
class SASRecConfig:
    """Shape of SASRec (Kang and McAuley 2018), trained here with full-softmax cross-entropy."""

    n_items: int = 1000
    """Catalog size; the output layer scores every item."""
    d_model: int = 64
    """Width of the item embeddings and hidden vectors."""
    n_heads: int = 2
    """Attention heads per layer."""
    n_layers: int = 2
    """Transformer layers."""
    d_ff: int = 256
    """Hidden width of the feed-forward blocks."""
    max_len: int = 50
    """Most recent history items read."""
    dropout: float = 0.2
    """Dropout on embeddings and inside every layer."""

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        return asdict(self)


class SASRecOutput(NamedTuple):
    """Scores and loss of one SASRec forward pass."""

    logits: torch.Tensor
    """(N, n_items) scores of every item at each target position."""
    loss: torch.Tensor
    """() mean cross-entropy over target positions."""


class SASRec(nn.Module):
    """Causal self-attention over item-id embeddings; output scores tie to the same table."""

    def __init__(self, config: SASRecConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.items = nn.Embedding(config.n_items + 1, d, padding_idx=config.n_items)
        self.position = nn.Embedding(config.max_len, d)
        layer = nn.TransformerEncoderLayer(
            d,
            config.n_heads,
            config.d_ff,
            config.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.drop = nn.Dropout(config.dropout)
        nn.init.normal_(self.items.weight, std=0.02)
        nn.init.normal_(self.position.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[config.n_items].zero_()  # the padding row

    def encode(self, history: torch.Tensor) -> torch.Tensor:
        """Encode (B, T) item rows, right-padded with -1, into states (B, T, d)."""
        t = history.shape[1]
        rows = torch.where(history == PAD, self.config.n_items, history)  # (B, T)
        x = self.items(rows) + self.position(torch.arange(t))  # (B, T, d)
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        return self.norm(self.encoder(self.drop(x), mask=mask, is_causal=True))  # (B, T, d)

    def logits(self, state: torch.Tensor) -> torch.Tensor:
        """Score every item (…, n_items) from states (…, d)."""
        return state @ self.items.weight[:-1].T

    def forward(self, history: torch.Tensor, target: torch.Tensor) -> SASRecOutput:
        """Full-softmax cross-entropy of each next item; inputs are (B, T) rows, -1 = none."""
        state = self.encode(history)  # (B, T, d)
        keep = target != PAD  # (B, T)
        logits = self.logits(state[keep])  # (N, n_items)
        return SASRecOutput(logits, F.cross_entropy(logits, target[keep]))

    def loss(self, history: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return the training loss of a batch (the `fit` loss function)."""
        return self(history, target).loss

    @torch.inference_mode()
    def recommend_rows(self, history: Sequence[int], k: int, exclude: Iterable[int]) -> list[int]:
        """Return the ``k`` best-scored items after the history."""
        self.eval()
        if not history:
            return []
        rows = torch.as_tensor(np.asarray(history[-self.config.max_len :], dtype=np.int64))
        scores = self.logits(self.encode(rows[None])[0, -1]).numpy()  # (n_items,)
        return _top_k(scores, k, exclude)
