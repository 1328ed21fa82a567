"""Catalog loaders: good input loads; malformed input names the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import CatalogError
from knowledge.loaders import load_catalog, load_jsonl, load_movielens, load_redial, write_jsonl
from knowledge.loaders.movielens import movielens_title
from tests.fixtures.catalogs import make_items


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_round_trip(tmp_path: Path) -> None:
    items = make_items()
    write_jsonl(items, tmp_path / "c.jsonl")
    result = load_catalog(f"jsonl:{tmp_path / 'c.jsonl'}")
    assert [i.model_dump() for i in result.catalog] == [i.model_dump() for i in items]
    assert result.report.skipped == []
    assert load_catalog(str(tmp_path / "c.jsonl")).catalog.ids() == result.catalog.ids()


def test_jsonl_duplicate_id_names_line_and_reason(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.jsonl",
        [
            '{"item_id": "a", "title": "A"}',
            "# a comment",
            '{"item_id": "b", "title": "B"}',
            '{"item_id": "a", "title": "A again"}',
        ],
    )
    with pytest.raises(CatalogError) as info:
        load_jsonl(path)
    err = info.value
    assert err.line == 4
    assert err.field == "item_id"
    assert "duplicate item_id 'a' (first on line 1)" in str(err)
    assert str(path) in str(err)


def test_jsonl_broken_line_names_line(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.jsonl", ['{"item_id": "a", "title": "A"}', '{"item_id": "b", "title": ']
    )
    with pytest.raises(CatalogError, match=r"line 2: not valid JSON"):
        load_jsonl(path)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"title": "No id"}', "item_id"),
        ('{"item_id": "x", "title": "X", "year": "1999?"}', "year"),
        ('{"item_id": "x", "title": "X", "attributes": {"genre": [3]}}', "attributes"),
        ('["not", "an", "object"]', None),
    ],
)
def test_jsonl_bad_field_is_named(tmp_path: Path, line: str, field: str | None) -> None:
    path = write_lines(tmp_path / "c.jsonl", ['{"item_id": "ok", "title": "OK"}', line])
    with pytest.raises(CatalogError) as info:
        load_jsonl(path)
    assert info.value.line == 2
    if field:
        assert info.value.field is not None and info.value.field.startswith(field)


def test_jsonl_lenient_mode_skips_and_reports(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.jsonl",
        [
            '{"item_id": "a", "title": "A"}',
            "{broken",
            '{"item_id": "a", "title": "dup"}',
            '{"item_id": "b", "title": "B"}',
        ],
    )
    result = load_jsonl(path, strict=False)
    assert result.catalog.ids() == ["a", "b"]
    assert [s.where for s in result.report.skipped] == ["line 2", "line 3"]
    assert "skipped 2" in result.report.summary()


def test_empty_and_missing_catalogs_are_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no valid items"):
        load_jsonl(write_lines(tmp_path / "e.jsonl", ["", "# nothing"]))
    with pytest.raises(CatalogError, match="no such file"):
        load_catalog(f"jsonl:{tmp_path / 'absent.jsonl'}")
    with pytest.raises(CatalogError, match="unknown catalog spec"):
        load_catalog("sqlite:foo")


def test_non_utf8_jsonl_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"item_id": "a", "title": "Amélie"}\n'.encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        load_jsonl(path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("American President, The (1995)", ("The American President", 1995)),
        ("Toy Story (1995)", ("Toy Story", 1995)),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            ("City of Lost Children, The (Cité des enfants perdus, La)", 1995),
        ),
        ("Babylon 5", ("Babylon 5", None)),
    ],
)
def test_movielens_titles(raw: str, expected: tuple[str, int | None]) -> None:
    assert movielens_title(raw) == expected


def _movielens_folder(tmp_path: Path, movies: list[str]) -> Path:
    write_lines(tmp_path / "movies.csv", ["movieId,title,genres", *movies])
    write_lines(
        tmp_path / "links.csv", ["movieId,imdbId,tmdbId", "1,0114709,862", "2,0113497,8844"]
    )
    write_lines(
        tmp_path / "tags.csv",
        ["userId,movieId,tag,timestamp", "2,1,Pixar,1", "3,1, pixar ,2", "3,2,board game,3"],
    )
    write_lines(
        tmp_path / "ratings.csv",
        ["userId,movieId,rating,timestamp", "1,1,4.0,10", "2,1,5.0,5", "1,2,3.0,20"],
    )
    return tmp_path


def test_movielens_loader(tmp_path: Path) -> None:
    folder = _movielens_folder(
        tmp_path,
        [
            "1,Toy Story (1995),Adventure|Animation|Children",
            '2,"Jumanji (1995)",Adventure|Fantasy',
            "3,Unknown Film,(no genres listed)",
        ],
    )
    result = load_movielens(folder)
    toy = result.catalog["1"]
    assert (toy.title, toy.year) == ("Toy Story", 1995)
    assert toy.values("genre") == ["adventure", "animation", "children"]
    assert toy.values("tag") == ["pixar"]
    assert toy.external_ids == {"movielens": "1", "imdb": "tt0114709"}
    assert toy.popularity == 2.0
    assert result.catalog["3"].attributes == {}


def test_movielens_duplicate_id_and_missing_column(tmp_path: Path) -> None:
    folder = _movielens_folder(tmp_path, ["1,A (2000),Drama", "1,B (2001),Comedy"])
    with pytest.raises(CatalogError) as info:
        load_movielens(folder)
    assert info.value.line == 3 and info.value.field == "movieId"
    assert load_movielens(folder, strict=False).catalog.ids() == ["1"]
    write_lines(tmp_path / "movies.csv", ["movieId,name", "1,A"])
    with pytest.raises(CatalogError, match="missing column"):
        load_movielens(folder)


def _redial_folder(tmp_path: Path, info: dict[str, object]) -> Path:
    (tmp_path / "id2info.json").write_text(json.dumps(info))
    return tmp_path


def test_redial_loader_with_kg(tmp_path: Path) -> None:
    folder = _redial_folder(
        tmp_path,
        {
            "10": {
                "name": "Inception (2010)",
                "genre": ["sci-fi"],
                "plot": "Dreams.",
                "director": ["Christopher Nolan"],
                "writer": [],
                "star": ["Leonardo DiCaprio"],
                "imdb_id": "tt1375666",
            },
            "11": {
                "name": "Back to the Future",
                "genre": ["comedy"],
                "plot": "",
                "director": [],
                "writer": [],
                "star": [],
            },
            "12": {
                "name": "Inception (2010)",
                "genre": [],
                "plot": "",
                "director": [],
                "writer": [],
                "star": [],
            },
        },
    )
    (folder / "entity2id.json").write_text(
        json.dumps({"Inception (2010)": 0, "scary": 1, "sci-fi": 2})
    )
    (folder / "relation2id.json").write_text(json.dumps({"genre": 0}))
    (folder / "kg.json").write_text(json.dumps({"0": [[0, 1], [0, 2]]}))
    result = load_redial(folder)
    assert result.catalog.ids() == ["10", "11"]
    assert result.catalog["10"].external_ids == {"imdb": "tt1375666"}
    assert result.catalog["11"].year is None
    assert [s.reason for s in result.report.skipped] == ["duplicate name (same as movie 10)"]
    assert {(t.item_id, t.relation, t.value) for t in result.kg_triples} == {
        ("10", "genre", "scary"),
        ("10", "genre", "sci-fi"),
    }


def test_redial_malformed_record_names_field(tmp_path: Path) -> None:
    folder = _redial_folder(tmp_path, {"10": {"name": "X (2000)", "genre": "drama"}})
    with pytest.raises(CatalogError) as info:
        load_redial(folder)
    assert info.value.field == "10.genre"
    assert "id2info.json" in str(info.value)
    with pytest.raises(CatalogError, match="no valid items"):
        load_redial(folder, strict=False)
    (folder / "id2info.json").write_text('{"10": {"name": ')
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_redial(folder)


def test_redial_lenient_skips_bad_records(tmp_path: Path) -> None:
    folder = _redial_folder(
        tmp_path,
        {"1": {"name": "Good (2000)"}, "2": {"genre": []}, "3": {"name": "Bad", "star": [1]}},
    )
    result = load_redial(folder, strict=False)
    assert result.catalog.ids() == ["1"]
    assert [s.where for s in result.report.skipped] == ["movie 2", "movie 3"]
