"""Ranking metrics for one held-out target per user."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(ranked: Sequence[int], target: int, k: int) -> float:
    """Return 1 when the target is among the first ``k`` items, else 0."""
    return 1.0 if target in ranked[:k] else 0.0


def ndcg_at(ranked: Sequence[int], target: int, k: int) -> float:
    """Return the NDCG@k of a single relevant target (1 / log2(rank + 1))."""
    for rank, row in enumerate(ranked[:k], start=1):
        if row == target:
            return 1.0 / math.log2(rank + 1)
    return 0.0


def ranking_metrics(
    rankings: Sequence[Sequence[int]], targets: Sequence[int], ks: Sequence[int] = (5, 10)
) -> dict[str, float]:
    """Average Recall@k and NDCG@k over users."""
    n = max(len(targets), 1)
    out: dict[str, float] = {}
    for k in ks:
        out[f"recall@{k}"] = (
            sum(recall_at(r, t, k) for r, t in zip(rankings, targets, strict=True)) / n
        )
        out[f"ndcg@{k}"] = sum(ndcg_at(r, t, k) for r, t in zip(rankings, targets, strict=True)) / n
    return out
