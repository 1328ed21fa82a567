"""Interaction data as item rows: the leave-one-out split and training windows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.sequences import InteractionSequence

PAD = -1
"""Row value of padding in history and target arrays."""


@dataclass
class Split:
    """Leave-one-out split of users' item rows.

    Each user's last item is the test target (history: everything before it) and the item
    before it the validation target (history: everything before that); models train on
    the rest, plus any extra training-only sequences.
    """

    train: list[list[int]]
    """Training sequences (each user's items but the last two, then extra sequences)."""
    valid_history: list[list[int]]
    valid_target: list[int]
    test_history: list[list[int]]
    test_target: list[int]
    users: list[str]


def to_rows(
    sequences: Sequence[InteractionSequence], row_of: Mapping[str, int]
) -> list[tuple[str, list[int]]]:
    """Map each sequence's item ids to rows, dropping ids the mapping lacks."""
    return [(s.user_id, [row_of[i] for i in s.item_ids if i in row_of]) for s in sequences]


def leave_one_out(
    sequences: Sequence[InteractionSequence],
    row_of: Mapping[str, int],
    extra: Sequence[InteractionSequence] = (),
    min_train: int = 1,
) -> Split:
    """Split sequences leave-one-out; users with fewer than ``min_train + 2`` items are skipped."""
    split = Split([], [], [], [], [], [])
    for user, rows in to_rows(sequences, row_of):
        if len(rows) < min_train + 2:
            continue
        split.users.append(user)
        split.train.append(rows[:-2])
        split.valid_history.append(rows[:-2])
        split.valid_target.append(rows[-2])
        split.test_history.append(rows[:-1])
        split.test_target.append(rows[-1])
    split.train.extend(rows for _, rows in to_rows(extra, row_of) if len(rows) >= 2)
    return split


def holdout_last(
    sequences: Sequence[InteractionSequence],
    row_of: Mapping[str, int],
    extra: Sequence[InteractionSequence] = (),
) -> Split:
    """Split for a model that will serve: train on all but each user's last item, validate on it.

    The test fields are empty; users with fewer than two items only add training data.
    """
    split = Split([], [], [], [], [], [])
    for user, rows in to_rows(sequences, row_of):
        if len(rows) < 3:
            if len(rows) >= 2:
                split.train.append(rows)
            continue
        split.users.append(user)
        split.train.append(rows[:-1])
        split.valid_history.append(rows[:-1])
        split.valid_target.append(rows[-1])
    split.train.extend(rows for _, rows in to_rows(extra, row_of) if len(rows) >= 2)
    return split


def training_windows(
    sequences: Sequence[Sequence[int]], max_len: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cut sequences into next-item windows: inputs and targets (W, max_len), right-padded.

    Every next-item pair of every sequence is a target exactly once. The most recent
    window of each sequence ends at its last pair; earlier cuts shift at random each call
    so an item does not always start a window.
    """
    inputs: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for seq in sequences:
        arr = np.asarray(seq, dtype=np.int64)
        pairs = len(arr) - 1  # pair p is (arr[p] -> arr[p + 1])
        cuts = [pairs]
        end = pairs - max_len
        if end > 0:
            cuts.append(end)
            end -= int(rng.integers(1, max_len + 1))
        while end > 0:
            cuts.append(end)
            end -= max_len
        cuts.append(0)
        for end, start in itertools.pairwise(cuts):
            start = max(start, 0)
            if end <= start:
                continue
            x = np.full(max_len, PAD, dtype=np.int64)
            y = np.full(max_len, PAD, dtype=np.int64)
            x[: end - start] = arr[start:end]
            y[: end - start] = arr[start + 1 : end + 1]
            inputs.append(x)
            targets.append(y)
    if not inputs:
        return np.zeros((0, max_len), np.int64), np.zeros((0, max_len), np.int64)
    return np.stack(inputs), np.stack(targets)


def batches(
    n: int, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[np.ndarray]:
    """Yield index arrays that cover ``range(n)`` in batches (shuffled when given a generator)."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
