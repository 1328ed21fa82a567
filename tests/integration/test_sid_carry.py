"""A rebuilt pack keeps its semantic-ID generator, and items added to the catalog get IDs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.items import Catalog, Item
from knowledge.loaders import LoadReport, LoadResult
from knowledge.loaders.jsonl import load_jsonl
from knowledge.pack import build_pack, load_pack
from knowledge.sid.artifacts import save_generator
from knowledge.sid.generator import fit_content_map
from knowledge.sid.pipeline import load_pack_generator
from knowledge.sid.rqvae import RQVAEConfig
from knowledge.sid.train import SIDConfig, build_ids, torch_threads, train_generator
from tools.sid import SidTool

DEMO = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_movies.jsonl"


def _source(items: list[Item]) -> LoadResult:
    return LoadResult(Catalog(items, name="carry"), LoadReport("test"))


def _walks(n_items: int, n: int = 120, length: int = 6) -> list[list[int]]:
    rng = np.random.default_rng(0)
    return [
        [(start + 2 * t) % n_items for t in range(length)]
        for start in rng.integers(0, n_items, n).tolist()
    ]


def test_a_rebuild_gives_new_items_ids_and_drops_removed_ones(tmp_path: Path) -> None:
    items = load_jsonl(DEMO).catalog.items[:41]
    first, newcomer, leaver = items[:40], items[40], items[3]
    out = tmp_path / "pack"
    build_pack(_source(first), out)
    pack = load_pack(out)

    config = SIDConfig(rqvae=RQVAEConfig(epochs=15, codebook_size=8)).with_seed(0)
    for setting in ("item_loss=1", "mass_levels=1", "collab.dim=4", "collab.min_count=1"):
        config.override(setting)
    config.fit.epochs = config.fit.eval_every = 2
    walks = _walks(len(first))
    embeddings = np.asarray(pack.item_embeddings(), dtype=np.float32)
    with torch_threads(1):
        built = build_ids(
            pack.catalog.ids(), embeddings, config.rqvae, train=walks, collab=config.collab
        )
        generator, _ = train_generator(
            built.rqvae,
            built.ids,
            walks[:100],
            ([w[:-1] for w in walks[100:]], [w[-1] for w in walks[100:]]),
            config,
            features=built.features,
        )
    fit_content_map(generator, embeddings, (r for w in walks[:100] for r in w))
    generator.cold_share = 0.2
    save_generator(generator, out / "sid")
    before = {i: generator.ids.id_of(i) for i in generator.ids.item_ids}

    # The catalog changes: one item arrives, one leaves.
    changed = [i for i in items if i.item_id != leaver.item_id]
    build_pack(_source(changed), out)
    pack = load_pack(out)
    carried = load_pack_generator(pack)
    assert carried.ids.item_ids == pack.catalog.ids()
    assert leaver.item_id not in carried.ids
    for item_id in carried.ids.item_ids:
        if item_id != newcomer.item_id:
            assert carried.ids.id_of(item_id) == before[item_id]

    code = carried.ids.id_of(newcomer.item_id)
    assert len(code) == carried.ids.n_levels
    assert carried.ids.item_of(code) == newcomer.item_id
    assert code not in before.values()  # not even the removed item's ID
    row = pack.catalog.ids().index(newcomer.item_id)
    text = np.asarray(pack.item_embeddings(), dtype=np.float32)[row]
    assert tuple(code[:-1]) == tuple(carried.assign(text)[0].tolist())
    section = pack.manifest["sid"]["updated"]
    assert (section["items_added"], section["items_removed"]) == (1, 1)
    # It is known as added: scored through the content map, and kept a share of the top k.
    assert carried.added == {newcomer.item_id} and set(carried.added_vectors) == carried.added
    with torch_threads(1):
        top = carried.recommend(pack.catalog.ids()[:2], k=5)
    assert newcomer.item_id in [r.item_id for r in top]

    # The new item can be generated: with everything else excluded it is all that is left.
    others = [i for i in pack.catalog.ids() if i != newcomer.item_id]
    with torch_threads(1):
        recs = carried.recommend(others[:2], k=5, exclude=others)
        assert [r.item_id for r in recs] == [newcomer.item_id]
        tool = SidTool(pack)
        found = tool.invoke({"history": others[:2], "k": len(others), "exclude_ids": others[2:]})
    assert newcomer.item_id in [g.item.item_id for g in found.items]


def test_a_pack_without_a_generator_is_built_as_before(tmp_path: Path) -> None:
    items = load_jsonl(DEMO).catalog.items[:10]
    out = tmp_path / "pack"
    build_pack(_source(items), out)
    build_pack(_source(items[:9]), out)
    pack = load_pack(out)
    assert "sid" not in pack.manifest and not (out / "sid").exists()
