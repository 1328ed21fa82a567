"""Soft next-item labels from a collaborative teacher (item-kNN), for distillation."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from knowledge.sid.baselines import ItemKNN
from knowledge.sid.data import PAD


class SoftLabels(NamedTuple):
    """The teacher's most likely next items at each target position."""

    rows: torch.Tensor
    """(N, M) item rows."""
    probs: torch.Tensor
    """(N, M) their probabilities; a row of zeros where the teacher has nothing to say."""


class KNNTeacher:
    """Item-kNN scores of the next item, made a distribution over its top ``top`` items.

    At every position of a training window the teacher scores the catalog from the
    window's items so far (the ``window`` most recent, weighted ``decay ** age``, as
    `ItemKNN` ranks), leaves those items out, keeps the ``top`` best, divides by the best
    score and takes a softmax at ``temperature``.
    """

    def __init__(self, knn: ItemKNN, temperature: float = 0.1, top: int = 100) -> None:
        self.temperature, self.top = temperature, top
        self.window = knn.window or 10**6
        self.decay = knn.decay
        n_used = len(knn.used)
        # Row n_used is all zeros: unknown items and padding score nothing.
        self.sim = torch.zeros(n_used + 1, n_used + 1)
        self.sim[:n_used, :n_used] = torch.as_tensor(knn.sim, dtype=torch.float32)
        local = np.where(knn.local >= 0, knn.local, n_used)
        self.local = torch.as_tensor(np.append(local, n_used))  # row PAD (-1) -> n_used
        self.used = torch.as_tensor(knn.used)

    @torch.no_grad()
    def __call__(self, history: torch.Tensor, target: torch.Tensor) -> SoftLabels:
        """Soft labels for every position of (B, T) windows whose target is not padding.

        Positions come in the row-major order that `SIDSeqModel.forward` keeps targets in.
        """
        _, t = history.shape
        x = self.local[history]  # (B, T) local index; unknown items and PAD -> n_used
        rows = self.sim[x]  # (B, T, U + 1) similarity of each window item to every item
        # Position t scores from items t, t-1, ... (the kNN window), weighted decay ** age.
        scores = rows.clone()
        for lag in range(1, min(self.window, t)):
            scores[:, lag:] += self.decay**lag * rows[:, :-lag]
        keep = target != PAD  # (B, T)
        scores = scores[keep]  # (N, U + 1)
        # Leave out what the window has shown so far (j <= t); later items go to the
        # dummy column U.
        age = torch.arange(t)[:, None] - torch.arange(t)[None, :]  # (T, T) t - j
        seen = x[:, None, :].expand(-1, t, -1)  # (B, T, T)
        seen = torch.where(age[None] >= 0, seen, self.sim.shape[1] - 1)[keep]  # (N, T)
        scores.scatter_(1, seen, 0.0)
        scores = scores[:, :-1]  # (N, U)
        top = min(self.top, scores.shape[1])
        values, local = scores.topk(top, dim=1)  # (N, M)
        best = values[:, :1].clamp_min(1e-12)
        logits = (values / best / self.temperature).masked_fill(values <= 0, float("-inf"))
        probs = torch.softmax(logits, 1).nan_to_num(0.0)  # all -inf rows -> zeros
        return SoftLabels(self.used[local], probs)
