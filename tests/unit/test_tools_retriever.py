"""The retriever tool: dense and BM25 fusion, filters, excluded items."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.bm25 import BM25Index
from tests.fixtures.sources import SmallSource
from tests.unit.tools_contract import ToolContract
from tools.retriever import RetrieverTool, query_terms


@pytest.fixture(scope="module")
def retriever() -> RetrieverTool:
    tool = RetrieverTool(SmallSource())
    tool.ensure_ready()
    return tool


def ids(tool: RetrieverTool, raw: dict[str, Any]) -> list[str]:
    return [r.item.item_id for r in tool.invoke(raw).items]


class TestRetrieverContract(ToolContract):
    @pytest.fixture
    def tool(self, retriever: RetrieverTool) -> RetrieverTool:
        return retriever

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {"text": "something with Tom Hanks", "k": 3},
            {"text": "space", "filters": {"include": {"genre": ["sci-fi"]}, "year_min": 2000}},
            {"text": "batman", "exclude_ids": ["dark-knight"], "dense_weight": 1.0},
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[Any, str]]:
        return [
            ({"k": 3}, "text"),
            ({"text": "x", "k": 0}, "k"),
            ({"text": "x", "filters": {"year_min": 2010, "year_max": 2000}}, "filters"),
            ({"text": "x", "filters": {"include": {"genra": ["comedy"]}}}, "filters.include.genra"),
            ({"text": "x", "filters": {"colour": "red"}}, "filters.colour"),
            ({"text": "x", "dense_weight": -1}, "dense_weight"),
        ]


def test_names_in_the_request_win_through_bm25(retriever: RetrieverTool) -> None:
    top = ids(retriever, {"text": "something with Tom Hanks", "k": 3})
    assert set(top) == {"forrest-gump", "cast-away", "toy-story"}


def test_filters_and_exclusions_always_hold(retriever: RetrieverTool) -> None:
    catalog = retriever.catalog
    raw = {
        "text": "a film",
        "k": 20,
        "filters": {
            "include": {"genre": ["drama"]},
            "exclude": {"genre": ["romance"]},
            "year_min": 1995,
            "year_max": 2012,
        },
        "exclude_ids": ["heat"],
    }
    found = ids(retriever, raw)
    assert found
    for item_id in found:
        item = catalog[item_id]
        assert "drama" in item.values("genre") and "romance" not in item.values("genre")
        assert 1995 <= (item.year or 0) <= 2012
    assert "heat" not in found
    expected = {
        i.item_id
        for i in catalog
        if "drama" in i.values("genre")
        and "romance" not in i.values("genre")
        and 1995 <= (i.year or 0) <= 2012
    } - {"heat"}
    assert set(found) == expected  # k is large enough: every matching item comes back


def test_k_is_respected_and_scores_descend(retriever: RetrieverTool) -> None:
    output = retriever.invoke({"text": "drama", "k": 4})
    assert len(output.items) == 4
    scores = [r.score for r in output.items]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= r.lexical <= 1.0 for r in output.items)


def test_dense_only_when_no_word_matches(retriever: RetrieverTool) -> None:
    output = retriever.invoke({"text": "zzzz qqqq", "k": 3})
    assert len(output.items) == 3
    assert all(r.lexical == 0 for r in output.items)


def test_bm25_prefers_rarer_terms_and_phrases() -> None:
    index = BM25Index([["tom", "hank", "tom_hank"], ["tom", "cruise"], ["drama"]])
    scores = index.scores(query_terms("Tom Hanks"))
    assert scores[0] > scores[1] > scores[2] == 0
    assert index.scores(["unknown"]).sum() == 0
