"""The knowledge graph: typed nodes and relations, a lossless file format."""

from __future__ import annotations

from pathlib import Path

from knowledge.graph import KnowledgeGraph, item_node, relation_for, value_node
from knowledge.items import Catalog
from knowledge.loaders import KGTriple


def test_graph_from_catalog(tiny_catalog: Catalog) -> None:
    kg = KnowledgeGraph.from_catalog(
        tiny_catalog, [KGTriple("shining", "genre", "scary"), KGTriple("unknown", "genre", "x")]
    )
    g = kg.graph
    nolan = value_node("person", "Christopher Nolan")
    # One person both directs and writes Inception: two typed edges between the same nodes.
    assert set(g[item_node("inception")][nolan]) == {"directed_by", "written_by"}
    assert g.nodes[nolan] == {"kind": "person", "label": "Christopher Nolan"}
    assert g.has_edge(item_node("shining"), value_node("genre", "scary"), key="has_genre")
    assert item_node("unknown") not in g
    assert kg.node_kinds()["item"] == 5
    assert kg.relation_counts()["directed_by"] == 5
    assert relation_for("cast").relation == "stars"
    assert relation_for("language").relation == "has_language"


def test_graph_save_load_round_trip(tiny_catalog: Catalog, tmp_path: Path) -> None:
    kg = KnowledgeGraph.from_catalog(tiny_catalog)
    kg.save(tmp_path / "g.json.gz")
    loaded = KnowledgeGraph.load(tmp_path / "g.json.gz")
    assert sorted(loaded.graph.edges(keys=True)) == sorted(kg.graph.edges(keys=True))
    assert dict(loaded.graph.nodes(data=True)) == dict(kg.graph.nodes(data=True))


def test_adding_a_fact_twice_is_idempotent(tiny_catalog: Catalog) -> None:
    kg = KnowledgeGraph.from_catalog(tiny_catalog)
    before = kg.num_edges
    kg.add_fact("inception", "director", "christopher nolan")
    assert kg.num_edges == before
