"""Claims a reply makes about the items it names: years, genres, people and plots.

A claim is read in its clause ("Tenet (2020) is a 2010 film", "Inception, starring Tom
Hanks"): the items a clause names are what it talks about, or, when it names none, the
items its sentence names. A year, genre, person or plot said there must be one of those
items' own. The reading is deliberately simple (no parser): it cannot prove a reply true,
only catch the common ways a model misattributes or invents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.items import Item, normalize_text
from knowledge.text import SENTENCE_BREAK, STOPWORDS

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n()]+\s*|\s+(?:but|while|whereas)\s+")
_PLOT_CUE = re.compile(
    r"\b(?:is about|are about|about how|follows|following|story of|tale of|plot|"
    r"centers on|centres on|centered on|centred on|revolves around|tells of|in which)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
_NAME = r"[A-Z][\w'’.-]*"
_PERSON_CLAIM = re.compile(
    r"\b(?:(?:written|directed|produced|created|narrated|voiced) by|star(?:s|ring|red)|"
    r"featur(?:es|ing)|with|actor|actress|director|writer)\s+"
    rf"(?P<name>{_NAME}(?:\s+(?:{_NAME}|de|van|von|da|di|del|la|le)){{0,3}})"
)
STEM = 5
"""Words compare by their first letters ("steals" ~ "steal", "dreams" ~ "dream")."""


@dataclass(frozen=True)
class Clause:
    """A stretch of a reply between punctuation, with the items it and its sentence name."""

    start: int
    end: int
    text: str
    items: tuple[Item, ...]
    """Items named in the clause itself."""
    sentence_items: tuple[Item, ...]
    """Items named anywhere in the clause's sentence."""

    @property
    def about(self) -> tuple[Item, ...]:
        """What the clause talks about: its own items, else its sentence's."""
        return self.items or self.sentence_items


def names(text: str, item: Item) -> bool:
    """True when ``text`` names ``item`` by its title (whole words, loosely compared)."""
    title = normalize_text(item.title)
    return bool(title) and f" {title} " in f" {normalize_text(text)} "


def named(text: str, items: Sequence[Item]) -> tuple[Item, ...]:
    """The ``items`` a text names; a title inside a longer one named there ("Toy Story" in
    "Toy Story 3") does not count. Remakes share a title: both are named."""
    norm = f" {normalize_text(text)} "
    by_title: dict[str, list[Item]] = {}
    for item in items:
        by_title.setdefault(f" {normalize_text(item.title)} ", []).append(item)
    found: list[Item] = []
    for title in sorted(by_title, key=len, reverse=True):
        if title.strip() and title in norm:
            found += by_title[title]
            norm = norm.replace(title, " \x00 ")
    return tuple(i for i in items if i in found)


def title_spans(reply: str, items: Sequence[Item]) -> list[tuple[int, int]]:
    """Where the ``items``' titles stand in a reply (start, end)."""
    return [
        (m.start(), m.end())
        for item in items
        if item.title
        for m in re.finditer(re.escape(item.title), reply, re.IGNORECASE)
    ]


def clauses(reply: str, items: Sequence[Item]) -> list[Clause]:
    """The reply's clauses, each with the ``items`` it and its sentence name.

    No break falls inside a title: "Monsters, Inc. (2001)" is one clause.
    """
    titles = title_spans(reply, items)
    found: list[Clause] = []
    # A sentence break right after a title that ends in a stop ("Inc.") is no break either.
    after = [(a, b + 1) for a, b in titles]
    for s_start, s_end in _spans(reply, SENTENCE_BREAK, 0, len(reply), after):
        sentence = reply[s_start:s_end]
        in_sentence = named(sentence, items)
        for c_start, c_end in _spans(reply, _CLAUSE_BREAK, s_start, s_end, titles):
            text = reply[c_start:c_end]
            found.append(Clause(c_start, c_end, text, named(text, in_sentence), in_sentence))
    return found


def _spans(
    text: str,
    breaks: re.Pattern[str],
    start: int,
    end: int,
    keep: Sequence[tuple[int, int]],
) -> list[tuple[int, int]]:
    spans, at = [], start
    for match in breaks.finditer(text, start, end):
        if any(a <= match.start() < b for a, b in keep):
            continue
        if match.start() > at:
            spans.append((at, match.start()))
        at = match.end()
    if end > at:
        spans.append((at, end))
    return spans


def clause_at(found: Sequence[Clause], offset: int) -> Clause | None:
    """The clause holding a character offset."""
    return next((c for c in found if c.start <= offset < c.end), None)


