"""Training: data windows, a learnable toy pattern, determinism, save and load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from knowledge.sequences import InteractionSequence
from knowledge.sid.artifacts import load_generator, save_generator
from knowledge.sid.baselines import ItemKNN, Popularity, SASRec, SASRecConfig
from knowledge.sid.cold import cold_split
from knowledge.sid.data import PAD, holdout_last, leave_one_out, training_windows
from knowledge.sid.generator import SIDGenerator, fit_content_map
from knowledge.sid.ids import SemanticIds
from knowledge.sid.metrics import ndcg_at, ranking_metrics
from knowledge.sid.rqvae import RQVAEConfig
from knowledge.sid.seqmodel import SIDModelConfig
from knowledge.sid.teacher import KNNTeacher
from knowledge.sid.train import (
    FitConfig,
    SIDConfig,
    build_ids,
    code_lookup,
    fit,
    sid_loss,
    token_weights,
    torch_threads,
    train_generator,
    validate,
)

N_ITEMS = 30


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


def cyclic_users(n_users: int = 40, length: int = 12, seed: int = 0) -> list[InteractionSequence]:
    """Users who walk the items in a fixed cycle from random starts: next item = item + 1."""
    rng = np.random.default_rng(seed)
    users = []
    for u in range(n_users):
        start = int(rng.integers(N_ITEMS))
        items = tuple(f"i{(start + t) % N_ITEMS}" for t in range(length))
        users.append(InteractionSequence(f"u{u}", items))
    return users


def embeddings(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_ITEMS, 16))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def tiny_sid_config(seed: int = 0, epochs: int = 30) -> SIDConfig:
    return SIDConfig(
        rqvae=RQVAEConfig(
            input_dim=16,
            hidden_dims=(32,),
            latent_dim=8,
            n_levels=2,
            codebook_size=4,
            epochs=10,
            batch_size=32,
            kmeans_iters=3,
            reset_every=5,
            seed=seed,
        ),
        model=SIDModelConfig(d_model=32, n_heads=2, n_layers=1, d_ff=64, max_len=8, dropout=0.0),
        fit=FitConfig(
            epochs=epochs,
            batch_size=16,
            lr=5e-3,
            warmup_steps=5,
            eval_every=5,
            patience=3,
            seed=seed,
        ),
        beam_size=8,
    )


ITEM_IDS = [f"i{i}" for i in range(N_ITEMS)]
ROW_OF = {item: row for row, item in enumerate(ITEM_IDS)}


def test_windows_cover_every_pair_once() -> None:
    rng = np.random.default_rng(0)
    for n in (2, 3, 7, 8, 9, 17, 40):
        seq = list(range(100, 100 + n))
        x, y = training_windows([seq], 8, rng)
        pairs = sorted(
            (int(a), int(b))
            for xr, yr in zip(x, y, strict=True)
            for a, b in zip(xr, yr, strict=True)
            if b != PAD
        )
        assert pairs == [(seq[i], seq[i + 1]) for i in range(n - 1)]
        assert x.shape[1] == 8


def test_leave_one_out_and_holdout_splits() -> None:
    users = [
        InteractionSequence("a", ("i1", "i2", "i3", "i4")),
        InteractionSequence("b", ("i5", "i6")),
    ]
    split = leave_one_out(users, ROW_OF, extra=[InteractionSequence("d", ("i7", "i8"))])
    assert split.users == ["a"]
    assert split.train == [[1, 2], [7, 8]]
    assert (split.valid_history, split.valid_target) == ([[1, 2]], [3])
    assert (split.test_history, split.test_target) == ([[1, 2, 3]], [4])
    serve = holdout_last(users, ROW_OF)
    assert serve.train == [[1, 2, 3], [5, 6]]
    assert (serve.valid_history, serve.valid_target) == ([[1, 2, 3]], [4])


def test_metrics() -> None:
    assert ndcg_at([5, 6, 7], 5, 10) == 1.0
    assert ndcg_at([5, 6, 7], 7, 10) == pytest.approx(0.5)
    assert ranking_metrics([[1, 2], [3, 4]], [2, 9], (1, 2)) == {
        "recall@1": 0.0,
        "ndcg@1": 0.0,
        "recall@2": 0.5,
        "ndcg@2": pytest.approx(0.5 * 0.63093, abs=1e-4),
    }


def _trained(seed: int = 0, epochs: int = 30, *settings: str):  # type: ignore[no-untyped-def]
    config = tiny_sid_config(seed, epochs)
    for assignment in settings:
        config.override(assignment)
    rqvae, ids, *_ = build_ids(ITEM_IDS, embeddings(), config.rqvae)
    split = leave_one_out(cyclic_users(seed=seed), ROW_OF)
    generator, result = train_generator(
        rqvae, ids, split.train, (split.valid_history, split.valid_target), config
    )
    return generator, result, split


def test_sid_learns_a_toy_pattern_and_returns_only_real_unseen_items() -> None:
    generator, result, split = _trained()
    test = validate(generator, split.test_history, split.test_target)
    assert test["recall@10"] >= 0.8, result
    for history in split.test_history[:10]:
        recs = generator.recommend([ITEM_IDS[r] for r in history], k=10)
        assert len(recs) == 10
        assert all(r.item_id in ROW_OF and ROW_OF[r.item_id] not in history for r in recs)


def test_sibling_loss_equals_the_masked_full_loss() -> None:
    """Scoring only each target's sibling codes gives the trie-constrained loss exactly
    (the code levels' loss: the item head's term is off)."""
    generator, _, split = _trained(0, 1, "item_loss=0", "mass_levels=0")
    model, ids = generator.model, generator.ids
    x, y = training_windows(split.train, model.config.max_len, np.random.default_rng(0))
    x, y = torch.as_tensor(x[:8]), torch.as_tensor(y[:8])
    rows = y[y != PAD]
    lookup = code_lookup(ids)
    assert generator.row_prefixes is not None
    pad = np.zeros((1, generator.row_prefixes.shape[1]), np.int64)
    ngrams = torch.as_tensor(np.vstack([generator.row_prefixes, pad]))
    levels = generator.trie.level_masks(ids.vocab_sizes)
    allowed = [torch.as_tensor(ok)[torch.as_tensor(parent)[rows]] for parent, ok, _ in levels]
    assert generator.children is not None
    children = [
        torch.as_tensor(c.table)[torch.as_tensor(parent)[rows]]
        for c, (parent, _, _) in zip(generator.children, levels[1:], strict=False)
    ]
    model.eval()
    with torch.no_grad():
        full = model(lookup[x], lookup[y], ngrams[x], allowed, children).loss
        compact = sid_loss(generator, SIDConfig(item_loss=0, mass_levels=0))(x, y)
    assert float(compact) == pytest.approx(float(full), rel=1e-5)


def test_training_is_deterministic_given_a_seed() -> None:
    a, _, split = _trained(seed=1, epochs=5)
    b, _, _ = _trained(seed=1, epochs=5)
    assert np.array_equal(a.ids.codes, b.ids.codes)
    for pa, pb in zip(a.model.state_dict().values(), b.model.state_dict().values(), strict=True):
        assert torch.equal(pa, pb)
    history = split.test_history[0]
    assert a.decode(history, 10, history) == b.decode(history, 10, history)


def test_save_load_round_trip_and_new_item(tmp_path: Path) -> None:
    generator, _, split = _trained(epochs=5)
    folder = save_generator(generator, tmp_path / "sid")
    loaded = load_generator(folder)
    history = split.test_history[0]
    assert loaded.decode(history, 10, history) == generator.decode(history, 10, history)
    assert loaded.ids.item_ids == generator.ids.item_ids
    # A new item gets an ID from its embedding alone and becomes decodable.
    vector = embeddings(seed=9)[0]
    code = loaded.add_item("brand-new", vector)
    assert loaded.ids.item_of(code) == "brand-new"
    assert tuple(code[:-1]) == tuple(loaded.assign(vector)[0].tolist())
    everything = loaded.recommend(["i0"], k=len(loaded.ids))
    assert "brand-new" in {r.item_id for r in everything}
    assert {r.item_id for r in everything} == set(loaded.ids.item_ids) - {"i0"}


def test_baselines_rank_and_exclude() -> None:
    split = leave_one_out(cyclic_users(), ROW_OF)
    pop = Popularity(N_ITEMS, split.train)
    assert len(pop.recommend_rows([], 5, {0, 1})) == 5
    assert not {0, 1} & set(pop.recommend_rows([], 5, {0, 1}))
    knn = ItemKNN(N_ITEMS, split.train, window=3)
    ranked = knn.recommend_rows([3, 4], 5, {3, 4})
    assert 3 not in ranked and 4 not in ranked and len(ranked) == 5
    sas = SASRec(
        SASRecConfig(
            n_items=N_ITEMS, d_model=16, n_heads=1, n_layers=1, d_ff=32, max_len=8, dropout=0.0
        )
    )
    fit_config = FitConfig(
        epochs=30, batch_size=16, lr=1e-2, warmup_steps=5, eval_every=5, patience=3
    )
    fit(
        sas,
        sas.loss,
        sas,
        split.train,
        (split.valid_history, split.valid_target),
        8,
        fit_config,
    )
    test = validate(sas, split.test_history, split.test_target)
    assert test["recall@10"] >= 0.8
    assert all(r not in h for h in split.test_history for r in sas.recommend_rows(h, 10, h))


@pytest.mark.parametrize(
    "settings",
    [
        ["item_loss=0", "mass_levels=0"],  # code levels alone (the default before the item head)
        ["item_loss=1", "mass_levels=1"],
        ["item_loss=1", "mass_levels=3", "distill=0.5"],
        ["level_weights=[2,1,0.5]", "rare_code_alpha=0.5"],
        ["collab.dim=4", "collab.min_count=1"],
    ],
)
def test_every_training_option_learns_the_toy_pattern(settings: list[str]) -> None:
    config = tiny_sid_config(0, 30)
    for assignment in settings:
        config.override(assignment)
    split = leave_one_out(cyclic_users(), ROW_OF)
    built = build_ids(ITEM_IDS, embeddings(), config.rqvae, train=split.train, collab=config.collab)
    generator, result = train_generator(
        built.rqvae,
        built.ids,
        split.train,
        (split.valid_history, split.valid_target),
        config,
        features=built.features,
    )
    assert generator.mass_levels == config.mass_levels
    test = validate(generator, split.test_history, split.test_target)
    assert test["recall@10"] >= 0.8, (settings, result)


def test_settings_are_overridden_by_name_and_checked() -> None:
    config = SIDConfig()
    config.override("item_loss=0.5")
    config.override("fit.lr=0.001")
    config.override("level_weights=[2, 1, 1, 1]")
    config.override("collab.dim=32")
    assert (config.item_loss, config.fit.lr, config.level_weights, config.collab.dim) == (
        0.5,
        0.001,
        (2.0, 1.0, 1.0, 1.0),
        32,
    )
    for bad in ("no_such=1", "fit.no_such=1", "item_loss=lots", "item_loss"):
        with pytest.raises(ValueError):
            config.override(bad)


def test_token_weights_favour_early_levels_and_rare_codes() -> None:
    ids = SemanticIds.from_prefix_codes(
        ["a", "b", "c", "d"], np.array([[0, 0], [0, 1], [0, 1], [1, 0]]), 2, 4
    )
    train = [[0, 1, 1, 1, 2, 3], [3, 0]]  # targets: b b b c d a
    flat = token_weights(ids, train, (2.0, 1.0, 0.5))
    assert flat.shape == (5, 3) and np.allclose(flat[:4], [2.0, 1.0, 0.5])
    rare = token_weights(ids, train, rare_code_alpha=1.0)
    counts = np.array([1, 3, 1, 1])  # target occurrences of rows a, b, c, d
    for level in range(3):  # each level averages 1 over the training targets
        assert (rare[:4, level] * counts).sum() / counts.sum() == pytest.approx(1.0)
    # Level 1: code 1 after (0,) is 4 of 5 targets, code 0 is 1 of 5: rarer weighs more.
    assert rare[0, 1] > rare[1, 1]


def test_teacher_soft_labels_follow_item_knn_and_leave_out_the_window() -> None:
    split = leave_one_out(cyclic_users(), ROW_OF)
    knn = ItemKNN(N_ITEMS, split.train, window=3)
    teacher = KNNTeacher(knn, temperature=0.05, top=5)
    x = torch.tensor([[3, 4, 5, PAD], [7, PAD, PAD, PAD]])
    y = torch.tensor([[4, 5, 6, PAD], [8, PAD, PAD, PAD]])
    soft = teacher(x, y)
    assert soft.rows.shape == (4, 5)
    assert torch.allclose(soft.probs.sum(1), torch.ones(4))
    histories = [[3], [3, 4], [3, 4, 5], [7]]
    for rows, probs, history in zip(soft.rows, soft.probs, histories, strict=True):
        assert not set(rows[probs > 0].tolist()) & set(history)
        assert int(rows[probs.argmax()]) == knn.recommend_rows(history, 1, history)[0]


def test_cold_split_keeps_new_items_out_of_all_training_data() -> None:
    users = cyclic_users()
    data = cold_split(ITEM_IDS, users, [], share=0.2, seed=0)
    new = set(data.item_ids[data.n_warm :])
    assert len(new) == 6 and sorted(data.item_ids) == sorted(ITEM_IDS)
    split = data.split
    for rows in (*split.train, *split.valid_history, *split.test_history, split.valid_target):
        assert all(r < data.n_warm for r in (rows if isinstance(rows, list) else [rows]))
    assert any(data.is_new(t) for t in split.test_target)


def test_cold_share_keeps_room_for_added_items_and_survives_saving(tmp_path: Path) -> None:
    generator, _, split = _trained(epochs=5)
    history = split.test_history[0]
    fit_content_map(generator, embeddings(), (r for seq in split.train for r in seq))
    vectors = np.stack([embeddings(seed=s)[0] for s in (9, 10, 11)])
    generator.add_items(["new-a", "new-b", "new-c"], vectors)
    added = {generator.ids.row(i) for i in ("new-a", "new-b", "new-c")}
    assert generator.added_rows == added
    # The item head scores an added item through the content map, not by its codes.
    assert generator.content_map is not None
    expected = vectors[0] @ generator.content_map[:-1] + generator.content_map[-1]
    got = generator.item_vectors()[generator.ids.row("new-a")].numpy()
    assert np.allclose(got, expected, atol=1e-5)
    before = generator.decode(history, 10, history)
    generator.cold_share = 0.3
    hits = generator.decode(history, 10, history)
    rows = [h.row for h in hits]
    assert len(rows) == 10 and len(set(rows)) == 10 and not set(rows) & set(history)
    assert len(set(rows) & added) == 3
    # What the plain decode gave keeps its order, first; the added items brought in follow.
    plain = [h.row for h in before]
    head = [r for r in rows if r in plain]
    assert rows[: len(head)] == head == [r for r in plain if r in head]
    assert set(rows[len(head) :]) <= added and len(rows) > len(head)
    # An excluded added item is never given, even to fill the share.
    banned = [*history, *sorted(added)[:2]]
    assert not set(generator.recommend_rows(history, 10, banned)) & set(banned)
    # The share and which items were added travel with the saved generator.
    loaded = load_generator(save_generator(generator, tmp_path / "sid"))
    assert loaded.cold_share == 0.3 and loaded.added == {"new-a", "new-b", "new-c"}
    assert set(loaded.added_vectors) == loaded.added
    assert loaded.decode(history, 10, history) == hits
    with pytest.raises(ValueError, match="cold_share"):
        SIDGenerator(generator.rqvae, generator.ids, generator.model, cold_share=1.5)


def test_cold_share_without_an_item_head_decodes_added_items_by_their_codes() -> None:
    generator, _, split = _trained(0, 5, "item_loss=0", "mass_levels=0")
    generator.add_items(["new-a"], embeddings(seed=9)[:1])
    generator.cold_share = 0.1
    history = split.test_history[1]
    rows = generator.recommend_rows(history, 5, history)
    assert generator.ids.row("new-a") in rows and len(rows) == len(set(rows)) == 5
