"""The vector index: item embeddings in a Chroma collection with filterable metadata.

Parley always supplies its own embeddings (see `knowledge.embed`); the collection never
has an embedding function, so Chroma never tries to download one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from knowledge.embed import Embedder, get_embedder
from knowledge.errors import ParleyError
from knowledge.filters import ItemFilter
from knowledge.items import Item

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

ATTR_PREFIX = "a_"
COLLECTION = "items"


@dataclass(frozen=True)
class Hit:
    """One retrieved item and its cosine similarity to the query."""

    item_id: str
    score: float


def attribute_key(name: str) -> str:
    """Metadata key of an attribute (Chroma keys are restricted; names are user data)."""
    return ATTR_PREFIX + re.sub(r"[^a-z0-9_]", "_", name.lower())


def item_metadata(item: Item) -> dict[str, Any]:
    """Filterable metadata of an item: id, title, year, and one string array per attribute."""
    meta: dict[str, Any] = {"item_id": item.item_id, "title": item.title}
    if item.year is not None:
        meta["year"] = item.year
    for name, values in item.attributes.items():
        lowered = list(dict.fromkeys(v.lower() for v in values))
        if lowered:
            meta[attribute_key(name)] = lowered
    return meta


def where_clause(filt: ItemFilter | None, exclude_ids: Sequence[str] = ()) -> dict[str, Any] | None:
    """Translate a filter (and ids to leave out) into a Chroma ``where`` clause."""
    clauses: list[dict[str, Any]] = []
    if filt is not None:
        if filt.year_min is not None:
            clauses.append({"year": {"$gte": filt.year_min}})
        if filt.year_max is not None:
            clauses.append({"year": {"$lte": filt.year_max}})
        for name, values in filt.include.items():
            clauses.extend({attribute_key(name): {"$contains": v}} for v in values)
        for name, values in filt.exclude.items():
            clauses.extend({attribute_key(name): {"$not_contains": v}} for v in values)
    if exclude_ids:
        clauses.append({"item_id": {"$nin": list(dict.fromkeys(exclude_ids))}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


def persistent_client(path: Path | str) -> ClientAPI:
    """Open (or create) an embedded Chroma store in a folder."""
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=_settings())


def http_client(url: str) -> ClientAPI:
    """Connect to a Chroma server (``chroma run``), e.g. ``http://127.0.0.1:8000``."""
    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise ParleyError(f"bad Chroma server URL {url!r}: use http://HOST:PORT")
    try:
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=_settings(),
        )
    except Exception as exc:  # chromadb raises several types for an unreachable server
        raise ParleyError(f"cannot reach the Chroma server at {url}: {exc}") from exc


def release_persistent(path: Path | str) -> None:
    """Drop Chroma's cached clients so a store folder can be moved or reopened cleanly."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


class VectorIndex:
    """Items' embeddings in a Chroma collection; queries by text or vector with filters."""

    def __init__(
        self,
        client: ClientAPI,
        collection: str = COLLECTION,
        embedder: Embedder | None = None,
    ) -> None:
        self.client = client
        self.collection_name = collection
        self._embedder = embedder
        self._collection: Collection | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedder used for text queries (the process-wide one by default)."""
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    @property
    def collection(self) -> Collection:
        """The Chroma collection (created with cosine space and no embedding function)."""
        if self._collection is None:
            self._collection = self.client.get_or_create_collection(
                self.collection_name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        return self._collection

    def count(self) -> int:
        """Number of vectors in the collection."""
        return int(self.collection.count())

    def add(
        self,
        items: Sequence[Item],
        embeddings: np.ndarray,
        *,
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        """Upsert items with their precomputed embeddings, in batches the server accepts."""
        if len(items) != len(embeddings):
            raise ValueError(f"{len(items)} items but {len(embeddings)} embeddings")
        batch = max(1, min(2000, int(self.client.get_max_batch_size())))
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            self.collection.upsert(
                ids=[item.item_id for item in chunk],
                embeddings=embeddings[start : start + batch].astype(np.float32),
                metadatas=[item_metadata(item) for item in chunk],
                documents=[item.embedding_text() for item in chunk],
            )
            if on_batch is not None:
                on_batch(len(chunk))

    def query(
        self,
        query: str | np.ndarray,
        k: int = 10,
        *,
        where: ItemFilter | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[Hit]:
        """Return the ``k`` items nearest to a text or a vector that pass the filter."""
        if k <= 0:
            return []
        vector = self.embedder.encode_one(query) if isinstance(query, str) else query
        clause = where_clause(where, exclude_ids)
        result = self.collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k,
            where=clause,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [Hit(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
