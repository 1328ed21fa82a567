"""The kg_paths tool: typed paths through real edges, rendering, ranking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.sources import SmallSource
from tests.unit.tools_contract import ToolContract
from tools.kg_paths import KgPath, KgPathsTool


@pytest.fixture(scope="module")
def kg() -> KgPathsTool:
    tool = KgPathsTool(SmallSource())
    tool.ensure_ready()
    return tool


def assert_real(tool: KgPathsTool, path: KgPath) -> None:
    graph = tool.source.graph.graph
    assert path.steps[0].source == path.source and path.steps[-1].target == path.target
    nodes = [path.source, *(s.target for s in path.steps)]
    assert len(set(nodes)) == len(nodes), "paths are simple"
    for before, step in zip(path.steps, path.steps[1:], strict=False):
        assert before.target == step.source
    for step in path.steps:
        u, v = (step.source, step.target) if step.forward else (step.target, step.source)
        assert graph.has_edge(u, v, key=step.relation), f"no edge {u} -{step.relation}-> {v}"


class TestKgPathsContract(ToolContract):
    @pytest.fixture
    def tool(self, kg: KgPathsTool) -> KgPathsTool:
        return kg

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {
                "sources": ["Inception (2010)"],
                "targets": ["Interstellar (2014)", "titanic", "Heat"],
            },
            {"sources": ["person:tom hanks"], "targets": ["Cast Away"], "max_hops": 1},
            {"sources": ["inception", "genre:romance"], "k": 3},
            {"sources": ["The Dark Knight"], "method": "ppr", "exclude_ids": ["dark-knight-rises"]},
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[Any, str]]:
        return [
            ({}, "sources"),
            ({"sources": []}, "sources"),
            ({"sources": "Inception"}, "sources"),
            ({"sources": ["no such film at all"]}, "sources"),
            ({"sources": ["inception"], "max_hops": 4}, "max_hops"),
            ({"sources": ["inception"], "method": "magic"}, "method"),
        ]


def test_inception_to_interstellar_goes_through_nolan(kg: KgPathsTool) -> None:
    output = kg.invoke({"sources": ["Inception (2010)"], "targets": ["Interstellar (2014)"]})
    best = output.results[0].paths[0]
    assert best.text == (
        "Inception (2010) -directed_by-> Christopher Nolan <-directed_by- Interstellar (2014)"
    )
    assert best.sentence == "shares director Christopher Nolan with Inception (2010)"


def test_every_rendered_path_is_made_of_real_edges(kg: KgPathsTool) -> None:
    inputs = [
        {
            "sources": ["inception", "person:tom hanks", "genre:horror"],
            "targets": ["titanic", "toy-story", "it", "person:michael caine", "genre:crime"],
            "paths_per_target": 20,
        },
        {"sources": ["titanic"], "k": 20, "paths_per_target": 20},
    ]
    count = 0
    for raw in inputs:
        for connection in kg.invoke(raw).results:
            for path in connection.paths:
                assert len(path.steps) <= 3
                assert_real(kg, path)
                count += 1
    assert count > 20


def test_hop_limit_and_three_hop_sentences(kg: KgPathsTool) -> None:
    one = kg.invoke({"sources": ["person:tom hanks"], "targets": ["toy-story"], "max_hops": 1})
    assert {len(p.steps) for p in one.results[0].paths} == {1}
    assert one.results[0].paths[0].sentence == "stars Tom Hanks"
    three = kg.invoke({"sources": ["person:heath ledger"], "targets": ["interstellar"]})
    path = three.results[0].paths[0]
    assert len(path.steps) == 3
    assert path.sentence.endswith("which stars Heath Ledger")
    assert "with The Dark Knight (2008)" in path.sentence


def test_targets_are_ranked_by_connection_strength(kg: KgPathsTool) -> None:
    output = kg.invoke(
        {"sources": ["The Dark Knight (2008)"], "targets": ["Titanic", "The Dark Knight Rises"]}
    )
    assert [c.entity.item.item_id for c in output.results if c.entity.item] == [
        "dark-knight-rises",
        "titanic",
    ]


@pytest.mark.parametrize("method", ["paths", "ppr"])
def test_ranking_without_targets_damps_hubs(kg: KgPathsTool, method: str) -> None:
    output = kg.invoke({"sources": ["Inception (2010)"], "k": 3, "method": method})
    top = [c.entity.item.item_id for c in output.results if c.entity.item]
    # Items sharing a person come before items that share only hub genres (sci-fi, action).
    assert len(top) == 3
    assert set(top) <= {"interstellar", "dark-knight", "dark-knight-rises", "titanic"}
    if method == "paths":
        assert top[0] in {"interstellar", "dark-knight", "dark-knight-rises"}
    assert "inception" not in top
    assert all(c.paths for c in output.results)


def test_unresolved_targets_are_reported_and_remakes_noted(kg: KgPathsTool) -> None:
    output = kg.invoke({"sources": ["Dune"], "targets": ["Interstellar", "Zorblax the Movie"]})
    assert output.sources[0].entity_id == "item:dune-2021"
    assert output.sources[0].alternatives == ["item:dune-1984"]
    assert output.unresolved == ["Zorblax the Movie"]
