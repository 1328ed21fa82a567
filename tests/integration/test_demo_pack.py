"""The bundled demo catalog builds into a working pack, and the CLI reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.loaders import load_demo
from knowledge.pack import Pack
from ui.cli import main


def test_demo_catalog_is_rich_enough() -> None:
    catalog = load_demo().catalog
    assert len(catalog) >= 250
    for item in catalog:
        assert item.year and item.description and item.values("genre") and item.values("director")
    nolan = {i.title for i in catalog if "Christopher Nolan" in i.values("director")}
    assert {"Inception", "The Prestige", "Interstellar", "The Dark Knight"} <= nolan
    remakes = [items for items in catalog.by_title().values() if len(items) > 1]
    assert remakes, "the demo catalog should include a remake that shares its title"


def test_dream_heist_query_finds_inception(demo_pack: Pack) -> None:
    hits = demo_pack.index.query(
        "a thief who steals corporate secrets by entering people's dreams", k=3
    )
    assert demo_pack.catalog[hits[0].item_id].title == "Inception"


def test_demo_graph_links_nolan_films(demo_pack: Pack) -> None:
    g = demo_pack.graph.graph
    nolan_films = {
        u for u, _, k in g.in_edges("person:christopher nolan", keys=True) if k == "directed_by"
    }
    assert len(nolan_films) >= 8


def test_cli_search_and_info(demo_pack: Pack, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "search",
                "--pack",
                str(demo_pack.path),
                "-k",
                "5",
                "--json",
                "--filter",
                "genre=horror",
                "--filter",
                "year<=1990",
                "scary",
                "hotel",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5
    for row in rows:
        item = demo_pack.catalog[row["item_id"]]
        assert "horror" in item.values("genre") and item.year is not None and item.year <= 1990
    assert main(["info", str(demo_pack.path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == len(demo_pack.catalog)
    assert main(["info", str(demo_pack.path)]) == 0
    assert "Sanity figures" in capsys.readouterr().out


def test_default_pack_is_built_on_first_use(
    demo_pack: Pack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path))
    assert main(["search", "-k", "1", "--json", "dinosaurs escape from a theme park"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["title"] == "Jurassic Park"
    assert (tmp_path / "packs" / "demo" / "manifest.json").exists()
