"""The ``kg_paths`` tool: typed knowledge-graph paths between items and attribute values."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from knowledge.graph import item_node
from knowledge.graph_paths import Path, PathFinder
from knowledge.linker import EntityLinker
from knowledge.path_text import arrows, sentence
from tools.base import ItemRef, Tool, ToolInputError, linker_of


class KgPathsInput(BaseModel):
    """Sources (what the user likes), optional targets (candidates to explain)."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(
        min_length=1,
        max_length=50,
        description="titles ('Inception (2010)'), item ids, or entity ids "
        "('person:christopher nolan')",
    )
    targets: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="candidates to connect to the sources; empty: rank the catalog by proximity",
    )
    max_hops: int = Field(default=3, ge=1, le=3, description="longest path, in edges")
    paths_per_target: int = Field(default=3, ge=1, le=20, description="best paths kept per target")
    k: int = Field(default=10, ge=1, le=200, description="items to rank when no targets are given")
    method: Literal["paths", "ppr"] = Field(
        default="paths",
        description="ranking without targets: weighted short-path counts, or personalized PageRank",
    )
    exclude_ids: list[str] = Field(default_factory=list, description="item ids never to rank")


class Entity(BaseModel):
    """A source or target as resolved in the graph."""

    query: str = Field(description="what was asked for")
    entity_id: str
    kind: str
    label: str
    item: ItemRef | None = None
    alternatives: list[str] = Field(
        default_factory=list, description="other entity ids the query could mean (e.g. remakes)"
    )


class PathStep(BaseModel):
    """One real edge of the graph, in the direction the path walks it."""

    source: str
    relation: str
    target: str
    forward: bool = Field(description="true when the stored edge runs source -> target")


class KgPath(BaseModel):
    """A typed path from a source to a target, with its readings."""

    source: str
    target: str
    steps: list[PathStep]
    weight: float = Field(description="specific values and strong relations weigh more")
    text: str = Field(description="the path with arrows")
    sentence: str = Field(description="what the path says about the target")


class Connection(BaseModel):
    """A target (or ranked item) with its score and best paths to the sources."""

    entity: Entity
    score: float
    paths: list[KgPath] = Field(default_factory=list)


class KgPathsOutput(BaseModel):
    """Resolved sources; each target (or top-ranked item) with its paths, best first."""

    sources: list[Entity] = Field(default_factory=list)
    results: list[Connection] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list, description="inputs that match nothing")


class KgPathsTool(Tool[KgPathsInput, KgPathsOutput]):
    """Explain and rank candidates by typed paths in the knowledge graph."""

    name = "kg_paths"
    description = (
        "Connect what the user likes (sources: titles, item ids, people or genres) to "
        "candidate items (targets) through the knowledge graph: typed paths of at most 3 "
        "hops with a sentence each, e.g. 'shares director Christopher Nolan with Inception'. "
        "Without targets, rank catalog items by graph proximity to the sources."
    )
    Input = KgPathsInput
    Output = KgPathsOutput
    roles = frozenset({"rank", "explain"})

    finder: PathFinder
    linker: EntityLinker

    def setup(self) -> None:
        """Index the graph's adjacency and the catalog's names."""
        graph = self.source.graph
        self.finder = PathFinder(graph)
        self.linker = linker_of(self.source)

    def run(self, data: KgPathsInput) -> KgPathsOutput:
        """Resolve the inputs, then find paths to each target or rank the catalog."""
        unresolved: list[str] = []
        sources = self._resolve_all(data.sources, unresolved)
        if not sources:
            raise ToolInputError(
                self.name,
                f"field 'sources': nothing in the catalog matches {data.sources!r}",
                "sources",
            )
        source_ids = [s.entity_id for s in sources]
        if data.targets:
            targets = self._resolve_all(data.targets, unresolved)
            excluded = {item_node(i) for i in data.exclude_ids}
            results = [
                self._connect(t, source_ids, data) for t in targets if t.entity_id not in excluded
            ]
            results.sort(key=lambda c: c.score, reverse=True)
        else:
            ranked = self.finder.rank(
                source_ids,
                method=data.method,
                exclude=[item_node(i) for i in data.exclude_ids],
                limit=data.k,
            )
            results = []
            for node, score in ranked:
                connection = self._connect(self._entity(node, node), source_ids, data)
                connection.score = round(score, 4)
                results.append(connection)
        return KgPathsOutput(sources=sources, results=results, unresolved=unresolved)

    def _connect(self, target: Entity, sources: list[str], data: KgPathsInput) -> Connection:
        paths: list[Path] = []
        for source in sources:
            paths.extend(
                self.finder.paths(
                    source, target.entity_id, max_hops=data.max_hops, limit=data.paths_per_target
                )
            )
        paths.sort(key=lambda p: p.weight, reverse=True)
        best = paths[: data.paths_per_target]
        return Connection(
            entity=target,
            score=round(sum(p.weight for p in paths), 4),
            paths=[self._render(p) for p in best],
        )

    def _render(self, path: Path) -> KgPath:
        nodes = path.nodes
        return KgPath(
            source=nodes[0],
            target=nodes[-1],
            steps=[
                PathStep(source=s.source, relation=s.relation, target=s.target, forward=s.forward)
                for s in path.steps
            ],
            weight=round(path.weight, 4),
            text=arrows(path, self._label),
            sentence=sentence(path, self._label),
        )

    def _label(self, node: str) -> str:
        return self.finder.label.get(node, node)

    def _resolve_all(self, queries: list[str], unresolved: list[str]) -> list[Entity]:
        found: list[Entity] = []
        seen: set[str] = set()
        for query in queries:
            entity = self._resolve(query)
            if entity is None:
                unresolved.append(query)
            elif entity.entity_id not in seen:
                seen.add(entity.entity_id)
                found.append(entity)
        return found

    def _resolve(self, query: str) -> Entity | None:
        text = query.strip()
        if text in self.catalog:
            return self._entity(item_node(text), query)
        if text in self.finder.kind:
            return self._entity(text, query)
        candidates = self.linker.resolve(text)
        if not candidates:
            return None
        best, score = candidates[0]
        alternatives = [e.entity_id for e, s in candidates[1:] if s >= score - 0.05]
        entity = self._entity(best.entity_id, query)
        entity.alternatives = alternatives
        return entity

    def _entity(self, node: str, query: str) -> Entity:
        kind = self.finder.kind.get(node, "item" if node.startswith("item:") else "")
        item_id = node.removeprefix("item:") if kind == "item" else None
        item = self.catalog.get(item_id) if item_id else None
        return Entity(
            query=query,
            entity_id=node,
            kind=kind,
            label=self._label(node)
            if node in self.finder.label
            else (item.display_title if item else node),
            item=ItemRef.of(item) if item else None,
        )

    def ranking(self, output: KgPathsOutput) -> list[tuple[str, float]]:
        """Ranked items with their path scores."""
        return [(c.entity.item.item_id, c.score) for c in output.results if c.entity.item]

    def summarize(self, output: KgPathsOutput) -> str:
        """One line per target: its label and its best path's sentence."""
        lines = []
        for c in output.results:
            reason = c.paths[0].sentence if c.paths else "no path within the hop limit"
            lines.append(f"{c.entity.label} [{c.entity.entity_id}] {c.score:.2f}: {reason}")
        if output.unresolved:
            lines.append(f"Not found: {', '.join(output.unresolved)}")
        return "\n".join(lines) or "No connection found."
