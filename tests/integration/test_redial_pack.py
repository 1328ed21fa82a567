"""The ReDial reference catalog: the issue's acceptance checks, end to end through the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from knowledge.pack import Pack, load_pack
from knowledge.sequences import dialogue_comentions, movielens_sequences
from ui.cli import main

pytestmark = pytest.mark.slow


def test_cli_build(redial_dir: Path, tmp_path: Path, redial_pack: Pack) -> None:
    # Seed the embeddings from the session pack so this checks the CLI, not the model again.
    import shutil

    out = tmp_path / "redial"
    shutil.copytree(redial_pack.path, out)
    assert main(["build", "--catalog", f"redial:{redial_dir}", "--out", str(out)]) == 0
    assert load_pack(out).manifest["catalog_sha256"] == redial_pack.manifest["catalog_sha256"]


def test_manifest_counts(redial_pack: Pack) -> None:
    manifest = redial_pack.manifest
    assert manifest["items"] >= 6500
    assert manifest["kg_edges"] >= 56965
    assert manifest["skipped"] == 7  # seven movie names repeat; the repeats are reported


def test_search_finds_inception(redial_pack: Pack, capsys: pytest.CaptureFixture[str]) -> None:
    query = "a thief who steals corporate secrets by entering people's dreams"
    assert main(["search", "--pack", str(redial_pack.path), "-k", "3", "--json", query]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert ("Inception", 2010) in [(r["title"], r["year"]) for r in rows]


def test_pack_loads_quickly_enough_to_measure(redial_pack: Pack) -> None:
    # Not a timed assertion (bench/build.py measures); only checks the eager load works.
    started = time.perf_counter()
    pack = load_pack(redial_pack.path, eager=True)
    assert pack.graph.num_edges == redial_pack.manifest["kg_edges"]
    assert time.perf_counter() - started > 0


def test_sequences_map_onto_the_pack(
    redial_pack: Pack, movielens_dir: Path, redial_dir: Path
) -> None:
    ml = movielens_sequences(movielens_dir, redial_pack.catalog)
    assert len(ml.sequences) == 610
    assert ml.items_covered >= 4000
    assert all(i in redial_pack.catalog for s in ml.sequences for i in s.item_ids)
    dialogues = dialogue_comentions(redial_dir / "dev_dialogues.jsonl", redial_pack.catalog)
    assert len(dialogues.sequences) > 900
