"""Interaction sequences for training: MovieLens histories and ReDial dialogue co-mentions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.errors import CatalogError
from knowledge.items import Catalog
from knowledge.loaders.movielens import imdb_id, read_csv

LIKED_RATING = 4.0
"""A MovieLens rating at or above this (of 5 stars) says the user liked the film."""


@dataclass(frozen=True)
class InteractionSequence:
    """One user's (or one dialogue's) items in time order."""

    user_id: str
    item_ids: tuple[str, ...]


@dataclass
class SequenceSet:
    """Sequences mapped onto a catalog, with what the mapping kept and dropped."""

    sequences: list[InteractionSequence]
    source: str
    interactions_read: int = 0
    interactions_unmapped: int = 0
    users_dropped_short: int = 0
    items_covered: int = field(default=0)
    verdicts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per item, how many of its ratings were 4 stars or more, and how many it had: every
    rating, whatever ``min_rating`` kept (only a source of ratings has them)."""
    for_children: set[str] = field(default_factory=set)
    """Items the source lists as films for children (MovieLens's "Children" genre)."""
    tags: dict[str, set[str]] = field(default_factory=dict)
    """Per item, the words its viewers tagged it with, in lower case (MovieLens's
    ``tags.csv``: "surreal", "twist ending")."""

    def summary(self) -> str:
        """A one-line account of the mapping."""
        kept = sum(len(s.item_ids) for s in self.sequences)
        return (
            f"{self.source}: {len(self.sequences)} sequences, {kept} interactions over "
            f"{self.items_covered} catalog items; {self.interactions_unmapped} of "
            f"{self.interactions_read} interactions had no catalog item, "
            f"{self.users_dropped_short} sequences were too short"
        )


def _finish(raw: dict[str, list[str]], result: SequenceSet, min_length: int) -> SequenceSet:
    items: set[str] = set()
    for user, seq in raw.items():
        deduped = list(dict.fromkeys(seq))  # keep the first time each item appears
        if len(deduped) < min_length:
            result.users_dropped_short += 1
            continue
        result.sequences.append(InteractionSequence(user, tuple(deduped)))
        items.update(deduped)
    result.items_covered = len(items)
    return result


def movielens_sequences(
    folder: Path | str,
    catalog: Catalog,
    *,
    min_rating: float | None = None,
    min_length: int = 3,
) -> SequenceSet:
    """Read ``ratings.csv`` as time-ordered per-user sequences over ``catalog``.

    MovieLens movies map to catalog items through ``external_ids["movielens"]`` when the
    catalog came from MovieLens, else through IMDb ids (``links.csv``). Ratings below
    ``min_rating`` are dropped (``None`` keeps every rating: a rating is an interaction).
    """
    folder = Path(folder)
    ratings = folder / "ratings.csv"
    if not ratings.exists():
        raise CatalogError(ratings, "no such file")
    by_ml: dict[str, str] = {}
    by_imdb: dict[str, str] = {}
    for item in catalog:
        if "movielens" in item.external_ids:
            by_ml[item.external_ids["movielens"]] = item.item_id
        if "imdb" in item.external_ids:
            by_imdb[item.external_ids["imdb"]] = item.item_id
    if not by_ml and (folder / "links.csv").exists():
        for _, row in read_csv(folder / "links.csv", ("movieId", "imdbId")):
            imdb = imdb_id(row["imdbId"] or "")
            if imdb and imdb in by_imdb:
                by_ml[row["movieId"].strip()] = by_imdb[imdb]
    if not by_ml:
        raise CatalogError(ratings, "no MovieLens movie maps to a catalog item (no shared ids)")

    events: dict[str, list[tuple[int, int, str]]] = {}
    result = SequenceSet([], str(ratings))
    liked: Counter[str] = Counter()
    rated: Counter[str] = Counter()
    for line, row in read_csv(ratings, ("userId", "movieId", "rating", "timestamp")):
        result.interactions_read += 1
        try:
            rating = float(row["rating"])
            stamp = int(row["timestamp"])
        except (TypeError, ValueError):
            raise CatalogError(ratings, "rating and timestamp must be numbers", line) from None
        item_id = by_ml.get(row["movieId"].strip())
        if item_id is not None:
            rated[item_id] += 1
            liked[item_id] += rating >= LIKED_RATING
        if min_rating is not None and rating < min_rating:
            continue
        if item_id is None:
            result.interactions_unmapped += 1
            continue
        events.setdefault(row["userId"].strip(), []).append((stamp, line, item_id))
    result.verdicts = {i: (liked[i], n) for i, n in rated.items()}
    result.for_children = _for_children(folder / "movies.csv", by_ml)
    result.tags = _tags(folder / "tags.csv", by_ml)
    raw = {user: [i for _, _, i in sorted(evs)] for user, evs in events.items()}
    return _finish(raw, result, min_length)


CHILDREN_GENRE = "Children"
"""MovieLens's genre of films made for children."""


