"""Item facts, and answers to simple questions about items and people, from the catalog only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from knowledge.items import Catalog, Item
from knowledge.text import one_line
from tools.base import ItemRef

Asks = Literal[
    "director",
    "writer",
    "star",
    "genre",
    "year",
    "description",
    "trait",
    "opinion",
    "filmography",
    "which",
]

NEEDS_AN_ITEM: frozenset[Asks] = frozenset({"genre", "description", "trait", "opinion"})
"""Question kinds whose words also make requests ("tell me about a good comedy", "is there
anything scary?", "should I watch something funny?"): they ask about an item only when
the text names one or points at one."""


@dataclass(frozen=True)
class Trait:
    """A quality asked about ("is it scary?"), as far as genres and descriptions show it."""

    name: str
    """How the answer says it."""
    genres: tuple[str, ...]
    """Genres that make an item so."""
    related: tuple[str, ...] = ()
    """Genres that make it so in part ("scary": a thriller may be)."""
    against: tuple[str, ...] = ()
    """Genres that speak against it ("for kids": horror, war)."""
    cues: tuple[str, ...] = ()
    """Word beginnings in a description that suggest it ("kill", "haunt")."""
    unknown: str = ""
    """What the catalog cannot tell about it (said in every answer that is not certain)."""


_SCARY = Trait(
    "scary",
    ("horror",),
    ("thriller",),
    cues=(
        *("kill", "murder", "haunt", "ghost", "demon", "monster", "terror", "shark", "zombie"),
        *("vampire", "creature", "nightmare", "possess", "evil", "slasher", "serial"),
    ),
    unknown="how frightening a film is",
)
_VIOLENT = Trait(
    "violent",
    ("war", "horror"),
    ("crime", "action", "thriller", "western"),
    cues=(
        *("kill", "murder", "war", "battle", "gang", "revenge", "assassin", "blood", "massacre"),
        *("fight", "shoot", "violen", "hitman", "mob"),
    ),
    unknown="violence (it has no content ratings)",
)
_KIDS = Trait(
    "suitable for children",
    ("family",),
    ("animation",),
    against=("horror", "war", "crime", "thriller"),
    unknown="age ratings",
)
_LENGTH = Trait("long", (), unknown="running times")
"""A quality the catalog says nothing of: answered as such, never guessed from genres."""
TRAITS: dict[str, Trait] = {
    "scary": _SCARY,
    "frightening": _SCARY,
    "creepy": _SCARY,
    "spooky": _SCARY,
    "terrifying": _SCARY,
    "horror": _SCARY,
    "funny": Trait(
        "funny",
        ("comedy",),
        cues=("comed", "hilari", "funny", "laugh", "prank", "misadventure", "wacky"),
        unknown="how funny a film is",
    ),
    "violent": _VIOLENT,
    "gory": _VIOLENT,
    "bloody": _VIOLENT,
    "sad": Trait(
        "sad",
        (),
        ("drama", "war"),
        cues=("death", "dies", "dying", "grief", "loss", "tragic", "tragedy", "cancer", "mourn"),
        unknown="how sad a film is",
    ),
    "romantic": Trait("romantic", ("romance",), cues=("love", "romance", "romantic")),
    "animated": Trait("animated", ("animation",)),
    "for kids": _KIDS,
    "kids": _KIDS,
    "children": _KIDS,
    "family": _KIDS,
    "kid-friendly": _KIDS,
    "family-friendly": _KIDS,
    "child": _KIDS,
    "long": _LENGTH,
    "short": _LENGTH,
}
_TRAIT_WORDS = "|".join(sorted((re.escape(w) for w in TRAITS), key=len, reverse=True))
_TRAIT_QUESTION = re.compile(
    rf"(?:^|[.!?]\s+)\W*(?:and |so |but |ok |okay |hmm,? )?"
    rf"(?:is|was|isn'?t|wasn'?t|would|will|could|can)\b"
    # "can you recommend a family movie like Frozen?" asks for films, not about Frozen.
    rf"(?!\s+(?:you|u|ya)\s+(?:please\s+)?(?:recommend|suggest|find|give|show|name|think"
    rf"|help|point|list|get))"
    rf"(?P<subject>[^?.!]{{0,80}}?)\b(?:too |very |really |a bit |kind of |at all |that |so )?"
    rf"(?:ok |okay |good |fine |safe |suitable |appropriate |alright )?(?:for (?:my |the |a )?)?"
    rf"(?P<trait>{_TRAIT_WORDS})\b"
    rf"|\bhow (?P<how>{_TRAIT_WORDS}) is\b",
    re.IGNORECASE,
)

# "Is Casablanca any good?", "should I watch Jaws?", "would I like Heat?": a question about
# a film's worth, answered from what people made of it (`opinion_sentence`), not a liking.
_OPINION = re.compile(
    r"(?:^|[.!?,;]\s*)\W*(?:and |so |but |ok |okay |hmm,? |well,? )?(?:is|was)\s+(?!there\b)"
    r"[^?.!]{1,80}?\s(?:any good|(?:really |that |so |very )?good|worth (?:it|watching|seeing"
    r"|a (?:watch|look|try))|a good (?:movie|film|one|watch)|overrated|underrated)\s*(?:[?.!]|$)"
    r"|\bhow good is\b|\bwhat do you think (?:of|about)\b|\bwhat(?:'s| is) your (?:opinion|take)"
    r" (?:of|on)\b|\bshould i (?:watch|see|bother with|check out)\b"
    r"|\bwould i (?:like|enjoy|love)\b|\bworth (?:watching|seeing|a watch)\s*\?",
    re.IGNORECASE,
)

_WHICH = re.compile(
    r"\bwhich\b(?:(?! (?:movies?|films?) (?:did|has|have|does)\b)[^?.!]){0,40}?"
    r"\b(?P<most>newest|latest|most recent|newer|oldest|earliest|older)\b",
    re.I,
)
_NEWER = frozenset({"newest", "latest", "most recent", "newer"})

# Checked in order; the first pattern that matches the text decides what is asked.
_QUESTIONS: list[tuple[Asks, re.Pattern[str]]] = [
    ("which", _WHICH),
    (
        "filmography",
        re.compile(
            r"\b(what|which)\b[^?]*\b(movies?|films?)\b[^?]*\b(did|has|have|does|is|was)\b[^?]*"
            r"\b(direct|directed|write|wrote|written|star|starred|act|acted|play|played|in)\b"
            r"|\bwhat (else )?(did|has|have|does)\b[^?]*\b(direct|directed|write|wrote|written|"
            r"star|starred|act|acted|appear|appeared|made|make|done|been in)\b",
            re.I,
        ),
    ),
    (
        "director",
        re.compile(
            r"\bwho\b[^?]*\b(direct|directed|directs|made|director)\b|\bdirector of\b"
            r"|\bwho'?s the director\b",
            re.I,
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
            r"|\bwho\b[^?]*\b(is|was) in\b|\bwho'?s in\b"
            r"|\b(cast|actors?|actress(es)?) (of|in)\b"
            r"|\b(?:is|was|are|were) [\w .'-]{2,40} in (?:it|that|this|that one|this one)\b",
            re.I,
        ),
    ),
    (
        "year",
        re.compile(
            r"\bwhen (?:was|did|is|does|will)\b[^?]*"
            r"\b(release|released|come out|came out|made|out)\b"
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
    ("trait", _TRAIT_QUESTION),
    ("opinion", _OPINION),
    (
        "description",
        re.compile(
            r"\b(what|whats|what's)\b(?! about\b)[^?]*\babout\b"
            r"|\b(plot|synopsis|summary|storyline)\b|\bwhat happens\b"
            r"|\bwhat is (?!(?:a|an|some|any|another|the best|your favou?rite|good)\b).+\?"
            r"|\btell me (?:a (?:bit|little) )?(?:more )?about\b"
            r"|\bmore (?:info|information|details) (?:on|about)\b"
            r"|\bwhat(?:'s| is) (?:it|that|this)(?: one| movie| film)? like\b",
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


def asked_trait(text: str) -> Trait | None:
    """The quality a yes/no question asks about ("is it scary?" -> scary), if any."""
    match = _TRAIT_QUESTION.search(text)
    if match is None:
        return None
    return TRAITS[(match.group("trait") or match.group("how")).lower()]


def answer_about_item(asks: Asks, item: Item, text: str = "") -> Answer | None:
    """Answer a question about an item from its attributes; ``None`` for person questions.

    ``text`` is the question itself, for questions about a quality ("is it scary?").
    """
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
        sentence = describe(item)
    elif asks == "opinion":  # from the catalog alone; the agent adds what people made of it
        values = item.values("genre")
        sentence = summary(item) + "."
    elif asks == "trait":
        trait = asked_trait(text)
        if trait is None:
            return None
        values = item.values("genre")
        sentence = answer_trait(trait, item)
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


def answer_which(text: str, items: Sequence[Item]) -> Answer | None:
    """Which of the films shown is the newest or the oldest ("which one is the newest?"), by
    release year; ``None`` when the text asks no such thing or no shown film has a year."""
    match = _WHICH.search(text)
    dated = [i for i in items if i.year is not None]
    if match is None or not dated:
        return None
    newest = match.group("most").lower() in _NEWER
    pick = (max if newest else min)(dated, key=lambda i: i.year or 0)
    if len(dated) == 2:
        sentence = (
            f"{pick.title} is the {'newer' if newest else 'older'} of the two, from {pick.year}."
        )
    else:
        word = "newest" if newest else "oldest"
        sentence = f"{pick.title} is the {word} of them, from {pick.year}."
    return Answer(
        asks="which",
        subject=f"item:{pick.item_id}",
        subject_label=pick.display_title,
        values=[str(pick.year)],
        items=[ItemRef.of(pick)],
        sentence=sentence,
    )


def summary(item: Item, subject: str = "") -> str:
    """An item's kind and people, as a sentence without its full stop ("Heat (1995) is a
    crime film directed by Michael Mann, starring ..."); ``subject`` replaces the title."""
    kind = join_names(item.values("genre"))
    said = f"{subject or item.display_title} is {_article(kind or 'film')} "
    said += f"{kind + ' ' if kind else ''}film"
    if directors := item.values("director"):
        said += f" directed by {join_names(directors)}"
    if stars := item.values("star")[:3]:
        said += f", starring {join_names(stars)}"
    return said


def gist(item: Item, limit: int = 220) -> str:
    """The first sentence of an item's description, cut at a word near ``limit`` characters
    (empty when it has none): what it is about, in a line."""
    return one_line(item.description, limit, ellipsis="...")


def describe(item: Item) -> str:
    """What the catalog says about an item: its kind, people and description."""
    if item.description:
        return f"{summary(item)}. {item.description}"
    return f"{summary(item)}. The catalog has no description of it."


Standing = Literal["head", "torso", "tail", "unknown"]
"""How well known an item is: its popularity bucket (`agent.evaluation.beyond.buckets`), or
unknown when no interaction mentions it."""
_STANDING = {
    "head": "{title} is one of the best-known films I know: a great many people liked it.",
    "torso": "{title} is fairly well known among the people I learned from.",
    "tail": "{title} is a lesser-known film: few of the people I learned from rated it or "
    "talked about it.",
    "unknown": "I have no ratings or conversations about {title}, so I can't say how people "
    "found it.",
}


def _raters_verdict(liked: int, count: int) -> str:
    """How many of a film's raters gave it 4 stars or more, said as a person would."""
    if count == 1:
        return (
            f"The one person who rated it {'gave' if liked else 'did not give'} it 4 stars or more"
        )
    if liked == count:
        who = "Both people" if count == 2 else f"All {count:,} people"
    elif liked == 0:
        who = f"None of the {count:,} people"
    else:
        who = f"{liked:,} of the {count:,} people"
    return f"{who} who rated it gave it 4 stars or more"


def raters_reason(liked: int, count: int) -> str:
    """A card's reason for a film its raters loved: "22 of its 31 raters gave it 4 stars or
    more"."""
    if liked == count:
        who = "both its raters" if count == 2 else f"all {count:,} of its raters"
    else:
        who = f"{liked:,} of its {count:,} raters"
    return f"{who} gave it 4 stars or more"


def opinion_sentence(
    item: Item,
    standing: Standing,
    also_liked: Sequence[Item] = (),
    fans_of: Sequence[Item] = (),
    *,
    rated: tuple[int, int] | None = None,
    acclaimed: bool = False,
) -> str:
    """An answer to "is it any good?": how well known the film is, how its raters found it
    (``rated``: ratings of 4 stars or more, all ratings; ``acclaimed`` when that is clearly
    more than the average film gets, `knowledge.popularity.acclaimed`), what it is, what
    else its fans liked and, when some of the user's favourites lead to it, that it may
    suit them.

    Parley has no view of its own on a film; every clause is what the pack's interactions
    (ratings, conversations) or its catalog say.
    """
    parts = [_STANDING[standing].format(title=item.display_title)]
    if rated and rated[1]:
        parts.append(
            _raters_verdict(*rated) + (", more than most films get." if acclaimed else ".")
        )
    parts.append(summary(item, "It") + ".")
    if also_liked:
        names = join_names([i.display_title for i in also_liked])
        parts.append(f"People who liked it also liked {names}.")
    if fans_of:
        names = join_names([i.display_title for i in fans_of])
        parts.append(f"People who liked {names} liked it too, so it may well suit you.")
    return " ".join(parts)


def answer_trait(trait: Trait, item: Item) -> str:
    """Whether an item has a quality, from its genres and description, saying what the
    catalog does not know."""
    title = item.display_title
    genres = item.values("genre")
    listed = join_names(genres) if genres else "no genre"
    has = [g for g in genres if g in trait.genres]
    against = [g for g in genres if g in trait.against]
    related = [g for g in genres if g in trait.related]
    cues = _cues(trait, item.description)
    if not (trait.genres or trait.related or trait.cues or trait.against):
        return (
            f"I can't tell: the catalog does not record {trait.unknown}. "
            f"{title} is listed under {listed}."
        )
    if has and not against:
        verdict = f"Yes: {title} is listed under {listed}."
    elif against:
        verdict = f"Probably not: {title} is listed under {listed}."
    elif related or cues:
        why = []
        if related:
            why.append(f"it is listed under {listed}")
        if cues:
            why.append("its description mentions " + join_names([f'"{c}"' for c in cues]))
        kind = f" under {join_names(list(trait.genres))}" if trait.genres else ""
        verdict = f"It might be. {title} is not listed{kind}, but {' and '.join(why)}."
    else:
        kind = join_names(list(trait.genres) or list(trait.related))
        verdict = f"Probably not: {title} is listed under {listed}" + (
            f", not {kind}." if kind else "."
        )
    if trait.unknown and not (has and not against and not trait.against):
        verdict += f" The catalog does not record {trait.unknown}."
    return verdict


def _cues(trait: Trait, description: str, limit: int = 3) -> list[str]:
    """Words of a description that suggest a quality, as written there."""
    found: list[str] = []
    for word in re.findall(r"[A-Za-z][\w-]*", description):
        lower = word.lower()
        if any(lower.startswith(cue) for cue in trait.cues) and lower not in found:
            found.append(lower)
    return found[:limit]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


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
