"""Collaborative features of the RQ-VAE input, and IDs for items without interactions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.sid.features import CollabConfig, ItemFeatures, cooccurrence_vectors, fit_features


def two_crowds(n_items: int = 40, users: int = 60, seed: int = 0) -> list[list[int]]:
    """Half the users consume items 0-17, the other half 20-37; nobody 18, 19, 38, 39."""
    rng = np.random.default_rng(seed)
    out = []
    for u in range(users):
        pool = np.arange(0, 18) if u % 2 == 0 else np.arange(20, 38)
        out.append(rng.choice(pool, size=8, replace=False).tolist())
    return out


def test_items_consumed_together_get_close_vectors() -> None:
    vectors, counts = cooccurrence_vectors(40, two_crowds(), dim=4)
    assert vectors.shape == (40, 4)
    assert counts[38] == counts[39] == 0 and not vectors[38:].any()
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sim = unit @ unit.T
    same = np.mean([sim[i, j] for i in range(18) for j in range(18) if i != j])
    other = np.mean([sim[i, j] for i in range(18) for j in range(20, 38)])
    assert same > other + 0.5


def test_items_without_interactions_get_vectors_predicted_from_text(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    # The text says which crowd an item belongs to (plus noise).
    crowd = np.r_[np.zeros(20), np.ones(20)]
    text = np.c_[crowd, 1 - crowd, 0.1 * rng.normal(size=(40, 6))].astype(np.float32)
    config = CollabConfig(dim=4, min_count=1, ridge=0.1)
    features, inputs = fit_features(text, two_crowds(), config)
    assert inputs.shape == (40, 8 + 4) and features.input_dim == 12
    assert np.allclose(inputs[:, :8], text)
    # Item 38 (second crowd, never consumed) lands nearer its crowd than the other one.
    collab = inputs[:, 8:]
    near = np.linalg.norm(collab[38] - collab[20:38].mean(0))
    far = np.linalg.norm(collab[38] - collab[:18].mean(0))
    assert near < far
    weights = features.weights()
    assert weights is not None and weights.shape == (12,)
    share = (weights[8:] ** 2).sum() / (weights**2).sum()
    assert share == pytest.approx(config.share)
    features.save(tmp_path / "f.npz")
    loaded = ItemFeatures.load(tmp_path / "f.npz")
    assert loaded.config == config
    assert np.allclose(loaded.inputs(text[38:]), features.inputs(text[38:]))


def test_text_only_features_are_the_identity() -> None:
    text = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    features, inputs = fit_features(text, [[0, 1]], CollabConfig(dim=0))
    assert features.weights() is None and features.input_dim == 8
    assert np.array_equal(inputs, text) and np.array_equal(features.inputs(text), text)
