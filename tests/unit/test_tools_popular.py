"""The ``popular`` tool: a popularity prior within filters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.sources import SmallSource
from tests.unit.tools_contract import ToolContract
from tools.popular import PopularOutput, PopularTool


@pytest.fixture
def popular() -> PopularTool:
    return PopularTool(SmallSource())


class TestPopularContract(ToolContract):
    @pytest.fixture
    def tool(self, popular: PopularTool) -> PopularTool:
        return popular

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {},
            {"k": 3, "filters": {"include": {"genre": ["drama"]}}},
            {"exclude_ids": ["inception"]},
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"k": 0}, "k"),
            ({"k": 3, "colour": "red"}, "colour"),
            ({"filters": {"year_min": "x"}}, "filters"),
        ]


def test_most_popular_first_within_filters(popular: PopularTool) -> None:
    out = popular.invoke(
        {"k": 50, "filters": {"exclude": {"genre": ["drama"]}}, "exclude_ids": ["inception"]}
    )
    assert isinstance(out, PopularOutput)
    scores = [p.popularity for p in out.items]
    assert scores == sorted(scores, reverse=True)
    ids = [p.item.item_id for p in out.items]
    assert "inception" not in ids
    for item_id in ids:
        assert "drama" not in popular.catalog[item_id].values("genre")