def _for_children(movies: Path, by_ml: dict[str, str]) -> set[str]:
    """The catalog items that ``movies.csv`` lists in `CHILDREN_GENRE` (none without it).

    A catalog's own genres seldom say it: ReDial lists *Moana* and *Coco* as animation,
    adventure and comedy, as it lists *Sausage Party*, and MovieLens tells them apart."""
    if not movies.exists():
        return set()
    found = set()
    for _, row in read_csv(movies, ("movieId", "genres")):
        item_id = by_ml.get((row["movieId"] or "").strip())
        if item_id is not None and CHILDREN_GENRE in (row["genres"] or "").split("|"):
            found.add(item_id)
    return found


def _tags(tags: Path, by_ml: dict[str, str]) -> dict[str, set[str]]:
    """The catalog items' tags from ``tags.csv`` (none without it), lower case and trimmed.

    What viewers call a film says what a catalog's genres and plots do not: MovieLens's
    users tag *Memento* "twist ending" and "nonlinear", and *Eraserhead* "surreal"."""
    if not tags.exists():
        return {}
    found: dict[str, set[str]] = {}
    for _, row in read_csv(tags, ("movieId", "tag")):
        item_id = by_ml.get((row["movieId"] or "").strip())
        tag = " ".join((row["tag"] or "").lower().split())
        if item_id is not None and tag:
            found.setdefault(item_id, set()).add(tag)
    return found


def title_index(catalog: Catalog) -> dict[str, str]:
    """Map ``"Title (Year)"`` (and a bare title when the year is unknown) to item ids."""
    index: dict[str, str] = {}
    for item in catalog:
        index.setdefault(item.display_title, item.item_id)
    return index


def dialogue_comentions(path: Path | str, catalog: Catalog, *, min_length: int = 2) -> SequenceSet:
    """Movies mentioned in each ReDial-format dialogue, in order of first mention.

    Each line of the file has ``dialog_id``, ``entity`` (mentions so far) and ``rec``;
    names are matched exactly against ``"Title (Year)"`` of the catalog items.
    """
    path = Path(path)
    index = title_index(catalog)
    raw: dict[str, list[str]] = {}
    result = SequenceSet([], str(path))
    for number, record in json_records(path):
        try:
            dialog = str(record["dialog_id"])
            names = list(record.get("entity", [])) + list(record.get("rec", []))
        except (KeyError, TypeError, AttributeError) as exc:
            raise CatalogError(path, f"not a dialogue turn ({exc})", number) from None
        bucket = raw.setdefault(dialog, [])
        for name in names:
            item_id = index.get(name)
            if item_id is not None:
                result.interactions_read += 1
                bucket.append(item_id)
    return _finish(raw, result, min_length)


def redial_liked(path: Path | str, catalog: Catalog, *, min_length: int = 1) -> SequenceSet:
    """The movies each participant of a raw ReDial dialogue said they liked.

    Raw ReDial dialogues (``train_dialogues_raw.jsonl``) carry, per movie mentioned, each
    side's answers to "seen?" and "liked?" (``initiatorQuestions``/``respondentQuestions``,
    keyed by ReDial movie id, which is the catalog item id of a ReDial pack; a catalog
    built otherwise is matched by the ``movieMentions`` names). One sequence per speaker.
    """
    path = Path(path)
    index = title_index(catalog)
    raw: dict[str, list[str]] = {}
    result = SequenceSet([], str(path))
    for number, record in json_records(path):
        if not isinstance(record, dict):
            raise CatalogError(path, "not a raw ReDial dialogue", number)
        names = record.get("movieMentions") or {}
        dialog = str(record.get("conversationId", number))
        for side in ("initiatorQuestions", "respondentQuestions"):
            answers = record.get(side) or {}
            if not isinstance(answers, dict):
                continue
            bucket = raw.setdefault(f"{dialog}:{side}", [])
            for movie, answer in answers.items():
                if not isinstance(answer, dict) or answer.get("liked") != 1:
                    continue
                result.interactions_read += 1
                item_id = movie if movie in catalog else index.get(str(names.get(movie, "")))
                if item_id is None:
                    result.interactions_unmapped += 1
                else:
                    bucket.append(item_id)
    return _finish(raw, result, min_length)


def json_records(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed JSON)`` for each non-blank line; `CatalogError` names a bad line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(path, exc.strerror or str(exc)) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise CatalogError(path, f"not JSON ({exc.msg})", line=number) from None


SEQUENCE_KINDS = ("movielens", "dialogues", "redial-liked")
"""What `load_sequences` reads: MovieLens ratings, dialogue co-mentions, ReDial liked answers."""


def load_sequences(spec: str, catalog: Catalog, *, positive_only: bool = False) -> SequenceSet:
    """Read interaction sequences from ``movielens:FOLDER``, ``dialogues:FILE`` (ReDial-format
    turns) or ``redial-liked:FILE`` (raw ReDial dialogues). With ``positive_only``, MovieLens
    keeps ratings of 4 and above (what a collaborative model learns as "liked")."""
    kind, _, path = spec.partition(":")
    if kind == "movielens" and path:
        return movielens_sequences(
            path, catalog, min_rating=LIKED_RATING if positive_only else None
        )
    if kind == "dialogues" and path:
        return dialogue_comentions(path, catalog)
    if kind == "redial-liked" and path:
        return redial_liked(path, catalog)
    raise CatalogError(
        spec,
        "unknown interaction spec; use movielens:FOLDER, dialogues:FILE or redial-liked:FILE",
    )
