"""Twins: catalog records that are the same film (ReDial lists "The Conjuring",
"Conjuring" and "The Conjuring (2013)" as three items).

A pack links them instead of dropping any (a dialogue may name any of them): liking,
disliking or having seen one means all of them, and a recommendation shows at most one.
Two records are twins when they share an external id (an IMDb id) and their years do not
disagree by more than one (one may be missing; ReDial dates some films by their festival
year; a data error that gives a 1968 and a 2007 film one IMDb id is not a twin) and their
titles match once folded (case, punctuation, spaces, a leading
article: "The Maze Runner" = "Maze Runner", "Love & Basketball" = "Love and Basketball"; a
title is also either part around its colon: "Ace Ventura" = "Ace Ventura: Pet Detective"),
since ReDial's IMDb ids are sometimes wrong ("Spider (2007)" carries Spider-Man 3's);
or, without external ids, when their folded titles are equal and one of them has no year.

A misdated record is a twin too. ReDial sometimes gives a famous film the year and the
record of an obscure namesake a year off: its "Heat (1996)" is Anne Goursaud's film, but
the people who mention it mean Michael Mann's *Heat* (1995). Given how many people rated
each item (MovieLens; a build counts ratings of 4 and above), a record one year off a
same-titled film is taken for that film when the film is rated at least
`MISDATED_MIN_RATINGS` times and `MISDATED_RATIO` times as often as the record; the rated
film stands for both.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from knowledge.items import Catalog, Item, normalize_text
from knowledge.sequences import InteractionSequence, SequenceSet

TWINS_FILE = "twins.json"

MISDATED_MIN_RATINGS = 3
"""The least ratings of a film that a misdated namesake can be taken for."""
MISDATED_RATIO = 10
"""How many times as often as its misdated namesake that film must be rated."""

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


def _close_years(a: Item, b: Item) -> bool:
    return a.year is None or b.year is None or abs(a.year - b.year) <= 1


def _compatible(a: Item, b: Item) -> bool:
    if not _close_years(a, b):
        return False
    return _squeezed(a.title) in _names(b.title) or _squeezed(b.title) in _names(a.title)


def find_twins(catalog: Catalog, ratings: Mapping[str, int] | None = None) -> list[list[str]]:
    """Groups of twin item ids (two or more each), the canonical record first: not a
    misdated one, with a year, then the more popular, the better described, the smaller id.
    ``ratings`` (item id -> how many people rated it) lets misdated records join the film
    they are taken for."""
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
    misdated = _join_misdated(catalog, ratings or {}, parent, root)
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in catalog:
        groups[root(item.item_id)].append(item)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # A group must be consistent as a whole: its known years at most one apart.
        years = [m.year for m in members if m.year is not None]
        if years and max(years) - min(years) > 1:
            continue
        members.sort(key=lambda m: (m.item_id in misdated, *_canonical_order(m)))
        found.append([m.item_id for m in members])
    return sorted(found)


def _join_misdated(
    catalog: Catalog,
    ratings: Mapping[str, int],
    parent: dict[str, str],
    root: Callable[[str], str],
) -> set[str]:
    """Join each misdated record (see the module's text) to the film it is taken for, in
    ``parent``; the ids of the records (and their twins) that joined."""
    if not ratings:
        return set()
    rated: dict[str, int] = defaultdict(int)  # a film's ratings, over its twin records
    years: dict[str, set[int]] = defaultdict(set)  # a film's known years
    for item in catalog:
        rated[root(item.item_id)] += ratings.get(item.item_id, 0)
        if item.year is not None:
            years[root(item.item_id)].add(item.year)
    by_title: dict[str, list[Item]] = defaultdict(list)
    for item in catalog:
        if item.year is not None:
            by_title[folded_title(item.title)].append(item)
    joins: list[tuple[str, str]] = []
    for members in by_title.values():
        for a in members:
            for b in members:
                strong, weak = root(a.item_id), root(b.item_id)
                both = years[strong] | years[weak]
                if (
                    strong != weak
                    and max(both) - min(both) == 1  # never a group whose years disagree
                    and rated[strong] >= MISDATED_MIN_RATINGS
                    and rated[weak] * MISDATED_RATIO <= rated[strong]
                ):
                    joins.append((weak, strong))
    before = {i: root(i) for i in catalog.ids()}
    for weak, strong in joins:
        parent[weak] = strong
    joined = {weak for weak, _ in joins}
    return {i for i, r in before.items() if r in joined}


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

    def merged(self, sets: SequenceSet) -> SequenceSet:
        """Interaction sets with each record replaced by its film's canonical record, so
        that what people said of "Jaws" and of "Jaws (1975)" counts for one film."""
        sequences = []
        for sequence in sets.sequences:
            films = tuple(dict.fromkeys(self.canonical(i) for i in sequence.item_ids))
            sequences.append(InteractionSequence(sequence.user_id, films))
        covered = {i for s in sequences for i in s.item_ids}
        verdicts: dict[str, tuple[int, int]] = {}
        for item_id, (liked, rated) in sets.verdicts.items():
            before = verdicts.get(self.canonical(item_id), (0, 0))
            verdicts[self.canonical(item_id)] = (before[0] + liked, before[1] + rated)
        return replace(sets, sequences=sequences, items_covered=len(covered), verdicts=verdicts)

    def aliases(self) -> dict[str, str]:
        """Each twin record that is not its film's canonical record -> the canonical one."""
        return {i: group[0] for group in self.groups for i in group[1:]}

    def shared_popularity(self, catalog: Catalog) -> Catalog:
        """The catalog with each twin record as popular as its film's canonical record."""
        items = [
            item.model_copy(update={"popularity": catalog[self.canonical(item.item_id)].popularity})
            if self.canonical(item.item_id) != item.item_id
            else item
            for item in catalog
        ]
        return Catalog(items, name=catalog.name)

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
