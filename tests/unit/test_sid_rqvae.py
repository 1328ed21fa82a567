"""RQ-VAE: determinism, code usage, and semantic IDs for new items from embeddings alone."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

from knowledge.sid.rqvae import RQVAE, RQVAEConfig, kmeans, train_rqvae
from knowledge.sid.train import build_ids, torch_threads


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


def tiny_config(seed: int = 0) -> RQVAEConfig:
    """A few seconds' RQ-VAE over 16-dimensional embeddings."""
    return RQVAEConfig(
        input_dim=16,
        hidden_dims=(32,),
        latent_dim=8,
        n_levels=3,
        codebook_size=8,
        epochs=25,
        batch_size=32,
        kmeans_iters=5,
        reset_every=5,
        seed=seed,
    )


def clustered_embeddings(n: int = 96, dim: int = 16, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centers, like item embeddings of a few genres."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(6, dim))
    x = centers[rng.integers(0, 6, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_same_seed_same_model_and_codes() -> None:
    x = clustered_embeddings()
    a, _ = train_rqvae(x, tiny_config(seed=3))
    b, _ = train_rqvae(x, tiny_config(seed=3))
    for (name, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(pa, pb), name
    xt = torch.as_tensor(x)
    assert torch.equal(a.encode(xt), b.encode(xt))


def test_codes_are_in_range_and_use_the_codebooks() -> None:
    x = clustered_embeddings()
    model, stats = train_rqvae(x, tiny_config())
    codes = model.encode(torch.as_tensor(x))
    assert codes.shape == (len(x), 3)
    assert int(codes.min()) >= 0 and int(codes.max()) < 8
    # k-means initialization and dead-code resets keep the first level from collapsing.
    assert len(torch.unique(codes[:, 0])) >= 4
    assert np.isfinite(stats.recon_loss)


def test_every_item_gets_a_unique_id_with_collisions_reported() -> None:
    x = clustered_embeddings(n=200)
    ids_list = [f"i{i}" for i in range(len(x))]
    _, ids, *_ = build_ids(ids_list, x, tiny_config())
    assert len({ids.id_of(i) for i in ids_list}) == len(ids_list)
    stats = ids.stats()
    assert stats.n_items == 200
    assert stats.colliding_items >= 200 - stats.distinct_prefixes


def test_a_new_item_gets_its_codes_from_its_embedding_alone() -> None:
    x = clustered_embeddings()
    model, _ = train_rqvae(x[:-1], tiny_config())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    new = torch.as_tensor(x[-1:])
    first = model.encode(new)
    assert torch.equal(first, model.encode(new))  # frozen encoder: same input, same codes
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    # Encoding alone or in a batch gives the same codes.
    assert torch.equal(model.encode(torch.as_tensor(x))[-1:], first)


def test_kmeans_finds_separated_clusters() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.cat(
        [torch.randn(20, 2) * 0.01 + c for c in (torch.tensor([5.0, 0]), torch.tensor([0, 5.0]))]
    )
    centroids = kmeans(x, 2, 10, gen)
    assert sorted(torch.round(centroids).abs().sum(1).tolist()) == [5.0, 5.0]


def test_wrong_embedding_width_is_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        train_rqvae(np.zeros((4, 3), np.float32), tiny_config())


def test_config_round_trips_and_rejects_unknown_keys() -> None:
    config = tiny_config()
    assert RQVAEConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown"):
        RQVAEConfig.from_dict({**config.to_dict(), "bogus": 1})
    assert isinstance(RQVAE(config), torch.nn.Module)
