"""A damaged pack fails when it is opened (``load_pack(eager=True)``, which ``parley serve``,
``parley chat`` and ``parley info`` use), with an error that names the part at fault,
instead of starting and answering "I don't know a movie called Inception"."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from knowledge.errors import PackError
from knowledge.loaders import write_jsonl
from knowledge.pack import Pack, build_pack, load_pack
from tests.fixtures.catalogs import make_items
from ui.cli import main


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _graph_cut(folder: Path) -> None:
    """Valid gzip, valid JSON, half the nodes and edges: a graph another tool shortened."""
    payload = json.loads(gzip.decompress((folder / "graph.json.gz").read_bytes()))
    payload["nodes"] = payload["nodes"][: len(payload["nodes"]) // 2]
    payload["edges"] = [e for e in payload["edges"] if max(e[0], e[1]) < len(payload["nodes"])]
    (folder / "graph.json.gz").write_bytes(gzip.compress(json.dumps(payload).encode()))


def _chroma_garbage(folder: Path) -> None:
    for path in (folder / "chroma").rglob("*.sqlite3"):
        path.write_bytes(b"not a database " * 200)


def _chroma_empty(folder: Path) -> None:
    """A Chroma folder with a store but no vectors (a copy taken mid-build, say)."""
    from knowledge.index import persistent_client, release_persistent

    shutil.rmtree(folder / "chroma")
    persistent_client(folder / "chroma").heartbeat()
    release_persistent(folder / "chroma")


def _embeddings_short(folder: Path) -> None:
    vectors = np.load(folder / "embeddings.npy")
    np.save(folder / "embeddings.npy", vectors[:10])


def _collab_missing(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["collab"] = {"items_with_interactions": 10}
    (folder / "manifest.json").write_text(json.dumps(manifest))


BREAKERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "graph missing": (lambda d: (d / "graph.json.gz").unlink(), "knowledge graph"),
    "graph truncated": (lambda d: _truncate(d / "graph.json.gz"), "knowledge graph"),
    "graph cut short": (_graph_cut, "knowledge graph"),
    "chroma folder gone": (lambda d: shutil.rmtree(d / "chroma"), "vector index"),
    "chroma corrupt": (_chroma_garbage, "vector index"),
    "chroma empty": (_chroma_empty, "vector index"),
    "embeddings missing": (lambda d: (d / "embeddings.npy").unlink(), "embeddings"),
    "embeddings truncated": (lambda d: _truncate(d / "embeddings.npy"), "embeddings"),
    "embeddings short": (_embeddings_short, "embeddings"),
    "items truncated": (lambda d: _truncate(d / "items.jsonl"), "items"),
    "twins corrupt": (lambda d: (d / "twins.json").write_text("[[1, "), "twins"),
    "collab missing": (_collab_missing, "collaborative model"),
    "counts corrupt": (lambda d: (d / "counts.json").write_text("[1, 2]"), "interaction counts"),
    "ratings corrupt": (lambda d: (d / "ratings.json").write_text('{"x": 3}'), "ratings"),
    "ratings impossible": (lambda d: (d / "ratings.json").write_text('{"x": [5, 2]}'), "ratings"),
    "children corrupt": (lambda d: (d / "children.json").write_text('{"x": 1}'), "children"),
    "tags corrupt": (lambda d: (d / "tags.json").write_text('{"x": [1]}'), "tags"),
}


@pytest.fixture()
def copy(demo_pack: Pack, tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(demo_pack.path, folder)
    return folder


def test_an_intact_copy_opens(copy: Path) -> None:
    pack = load_pack(copy, eager=True)
    assert pack.index.count() == len(pack.catalog)


@pytest.mark.parametrize("fault", sorted(BREAKERS))
def test_a_damaged_pack_fails_at_open_with_the_part_named(copy: Path, fault: str) -> None:
    breaker, part = BREAKERS[fault]
    breaker(copy)
    with pytest.raises(PackError, match=part) as failure:
        load_pack(copy, eager=True)
    assert str(copy) in str(failure.value) and "rebuild" in str(failure.value)
    if fault == "chroma folder gone":
        assert not (copy / "chroma").exists()  # opening it did not create an empty store


def test_the_command_line_says_so_and_exits(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(copy / "chroma")
    assert main(["info", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "vector index" in err and "Traceback" not in err


BUILD = """
import sys
from knowledge.pack import build_pack
build_pack("demo", sys.argv[1])
"""


def test_a_killed_build_leaves_nothing_behind_for_long(tmp_path: Path) -> None:
    """SIGKILL gives a build no chance to clean up: the next build of the folder does it."""
    out = tmp_path / "pack"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    build = subprocess.Popen([sys.executable, "-c", BUILD, str(out)], env=env)
    partial = tmp_path / f".pack.partial-{build.pid}"
    deadline = time.monotonic() + 120
    while not partial.exists() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial.exists(), "the build never started writing"
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert partial.exists() and not out.exists()  # what a killed build leaves

    # Another build running right now keeps its folder.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    busy = tmp_path / f".pack.partial-{sleeper.pid}"
    busy.mkdir()
    try:
        tiny = tmp_path / "tiny.jsonl"
        write_jsonl(make_items(), tiny)
        build_pack(f"jsonl:{tiny}", out)
        assert not partial.exists() and busy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert load_pack(out, eager=True).catalog.ids() == [i.item_id for i in make_items()]
