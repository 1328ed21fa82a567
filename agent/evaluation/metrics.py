"""Ranking metrics over evaluation samples, with bootstrap confidence intervals.

A *turn* has one ranked list and one or more target items; every target is a sample
(the convention of the ReDial literature: a turn that recommends two films counts twice).
Confidence intervals resample whole turns, because the targets of one turn are not
independent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CUTOFFS = (1, 10, 50)
BOOTSTRAP = 1000


@dataclass(frozen=True)
class TurnScore:
    """The rank of each target of a turn in one ranked list (None: not in the list)."""

    ranks: tuple[int | None, ...]

    @classmethod
    def of(cls, ranked: Sequence[str], targets: Sequence[str]) -> TurnScore:
        """Score a ranked list (best first) against the turn's targets."""
        position = {item: i + 1 for i, item in enumerate(ranked)}
        return cls(tuple(position.get(t) for t in targets))

    def hits(self, k: int) -> int:
        """Targets within the top k."""
        return sum(1 for r in self.ranks if r is not None and r <= k)

    def ndcg(self, k: int) -> float:
        """Sum over targets of the single-target NDCG@k (1 / log2(rank + 1))."""
        return sum(1 / math.log2(r + 1) for r in self.ranks if r is not None and r <= k)

    def reciprocal(self) -> float:
        """Sum over targets of 1 / rank (0 when a target is not ranked)."""
        return sum(1 / r for r in self.ranks if r is not None)


def per_turn_table(scores: Sequence[TurnScore]) -> dict[str, np.ndarray]:
    """Per-turn sums of every metric, and the number of targets per turn."""
    table = {
        "targets": np.array([len(s.ranks) for s in scores], dtype=float),
        "mrr": np.array([s.reciprocal() for s in scores]),
        "ndcg@10": np.array([s.ndcg(10) for s in scores]),
    }
    for k in CUTOFFS:
        table[f"recall@{k}"] = np.array([s.hits(k) for s in scores], dtype=float)
    return table


def summarize(scores: Sequence[TurnScore], *, seed: int = 0) -> dict[str, object]:
    """Recall@1/10/50, NDCG@10 and MRR over all samples, with 95% bootstrap intervals.

    ``n`` counts samples (targets), ``turns`` the turns they come from.
    """
    table = per_turn_table(scores)
    n = float(table["targets"].sum())
    metrics = [m for m in table if m != "targets"]
    result: dict[str, object] = {"n": int(n), "turns": len(scores)}
    for name in sorted(metrics, key=_metric_order):
        result[name] = round(float(table[name].sum() / n), 4) if n else 0.0
    result["ci95"] = bootstrap_ci(table, metrics, seed=seed)
    return result


def bootstrap_ci(
    table: dict[str, np.ndarray], metrics: Sequence[str], *, seed: int = 0, rounds: int = BOOTSTRAP
) -> dict[str, list[float]]:
    """Percentile intervals of each metric's ratio of sums, resampling turns."""
    turns = len(table["targets"])
    if turns == 0:
        return {m: [0.0, 0.0] for m in metrics}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, turns, size=(rounds, turns))
    denominators = table["targets"][picks].sum(axis=1)
    denominators[denominators == 0] = 1
    intervals = {}
    for metric in metrics:
        values = table[metric][picks].sum(axis=1) / denominators
        low, high = np.percentile(values, [2.5, 97.5])
        intervals[metric] = [round(float(low), 4), round(float(high), 4)]
    return intervals


def recall_curve(scores: Sequence[TurnScore], max_k: int = 50) -> list[float]:
    """Recall@k for k = 1..max_k (for plots)."""
    n = sum(len(s.ranks) for s in scores)
    if not n:
        return [0.0] * max_k
    return [round(sum(s.hits(k) for s in scores) / n, 4) for k in range(1, max_k + 1)]


def _metric_order(name: str) -> tuple[int, int]:
    head, _, cut = name.partition("@")
    order = {"recall": 0, "ndcg": 1, "mrr": 2}.get(head, 3)
    return order, int(cut) if cut.isdigit() else 0
