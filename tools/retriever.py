"""The ``retriever`` tool: dense (Chroma) and lexical (BM25) retrieval, fused."""

from __future__ import annotations

import logging
from itertools import pairwise

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from knowledge.bm25 import BM25Index
from knowledge.filters import ItemFilter
from knowledge.items import Item
from knowledge.text import STOPWORDS, singular, words
from tools.base import ItemRef, Tool, ToolInputError

log = logging.getLogger(__name__)

# How often each part of an item counts in its lexical document: names matter most.
TITLE_REPEAT = 3
ATTRIBUTE_REPEAT = 2
MIN_POOL = 50


class RetrieverInput(BaseModel):
    """What to retrieve: free text, hard filters, items to leave out."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=4000, description="what the user wants, in their words"
    )
    k: int = Field(default=10, ge=1, le=200, description="number of items to return")
    filters: ItemFilter = Field(
        default_factory=ItemFilter,
        description="hard constraints: include/exclude attribute values, year_min/year_max",
    )
    exclude_ids: list[str] = Field(default_factory=list, description="item ids never to return")
    dense_weight: float = Field(
        default=0.5, ge=0.0, le=1.0, description="share of the dense score in the fused score"
    )


class RetrievedItem(BaseModel):
    """One retrieved item and how it scored."""

    item: ItemRef
    score: float = Field(description="fused score, 0..1")
    dense: float = Field(description="cosine similarity of the item to the text")
    lexical: float = Field(description="BM25 score, divided by the best BM25 score of the query")


class RetrieverOutput(BaseModel):
    """Ranked items, best first."""

    items: list[RetrievedItem] = Field(default_factory=list)


def item_terms(item: Item) -> list[str]:
    """Lexical document of an item: title, attribute values (also as phrases), description."""
    terms: list[str] = []
    title = _terms(item.title)
    terms.extend(title * TITLE_REPEAT)
    for values in item.attributes.values():
        for value in values:
            tokens = _terms(value)
            terms.extend(tokens * ATTRIBUTE_REPEAT)
            if len(tokens) > 1:
                terms.extend(["_".join(tokens)] * ATTRIBUTE_REPEAT)
    terms.extend(_terms(item.description))
    return terms


def query_terms(text: str) -> list[str]:
    """Lexical terms of a query: content words plus adjacent pairs ("tom_hanks")."""
    tokens = _terms(text)
    return tokens + [f"{a}_{b}" for a, b in pairwise(tokens)]


def _terms(text: str) -> list[str]:
    return [singular(w) for w in words(text) if w not in STOPWORDS]


class RetrieverTool(Tool[RetrieverInput, RetrieverOutput]):
    """Hybrid retrieval: dense similarity in the vector index fused with BM25."""

    name = "retriever"
    description = (
        "Rank catalog items for a free-text request ('a funny heist movie', 'something with "
        "Tom Hanks'), fusing dense similarity with keyword (BM25) matching on titles, people, "
        "genres and descriptions. Hard filters (attribute values to include or exclude, a year "
        "range) and excluded item ids are always respected."
    )
    Input = RetrieverInput
    Output = RetrieverOutput
    roles = frozenset({"rank"})

    _bm25: BM25Index
    _rows: dict[str, int]
    _embeddings: np.ndarray | None

    def setup(self) -> None:
        """Build the BM25 index; open the vector index and the item embeddings."""
        items = self.catalog.items
        self._rows = {item.item_id: row for row, item in enumerate(items)}
        self._bm25 = BM25Index([item_terms(item) for item in items])
        try:
            embeddings = np.asarray(self.source.item_embeddings())
        except (AttributeError, OSError) as exc:
            log.info("no item embeddings (%s); lexical-only items get the lowest dense score", exc)
            embeddings = None
        if embeddings is not None and embeddings.shape[0] != len(items):
            log.warning("item embeddings do not match the catalog; not using them")
            embeddings = None
        self._embeddings = embeddings
        _ = self.source.index.collection  # open the store now, not on the first query

    def run(self, data: RetrieverInput) -> RetrieverOutput:
        """Retrieve ``k`` items: the union of the dense and lexical pools, re-scored and fused."""
        self._check_filters(data.filters)
        pool = max(MIN_POOL, 3 * data.k)
        excluded = set(data.exclude_ids)
        index = self.source.index
        vector = index.embedder.encode_one(data.text)
        dense = self._dense_pool(vector, pool, data)

        lexical_all = self._bm25.scores(query_terms(data.text))
        best_lexical = 0.0
        lexical: dict[str, float] = {}
        if lexical_all.any():
            order = np.argsort(-lexical_all)
            items = self.catalog.items
            for row in order:
                score = float(lexical_all[row])
                if score <= 0 or len(lexical) >= pool:
                    break
                item = items[row]
                if item.item_id in excluded or not data.filters.matches(item):
                    continue
                lexical[item.item_id] = score
            best_lexical = max(lexical.values(), default=0.0)

        candidates = list(dict.fromkeys([*dense, *lexical]))
        if not candidates:
            return RetrieverOutput()
        floor = min(dense.values(), default=0.0)
        dense_scores = np.array(
            [dense.get(i, self._dense_score(vector, i, floor)) for i in candidates]
        )
        lexical_scores = np.array([lexical_all[self._rows[i]] for i in candidates])
        lexical_norm = (
            lexical_scores / best_lexical if best_lexical > 0 else np.zeros(len(candidates))
        )
        lexical_norm = np.clip(lexical_norm, 0.0, 1.0)
        span = dense_scores.max() - dense_scores.min()
        dense_norm = (
            (dense_scores - dense_scores.min()) / span if span > 0 else np.ones(len(candidates))
        )
        weight = data.dense_weight if best_lexical > 0 else 1.0
        fused = weight * dense_norm + (1.0 - weight) * lexical_norm
        # Ties (twins share a text, hence a vector) go to the smaller id, never to the order
        # in which the store happened to return them.
        ranked = sorted(range(len(candidates)), key=lambda j: (-fused[j], candidates[j]))
        top = ranked[: data.k]
        return RetrieverOutput(
            items=[
                RetrievedItem(
                    item=ItemRef.of(self.catalog[candidates[j]]),
                    score=round(float(fused[j]), 4),
                    dense=round(float(dense_scores[j]), 4),
                    lexical=round(float(lexical_norm[j]), 4),
                )
                for j in top
            ]
        )

    def _dense_pool(self, vector: np.ndarray, pool: int, data: RetrieverInput) -> dict[str, float]:
        """The ``pool`` items nearest to ``vector`` that pass the filter, with their scores.

        The vector store's search is approximate, and two processes opening the same
        collection may return a slightly different last few; with the pack's item vectors
        the store is asked for twice the pool and the pool is cut by exact cosine (ties to
        the smaller id), so the same question always gets the same pool.
        """
        index = self.source.index
        over = pool if self._embeddings is None else 2 * pool
        hits = index.query(vector, over, where=data.filters, exclude_ids=data.exclude_ids)
        found = [h for h in hits if h.item_id in self._rows]
        if self._embeddings is None:
            return {h.item_id: h.score for h in found}
        exact = {h.item_id: self._dense_score(vector, h.item_id, 0.0) for h in found}
        kept = sorted(exact, key=lambda i: (-exact[i], i))[:pool]
        return {i: exact[i] for i in kept}

    def _dense_score(self, vector: np.ndarray, item_id: str, floor: float) -> float:
        if self._embeddings is None:
            return floor
        return float(np.dot(self._embeddings[self._rows[item_id]], vector))

    def _check_filters(self, filters: ItemFilter) -> None:
        known = set(self.catalog.attribute_names())
        for part in ("include", "exclude"):
            for name in getattr(filters, part):
                if name not in known:
                    raise ToolInputError(
                        self.name,
                        f"field 'filters.{part}.{name}': the catalog has no attribute {name!r}; "
                        f"known: {', '.join(sorted(known))}",
                        f"filters.{part}.{name}",
                    )

    def ranking(self, output: RetrieverOutput) -> list[tuple[str, float]]:
        """Items with their fused retrieval score."""
        return [(r.item.item_id, r.score) for r in output.items]

    def summarize(self, output: RetrieverOutput) -> str:
        """One numbered line per item."""
        if not output.items:
            return "No item matches."
        return "\n".join(
            f"{n}. {r.item.display_title} [{r.item.item_id}] {r.score:.2f}"
            for n, r in enumerate(output.items, start=1)
        )