def years_said(reply: str, titles: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(offset, year) of the years a reply states, leaving out those inside a title
    ("The Great Comet of 1812")."""
    return [
        (m.start(), int(m.group(1)))
        for m in YEAR.finditer(reply)
        if not any(a <= m.start() < b for a, b in titles)
    ]


def wrong_years(
    said: Sequence[tuple[int, int]], found: Sequence[Clause], free_years: set[int]
) -> list[str]:
    """Years said of an item that are not its own.

    ``free_years`` are years the brief states other than items' own (a wanted decade);
    they may appear in a clause that names no item.
    """
    problems = []
    for offset, year in said:
        clause = clause_at(found, offset)
        if clause is None or not clause.about:
            continue  # a sentence about no item: `unsupported_years` judges it
        if any(item.year == year for item in clause.about):
            continue
        if not clause.items and year in free_years:
            continue
        named = clause.about[0]
        problems.append(
            f"says {year} about {named.title!r}; the catalog says {named.year or 'no year'}"
        )
    return problems


def wrong_genres(found: Sequence[Clause], genres: Sequence[str]) -> list[str]:
    """Genres a clause claims for the items it names that none of them has.

    "Inception is a classic horror movie" fails when Inception is not horror; a clause
    naming no item (the user's wish, "since you like horror, ...") is not checked.
    """
    problems = []
    for clause in found:
        if not clause.items:
            continue
        norm = f" {normalize_text(clause.text)} "
        own = {normalize_text(g) for item in clause.items for g in item.values("genre")}
        for genre in genres:
            if f" {genre} " in norm and genre not in own:
                problems.append(f"calls {clause.items[0].title!r} {genre!r}, not one of its genres")
    return problems


def credited(person: str, items: Iterable[Item]) -> bool:
    """True when ``person`` is among the attribute values of one of ``items``."""
    wanted = normalize_text(person)
    return any(
        normalize_text(value) == wanted
        for item in items
        for values in item.attributes.values()
        for value in values
    )


def claimed_people(
    found: Sequence[Clause], items: Sequence[Item], fact_names: set[str]
) -> list[str]:
    """People a clause credits ("written by X", "starring X", "with X") on its items.

    Each must be credited on an item the clause (else its sentence) names; in a clause that
    names no item, a person the brief's facts name (a wanted star) may appear too. Names
    made of ordinary words ("Jane Nobody") are caught here, where the name-like phrase
    check lets them pass.
    """
    titles = {normalize_text(i.title) for i in items}
    problems = []
    for clause in found:
        for match in _PERSON_CLAIM.finditer(clause.text):
            person = re.sub(r"['’]s$", "", match.group("name"))
            norm = normalize_text(person)
            if norm in titles or not clause.about:
                continue  # "with Inception": a title; nothing named: the phrase check decides
            if credited(person, clause.about):
                continue
            own = set().union(*(_stems(_item_text(i)) for i in clause.about))
            if all(w[:STEM] in own for w in _WORD.findall(norm)):
                continue  # "with Batman", "with sci-fi": words of the item's own facts
            if not clause.items and norm in fact_names:
                continue
            problems.append(
                f"credits {person!r} on {clause.about[0].title!r}; the catalog does not"
            )
    return problems


def invented_plots(found: Sequence[Clause], facts: Sequence[str]) -> list[str]:
    """Plot claims ("X is about ...", "X follows ...") whose words the item's facts lack.

    The words after the cue must mostly be in the named item's title, description,
    attributes or the brief's facts: a plot the catalog does not hold is invented.
    """
    support = _stems(" ".join(facts))
    problems = []
    for clause in found:
        cue = _PLOT_CUE.search(clause.text)
        if cue is None or not clause.about:
            continue
        words = [
            w
            for w in _WORD.findall(normalize_text(clause.text[cue.end() :]))
            if w not in STOPWORDS and not w.isdigit()
        ]
        if len(words) < 2:
            continue
        own = support | set().union(*(_stems(_item_text(i)) for i in clause.about))
        unsupported = [w for w in words if w[:STEM] not in own]
        if len(unsupported) > max(1, len(words) // 3):
            problems.append(
                f"describes {clause.about[0].title!r} with words its description lacks "
                f"({', '.join(unsupported[:4])})"
            )
    return problems


def _item_text(item: Item) -> str:
    values = " ".join(v for vs in item.attributes.values() for v in vs)
    return f"{item.title} {item.description} {values}"


def _stems(text: str) -> set[str]:
    return {w[:STEM] for w in _WORD.findall(normalize_text(text))}
