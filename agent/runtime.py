"""What every node receives besides the state: settings, tools, the LLM, the grounding check."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agent.context import AgentSettings
from agent.grounding import GroundingCheck
from agent.learned import CatalogIndex, LearnedRanker
from agent.llm import ChatLLM, EmbeddedLLM, NoLLM
from agent.tool_llm import planner_model
from agent.toolbox import Toolbox
from knowledge.graph import value_node
from knowledge.items import Catalog, Item, normalize_text
from knowledge.lexicon import english_ranks, family_animation, genre_words, studio_words
from knowledge.twins import Twins
from tools.lookup import LookupOutput

log = logging.getLogger(__name__)


@dataclass
class AgentContext:
    """The run-time context of the graph (LangGraph ``context``); never checkpointed."""

    toolbox: Toolbox
    llm: ChatLLM = field(default_factory=NoLLM)
    settings: AgentSettings = field(default_factory=AgentSettings)
    user_id: str = "local"
    """Whose long-term profile to read and update."""

    @property
    def catalog(self) -> Catalog:
        """The catalog of the pack the tools read."""
        return self.toolbox.source.catalog

    @cached_property
    def learned(self) -> LearnedRanker | None:
        """The pack's learned fusion model, if it has one."""
        path = getattr(self.toolbox.source, "path", None)
        return LearnedRanker.load(path) if path is not None else None

    @cached_property
    def catalog_index(self) -> CatalogIndex:
        """Per-item attribute sets for the learned model's features (built once)."""
        graph = getattr(self.toolbox.source, "graph", None)
        degree = {}
        if graph is not None:
            degree = {
                str(node).removeprefix("item:"): int(d)
                for node, d in graph.graph.degree()
                if str(node).startswith("item:")
            }
        vectors = None
        embeddings = getattr(self.toolbox.source, "item_embeddings", None)
        if embeddings is not None:
            try:
                vectors = embeddings()
            except (OSError, ValueError) as exc:
                log.warning("the learned ranking goes without item vectors: %s", exc)
        tags = getattr(self.toolbox.source, "tags", None)
        return CatalogIndex(self.catalog, degree, vectors, tags if isinstance(tags, dict) else {})

    @cached_property
    def standing(self) -> dict[str, str]:
        """How well known each item is: its popularity bucket (head, torso or tail: thirds
        of the popularity mass, `agent.evaluation.beyond.buckets`), or a better one that it
        reaches in one of the pack's interaction sources
        (`knowledge.popularity.best_known_tiers`). A film nobody in those sources mentioned
        or rated is "unknown". Empty when the pack has no popularity."""
        from agent.evaluation.beyond import catalog_tiers
        from knowledge.popularity import best_known_tiers

        if not any(i.popularity for i in self.catalog):
            return {}
        counts = getattr(self.toolbox.source, "counts", None)
        tiers = catalog_tiers(self.catalog)[0]
        if isinstance(counts, dict) and counts:
            tiers = best_known_tiers(tiers, counts)
        return {
            item_id: tier if self.catalog[item_id].popularity else "unknown"
            for item_id, tier in tiers.items()
        }

    @cached_property
    def ratings(self) -> dict[str, tuple[int, int]]:
        """Per item, its film's ratings of 4 stars or more and all its ratings (the pack's
        ``ratings.json``); empty for a pack without a source of ratings."""
        found = getattr(self.toolbox.source, "ratings", None)
        return found if isinstance(found, dict) else {}

    @cached_property
    def for_children(self) -> frozenset[str]:
        """Items a source of the pack lists as films for children (the pack's
        ``children.json``, from MovieLens's genres) and the films of the studios that
        animate for children (`knowledge.lexicon.family_animation`): what "for adults"
        rules out besides the catalog's own family genre, which seldom says it."""
        found = getattr(self.toolbox.source, "for_children", None)
        listed = found if isinstance(found, frozenset) else frozenset()
        return listed | family_animation(self.catalog)

    @cached_property
    def acclaimed(self) -> frozenset[str]:
        """Items their raters liked clearly more than the average film
        (`knowledge.popularity.acclaimed`): where hidden gems come from. Judged per film,
        as the build counts them: a film listed twice must not weigh twice in the average."""
        from knowledge.popularity import acclaimed

        films = {self.twins.canonical(i): verdict for i, verdict in self.ratings.items()}
        return frozenset(self.twins.expand(acclaimed(films)))

    @cached_property
    def most_popular(self) -> frozenset[str]:
        """The most popular 3 % of the catalog (by the pack's popularity prior)."""
        ranked = sorted(
            (i for i in self.catalog if i.popularity), key=lambda i: -(i.popularity or 0)
        )
        return frozenset(i.item_id for i in ranked[: max(1, len(self.catalog) * 3 // 100)])

    @cached_property
    def echoes(self) -> dict[str, tuple[str, ...]]:
        """Item -> the items that would echo it if recommended to someone who named it:
        every item with the same title (remakes: "The Lion King" 1994 and 2019), and every
        copy of its record under another title: the same external id and description, word
        for word, and no other year (ReDial's "It (1990)" is *Goodfellas*, Scorsese and
        all; its "Paddington Bear" is *Paddington*)."""
        groups: list[tuple[str, ...]] = [
            tuple(i.item_id for i in items) for items in self.catalog.by_title().values()
        ]
        copies: dict[tuple[str, str, str], list[Item]] = defaultdict(list)
        for item in self.catalog:
            if item.description:
                words = normalize_text(item.description)
                for name, value in item.external_ids.items():
                    copies[(name, value, words)].append(item)
        for same in copies.values():
            groups += [
                (a.item_id, b.item_id)
                for n, a in enumerate(same)
                for b in same[n + 1 :]
                if a.year is None or b.year is None or a.year == b.year
            ]
        out: dict[str, set[str]] = defaultdict(set)
        for ids in groups:
            for item_id in ids:
                out[item_id].update(ids)
        return {i: tuple(sorted(ids)) for i, ids in out.items()}

    def label(self, attribute: str, value: str) -> str:
        """How the catalog writes an attribute value (profiles keep values lowercase)."""
        kind = "person" if attribute in {"director", "star", "writer"} else attribute
        graph = getattr(self.toolbox.source, "graph", None)
        node = value_node(kind, value)
        if graph is not None and node in graph.graph:
            return str(graph.graph.nodes[node].get("label", value))
        return value

    @cached_property
    def genre_words(self) -> dict[str, tuple[str, ...]]:
        """Words that name the catalog's genres ("scary" -> horror), for the reader."""
        return genre_words(self.catalog.attribute_values("genre"))

    @cached_property
    def studio_words(self) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
        """Words that name a studio or franchise ("Pixar", "a Bond film") and the catalog
        credits that stand for it (`knowledge.lexicon.studio_words`), for the reader."""
        return studio_words(self.catalog)

    @property
    def writing(self) -> str:
        """What the LLM writes this run: ``reply``, ``lead`` or ``none``."""
        if not self.llm.available:
            return "none"
        if self.settings.writing != "auto":
            return self.settings.writing
        # Measured (bench/tiers.py, README "What each language model tier gives"): the tiny
        # embedded model's drafts almost never pass the checks, so with it the templates are
        # what the user reads either way, ten times sooner.
        return "none" if isinstance(self.llm, EmbeddedLLM) else "reply"

    @property
    def uses_llm(self) -> bool:
        """Whether any step of a turn calls the LLM (writing, extraction or planning)."""
        return self.llm.available and (
            self.writing != "none" or self.settings.llm_extraction or self.settings.planner == "llm"
        )

    @cached_property
    def planner_model(self) -> Any:
        """The LLM with the registry's tools bound (LangChain), for ``--planner llm``; ``None``
        when the LLM is not a served one (the embedded model and ``none`` cannot plan)."""
        if self.settings.planner != "llm":
            return None
        return planner_model(self.llm, self.toolbox, self.settings)

    @cached_property
    def twins(self) -> Twins:
        """Which catalog records are the same film (none for a source that does not say)."""
        found = getattr(self.toolbox.source, "twins", None)
        return found if isinstance(found, Twins) else Twins()

    @cached_property
    def grounding(self) -> GroundingCheck:
        """The grounding check, linking replies through the ``lookup`` tool."""
        lookup = self.toolbox.tools["lookup"]

        def link(text: str) -> LookupOutput:
            output = lookup.invoke({"text": text, "facts": False, "min_confidence": 0.75})
            assert isinstance(output, LookupOutput)
            return output

        genres = self.catalog.attribute_values("genre")
        return GroundingCheck(link, english_ranks(), genres=genres)
