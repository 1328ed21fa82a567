"""The focus of discussion: which items "it", "that one" and "the second one" point at."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, Field

from knowledge.text import FUNCTION_WORDS, words

if TYPE_CHECKING:
    from agent.reading import Reading
    from agent.state import AgentState
    from knowledge.items import Catalog


class Focus(BaseModel):
    """What the conversation is about: the list the user last saw, and the one item in view."""

    items: list[str] = Field(default_factory=list)
    """The cards of the latest recommendation, in the order shown: ordinals count in it."""
    current: str | None = None
    """The one item last asked about, explained or named: what "it" and "that one" mean
    (the first of ``items`` when no single item was discussed since they were shown)."""

    def it(self) -> str | None:
        """The item a singular reference means."""
        return self.current or (self.items[0] if self.items else None)

    def at(self, position: int) -> str | None:
        """The item at an ordinal position (0-based; -1 = last), if there is one."""
        if -len(self.items) <= position < len(self.items):
            return self.items[position]
        return None

    def about(self, item_id: str) -> Focus:
        """This focus with one item in view (the list stays, for later ordinals)."""
        return Focus(items=list(self.items), current=item_id)


def carried(state: AgentState) -> Focus:
    """The focus as the previous turn left it: a recommendation makes its cards the focus."""
    if state.get("act") == "recommend" and state.get("recommended"):
        return Focus(items=[c.item_id for c in state.get("recommended", [])])
    return state.get("discussion") or Focus()


class Reference(NamedTuple):
    """What a message points at without naming it, resolved against the focus."""

    items: list[str]
    """The items meant ("the second one", "the Spielberg one", "them", "it")."""
    at: tuple[int, int] | None = None
    """Where the reference is (for the polarity of "I loved the second one")."""
    description: tuple[int, int] | None = None
    """The span of a description that picked an item: its words name the item, they are
    no wish ("the war one" does not ask for war films)."""
    dangling: bool = False
    """A description that fits none of the items in focus: nothing is meant."""


def resolve(
    text: str,
    reading: Reading,
    focus: Focus,
    catalog: Catalog,
    genre_words: Mapping[str, tuple[str, ...]],
    named: Sequence[tuple[int, int, str]] = (),
) -> Reference:
    """The items of the focus a message points at: ordinals, a description, "all of them",
    or a singular pronoun, which means an item named earlier in the same message ("I loved
    Heat, who directed it?") or else the one in focus.

    ``named`` are the items the message names, with where each starts and ends.
    """
    if reading.positions:
        found = [focus.at(p) for p in reading.positions]
        return Reference(list(dict.fromkeys(i for i in found if i)), reading.reference_at)
    picked = described(text, focus.items, catalog, genre_words) if focus.items else None
    if picked is not None and picked.items:
        span = (picked.start, picked.end)
        return Reference(picked.items[:1], span, span)
    dangling = picked is not None
    if reading.refers_to_all and focus.items:
        return Reference(list(focus.items), reading.reference_at)
    if reading.refers_to_one and reading.reference_at is not None:
        at = reading.reference_at
        earlier = [(end, item_id) for start, end, item_id in named if start < at[0]]
        # "it" is what was just named ("Casablanca? I adore it"), and so is "that" in the
        # same sentence ("Mrs. Doubtfire sounds fun, I'll watch that"); after a full stop,
        # "that one" may point back at the item in focus ("The new It was great. I haven't
        # seen that one").
        it = focus.it()
        same_sentence = bool(earlier) and not re.search(r"[.!?]\s", text[earlier[-1][0] : at[0]])
        if earlier and (text[at[0] : at[1]].lower() == "it" or it is None or same_sentence):
            return Reference([earlier[-1][1]], at)
        if it:
            return Reference([it], at, dangling=dangling)
    return Reference([], dangling=dangling)


_DESCRIBED = re.compile(
    r"\bthe ((?:[\w'’.-]+ ){0,3}?[\w'’.-]+?)(?:-| )(?:one|movie|film|flick)\b", re.IGNORECASE
)
_NOT_DESCRIPTIVE = frozenset(
    "first second third fourth fifth last top other same next previous 1st 2nd 3rd 4th 5th"
    " whole new old best worst only".split()
)


class Described(NamedTuple):
    """A description of a shown item ("the Spielberg one") and the items it fits."""

    start: int
    end: int
    items: list[str]
    """The items of the focus list it picks out (empty when it fits none, or all)."""


def described(
    text: str,
    items: Sequence[str],
    catalog: Catalog,
    genre_words: Mapping[str, tuple[str, ...]],
) -> Described | None:
    """The first description of an item in the text: "the Spielberg one", "the animated one",
    "the 1994 film", with the items of ``items`` (the focus list) it picks out.

    A description that fits all of them picks nothing out.
    """
    for match in _DESCRIBED.finditer(text):
        phrase = words(match.group(1))
        # "the Spielberg one", "the animated film"; not "the mood for a comedy movie".
        if not phrase or any(w in _NOT_DESCRIPTIVE or w in FUNCTION_WORDS for w in phrase):
            continue
        fitting = [i for i in items if i in catalog and _fits(phrase, catalog, i, genre_words)]
        picked = fitting if len(fitting) < len(items) else []
        return Described(match.start(), match.end(), picked)
    return None


def _fits(
    phrase: list[str], catalog: Catalog, item_id: str, genre_words: Mapping[str, tuple[str, ...]]
) -> bool:
    item = catalog[item_id]
    values: set[str] = set()
    for name, listed in item.attributes.items():
        for value in listed:
            values.update(words(value))
            if name == "genre":
                values.add(value.lower())
    genres = {g.lower() for g in item.values("genre")}
    for word in phrase:
        if word.isdigit() and item.year is not None and word == str(item.year):
            return True
        if len(word) >= 3 and word in values:
            return True
        if set(genre_words.get(word, ())) & genres:
            return True
    return False
