"""The ``sid`` tool and the agent over a pack with a (briefly) trained semantic-ID generator."""

from __future__ import annotations

import shutil
from typing import Any

import numpy as np
import pytest

from agent.agent import ParleyAgent
from knowledge.pack import Pack, load_pack
from knowledge.sid.artifacts import save_generator
from knowledge.sid.rqvae import RQVAEConfig
from knowledge.sid.train import SIDConfig, build_ids, torch_threads, train_generator
from tests.unit.tools_contract import ToolContract
from tools.sid import SidOutput, SidTool


def _genre_walks(pack: Pack, n: int = 300, length: int = 8) -> list[list[int]]:
    """Synthetic histories: each stays within one genre, so there is something to learn."""
    rng = np.random.default_rng(0)
    by_genre: dict[str, list[int]] = {}
    for row, item in enumerate(pack.catalog):
        for genre in item.values("genre")[:1]:
            by_genre.setdefault(genre, []).append(row)
    genres = [g for g, rows in by_genre.items() if len(rows) >= length]
    return [
        list(rng.choice(by_genre[genres[i % len(genres)]], size=length, replace=False))
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def sid_pack(demo_pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> Pack:
    folder = tmp_path_factory.mktemp("sid") / "demo"
    shutil.copytree(demo_pack.path, folder)
    pack = load_pack(folder)
    with torch_threads(1):
        config = SIDConfig(rqvae=RQVAEConfig(epochs=30, codebook_size=32)).with_seed(0)
        config.fit.epochs = 3
        config.fit.eval_every = 3
        embeddings = np.asarray(pack.item_embeddings(), dtype=np.float32)
        rqvae, ids, *_ = build_ids(pack.catalog.ids(), embeddings, config.rqvae)
        walks = _genre_walks(pack)
        generator, _ = train_generator(
            rqvae,
            ids,
            walks[:250],
            ([w[:-1] for w in walks[250:]], [w[-1] for w in walks[250:]]),
            config,
        )
    save_generator(generator, folder / "sid")
    return load_pack(folder)


class TestSidContract(ToolContract):
    @pytest.fixture
    def tool(self, sid_pack: Pack) -> SidTool:
        return SidTool(sid_pack)

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {"history": ["inception-2010", "The Prestige"], "k": 5},
            {"history": ["jaws-1975"], "exclude_ids": ["jurassic-park-1993"]},
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[Any, str]]:
        return [
            ({}, "history"),
            ({"history": []}, "history"),
            ({"history": ["jaws-1975"], "k": 0}, "k"),
            ({"history": ["no such film at all"]}, "history"),
        ]


def test_generated_items_are_real_and_exclusions_pruned(sid_pack: Pack) -> None:
    tool = SidTool(sid_pack)
    out = tool.invoke(
        {"history": ["inception-2010"], "k": 20, "exclude_ids": ["interstellar-2014"]}
    )
    assert isinstance(out, SidOutput) and len(out.items) == 20
    ids = [g.item.item_id for g in out.items]
    assert all(i in sid_pack.catalog for i in ids)
    assert "interstellar-2014" not in ids and "inception-2010" not in ids
    assert len(set(ids)) == len(ids)


def test_sid_is_skipped_without_a_model(demo_pack: Pack) -> None:
    assert not SidTool(demo_pack).is_available()
    assert "sid" not in ParleyAgent(demo_pack).toolbox.names()


def test_the_agent_fuses_sid(sid_pack: Pack) -> None:
    agent = ParleyAgent(sid_pack)
    result = agent.turn(agent.new_session(), "I loved Inception and The Prestige")
    assert "sid" in [c.tool for c in result.trace]
    assert all(i.item_id in sid_pack.catalog for i in result.items)
