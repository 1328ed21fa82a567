"""The item-attribute knowledge graph: typed nodes and typed relations in networkx."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from knowledge.errors import PackError
from knowledge.items import Catalog, canonical_attribute
from knowledge.loaders.base import KGTriple

GRAPH_FORMAT = 1


@dataclass(frozen=True)
class RelationType:
    """How an attribute becomes an edge: the relation name and the kind of the value node."""

    relation: str
    node_kind: str


KNOWN_RELATIONS: dict[str, RelationType] = {
    "genre": RelationType("has_genre", "genre"),
    "director": RelationType("directed_by", "person"),
    "star": RelationType("stars", "person"),
    "writer": RelationType("written_by", "person"),
    "tag": RelationType("tagged", "tag"),
}


def relation_for(attribute: str) -> RelationType:
    """The relation and node kind for an attribute name (``director`` -> ``directed_by``)."""
    name = canonical_attribute(attribute)
    return KNOWN_RELATIONS.get(name, RelationType(f"has_{name}", name))


def item_node(item_id: str) -> str:
    """Node id of an item."""
    return f"item:{item_id}"


def value_node(kind: str, value: str) -> str:
    """Node id of an attribute value; values compare case-insensitively within a kind."""
    return f"{kind}:{value.lower()}"


class KnowledgeGraph:
    """A `networkx.MultiDiGraph` of items and attribute values.

    Items point to their values (``item:X -directed_by-> person:christopher nolan``). Nodes
    carry ``kind`` (item, genre, person, tag...) and ``label`` (display text); edges carry
    ``relation`` and are keyed by it, so one person can both direct and write an item.
    """

    def __init__(self, graph: nx.MultiDiGraph | None = None) -> None:
        self.graph: nx.MultiDiGraph = graph if graph is not None else nx.MultiDiGraph()

    @classmethod
    def from_catalog(cls, catalog: Catalog, triples: Iterable[KGTriple] = ()) -> KnowledgeGraph:
        """Build the graph from item attributes plus extra triples (e.g. from ``kg.json``)."""
        kg = cls()
        for item in catalog:
            kg.graph.add_node(item_node(item.item_id), kind="item", label=item.display_title)
            for name, values in item.attributes.items():
                for value in values:
                    kg.add_fact(item.item_id, name, value)
        for triple in triples:
            if triple.item_id in catalog:
                kg.add_fact(triple.item_id, triple.relation, triple.value)
        return kg

    def add_fact(self, item_id: str, attribute: str, value: str) -> None:
        """Add ``item -relation-> value`` (idempotent)."""
        rel = relation_for(attribute)
        target = value_node(rel.node_kind, value)
        if target not in self.graph:
            self.graph.add_node(target, kind=rel.node_kind, label=value)
        source = item_node(item_id)
        if not self.graph.has_edge(source, target, key=rel.relation):
            self.graph.add_edge(source, target, key=rel.relation, relation=rel.relation)

    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return int(self.graph.number_of_nodes())

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self.graph.number_of_edges())

    def node_kinds(self) -> dict[str, int]:
        """Count of nodes per kind."""
        counts: dict[str, int] = {}
        for _, kind in self.graph.nodes(data="kind"):
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def relation_counts(self) -> dict[str, int]:
        """Count of edges per relation."""
        counts: dict[str, int] = {}
        for _, _, rel in self.graph.edges(keys=True):
            counts[rel] = counts.get(rel, 0) + 1
        return counts

    def save(self, path: Path | str) -> None:
        """Write the graph as compact gzipped JSON (node table + integer edge list)."""
        nodes = list(self.graph.nodes(data=True))
        index = {node: i for i, (node, _) in enumerate(nodes)}
        relations = sorted({rel for _, _, rel in self.graph.edges(keys=True)})
        rel_index = {r: i for i, r in enumerate(relations)}
        payload = {
            "format": GRAPH_FORMAT,
            "relations": relations,
            "nodes": [[node, data["kind"], data["label"]] for node, data in nodes],
            "edges": [
                [index[u], index[v], rel_index[k]] for u, v, k in self.graph.edges(keys=True)
            ],
        }
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=5) as handle:
            json.dump(payload, handle, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def load(cls, path: Path | str) -> KnowledgeGraph:
        """Read a graph written by `save`."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                payload = json.load(handle)
        except (OSError, json.JSONDecodeError, EOFError) as exc:
            raise PackError(f"cannot read the knowledge graph {path}: {exc}") from exc
        if payload.get("format") != GRAPH_FORMAT:
            raise PackError(f"{path}: unsupported graph format {payload.get('format')!r}")
        graph = nx.MultiDiGraph()
        names = [n[0] for n in payload["nodes"]]
        graph.add_nodes_from((n, {"kind": k, "label": lbl}) for n, k, lbl in payload["nodes"])
        relations = payload["relations"]
        graph.add_edges_from(
            (names[u], names[v], relations[r], {"relation": relations[r]})
            for u, v, r in payload["edges"]
        )
        return cls(graph)
