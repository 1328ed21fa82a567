"""Twins: catalog records that are the same film (ReDial lists "The Conjuring",
"Conjuring" and "The Conjuring (2013)" as three items).

A pack links them instead of dropping any (a dialogue may name any of them): liking,
disliking or having seen one means all of them, and a recommendation shows at most one.
Two records are twins when they share an external id (an IMDb id) and their years do not
disagree (one may be missing: a data error that gives a 1968 and a 2007 film one IMDb id
is not a twin) and their titles match once folded (case, punctuation, spaces, a leading
article: "The Maze Runner" = "Maze Runner", "Love & Basketball" = "Love and Basketball"; a
title is also either part around its colon: "Ace Ventura" = "Ace Ventura: Pet Detective"),
since ReDial's IMDb ids are sometimes wrong ("Spider (2007)" carries Spider-Man 3's);
or, without external ids, when their folded titles are equal and one of them has no year.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.items import Catalog, Item, normalize_text

TWINS_FILE = "twins.json"

_ARTICLE = re.compile(r"^(the|a|an) ")


def folded_title(title: str) -> str:
    """A title folded for twin matching: lowercase, no punctuation, no leading article."""
    return _ARTICLE.sub("", normalize_text(title))


def _squeezed(title: str) -> str:
    return folded_title(title).replace(" ", "")


def _names(title: str) -> set[str]:
    """A title's folded forms: whole, and the parts around a colon ("Kill Bill: Volume 1"
    is also "Kill Bill"; "The Chronicles of Narnia: The Lion, the Witch and the Wardrobe"
    is also either half)."""
    names = {_squeezed(title)}
    if ":" in title:
        head, _, tail = title.partition(":")
        names |= {_squeezed(head), _squeezed(tail)} - {""}
    return names


def _compatible(a: Item, b: Item) -> bool:
    if not (a.year is None or b.year is None or a.year == b.year):
        return False
    return _squeezed(a.title) in _names(b.title) or _squeezed(b.title) in _names(a.title)


def find_twins(catalog: Catalog) -> list[list[str]]:
    """Groups of twin item ids (two or more each), the canonical record first: the one
    with a year, then the more popular, the better described, the smaller id."""
    keys: dict[str, list[Item]] = defaultdict(list)
    for item in catalog:
        for name, value in item.external_ids.items():
            keys[f"{name}:{value}"].append(item)
        if not item.external_ids:
            keys[f"title:{folded_title(item.title)}"].append(item)
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for key, members in keys.items():
        by_title = key.startswith("title:")
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if by_title and a.year is not None and b.year is not None:
                    continue
                if _compatible(a, b):
                    parent[root(b.item_id)] = root(a.item_id)
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in catalog:
        if item.item_id in parent or any(v == item.item_id for v in parent.values()):
            groups[root(item.item_id)].append(item)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # A group must be consistent as a whole: all known years equal.
        if len({m.year for m in members if m.year is not None}) > 1:
            continue
        members.sort(key=_canonical_order)
        found.append([m.item_id for m in members])
    return sorted(found)


def _canonical_order(item: Item) -> tuple[object, ...]:
    richness = sum(len(v) for v in item.attributes.values()) + bool(item.description)
    return (item.year is None, -(item.popularity or 0.0), -richness, item.item_id)


@dataclass
class Twins:
    """Which items are the same film."""

    groups: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._group: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            for item_id in group:
                self._group[item_id] = tuple(group)

    def of(self, item_id: str) -> tuple[str, ...]:
        """The item and its twins (just the item when it has none)."""
        return self._group.get(item_id, (item_id,))

    def canonical(self, item_id: str) -> str:
        """The record that stands for the film."""
        return self.of(item_id)[0]

    def expand(self, item_ids: Iterable[str]) -> set[str]:
        """The items and all their twins."""
        return {twin for item_id in item_ids for twin in self.of(item_id)}

    def save(self, folder: Path) -> None:
        """Write the groups into a pack folder."""
        (folder / TWINS_FILE).write_text(json.dumps(self.groups))

    @classmethod
    def load(cls, folder: Path) -> Twins:
        """The twins of a pack (none when the pack records none)."""
        path = folder / TWINS_FILE
        return cls(json.loads(path.read_text())) if path.exists() else cls()

    def summary(self, catalog: Catalog, examples: int = 3) -> str:
        """A line for the build summary."""
        if not self.groups:
            return "twins: none"
        shown = "; ".join(
            " = ".join(catalog[i].display_title for i in group) for group in self.groups[:examples]
        )
        items = sum(len(g) for g in self.groups)
        return (
            f"twins: {len(self.groups)} films listed more than once ({items} records), e.g. {shown}"
        )
