"""The item model and catalog."""

from __future__ import annotations

import datetime

import pytest
from pydantic import ValidationError

from knowledge.items import Catalog, Item, normalize_text, split_title_year


@pytest.mark.parametrize(
    ("raw", "title", "year"),
    [
        ("Inception (2010)", "Inception", 2010),
        ("Back to the Future", "Back to the Future", None),
        ("Blade Runner 2049 (2017)", "Blade Runner 2049", 2017),
        ("  Se7en (1995) ", "Se7en", 1995),
    ],
)
def test_split_title_year(raw: str, title: str, year: int | None) -> None:
    assert split_title_year(raw) == (title, year)


def test_normalize_text_folds_case_accents_and_punctuation() -> None:
    assert normalize_text("Amélie!") == "amelie"
    assert normalize_text("Crouching Tiger, Hidden Dragon") == "crouching tiger hidden dragon"
    assert normalize_text("Fast & Furious") == "fast and furious"


def test_attribute_aliases_merge_and_dedupe() -> None:
    item = Item(
        item_id="x",
        title="X",
        attributes={"cast": ["A", "B"], "stars": ["B", " C "], "genres": "drama"},
    )
    assert item.attributes == {"star": ["A", "B", "C"], "genre": ["drama"]}
    assert item.values("actors") == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"item_id": "", "title": "X"}, "item_id"),
        ({"item_id": "x", "title": "   "}, "title"),
        ({"item_id": "x", "title": "X", "year": "soon"}, "year"),
        ({"item_id": "x", "title": "X", "attributes": {"genre": [1]}}, "attributes"),
        ({"item_id": "x", "title": "X", "popularity": -1}, "popularity"),
        ({"item_id": "x", "title": "X", "colour": "red"}, "colour"),
    ],
)
def test_item_rejects_bad_fields(record: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Item.model_validate(record)
    assert field in str(info.value)


def test_embedding_text_has_title_attributes_and_description(tiny_catalog: Catalog) -> None:
    text = tiny_catalog["inception"].embedding_text()
    assert text.startswith("Inception (2010).")
    assert "director: Christopher Nolan." in text
    assert "dreams" in text


def test_catalog_indexes_and_rejects_duplicates(tiny_catalog: Catalog) -> None:
    assert len(tiny_catalog) == 5
    assert "dune-2021" in tiny_catalog
    assert tiny_catalog.get("nope") is None
    with pytest.raises(KeyError, match="nope"):
        tiny_catalog["nope"]
    assert [i.item_id for i in tiny_catalog.by_title()["dune"]] == ["dune-1984", "dune-2021"]
    assert tiny_catalog.attribute_values("director")["Christopher Nolan"] == 2
    with pytest.raises(ValueError, match="duplicate item_id"):
        Catalog([*tiny_catalog.items, tiny_catalog["dune-1984"]])


def test_catalog_hash_depends_on_content_only(tiny_catalog: Catalog) -> None:
    same = Catalog(list(tiny_catalog.items), name="other name")
    assert same.sha256() == tiny_catalog.sha256()
    changed = Catalog(
        [*tiny_catalog.items[:-1], tiny_catalog.items[-1].model_copy(update={"year": 1981})]
    )
    assert changed.sha256() != tiny_catalog.sha256()


def test_present_year_is_the_catalogs_latest_substantial_year() -> None:
    """A catalog collected in 2018 is in 2018 for "recent": a few stray later records do
    not move it, and a catalog without years is in this calendar year."""
    dated = [Item(item_id=f"a{i}", title=f"A{i}", year=2000 + i % 19) for i in range(950)]
    stray = [Item(item_id=f"s{i}", title=f"S{i}", year=2019) for i in range(3)]
    assert Catalog(dated + stray).present_year() == 2018
    undated = Catalog([Item(item_id="x", title="X")])
    assert undated.present_year() == datetime.date.today().year
    future = Catalog([Item(item_id=f"f{i}", title="F", year=2099) for i in range(5)])
    assert future.present_year() == datetime.date.today().year
