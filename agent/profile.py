"""What the agent believes about the user, and every rule that changes it.

`Profile` is the one home of these beliefs: the reader (`understand`), the card buttons,
the profile panel, long-term memory and the evaluators all change a profile through its
methods, so a rule ("liking an item undoes disliking it") lives in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping, Sequence
from statistics import median_low
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from knowledge.filters import ItemFilter
from knowledge.text import STOPWORDS, singular, words

Polarity = Literal["like", "dislike", "seen", "neutral"]
"""The attitude of a message towards what it names."""

BeliefKind = Literal[
    "liked",
    "disliked",
    "seen",
    "wanted",
    "avoided",
    "years",
    "lesser_known",
    "gentle",
    "topic",
    "avoided_topic",
    "studio",
    "avoided_studio",
    "note",
]

MAX_NOTES = 5
"""Free-text wishes kept (the latest ones)."""
MAX_TOPICS = 2
"""Subjects asked for that are kept (the latest ones)."""
MAX_SAID = 12
"""Messages kept in `Profile.said`."""
MAX_SAID_CHARS = 1000
"""Characters kept of one message in `Profile.said`."""

Critique = Literal[
    "adults",
    "kids",
    "less_violent",
    "lighter",
    "darker",
    "older",
    "newer",
    "lesser_known",
    "well_known",
]
"""A change relative to what was shown or wanted ("for adults", "something lighter",
"hidden gems", "something more popular")."""

VIOLENT = ("horror", "war", "crime")
"""Genres that "less violent" rules out."""
INTENSE = ("action", "thriller")
"""Genres that "less violent" rules out when the item it is said about has them."""
DARK = ("horror", "thriller", "crime", "war", "mystery", "film-noir")
"""Genres that "lighter" no longer asks for (and rules out when the item it is said about
has them); "darker" asks for them."""
CHILDREN = ("family",)
"""Genres of films made for children: "for adults" rules them out, "for kids" asks for them."""
CHILDLIKE = ("animation",)
"""Genres that "for adults" also rules out when the item it is said about has them, and
that "for kids" asks for too (either will do): many catalogs list a cartoon as animation
and comedy, not family (in ReDial's, 64 of 399 animated films are also family ones)."""
CLASSIC_UNTIL = 1979
"""The latest year of an "older" film when nothing else says what older means."""
RECENT_YEARS = 3
"""How many years before the catalog's present (`knowledge.items.Catalog.present_year`) a
"recent" or "newer" film may be when nothing else says what recent means: in the ReDial
catalog, collected in 2018, 2015 to 2018."""


TOPIC_LEADS = ("about", "involving", "featuring", "set in", "set on", "with", "based on")
"""How a subject said after the film word begins ("a movie about sharks", and the mood "with
a twist", `knowledge.lexicon.MOODS`); one said before it ("a heist movie") is kept bare."""


def topic_words(topic: str) -> list[str]:
    """The words a subject is matched by: in the singular, without its lead ("about") and
    function words."""
    for lead in TOPIC_LEADS:
        if topic.startswith(f"{lead} "):
            topic = topic[len(lead) + 1 :]
            break
    return [singular(w) for w in words(topic) if w not in STOPWORDS]


class Belief(BaseModel):
    """One thing the agent believes: an item liked, a genre avoided, a year range..."""

    model_config = ConfigDict(frozen=True)

    kind: BeliefKind
    value: str = ""
    """The item id (liked, disliked, seen), the attribute value (wanted, avoided), the wish
    (note), the subject (topic); empty for ``years``."""
    attribute: str | None = None
    """The attribute of a wanted or avoided value (``genre``, ``director``...)."""


class Profile(BaseModel):
    """What the agent believes about the user; every item id is a catalog id."""

    liked: list[str] = Field(default_factory=list)
    """Items the user likes (named as liked, or accepted)."""
    disliked: list[str] = Field(default_factory=list)
    """Items the user rejected; never recommended again."""
    seen: list[str] = Field(default_factory=list)
    """Items the user has already watched; never recommended again."""
    unlike: list[str] = Field(default_factory=list)
    """Disliked items whose close kin go too ("no Ghost in the Shell or anything like it"):
    their makers' films of their kind, their sequels, and what their fans like most of
    their kind (`agent.ranking.unlike_kin`)."""
    wanted: dict[str, list[str]] = Field(default_factory=dict)
    """Attribute values the user asked for, e.g. ``{"genre": ["comedy"]}`` (lowercase)."""
    avoided: dict[str, list[str]] = Field(default_factory=dict)
    """Attribute values the user rules out, e.g. ``{"genre": ["horror"]}`` (lowercase)."""
    genres_together: list[str] = Field(default_factory=list)
    """Wanted genres asked for as one kind of film ("horror comedy"): films of all of them
    come first (`agent.ranking.wishes_met`). The latest message that names a genre sets it."""
    year_min: int | None = None
    """Earliest release year the user accepts."""
    year_max: int | None = None
    """Latest release year the user accepts."""
    lesser_known: bool = False
    """The user asked for lesser-known films ("hidden gems", "nothing too mainstream"):
    the least known films come first (`agent.ranking.lesser_known_first`)."""
    gentle: bool = False
    """The user asked for nothing gory or brutal ("scary but not gory", "nothing too
    violent"): no film whose story speaks of killers, gore or torture is shown
    (`agent.ranking.unshowable`, `knowledge.lexicon.GRISLY`)."""
    topics: list[str] = Field(default_factory=list)
    """Subjects the user asked for, as the catalog spells them ("heist", "time travel",
    "set in Vietnam"): the films whose title or story speaks of them come first
    (`agent.ranking.wanted_first`)."""
    avoided_topics: list[str] = Field(default_factory=list)
    """Subjects the user rules out ("no zombie movies"): the films whose title or story
    speaks of them are never recommended (`agent.ranking.unshowable`)."""
    studios: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """Studios and franchises the user asked for ("Pixar", "James Bond"), by their names in
    `knowledge.lexicon.STUDIOS`, each with the credits it stands for (attribute -> values,
    lowercase, also in ``wanted``): the reply calls the films by the studio's name, and the
    panel lists the studio once, not each of its people. The latest one last."""
    avoided_studios: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """Studios the user rules out, with their people (also in ``avoided``)."""
    notes: list[str] = Field(default_factory=list)
    """Free-text wishes in the user's words ("something uplifting"), for dense retrieval."""
    said: list[str] = Field(default_factory=list)
    """What the user told about their taste, message by message (the latest `MAX_SAID`,
    questions left out): the learned ranking looks for conversations in which people said
    similar things (`knowledge.talks`)."""
    like_now: list[str] = Field(default_factory=list)
    """Liked items the latest request asks to be like ("something like Alien"): until the
    user names another favourite, the rankers and the reasons go by these alone."""

    # --- reading ----------------------------------------------------------------------------

    def anchors(self) -> list[str]:
        """The liked items recommendations go by: ``like_now`` while it holds, else all."""
        return [i for i in self.like_now if i in self.liked] or self.liked

    def blocked(self) -> set[str]:
        """Items that must never be recommended: disliked or already seen."""
        return set(self.disliked) | set(self.seen)

    def hard_filter(self) -> ItemFilter:
        """The constraints every recommendation must satisfy."""
        return ItemFilter(exclude=self.avoided, year_min=self.year_min, year_max=self.year_max)

    def is_empty(self) -> bool:
        """True when nothing is known yet."""
        return not (
            self.liked
            or self.wanted
            or self.topics
            or self.avoided_topics
            or self.notes
            or self.disliked
            or self.avoided
            or self.year_min
            or self.year_max
        )

    def signals(self) -> int:
        """How many preferences are known (liked items, wanted values, wishes, year limits)."""
        wanted = sum(len(v) for v in self.wanted.values())
        years = int(self.year_min is not None or self.year_max is not None)
        return len(self.liked) + wanted + len(self.topics) + len(self.notes) + years

    def taste(self) -> tuple[object, ...]:
        """What the user has told about their taste (dislikes and seen items aside)."""
        wanted = tuple(sorted((k, tuple(v)) for k, v in self.wanted.items()))
        return (
            tuple(self.liked),
            wanted,
            tuple(self.topics),
            tuple(self.avoided_topics),
            tuple(self.notes),
            self.year_min,
            self.year_max,
            self.lesser_known,
            self.gentle,
        )

    def together(self) -> list[str]:
        """The wanted genres asked for as one kind of film (`genres_together`), those still
        wanted: what `agent.ranking.wishes_met` and the ``popular`` ranker go by."""
        wanted = self.wanted.get("genre", [])
        found = [g for g in wanted if g in self.genres_together]
        return found if len(found) > 1 else []

    def has_years(self) -> bool:
        """True when a year limit is set."""
        return self.year_min is not None or self.year_max is not None

    def beliefs(self) -> list[Belief]:
        """Every belief, in the order the profile panel lists them."""
        found = [Belief(kind="liked", value=i) for i in self.liked]
        found += [Belief(kind="disliked", value=i) for i in self.disliked]
        found += [Belief(kind="seen", value=i) for i in self.seen]
        grouped = _credits(self.studios)
        for attribute, values in sorted(self.wanted.items()):
            found += [
                Belief(kind="wanted", attribute=attribute, value=v)
                for v in values
                if (attribute, v) not in grouped
            ]
        found += [Belief(kind="studio", value=name) for name in self.studios]
        grouped = _credits(self.avoided_studios)
        for attribute, values in sorted(self.avoided.items()):
            found += [
                Belief(kind="avoided", attribute=attribute, value=v)
                for v in values
                if (attribute, v) not in grouped
            ]
        found += [Belief(kind="avoided_studio", value=name) for name in self.avoided_studios]
        if self.has_years():
            found.append(Belief(kind="years"))
        if self.lesser_known:
            found.append(Belief(kind="lesser_known"))
        if self.gentle:
            found.append(Belief(kind="gentle"))
        found += [Belief(kind="topic", value=topic) for topic in self.topics]
        found += [Belief(kind="avoided_topic", value=topic) for topic in self.avoided_topics]
        found += [Belief(kind="note", value=note) for note in self.notes]
        return found

    # --- changing ---------------------------------------------------------------------------

    def like(self, item_id: str) -> None:
        """The user likes an item: it is no longer disliked."""
        self.disliked = [i for i in self.disliked if i != item_id]
        self.unlike = [i for i in self.unlike if i != item_id]
        _add(self.liked, item_id)

    def dislike(self, item_id: str) -> None:
        """The user rejects an item: it is no longer liked, and never recommended again."""
        self.liked = [i for i in self.liked if i != item_id]
        _add(self.disliked, item_id)

    def see(self, item_id: str) -> None:
        """The user has watched an item (liked or not, it is not recommended again)."""
        _add(self.seen, item_id)

    def apply_item(self, item_id: str, polarity: Polarity) -> None:
        """Record what a message says about an item (``neutral`` changes nothing)."""
        if polarity == "like":
            self.like(item_id)
        elif polarity == "dislike":
            self.dislike(item_id)
        elif polarity == "seen":
            self.see(item_id)

    def want(self, attribute: str, value: str) -> None:
        """The user asks for an attribute value: it is no longer avoided."""
        value = value.lower()
        _remove(self.avoided, attribute, value)
        _add(self.wanted.setdefault(attribute, []), value)

    def want_studio(self, name: str, credits: Sequence[tuple[str, str]]) -> None:
        """The user asks for a studio's films: its ``credits`` (attribute, value) are wanted
        and the studio is the latest asked for; it is no longer ruled out."""
        self.forget(Belief(kind="avoided_studio", value=name))
        for attribute, value in credits:
            self.want(attribute, value)
        self.studios.pop(name, None)
        self.studios[name] = _as_table(c for c in credits if c[0] != "genre")

    def avoid_studio(self, name: str, credits: Sequence[tuple[str, str]]) -> None:
        """The user rules a studio out: its people (not its genres: "no Pixar" is no dislike
        of every cartoon) are avoided, and it is no longer asked for."""
        self.forget(Belief(kind="studio", value=name))
        people = [c for c in credits if c[0] != "genre"]
        for attribute, value in people:
            self.avoid(attribute, value)
        self.avoided_studios[name] = _as_table(people)

    def avoid(self, attribute: str, value: str) -> None:
        """The user rules an attribute value out: it is no longer wanted."""
        value = value.lower()
        _remove(self.wanted, attribute, value)
        _add(self.avoided.setdefault(attribute, []), value)

    def apply_value(self, attribute: str, value: str, polarity: Polarity) -> None:
        """Record what a message says about an attribute value (a neutral mention wants it)."""
        if polarity == "dislike":
            self.avoid(attribute, value)
        elif polarity in {"like", "neutral"}:
            self.want(attribute, value)

    def set_years(self, year_min: int | None, year_max: int | None) -> None:
        """Apply a new year limit; an older limit that contradicts it gives way."""
        if year_min is not None and year_max is not None and year_min > year_max:
            year_min, year_max = year_max, year_min
        if year_min is not None:
            self.year_min = year_min
            if self.year_max is not None and self.year_max < year_min and year_max is None:
                self.year_max = None
        if year_max is not None:
            self.year_max = year_max
            if self.year_min is not None and self.year_min > year_max and year_min is None:
                self.year_min = None

    def critique(
        self,
        critique: Critique,
        *,
        genres: Collection[str],
        reference_genres: Collection[str] = (),
        reference_years: Sequence[int] = (),
        named: bool = False,
        now_year: int | None = None,
        keep: Collection[str] = (),
    ) -> None:
        """Apply a relative critique, replacing what it contradicts ("for adults" drops a
        wanted "family"); the genres in ``keep`` (asked for in the same breath) it neither
        rules out nor drops.

        ``genres`` are the catalog's genres (others are never wanted or avoided); the
        reference is the item the critique is said about (named in the message, or the one in
        focus): its genres make "less violent" and "lighter" relative, its years "older" and
        "newer". A ``named`` reference wins over the year range already asked for; otherwise
        that range is what moves.
        """
        known = {g.lower() for g in genres}
        ref = [g.lower() for g in reference_genres]

        def want(*values: str) -> None:
            for value in values:
                if value in known:
                    self.want("genre", value)

        def avoid(*values: str) -> None:
            for value in values:
                if value in known and value not in keep:
                    self.avoid("genre", value)

        def unwant(*values: str) -> None:
            for value in values:
                if value not in keep:
                    _remove(self.wanted, "genre", value)

        if critique == "adults":
            # "Animated movies" then "something for grown-ups": animation for adults
            # (`agent.runtime.AgentContext.for_children`), not no animation; but a
            # cartoon wanted along with family films was wanted for the children.
            wanted = self.wanted.get("genre", [])
            kept = [] if any(g in wanted for g in CHILDREN) else wanted
            avoid(*CHILDREN, *(g for g in ref if g in CHILDLIKE and g not in kept))
        elif critique == "kids":
            want(*CHILDREN, *CHILDLIKE)
        elif critique == "less_violent":
            # "I like thrillers" then "nothing too violent": thrillers that are not gory
            # (`gentle`), not comedies instead; as with "lighter", a genre asked for stays.
            kept = [g for g in self.wanted.get("genre", []) if g in (*VIOLENT, *INTENSE)]
            avoid(*(g for g in (*VIOLENT, *ref) if g in (*VIOLENT, *INTENSE) and g not in kept))
            unwant(*(g for g in INTENSE if g not in kept))
            self.gentle = True
        elif critique == "lighter":
            # "I want a thriller" then "something less dark": a lighter thriller (a
            # thriller comedy first), not a comedy instead. The dark genres asked for stay;
            # a dark genre only the film in focus has is what "lighter" moves away from.
            kept = [g for g in self.wanted.get("genre", []) if g in DARK]
            avoid(*(g for g in ("horror", *ref) if g in DARK and g not in kept))
            unwant(*(g for g in DARK if g not in kept))
            want("comedy")
            if kept and "comedy" in known:
                self.genres_together = [*kept, "comedy"]
        elif critique == "darker":
            self.gentle = False
            avoid(*CHILDREN)
            unwant("comedy", "animation")
            # "Like Harry Potter but darker" is a darker film of its kind, not a thriller;
            # with no film to go by, darker means the dark genres.
            want(*([g for g in ref if g in DARK] or ([] if ref else ["thriller"])))
        elif critique == "older":
            self.older(reference_years, named=named)
        elif critique == "newer":
            self.newer(reference_years, named=named, now_year=now_year)
        elif critique in {"lesser_known", "well_known"}:
            self.lesser_known = critique == "lesser_known"

    def older(self, than: Sequence[int] = (), *, named: bool = False) -> None:
        """Earlier films: before a named item, else before the asked-for range (the range
        moves back by its width), else before the items in focus, else classics."""
        if named and than:
            self.year_max = min(than) - 1
            if self.year_min is not None and self.year_min > self.year_max:
                self.year_min = None
        elif self.year_min is not None:
            width = self.year_max - self.year_min if self.year_max is not None else 9
            self.year_min, self.year_max = self.year_min - 1 - width, self.year_min - 1
        elif than:  # older than most of them
            self.year_max = median_low(than) - 1
        elif self.year_max is not None:
            self.year_max -= 10
        else:
            self.year_max = CLASSIC_UNTIL

    def newer(
        self, than: Sequence[int] = (), *, named: bool = False, now_year: int | None = None
    ) -> None:
        """Later films: after a named item, else after the asked-for range (the range moves
        forward by its width), else after the items in focus, else recent ones (``now_year``:
        the catalog's present, this calendar year when not given)."""
        if now_year is None:
            now_year = datetime.date.today().year
        if named and than:
            self.year_min = min(max(than) + 1, now_year)
            if self.year_max is not None and self.year_max < self.year_min:
                self.year_max = None
        elif self.year_max is not None:
            width = self.year_max - self.year_min if self.year_min is not None else None
            self.year_min = min(self.year_max + 1, now_year)
            self.year_max = self.year_min + width if width is not None else None
        elif than:  # newer than most of them: one 2017 card among 1976 and 1986 westerns
            # must not leave "something more recent" with 2018 films only
            self.year_min = min(median_low(than) + 1, now_year)
        elif self.year_min is not None:
            self.year_min = min(self.year_min + 10, now_year)
        else:
            self.year_min = now_year - RECENT_YEARS

    def want_topic(self, topic: str) -> None:
        """Ask for a subject (the latest `MAX_TOPICS`; asking again moves it last): it is no
        longer ruled out. Subjects are kept as spelled ("set in Vietnam") and compared
        without case."""
        topic = " ".join(topic.split())
        if topic:
            self.avoided_topics = _without_topic(self.avoided_topics, topic)
            self.topics = [*_without_topic(self.topics, topic), topic][-MAX_TOPICS:]

    def avoid_topic(self, topic: str) -> None:
        """Rule out a subject: it is no longer asked for."""
        topic = " ".join(topic.split())
        if topic:
            self.topics = _without_topic(self.topics, topic)
            self.avoided_topics = [*_without_topic(self.avoided_topics, topic), topic]

    def add_note(self, text: str) -> None:
        """Keep a free-text wish (the latest `MAX_NOTES`)."""
        self.notes = [*self.notes, text][-MAX_NOTES:]

    def hear(self, text: str) -> None:
        """Keep a message the user told their taste in (the latest `MAX_SAID`)."""
        text = text.strip()[:MAX_SAID_CHARS]
        if text:
            self.said = [*self.said, text][-MAX_SAID:]

    def forget(self, belief: Belief) -> None:
        """Drop one belief (the profile panel's ✕); unknown beliefs change nothing."""
        if belief.kind in {"liked", "disliked", "seen"}:
            bucket: list[str] = getattr(self, belief.kind)
            setattr(self, belief.kind, [i for i in bucket if i != belief.value])
            if belief.kind == "disliked":
                self.unlike = [i for i in self.unlike if i != belief.value]
        elif belief.kind in {"wanted", "avoided"} and belief.attribute:
            _remove(getattr(self, belief.kind), belief.attribute, belief.value.lower())
        elif belief.kind == "years":
            self.year_min = self.year_max = None
        elif belief.kind == "lesser_known":
            self.lesser_known = False
        elif belief.kind == "gentle":
            self.gentle = False
        elif belief.kind == "topic":
            self.topics = [t for t in self.topics if t != belief.value]
        elif belief.kind == "avoided_topic":
            self.avoided_topics = [t for t in self.avoided_topics if t != belief.value]
        elif belief.kind == "note":
            self.notes = [n for n in self.notes if n != belief.value]
        elif belief.kind in {"studio", "avoided_studio"}:
            # The studio's people go with it; its genres stay (said on their own, or not).
            table = self.studios if belief.kind == "studio" else self.avoided_studios
            kind: BeliefKind = "wanted" if belief.kind == "studio" else "avoided"
            for attribute, values in table.pop(belief.value, {}).items():
                for value in values:
                    self.forget(Belief(kind=kind, attribute=attribute, value=value))

    # --- long-term memory -------------------------------------------------------------------

    def session_start(self) -> Profile:
        """A new session's profile from this long-term one: dislikes and seen items carry over
        (likes do not: a new conversation may be about something else)."""
        return Profile(disliked=list(self.disliked), seen=list(self.seen))

    def remembered(self, session: Profile) -> Profile:
        """This long-term profile with a session's item likes, dislikes and seen items merged
        in; what the session says wins over what was remembered."""
        disliked = _merge(self.disliked, session.disliked)
        liked = [i for i in _merge(self.liked, session.liked) if i not in set(session.disliked)]
        return Profile(
            liked=liked,
            disliked=[i for i in disliked if i not in set(session.liked)],
            seen=_merge(self.seen, session.seen),
        )

    def handed_over(self, visible: Collection[str], start: Profile) -> Profile:
        """This session profile as another user continues it, from their own ``start``.

        Dislikes and seen items may have come from the first user's long-term memory, so
        only those about ``visible`` items (shown or named in the conversation itself)
        carry over; likes and wishes come from the conversation alone.
        """
        shown = set(visible)
        return self.model_copy(
            deep=True,
            update={
                "disliked": _merge([i for i in self.disliked if i in shown], start.disliked),
                "seen": _merge([i for i in self.seen if i in shown], start.seen),
            },
        )

    def without_item(self, item_id: str) -> Profile:
        """This long-term profile with an item dropped from likes, dislikes and seen items."""
        return Profile(
            liked=[i for i in self.liked if i != item_id],
            disliked=[i for i in self.disliked if i != item_id],
            seen=[i for i in self.seen if i != item_id],
        )


def _as_table(credits: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for attribute, value in credits:
        _add(table.setdefault(attribute, []), value.lower())
    return table


def _credits(studios: Mapping[str, Mapping[str, list[str]]]) -> set[tuple[str, str]]:
    return {(a, v) for table in studios.values() for a, values in table.items() for v in values}


def _without_topic(topics: list[str], topic: str) -> list[str]:
    return [t for t in topics if t.lower() != topic.lower()]


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _remove(table: dict[str, list[str]], attribute: str, value: str) -> None:
    kept = [v for v in table.get(attribute, []) if v != value]
    if kept:
        table[attribute] = kept
    else:
        table.pop(attribute, None)


def _merge(old: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))
