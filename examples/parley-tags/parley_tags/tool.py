"""``movielens_tags``: what people say about a film, from the tags MovieLens users gave it.

An *answering* tool: it declares the questions it answers (``intents``), so Parley's
deterministic policy sends "what do people say about Inception?" to it, and the LLM
planner may call it too. Its data is a MovieLens folder (``tags.csv`` and ``links.csv``,
e.g. ml-latest-small) named by the environment variable ``PARLEY_MOVIELENS``; items join
through their IMDb ids. Without that folder the tool is simply not available.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tools.base import ItemRef, Tool, ToolError

ENV = "PARLEY_MOVIELENS"
TOP_TAGS = 5


class TagsInput(BaseModel):
    """The films to describe."""

    model_config = ConfigDict(extra="forbid")

    item_ids: list[str] = Field(min_length=1, max_length=10, description="catalog item ids")
    text: str = Field(default="", max_length=4000, description="the user's question (unused)")


class TaggedItem(BaseModel):
    """A film and what people tagged it with."""

    item: ItemRef
    tags: list[str] = Field(default_factory=list, description="most frequent tags first")
    taggers: int = Field(description="how many MovieLens users tagged it")


class TagsOutput(BaseModel):
    """What people say about each film, and the answer in one sentence."""

    items: list[TaggedItem] = Field(default_factory=list)
    sentence: str = ""


class MovieLensTagsTool(Tool[TagsInput, TagsOutput]):
    """Describe films by the tags MovieLens users gave them."""

    name = "movielens_tags"
    description = (
        "What people say about a film: the tags MovieLens users gave it most often "
        "('thought-provoking', 'twist ending'). Input: catalog item ids."
    )
    Input = TagsInput
    Output = TagsOutput
    roles = frozenset({"answer"})
    intents = (
        r"\bwhat do (people|others|viewers|fans|critics) (say|think)\b",
        r"\bhow do (people|others|viewers|fans) (like|find|describe)\b",
        r"\b(reviews?|opinions?|reputation)\b",
    )

    _tags: dict[str, Counter[str]]
    _taggers: dict[str, set[str]]

    @staticmethod
    def folder() -> Path | None:
        """The MovieLens folder, if configured and complete."""
        value = os.environ.get(ENV)
        folder = Path(value).expanduser() if value else None
        if folder and (folder / "tags.csv").exists() and (folder / "links.csv").exists():
            return folder
        return None

    def is_available(self) -> bool:
        """Only with a MovieLens folder and a catalog that has IMDb ids."""
        return self.folder() is not None and any("imdb" in i.external_ids for i in self.catalog)

    def setup(self) -> None:
        """Read the tags once, keyed by catalog item."""
        folder = self.folder()
        if folder is None:
            raise ToolError(f"{self.name}: set {ENV} to a MovieLens folder with tags.csv")
        by_imdb = {
            i.external_ids["imdb"]: i.item_id for i in self.catalog if "imdb" in i.external_ids
        }
        movie_to_item: dict[str, str] = {}
        with (folder / "links.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                item_id = by_imdb.get(f"tt{row['imdbId']}")
                if item_id:
                    movie_to_item[row["movieId"]] = item_id
        self._tags, self._taggers = {}, {}
        with (folder / "tags.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                item_id = movie_to_item.get(row["movieId"])
                if item_id:
                    self._tags.setdefault(item_id, Counter())[row["tag"].strip().lower()] += 1
                    self._taggers.setdefault(item_id, set()).add(row["userId"])

    def run(self, data: TagsInput) -> TagsOutput:
        """Each film's most frequent tags, and one sentence about them."""
        found, parts = [], []
        for item_id in data.item_ids:
            item = self.catalog.get(item_id)
            if item is None:
                continue
            tags = [t for t, _ in self._tags.get(item_id, Counter()).most_common(TOP_TAGS)]
            taggers = len(self._taggers.get(item_id, ()))
            found.append(TaggedItem(item=ItemRef.of(item), tags=tags, taggers=taggers))
            if tags:
                people = "one MovieLens user" if taggers == 1 else f"{taggers} MovieLens users"
                parts.append(f"{people} tagged {item.display_title}: {', '.join(tags)}.")
            else:
                parts.append(f"MovieLens users have not tagged {item.display_title}.")
        return TagsOutput(items=found, sentence=" ".join(parts))

    def summarize(self, output: TagsOutput) -> str:
        """The sentence."""
        return output.sentence or "No film given."
