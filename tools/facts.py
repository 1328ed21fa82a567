"""Item facts, and answers to simple questions about items and people, from the catalog only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from knowledge.items import Catalog, Item
from tools.base import ItemRef

Asks = Literal["director", "writer", "star", "genre", "year", "description", "filmography"]

# Checked in order; the first pattern that matches the text decides what is asked.
_QUESTIONS: list[tuple[Asks, re.Pattern[str]]] = [
    (
        "filmography",
        re.compile(
            r"\b(what|which)\b[^?]*\b(movies?|films?)\b[^?]*\b(did|has|have|does|is|was)\b[^?]*"
            r"\b(direct|directed|write|wrote|written|star|starred|act|acted|play|played|in)\b"
            r"|\bwhat (else )?(did|has|have|does)\b[^?]*\b(direct|directed|write|wrote|written|"
            r"star|starred|act|acted|appear|appeared|made|make)\b",
            re.I,
        ),
    ),
    (
        "director",
        re.compile(
            r"\bwho\b[^?]*\b(direct|directed|directs|made|director)\b|\bdirector of\b", re.I
        ),
    ),
    (
        "writer",
        re.compile(
            r"\bwho\b[^?]*\b(wrote|write|writes|written|writer|screenplay)\b|\bwriters? of\b", re.I
        ),
    ),
    (
        "star",
        re.compile(
            r"\bwho\b[^?]*\b(star|stars|starred|starring|act|acts|acted|plays?|played|cast)\b"
            r"|\bwho\b[^?]*\b(is|was) in\b"
            r"|\b(cast|actors?|actress(es)?) (of|in)\b",
            re.I,
        ),
    ),
    (
        "year",
        re.compile(
            r"\b(when|what year|which year)\b[^?]*\b(release|released|come out|came out|made|out)\b"
            r"|\bwhat year\b|\bhow old is\b",
            re.I,
        ),
    ),
    (
        "genre",
        re.compile(
            r"\bwhat (kind|type|sort|genre)s? of (movie|film)\b|\bwhat genre\b|\bgenres? of\b", re.I
        ),
    ),
    (
        "description",
        re.compile(
            r"\b(what|whats|what's)\b[^?]*\babout\b|\b(plot|synopsis|summary|storyline)\b"
            r"|\bwhat happens\b|\bwhat is .+\?",
            re.I,
        ),
    ),
]
ROLE_OF: dict[str, str] = {"director": "director", "writer": "writer", "star": "star"}
_FILMOGRAPHY_ROLE = [
    ("director", re.compile(r"\bdirect", re.I)),
    ("writer", re.compile(r"\b(write|wrote|written)\b", re.I)),
    ("star", re.compile(r"\b(star|act|play|appear|in)\w*\b", re.I)),
]


class ItemFacts(BaseModel):
    """What the catalog knows about an item."""

    item: ItemRef
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    description: str = ""


class Answer(BaseModel):
    """A direct answer to a question about one linked entity."""

    asks: Asks = Field(description="what the question asks for")
    subject: str = Field(description="entity id of what the question is about")
    subject_label: str
    values: list[str] = Field(default_factory=list, description="attribute values that answer it")
    items: list[ItemRef] = Field(default_factory=list, description="items that answer it")
    sentence: str = Field(description="the answer as one grounded sentence")


def item_facts(item: Item) -> ItemFacts:
    """The facts of one item."""
    return ItemFacts(
        item=ItemRef.of(item), attributes=dict(item.attributes), description=item.description
    )


def detect_question(text: str) -> Asks | None:
    """What a question asks for, or ``None`` when the text is not such a question."""
    for asks, pattern in _QUESTIONS:
        if pattern.search(text):
            return asks
    return None


def answer_about_item(asks: Asks, item: Item) -> Answer | None:
    """Answer a question about an item from its attributes; ``None`` for person questions."""
    title = item.display_title
    values: list[str] = []
    if asks in ROLE_OF or asks == "genre":
        values = item.values(asks)
        verbs = {
            "director": "was directed by",
            "writer": "was written by",
            "star": "stars",
            "genre": "is listed under",
        }
        noun = {
            "director": "a director",
            "writer": "a writer",
            "star": "any actors",
            "genre": "a genre",
        }
        sentence = (
            f"{title} {verbs[asks]} {join_names(values)}."
            if values
            else f"The catalog does not list {noun[asks]} for {title}."
        )
    elif asks == "year":
        values = [str(item.year)] if item.year else []
        sentence = (
            f"{item.title} was released in {item.year}."
            if item.year
            else f"The catalog does not give a release year for {item.title}."
        )
    elif asks == "description":
        values = [item.description] if item.description else []
        sentence = (
            f"{title}: {item.description}"
            if item.description
            else f"The catalog has no description of {title}."
        )
    else:
        return None
    return Answer(
        asks=asks,
        subject=f"item:{item.item_id}",
        subject_label=title,
        values=values,
        items=[ItemRef.of(item)],
        sentence=sentence,
    )


def answer_about_value(
    text: str, entity_id: str, label: str, catalog: Catalog, rank: Sequence[str], limit: int = 10
) -> Answer:
    """List the items of a person (or genre, tag...): "what did Christopher Nolan direct?".

    ``rank`` orders item ids (most popular first); items not in it come last.
    """
    role = next((r for r, pattern in _FILMOGRAPHY_ROLE if pattern.search(text)), None)
    order = {item_id: i for i, item_id in enumerate(rank)}
    wanted = label.lower()
    found: list[Item] = []
    for item in catalog:
        names = [role] if role else list(item.attributes)
        if any(wanted in (v.lower() for v in item.values(n)) for n in names):
            found.append(item)
    found.sort(key=lambda it: order.get(it.item_id, len(order)))
    shown = found[:limit]
    titles = join_names([it.display_title for it in shown])
    more = f" and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
    verb = {"director": "directed", "writer": "wrote", "star": "stars in"}.get(
        role or "", "is credited on"
    )
    if found:
        sentence = f"{label} {verb} {titles}{more}."
    else:
        sentence = f"The catalog has no items for {label}" + (f" as {role}." if role else ".")
    return Answer(
        asks="filmography",
        subject=entity_id,
        subject_label=label,
        items=[ItemRef.of(it) for it in shown],
        sentence=sentence,
    )


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
