"""Knowledge packs built for real: sentence-transformers embeddings in a persistent Chroma store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import PackError
from knowledge.filters import ItemFilter
from knowledge.graph import KnowledgeGraph
from knowledge.items import Catalog
from knowledge.loaders import LoadReport, LoadResult
from knowledge.pack import BuildStats, build_pack, load_pack
from tests.fixtures.catalogs import make_items

MANIFEST_KEYS = {
    "items",
    "kg_nodes",
    "kg_edges",
    "embedding_model",
    "catalog_sha256",
    "created_at",
    "parley_version",
}


def _source(items: list | None = None) -> LoadResult:
    catalog = Catalog(items or make_items(), name="tiny")
    return LoadResult(catalog, LoadReport("test"))


@pytest.fixture(scope="module")
def tiny_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildStats]:
    out = tmp_path_factory.mktemp("packs") / "tiny"
    return out, build_pack(_source(), out)


def test_manifest_and_files(tiny_pack: tuple[Path, BuildStats]) -> None:
    out, stats = tiny_pack
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) >= MANIFEST_KEYS
    assert manifest["items"] == stats.items == 5
    assert manifest["index"]["vectors"] == 5
    assert manifest["embedding_dim"] == 384
    assert not list(out.parent.glob(".tiny.*")), "temporary build folders were left behind"


def test_load_pack_gives_catalog_graph_and_index(tiny_pack: tuple[Path, BuildStats]) -> None:
    pack = load_pack(tiny_pack[0], eager=True)
    assert pack.catalog.ids() == [i.item_id for i in make_items()]
    assert (
        isinstance(pack.graph, KnowledgeGraph) and pack.graph.num_edges == pack.manifest["kg_edges"]
    )
    assert pack.index.count() == 5
    assert pack.item_embeddings().shape == (5, 384)


def test_query_finds_by_meaning(tiny_pack: tuple[Path, BuildStats]) -> None:
    pack = load_pack(tiny_pack[0])
    hits = pack.index.query("a heist inside someone's dream", k=3)
    assert hits[0].item_id == "inception"
    assert hits[0].score > hits[-1].score
    hotel = pack.index.query("a haunted hotel in the snow", k=1)
    assert hotel[0].item_id == "shining"


def test_filters_run_inside_the_query(tiny_pack: tuple[Path, BuildStats]) -> None:
    pack = load_pack(tiny_pack[0])
    # Even a query that matches other items best returns k items when k pass the filter.
    hits = pack.index.query("a haunted hotel", k=3, where=ItemFilter(include={"genre": ["sci-fi"]}))
    assert len(hits) == 3 and "shining" not in {h.item_id for h in hits}
    hits = pack.index.query(
        "desert planet", k=5, where=ItemFilter(year_min=2000), exclude_ids=["dune-2021"]
    )
    assert {h.item_id for h in hits} == {"inception", "interstellar"}
    hits = pack.index.query(
        "space", k=5, where=ItemFilter(exclude={"director": ["Christopher Nolan"]})
    )
    assert {h.item_id for h in hits} == {"dune-1984", "dune-2021", "shining"}
    assert pack.index.query("anything", k=5, where=ItemFilter(include={"genre": ["western"]})) == []


def test_rebuild_reuses_unchanged_embeddings(
    tiny_pack: tuple[Path, BuildStats], tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    first = build_pack(_source(), out)
    assert (first.embedded, first.reused) == (5, 0)
    assert first.left_out == []
    (out / "ranker.txt").write_text("a learned ranker")
    again = build_pack(_source(), out)
    assert (again.embedded, again.reused) == (0, 5)
    # A ranker learned from the old pack is not kept, and the build says so.
    assert again.left_out == ["learned ranker"] and not (out / "ranker.txt").exists()
    items = make_items()
    items[0] = items[0].model_copy(update={"description": "A changed description."})
    changed = build_pack(_source(items), out)
    assert (changed.embedded, changed.reused) == (1, 4)
    assert load_pack(out).catalog["inception"].description == "A changed description."


def test_failed_build_leaves_nothing_and_keeps_the_old_pack(
    tiny_pack: tuple[Path, BuildStats], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> KnowledgeGraph:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(KnowledgeGraph, "from_catalog", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_pack(_source(), tmp_path / "new")
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    good = tmp_path / "good"
    build_pack(_source(), good)
    before = (good / "manifest.json").read_text()
    monkeypatch.setattr(KnowledgeGraph, "from_catalog", explode)
    with pytest.raises(RuntimeError):
        build_pack(_source(), good)
    assert (good / "manifest.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good"]
    assert load_pack(good).index.count() == 5


def test_incomplete_or_foreign_folders_are_refused(tmp_path: Path) -> None:
    half = tmp_path / "half"
    half.mkdir()
    (half / "items.jsonl").write_text("")
    with pytest.raises(PackError, match="not a complete knowledge pack"):
        load_pack(half)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff")
    with pytest.raises(PackError, match="not a knowledge pack"):
        build_pack(_source(), foreign)
    assert (foreign / "holiday.jpg").exists()


def test_manifest_update_is_persistent(tiny_pack: tuple[Path, BuildStats], tmp_path: Path) -> None:
    out = tmp_path / "p"
    build_pack(_source(), out)
    pack = load_pack(out)
    pack.update_manifest("notes", {"k": 1})
    assert load_pack(out).manifest["notes"] == {"k": 1}
    with pytest.raises(ValueError):
        pack.update_manifest("items", {})
