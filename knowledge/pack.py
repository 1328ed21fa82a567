"""Knowledge packs: a built catalog with its embeddings, Chroma index, graph and manifest.

Layout of a pack directory::

    manifest.json        written last: a folder without it is an unfinished build
    items.jsonl          the catalog in the generic JSONL format
    embeddings.npy       float32 (n_items, dim), row i = line i of items.jsonl
    embedding_keys.json  hash of each item's embedding text (lets rebuilds reuse vectors)
    graph.json.gz        the knowledge graph
    chroma/              the persistent Chroma store (absent when the index lives on a server)
    twins.json           records that are the same film (see `knowledge.twins`)
    counts.json          per interaction source, how many sets hold each item (with interactions)
    ratings.json         per film, its ratings of 4 stars or more and all its ratings (MovieLens)
    children.json        the films a source lists as made for children (MovieLens's genres)
    collab.npz, .json    the collaborative model, when the pack was built with interactions
    ranker*.txt, .json   the learned fusion (`parley train-ranker`, see `agent.learned`)
    talks.npz            the conversations it was trained on, embedded (`knowledge.talks`)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import __version__
from knowledge.collab import CollabModel, train_collab
from knowledge.embed import DEFAULT_MODEL, get_embedder
from knowledge.errors import CatalogError, PackError
from knowledge.graph import KnowledgeGraph
from knowledge.index import VectorIndex, http_client, persistent_client, release_persistent
from knowledge.items import Catalog, iter_jsonl_lines
from knowledge.lexicon import english_ranks
from knowledge.linker import EntityLinker
from knowledge.loaders import LoadResult, cap_descriptions, load_catalog
from knowledge.loaders.jsonl import load_jsonl
from knowledge.popularity import (
    COUNTS_FILE,
    RATINGS_FILE,
    acclaimed,
    average_share,
    source_counts,
    verdicts,
    with_prior,
)
from knowledge.sequences import SequenceSet
from knowledge.twins import Twins, find_twins

CHILDREN_FILE = "children.json"
TAGS_FILE = "tags.json"
log = logging.getLogger(__name__)

PACK_FORMAT = 1
MANIFEST = "manifest.json"
ITEMS = "items.jsonl"
EMBEDDINGS = "embeddings.npy"
EMBEDDING_KEYS = "embedding_keys.json"
GRAPH = "graph.json.gz"
CHROMA = "chroma"

# progress(stage, advance, total): called with advance=0 to announce a stage.
ProgressFn = Callable[[str, int, int], object]


def _no_progress(stage: str, advance: int, total: int) -> None:
    return None


def text_key(text: str, model: str) -> str:
    """Cache key of one embedding: the model and the exact text embedded."""
    return hashlib.sha1(f"{model}\x00{text}".encode()).hexdigest()


@dataclass
class BuildStats:
    """Figures of one build, for the CLI and the benchmark."""

    items: int
    embedded: int
    reused: int
    embed_seconds: float
    total_seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    """Parts of the pack that was at ``out`` which the new one does not keep."""

    @property
    def items_per_second(self) -> float:
        """Embedding throughput over the items actually embedded."""
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else float("nan")


def _read_previous_embeddings(out: Path, model: str) -> dict[str, np.ndarray]:
    keys_path, vec_path = out / EMBEDDING_KEYS, out / EMBEDDINGS
    if not (out / MANIFEST).exists() or not keys_path.exists() or not vec_path.exists():
        return {}
    try:
        keys = json.loads(keys_path.read_text())
        vectors = np.load(vec_path)
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable embeddings in %s: %s", out, exc)
        return {}
    if keys.get("model") != model or len(keys.get("keys", [])) != len(vectors):
        return {}
    return dict(zip(keys["keys"], vectors, strict=True))


def build_pack(
    source: str | LoadResult,
    out: Path | str,
    *,
    embedding_model: str = DEFAULT_MODEL,
    chroma_url: str | None = None,
    progress: ProgressFn = _no_progress,
    batch_size: int = 64,
    strict: bool = True,
    catalog_spec: str | None = None,
    interactions: Mapping[str, SequenceSet] | None = None,
) -> BuildStats:
    """Build a knowledge pack from a catalog spec (or a loaded catalog) into ``out``.

    The pack is written into a temporary sibling folder and moved into place only when
    complete, so a failed build never leaves anything that looks like a pack. Embeddings
    of items whose text did not change are reused from a pack already at ``out``.
    With ``chroma_url`` the vectors go to a Chroma server instead of an embedded store.
    ``interactions`` (spec -> sets, see `knowledge.sequences.load_sequences`) give the
    popularity prior and the collaborative model.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    out = Path(out).expanduser().resolve()
    # A learned ranker learned from the old pack's collaborative model and popularity:
    # it is not carried over, and the build says so.
    left_out = ["learned ranker"] if (out / "ranker.txt").exists() else []
    progress("load catalog", 0, 1)
    result = cap_descriptions(
        load_catalog(source, strict=strict) if isinstance(source, str) else source
    )
    spec = catalog_spec or (source if isinstance(source, str) else result.catalog.name)
    # Twins first (their canonical record is the better known one), then the prior and
    # the collaborative model from interactions that count each film once, whichever of
    # its records a source names.
    catalog, _ = with_prior(result.catalog, interactions or {})
    rated = source_counts(interactions or {}).get("movielens")  # who rated each film
    twins = Twins(find_twins(catalog, rated))
    interactions = {name: twins.merged(found) for name, found in (interactions or {}).items()}
    catalog, popularity = with_prior(result.catalog, interactions)
    catalog = twins.shared_popularity(catalog)
    progress("load catalog", 1, 1)
    stages["load"] = time.perf_counter() - started

    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    clean_stale_builds(out)
    tmp.mkdir(parents=True)
    try:
        # 1. Item table.
        with (tmp / ITEMS).open("w", encoding="utf-8") as handle:
            for line in iter_jsonl_lines(catalog):
                handle.write(line + "\n")
        # The catalog as given: a popularity prior learned from interactions is not part of it.
        catalog_sha = result.catalog.sha256()

        # 2. Embeddings, reusing unchanged ones.
        t0 = time.perf_counter()
        texts = [item.embedding_text() for item in catalog]
        keys = [text_key(t, embedding_model) for t in texts]
        previous = _read_previous_embeddings(out, embedding_model)
        missing = [i for i, k in enumerate(keys) if k not in previous]
        embedder = get_embedder(embedding_model)
        dim = embedder.dimension
        vectors = np.zeros((len(catalog), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            if key in previous:
                vectors[i] = previous[key]
        progress("embed items", 0, len(missing))
        for start in range(0, len(missing), batch_size * 4):
            chunk = missing[start : start + batch_size * 4]
            vectors[chunk] = embedder.encode([texts[i] for i in chunk], batch_size=batch_size)
            progress("embed items", len(chunk), len(missing))
        np.save(tmp / EMBEDDINGS, vectors)
        (tmp / EMBEDDING_KEYS).write_text(json.dumps({"model": embedding_model, "keys": keys}))
        embed_seconds = time.perf_counter() - t0
        stages["embed"] = embed_seconds

        # 3. Knowledge graph.
        t0 = time.perf_counter()
        progress("knowledge graph", 0, 1)
        graph = KnowledgeGraph.from_catalog(catalog, result.kg_triples)
        graph.save(tmp / GRAPH)
        progress("knowledge graph", 1, 1)
        stages["graph"] = time.perf_counter() - t0

        # 4. What people like together: twins, the collaborative model.
        t0 = time.perf_counter()
        twins.save(tmp)
        collab = (
            train_collab(catalog, interactions, aliases=twins.aliases()) if interactions else None
        )
        if interactions:
            (tmp / COUNTS_FILE).write_text(json.dumps(source_counts(interactions)))
        film_ratings = verdicts(interactions)
        if film_ratings:
            (tmp / RATINGS_FILE).write_text(json.dumps(film_ratings))
        for_children = {twins.canonical(i) for s in interactions.values() for i in s.for_children}
        if for_children:
            (tmp / CHILDREN_FILE).write_text(json.dumps(sorted(for_children)))
        tags = film_tags(interactions, twins)
        if tags:
            (tmp / TAGS_FILE).write_text(json.dumps(tags, sort_keys=True))
        if collab is not None:
            collab.save(tmp)
        stages["collab"] = time.perf_counter() - t0

        # 5. Vector index.
        t0 = time.perf_counter()
        collection = f"parley-{catalog_sha[:16]}"
        if chroma_url:
            index = VectorIndex(http_client(chroma_url), collection, embedder)
            with contextlib.suppress(Exception):  # absent collection: nothing to replace
                index.client.delete_collection(collection)
        else:
            index = VectorIndex(persistent_client(tmp / CHROMA), collection, embedder)
        progress("vector index", 0, len(catalog))
        index.add(
            catalog.items, vectors, on_batch=lambda n: progress("vector index", n, len(catalog))
        )
        indexed = index.count()
        if not chroma_url:
            release_persistent(tmp / CHROMA)
        stages["index"] = time.perf_counter() - t0

        manifest: dict[str, Any] = {
            "format": PACK_FORMAT,
            "parley_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "catalog": spec,
            "catalog_name": catalog.name,
            "catalog_sha256": catalog_sha,
            "items": len(catalog),
            "skipped": len(result.report.skipped),
            "attributes": catalog.attribute_names(),
            "kg_nodes": graph.num_nodes,
            "kg_edges": graph.num_edges,
            "kg_node_kinds": graph.node_kinds(),
            "kg_relations": graph.relation_counts(),
            "popularity": popularity,
            "twins": {"groups": len(twins.groups), "records": sum(len(g) for g in twins.groups)},
            "collab": collab.info if collab is not None else None,
            "for_children": len(for_children) or None,
            "tagged": len(tags) or None,
            "ratings": {
                "films": len(film_ratings),
                "acclaimed": len(acclaimed(film_ratings)),
                "average_share": round(average_share(film_ratings), 4),
            }
            if film_ratings
            else None,
            "embedding_model": embedding_model,
            "embedding_dim": dim,
            "index": {
                "backend": "http" if chroma_url else "persistent",
                "url": chroma_url,
                "collection": collection,
                "vectors": indexed,
            },
        }
        if (out / "sid").is_dir():  # a trained semantic-ID generator: new items get IDs
            from knowledge.sid.carry import carry_semantic_ids  # torch, only when needed

            if (sid := carry_semantic_ids(out, tmp, catalog.ids(), vectors)) is not None:
                manifest["sid"] = sid
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _swap_into_place(tmp, out)
    except BaseException:
        release_persistent(tmp / CHROMA)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    total = time.perf_counter() - started
    return BuildStats(
        len(catalog),
        len(missing),
        len(catalog) - len(missing),
        embed_seconds,
        total,
        stages,
        left_out,
    )


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:partial|old)-(?P<pid>\d+)$")


def clean_stale_builds(out: Path) -> list[Path]:
    """Remove what builds of ``out`` left behind when they were killed (SIGKILL, a crash):
    ``.NAME.partial-PID`` and ``.NAME.old-PID`` folders whose process is gone.

    A folder of a running process (another build right now) is left alone. PIDs are this
    machine's: two machines building into one shared folder must not do so at once.
    """
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    for sibling in out.parent.iterdir():
        found = _LEFTOVER.match(sibling.name)
        if found is None or found["name"] != out.name or not sibling.is_dir():
            continue
        pid = int(found["pid"])
        if pid == os.getpid() or _alive(pid):
            continue
        log.warning("removing %s, left by a build (process %d) that did not finish", sibling, pid)
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _swap_into_place(tmp: Path, out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise PackError(f"{out} exists and is not a directory")
        if any(out.iterdir()) and not (out / MANIFEST).exists() and not (out / ITEMS).exists():
            raise PackError(
                f"{out} is a non-empty folder that is not a knowledge pack; not replacing it"
            )
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


@dataclass
class Pack:
    """A loaded knowledge pack: the catalog, the graph, the vector index, the manifest."""

    path: Path
    manifest: dict[str, Any]
    catalog: Catalog
    _graph: KnowledgeGraph | None = None
    _index: VectorIndex | None = None
    _embeddings: np.ndarray | None = None
    _linker: EntityLinker | None = None
    _collab: CollabModel | None = None
    _twins: Twins | None = None
    _counts: dict[str, dict[str, int]] | None = None
    _ratings: dict[str, tuple[int, int]] | None = None
    _children: frozenset[str] | None = None
    _tags: dict[str, frozenset[str]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def graph(self) -> KnowledgeGraph:
        """The knowledge graph (read on first use)."""
        if self._graph is None:
            self._graph = KnowledgeGraph.load(self.path / GRAPH)
        return self._graph

    @property
    def index(self) -> VectorIndex:
        """The vector index, embedded or on the Chroma server named in the manifest."""
        if self._index is None:
            info = self.manifest["index"]
            if info["backend"] == "http":
                client = http_client(os.environ.get("PARLEY_CHROMA_URL") or info["url"])
            else:
                client = persistent_client(self.path / CHROMA)
            self._index = VectorIndex(
                client, info["collection"], get_embedder(self.manifest["embedding_model"])
            )
        return self._index

    @property
    def linker(self) -> EntityLinker:
        """The entity linker over the catalog and graph: built once, shared by every tool."""
        with self._lock:
            if self._linker is None:
                self._linker = EntityLinker(self.catalog, self.graph, word_ranks=english_ranks())
            return self._linker

    @property
    def collab(self) -> CollabModel | None:
        """The collaborative model (``None`` when the pack was built without interactions)."""
        with self._lock:
            if self._collab is None and self.manifest.get("collab"):
                self._collab = CollabModel.load(self.path)
            return self._collab

    @property
    def twins(self) -> Twins:
        """Which records are the same film."""
        with self._lock:
            if self._twins is None:
                self._twins = Twins.load(self.path)
            return self._twins

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind of interaction source, how many of its sets hold each item (empty when
        the pack was built without interactions, or before packs kept them)."""
        with self._lock:
            if self._counts is None:
                self._counts = _read_counts(self.path / COUNTS_FILE)
            return self._counts

    @property
    def ratings(self) -> dict[str, tuple[int, int]]:
        """Per record, its film's ratings of 4 stars or more and all its ratings (twins share
        their film's); empty when the pack was built without a source of ratings."""
        twins = self.twins
        with self._lock:
            if self._ratings is None:
                found = _read_ratings(self.path / RATINGS_FILE)
                self._ratings = {
                    record: verdict
                    for film, verdict in found.items()
                    for record in twins.of(film)
                    if record in self.catalog
                }
            return self._ratings

    @property
    def for_children(self) -> frozenset[str]:
        """The records of the films a source of the pack lists as made for children (twins
        share their film's); empty when no source says."""
        twins = self.twins
        with self._lock:
            if self._children is None:
                found = twins.expand(_read_ids(self.path / CHILDREN_FILE))
                self._children = frozenset(i for i in found if i in self.catalog)
            return self._children

    @property
    def tags(self) -> dict[str, frozenset[str]]:
        """Per record, the words viewers tagged its film with (twins share their film's);
        empty when no source of the pack has tags."""
        twins = self.twins
        with self._lock:
            if self._tags is None:
                found = _read_tags(self.path / TAGS_FILE)
                self._tags = {
                    record: frozenset(words)
                    for film, words in found.items()
                    for record in twins.of(film)
                    if record in self.catalog
                }
            return self._tags

    def item_embeddings(self) -> np.ndarray:
        """Item vectors, ``(n_items, dim)`` float32, row i = ``catalog.items[i]``."""
        if self._embeddings is None:
            self._embeddings = np.load(self.path / EMBEDDINGS, mmap_mode="r")
        return self._embeddings

    def update_manifest(self, section: str, data: dict[str, Any]) -> None:
        """Set ``manifest[section] = data`` and rewrite the manifest atomically."""
        if section in {"format", "items", "catalog_sha256"}:
            raise ValueError(f"manifest section {section!r} is written only by the build")
        self.manifest[section] = data
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(self.path / MANIFEST)


def load_pack(path: Path | str, *, eager: bool = False) -> Pack:
    """Open a knowledge pack built by `build_pack`.

    The graph and the index open on first use; ``eager=True`` opens them now.
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        raise PackError(f"no knowledge pack at {path}: build one with `parley build`")
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        raise PackError(f"{path} is not a complete knowledge pack (no {MANIFEST}); rebuild it")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise PackError(f"cannot read {manifest_path}: {exc}") from exc
    if manifest.get("format") != PACK_FORMAT:
        raise PackError(
            f"{path} has pack format {manifest.get('format')!r}; "
            f"this Parley reads {PACK_FORMAT}: rebuild it"
        )
    try:
        catalog = load_jsonl(path / ITEMS).catalog
    except CatalogError as exc:
        raise _damaged(path, f"items ({ITEMS})", str(exc)) from None
    catalog.name = manifest.get("catalog_name", catalog.name)
    if len(catalog) != manifest["items"]:
        raise _damaged(
            path, f"items ({ITEMS})", f"{len(catalog)} items, the manifest says {manifest['items']}"
        )
    pack = Pack(path, manifest, catalog)
    if eager:
        _open_every_part(pack)
    return pack


def _read_counts(path: Path) -> dict[str, dict[str, int]]:
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text())
        return {str(k): {str(i): int(n) for i, n in v.items()} for k, v in found.items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise PackError(f"{path}: the interaction counts are unreadable ({exc})") from exc


def _read_ratings(path: Path) -> dict[str, tuple[int, int]]:
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text())
        ratings = {str(i): (int(v[0]), int(v[1])) for i, v in found.items()}
    except (OSError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise PackError(f"{path}: the ratings are unreadable ({exc})") from exc
    if any(not 0 <= liked <= rated for liked, rated in ratings.values()):
        raise PackError(f"{path}: the ratings are unreadable (more liked than rated)")
    return ratings


def _read_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    try:
        found = json.loads(path.read_text())
        if not isinstance(found, list):
            raise TypeError("not a list")
        return [str(i) for i in found]
    except (OSError, ValueError, TypeError) as exc:
        raise PackError(f"{path}: the list of films is unreadable ({exc})") from exc


def film_tags(interactions: Mapping[str, SequenceSet], twins: Twins) -> dict[str, list[str]]:
    """Per film (its twins' records as one), the tags every source gave it, sorted."""
    found: dict[str, set[str]] = {}
    for source in interactions.values():
        for item_id, words in source.tags.items():
            found.setdefault(twins.canonical(item_id), set()).update(words)
    return {film: sorted(words) for film, words in found.items()}


def _read_tags(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text())
        if not isinstance(found, dict) or not all(
            isinstance(v, list) and all(isinstance(w, str) for w in v) for v in found.values()
        ):
            raise TypeError("not a table of films to lists of words")
        return {str(k): v for k, v in found.items()}
    except (OSError, ValueError, TypeError) as exc:
        raise PackError(f"{path}: the films' tags are unreadable ({exc})") from exc


def _damaged(path: Path, part: str, why: str) -> PackError:
    return PackError(
        f"{path}: the pack's {part} is missing or damaged ({why}); rebuild it with `parley build`"
    )


def _open_every_part(pack: Pack) -> None:
    """Open the graph, embeddings, vector index, collaborative model and twins, and check
    each against the manifest, so a damaged pack fails at start, naming the part."""
    path, manifest = pack.path, pack.manifest
    try:
        graph = pack.graph
    except (PackError, KeyError, TypeError, IndexError, ValueError) as exc:
        raise _damaged(path, f"knowledge graph ({GRAPH})", str(exc)) from None
    want = (manifest.get("kg_nodes"), manifest.get("kg_edges"))
    if None not in want and (graph.num_nodes, graph.num_edges) != want:
        raise _damaged(
            path,
            f"knowledge graph ({GRAPH})",
            f"{graph.num_nodes} nodes and {graph.num_edges} edges, the manifest says "
            f"{want[0]} and {want[1]}",
        )

    try:
        vectors = pack.item_embeddings()
    except (OSError, ValueError) as exc:
        raise _damaged(path, f"embeddings ({EMBEDDINGS})", str(exc)) from None
    shape = (len(pack.catalog), manifest.get("embedding_dim", vectors.shape[-1]))
    if vectors.shape != shape:
        raise _damaged(
            path, f"embeddings ({EMBEDDINGS})", f"shape {vectors.shape}, expected {shape}"
        )

    _check_index(pack, vectors)

    if manifest.get("collab"):
        try:
            collab = pack.collab
        except Exception as exc:  # scipy raises several types for a damaged file
            raise _damaged(path, "collaborative model", str(exc)) from None
        if collab is None:
            raise _damaged(path, "collaborative model", "its files are missing")
    try:
        _ = pack.twins
    except (OSError, ValueError, TypeError) as exc:
        raise _damaged(path, "twins (twins.json)", str(exc)) from None
    try:
        _ = pack.counts
    except PackError as exc:
        raise _damaged(path, f"interaction counts ({COUNTS_FILE})", str(exc)) from None
    try:
        _ = pack.ratings
    except PackError as exc:
        raise _damaged(path, f"ratings ({RATINGS_FILE})", str(exc)) from None
    try:
        _ = pack.for_children
    except PackError as exc:
        raise _damaged(path, f"films for children ({CHILDREN_FILE})", str(exc)) from None
    try:
        _ = pack.tags
    except PackError as exc:
        raise _damaged(path, f"tags ({TAGS_FILE})", str(exc)) from None


def _check_index(pack: Pack, vectors: np.ndarray) -> None:
    """The collection exists (never created here), holds every item, and finds an item's own
    vector first."""
    path, info = pack.path, pack.manifest["index"]
    part = (
        f"vector index (the Chroma server at {info.get('url')})"
        if info["backend"] == "http"
        else f"vector index ({CHROMA}/)"
    )
    if info["backend"] != "http" and not (path / CHROMA / "chroma.sqlite3").is_file():
        raise _damaged(path, part, f"no Chroma store in {path / CHROMA}")
    expected = int(info.get("vectors") or pack.manifest["items"])
    try:
        pack.index.client.get_collection(info["collection"], embedding_function=None)
        count = pack.index.count()
        hits = pack.index.query(np.asarray(vectors[0]), 1) if count else []
    except Exception as exc:  # chromadb raises several types for a damaged store
        if info["backend"] != "http":
            release_persistent(path / CHROMA)
        raise _damaged(path, part, f"{type(exc).__name__}: {exc}") from None
    if count != expected:
        raise _damaged(path, part, f"{count} vectors, the manifest says {expected}")
    if not hits or hits[0].score < 0.99:
        raise _damaged(path, part, "an item's own vector does not find it")
