"""Catalog files as they come from the wild: a byte-order mark, a stray Latin-1 byte, JSON
nested thousands deep, a description of megabytes. Each is read, reported with its line, or
refused with a clear error; none is a traceback or a silently lost record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import CatalogError
from knowledge.loaders import MAX_DESCRIPTION, load_catalog, load_jsonl, load_movielens
from knowledge.loaders.redial import load_redial

BOM = "\ufeff".encode()
GOOD = ['{"item_id": "a", "title": "A"}', '{"item_id": "b", "title": "B"}']


def test_a_byte_order_mark_keeps_the_first_record(tmp_path: Path) -> None:
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_bytes(BOM + "\n".join(GOOD).encode())
    assert load_jsonl(jsonl).catalog.ids() == ["a", "b"]

    (tmp_path / "movies.csv").write_bytes(BOM + b"movieId,title,genres\n1,A (2000),Drama\n")
    assert load_movielens(tmp_path).catalog.ids() == ["1"]

    info = {"7": {"name": "Heat (1995)", "genre": ["crime"]}}
    (tmp_path / "id2info.json").write_bytes(BOM + json.dumps(info).encode())
    assert load_redial(tmp_path).catalog.ids() == ["7"]


def test_a_stray_byte_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    latin = '{"item_id": "c", "title": "Amélie"}'.encode("latin-1")
    path.write_bytes(GOOD[0].encode() + b"\n" + latin + b"\n" + GOOD[1].encode() + b"\n")
    with pytest.raises(CatalogError, match="line 2: not UTF-8 text") as info:
        load_jsonl(path)
    assert info.value.line == 2 and "0xe9" in str(info.value)
    lenient = load_jsonl(path, strict=False)
    assert lenient.catalog.ids() == ["a", "b"]
    assert [s.where for s in lenient.report.skipped] == ["line 2"]


def test_a_stray_byte_in_movielens_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "movies.csv").write_bytes(
        b"movieId,title,genres\n1,A (2000),Drama\n2,Am\xe9lie (2001),Comedy\n3,C (2002),Drama\n"
    )
    with pytest.raises(CatalogError, match="line 3") as info:
        load_movielens(tmp_path)
    assert "not UTF-8" in str(info.value)
    assert load_movielens(tmp_path, strict=False).catalog.ids() == ["1", "3"]


def test_a_stray_byte_in_redial_json_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "id2info.json").write_bytes(b'{\n"7": {"name": "Am\xe9lie (2001)"}\n}\n')
    with pytest.raises(CatalogError, match="line 2: not UTF-8"):
        load_redial(tmp_path)


def test_deeply_nested_json_is_a_clear_error(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "c.jsonl"
    path.write_text(f'{GOOD[0]}\n{{"item_id": "x", "title": "X", "tags": {deep}}}\n{GOOD[1]}\n')
    with pytest.raises(CatalogError, match=r"line 2: .*nested too deeply"):
        load_jsonl(path)
    assert load_jsonl(path, strict=False).catalog.ids() == ["a", "b"]
    (tmp_path / "id2info.json").write_text(deep)
    with pytest.raises(CatalogError, match="nested too deeply"):
        load_redial(tmp_path)


def test_long_descriptions_are_cut_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    huge = "A heist in a dream. " * 500_000  # 10 MB
    record = {"item_id": "big", "title": "Big", "description": huge}
    path.write_text(json.dumps(record) + "\n" + GOOD[0] + "\n")
    result = load_catalog(f"jsonl:{path}")
    kept = result.catalog["big"].description
    assert len(kept) <= MAX_DESCRIPTION and kept.endswith("…")
    assert kept.startswith("A heist in a dream.")
    assert "1 description cut to 2,000 characters (first: big)" in result.report.summary()
    assert result.catalog["a"].description == ""
