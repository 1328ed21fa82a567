"""Hard filters: parsing, matching, and their translation into Chroma ``where`` clauses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge.filters import ItemFilter, parse_filter_args
from knowledge.index import attribute_key, item_metadata, where_clause
from knowledge.items import Catalog


def test_parse_filter_args() -> None:
    filt = parse_filter_args(
        ["genre=Sci-Fi", "genre!=horror", "year>=1990", "year<=2015", "cast=Tom Hanks"]
    )
    assert filt.include == {"genre": ["sci-fi"], "star": ["tom hanks"]}
    assert filt.exclude == {"genre": ["horror"]}
    assert (filt.year_min, filt.year_max) == (1990, 2015)
    assert parse_filter_args(["year=2000"]).year_min == 2000


@pytest.mark.parametrize("arg", ["genre", "year>soon", "year~2000"])
def test_parse_filter_args_rejects_nonsense(arg: str) -> None:
    with pytest.raises(ValueError, match="filter"):
        parse_filter_args([arg])


def test_inverted_year_range_is_rejected() -> None:
    with pytest.raises(ValidationError, match="after year_max"):
        ItemFilter(year_min=2000, year_max=1990)


def test_matches(tiny_catalog: Catalog) -> None:
    filt = ItemFilter(
        include={"genre": ["sci-fi"]}, exclude={"director": ["david lynch"]}, year_min=2000
    )
    assert [i.item_id for i in tiny_catalog if filt.matches(i)] == [
        "inception",
        "interstellar",
        "dune-2021",
    ]
    assert ItemFilter().is_empty()


def test_where_clause_shapes(tiny_catalog: Catalog) -> None:
    assert where_clause(None) is None
    assert where_clause(ItemFilter(year_min=1990)) == {"year": {"$gte": 1990}}
    clause = where_clause(
        ItemFilter(include={"genre": ["sci-fi"]}, exclude={"genre": ["horror"]}), ["a", "a"]
    )
    assert clause == {
        "$and": [
            {"a_genre": {"$contains": "sci-fi"}},
            {"a_genre": {"$not_contains": "horror"}},
            {"item_id": {"$nin": ["a"]}},
        ]
    }
    meta = item_metadata(tiny_catalog["inception"])
    assert meta["a_director"] == ["christopher nolan"] and meta["year"] == 2010
    assert attribute_key("Original Language") == "a_original_language"
