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


def test_wishes_put_the_best_known_items_that_meet_them_first(popular: PopularTool) -> None:
    plain = [p.item.item_id for p in popular.invoke({"k": 50}).items]  # type: ignore[union-attr]
    out = popular.invoke({"k": 50, "wanted": {"genre": ["Drama"]}})
    assert isinstance(out, PopularOutput)
    ids = [p.item.item_id for p in out.items]
    dramas = [i for i in plain if "drama" in popular.catalog[i].values("genre")]
    assert dramas and len(dramas) < len(plain)
    # Every drama, best known first, then the rest in their usual order: a wish is soft.
    assert ids == dramas + [i for i in plain if i not in dramas]


def test_items_meeting_more_wishes_come_first(popular: PopularTool) -> None:
    wanted = {"genre": ["drama"], "director": ["christopher nolan"]}
    out = popular.invoke({"k": 50, "wanted": wanted})
    assert isinstance(out, PopularOutput)

    def met(item_id: str) -> int:
        item = popular.catalog[item_id]
        return sum(
            bool({v.lower() for v in item.values(a)} & set(values)) for a, values in wanted.items()
        )

    counts = [met(p.item.item_id) for p in out.items]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2


def test_genres_asked_for_together_put_films_of_both_first(popular: PopularTool) -> None:
    # "an animated comedy": among the films meeting the genre wish, those of both genres
    # first, each part by popularity; "animation or comedy" puts them in no such order.
    wanted = {"genre": ["animation", "comedy"]}
    out = popular.invoke({"k": 50, "wanted": wanted, "together": ["animation", "comedy"]})
    assert isinstance(out, PopularOutput)

    def both(item_id: str) -> bool:
        return {"animation", "comedy"} <= set(popular.catalog[item_id].values("genre"))

    ids = [p.item.item_id for p in out.items]
    kinds = [both(i) for i in ids]
    assert any(kinds) and kinds == sorted(kinds, reverse=True)
    either = popular.invoke({"k": 50, "wanted": wanted})
    assert isinstance(either, PopularOutput)
    assert [p.item.item_id for p in either.items] != ids


def test_items_about_a_subject_asked_for_come_first(popular: PopularTool) -> None:
    # "a heist movie": the films about heists, best known first, before the best-known films
    plain = popular.invoke({"k": 10})
    assert isinstance(plain, PopularOutput)
    ranked = [p.item.item_id for p in plain.items]
    about = [ranked[-1], ranked[-3]]
    out = popular.invoke({"k": 10, "about_ids": about})
    assert isinstance(out, PopularOutput)
    ids = [p.item.item_id for p in out.items]
    assert ids[:2] == [ranked[-3], ranked[-1]] and set(ids[2:]) <= set(ranked)
