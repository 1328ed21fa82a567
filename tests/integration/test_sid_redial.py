"""The semantic-ID generator on the ReDial catalog and MovieLens histories (reference data)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from knowledge.items import Catalog
from knowledge.pack import Pack
from knowledge.sequences import movielens_sequences
from knowledge.sid.artifacts import load_generator, save_generator
from knowledge.sid.baselines import Popularity
from knowledge.sid.data import Split, leave_one_out
from knowledge.sid.generator import SIDGenerator
from knowledge.sid.rqvae import RQVAEConfig
from knowledge.sid.train import SIDConfig, build_ids, torch_threads, train_generator, validate

pytestmark = pytest.mark.slow


@dataclass
class Trained:
    catalog: Catalog
    embeddings: np.ndarray
    split: Split
    generator: SIDGenerator


@pytest.fixture(scope="module")
def trained(redial_pack: Pack, movielens_dir: Path) -> Iterator[Trained]:
    """A generator trained briefly: every property is checked, quality only loosely."""
    with torch_threads(1):
        catalog = redial_pack.catalog
        embeddings = np.asarray(redial_pack.item_embeddings(), dtype=np.float32)
        config = SIDConfig(rqvae=RQVAEConfig(epochs=40)).with_seed(0)
        config.fit.epochs = 4
        config.fit.eval_every = 4
        rqvae, ids, *_ = build_ids(catalog.ids(), embeddings, config.rqvae)
        sequences = movielens_sequences(movielens_dir, catalog).sequences
        split = leave_one_out(sequences, {item: row for row, item in enumerate(catalog.ids())})
        generator, _ = train_generator(
            rqvae, ids, split.train, (split.valid_history, split.valid_target), config
        )
        yield Trained(catalog, embeddings, split, generator)


def test_every_catalog_item_has_a_unique_semantic_id(trained: Trained) -> None:
    ids = trained.generator.ids
    assert ids.item_ids == trained.catalog.ids()
    assert ids.codes.shape == (len(trained.catalog), 4)
    assert len({tuple(row) for row in ids.codes.tolist()}) == len(trained.catalog)
    stats = ids.stats()
    assert stats.usage[0] > 0.9  # no codebook collapse at the first level
    assert stats.collision_rate < 0.2


def test_every_test_user_gets_ten_real_unseen_items(trained: Trained) -> None:
    # Decode latency is a benchmark's (bench/sid.py, `parley eval sid`), not a test's.
    generator, split = trained.generator, trained.split
    with torch_threads(1):
        for history in split.test_history:
            hits = generator.decode(history, 10, history)
            assert len(hits) == 10
            seen = set(history)
            for hit in hits:
                assert generator.ids.item_of(hit.code) == generator.ids.item_ids[hit.row]
                assert hit.row not in seen


def test_generation_beats_chance_by_far(trained: Trained) -> None:
    with torch_threads(1):
        sid = validate(trained.generator, trained.split.test_history, trained.split.test_target)
    pop = Popularity(len(trained.catalog), trained.split.train)
    popular = validate(pop, trained.split.test_history, trained.split.test_target)
    chance = 10 / len(trained.catalog)
    assert sid["recall@10"] > 5 * chance
    assert popular["recall@10"] > 5 * chance


def test_saved_generator_decodes_the_same_and_takes_new_items(
    trained: Trained, tmp_path: Path
) -> None:
    loaded = load_generator(save_generator(trained.generator, tmp_path / "sid"))
    history = trained.split.test_history[0]
    with torch_threads(1):
        assert loaded.decode(history, 10, history) == trained.generator.decode(history, 10, history)
        # A new item: its ID comes from its embedding alone, and it can be generated.
        code = loaded.add_item("new-item", trained.embeddings[0])
        assert code[:-1] == trained.generator.ids.id_of(trained.catalog.ids()[0])[:-1]
        assert loaded.ids.item_of(code) == "new-item"
        others = [i for i in loaded.ids.item_ids if i != "new-item"]
        only = loaded.recommend(others[:3], k=10, exclude=others)
        assert [r.item_id for r in only] == ["new-item"]
