"""understand: link the user's words to the catalog and update the profile."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence

from langgraph.runtime import Runtime

from agent.extraction import extract
from agent.focus import Focus, carried, resolve
from agent.profile import CHILDLIKE, CHILDREN, Belief, topic_words
from agent.reading import (
    WHY,
    Polarity,
    Reading,
    has_taste,
    inside,
    polarity,
    praises,
    read,
    says_genre,
)
from agent.runtime import AgentContext
from agent.sessions import LongTermProfiles
from agent.state import AgentState, Profile, ToolCall, last_user_text
from knowledge.filters import ItemFilter
from knowledge.graph import KNOWN_RELATIONS
from knowledge.items import Item
from knowledge.lexicon import MOODS, studio_spans
from knowledge.linker import names_occasion
from knowledge.text import FUNCTION_WORDS
from tools.facts import detect_question
from tools.lookup import LookupOutput, Mention

# Relations from an item to a person, as attribute names ("directed_by" -> "director").
_PERSON_ATTRIBUTES = {
    rel.relation: name for name, rel in KNOWN_RELATIONS.items() if rel.node_kind == "person"
}
# A title the catalog does not know, after a word of taste: quoted back as written. It runs
# to the end of its clause (a comma, a full stop, "but"), never stopping inside a word.
_UNKNOWN_TITLE = re.compile(
    r"\b(?:loved|liked|like|love|enjoyed|seen|watched|about|called|fan of)\s+[\"“']?"
    r"((?:[A-Z0-9][\w'’:&-]*)(?:\s+(?:(?:of|the|a|an|and|in|on|to|at|for|with|from)\b|[A-Z0-9][\w'’:&-]*)){0,7})"
)
# "a movie about BDSM": what a film is about, not its title.
_TOPIC = re.compile(
    r"\b(?:movies?|films?|ones?|something|anything|story|stories|shows?)\s+about\s+$", re.I
)
_NOT_A_TITLE = frozenset(
    {"other", "another", "more", "some", "any", "one", "those", "these", "that", "this"}
)
_TRAILING_SMALL_WORDS = re.compile(
    r"(?:\s+(?:of|the|a|an|and|in|on|to|at|for|with|from))+$", re.IGNORECASE
)
_ASKING = frozenset({"question", "why"})
# "seen all the Nolan films", "seen most of the Clint Eastwood ones", "seen all his
# movies": a person's films in general, not one card.
_SEEN_THEIR_FILMS = re.compile(
    r"\b(?:all|most|every|each|lots|many|a lot)\b.{0,40}"
    r"\b(?:ones|films|movies|of (?:his|hers|theirs))\b"
    r"|\b(?:his|her|their) (?:films|movies|stuff|work)\b",
    re.IGNORECASE,
)


def understand(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Read the latest message: entities, references, intent, polarity, years, critiques."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    profile = (state.get("profile") or _session_start(state, runtime)).model_copy(deep=True)
    before = profile.model_copy(deep=True)
    reading = read(text, genres=ctx.genre_words, now_year=ctx.catalog.present_year())
    answerer = ctx.toolbox.answerer_for(text)
    if answerer is not None:  # a plug-in answers this kind of question
        reading.intent = "question"
    output, call = ctx.toolbox.call("lookup", {"text": text, "facts": False})
    trace = [call]
    discussion = carried(state)
    found = output.mentions if isinstance(output, LookupOutput) else []
    # No title hides in a critique ("something for grown-ups" is no liking of Grown Ups),
    # nor in the name of a studio or franchise ("I love James Bond movies" is no liking of
    # the film called James Bond).
    named_studios = studio_spans(text, ctx.studio_words)
    studios = [(start, end) for start, end, _ in named_studios]
    mentions = [
        m
        for m in found
        if m.best.kind != "item" or not inside(m.start, m.end, [*reading.critique_spans, *studios])
    ]
    items = [(m.start, m.end, m.best.item.item_id) for m in mentions if m.best.item is not None]
    named = list(dict.fromkeys(item_id for _, _, item_id in items))
    titles = [(m.start, m.end) for m in mentions if m.best.kind == "item"]
    if reading.reference_at is not None and inside(*reading.reference_at, titles):
        # "first" in "Who directed 50 First Dates?" is part of a title, not "the first one".
        reading.positions, reading.reference_at = [], None
        reading.refers_to_one = reading.refers_to_all = False
    ref = resolve(text, reading, discussion, ctx.catalog, ctx.genre_words, items)
    if ref.description is not None:
        # "not the Spielberg one": the name describes a shown item, it is no taste.
        mentions = [
            m
            for m in mentions
            if m.best.kind == "item" or not inside(m.start, m.end, [ref.description])
        ]
    referred = [i for i in ref.items if i not in named]

    intent: str = reading.intent
    if reading.pleasantry and not discussion.items and intent in {"statement", "close"}:
        intent = "greet"  # "Im fine thanks for asking" after "hi" is no goodbye
    if (
        intent == "question"
        and reading.asks_need_an_item
        and not (named or ref.items or reading.refers_to_one)
    ):
        # "tell me about a good comedy" is a request; "is it any good?" with nothing to
        # point at is still a question, and the answer asks which film is meant.
        intent = reading.otherwise
    if intent == "statement" and reading.more_like and ref.items:
        intent = "more_like"  # "more like the war one"
    asking = intent in _ASKING

    # A question never changes the profile; a statement before it may ("I loved Heat, who
    # directed it?").
    upto = _question_start(text) if asking else len(text)
    if upto:
        profile.hear(_unsaid(text[:upto], reading.critique_spans))
    if upto and (not asking or has_taste(text[:upto])):
        _apply_mentions(ctx, text, reading, mentions, named_studios, profile, upto, ref.description)
    if not asking:
        _genres_give_way(text, reading, mentions, profile, before)
        _apply_critiques(ctx, reading, profile, named or ref.items, discussion, before)
        _for_the_family(profile, before)
        if ctx.settings.llm_extraction:
            _apply_extraction(ctx, text, profile, named, discussion, trace)
        _apply_years(text, reading, mentions, profile)
        _replace_unmatched_wishes(ctx, profile, before)

    it = discussion.it()
    implicit = [it] if it and not ref.dangling else []
    if asking:
        focus = (ref.items or named or implicit)[:1]
    else:
        focus = list(dict.fromkeys([*named, *ref.items]))
    if intent == "seen":
        seen = ref.items or ([] if named else implicit)
        for item_id in seen:
            profile.apply_item(item_id, "seen")
        if _SEEN_THEIR_FILMS.search(text):
            # "he's seen most of the Clint Eastwood ones": his films, not just the card.
            for mention in found:
                if mention.best.kind == "person":
                    for attribute in _attributes_of(ctx, mention, text):
                        profile.avoid(attribute, mention.best.label)
        if seen and ref.at is not None and praises(text[ref.at[1] :]):
            for item_id in seen:  # "I saw that, it was really good"
                profile.apply_item(item_id, "like")
    elif intent == "reject":
        for item_id in ref.items:
            profile.apply_item(item_id, "dislike")
    elif intent in {"more_like", "accept"}:
        # A pointer never overturns a card the user turned down ("more like that" after
        # disliking the first card); naming the title does.
        turned_down = set(profile.disliked)
        chosen = ref.items if intent == "more_like" else ref.items or (named or implicit)[:1]
        for item_id in chosen:
            if item_id not in turned_down or item_id in named:
                profile.apply_item(item_id, "like")
        if intent == "accept":
            focus = focus or implicit[:1]
    elif intent == "statement" and ref.items and ref.at is not None and has_taste(text):
        # "I loved the second one", "that one was boring", "Casablanca? I adore it".
        pol = polarity(text, *ref.at)
        if pol != "neutral":
            for item_id in ref.items:
                profile.apply_item(item_id, pol)
    if (
        intent == "statement"
        and not mentions
        and not referred
        and not reading.genre_words
        and not reading.critiques
        and reading.year_min is None
        and reading.year_max is None
        and not studios
    ):
        unknown = _unknown_title(text)
        if unknown:
            intent, focus = "unknown_title", [unknown]
    like = [i for i in (named or ref.items) if i in profile.liked]
    new = [i for i in profile.liked if i not in before.liked]
    if reading.more_like and like and not asking:
        profile.like_now = like  # "something like Alien": films like Alien, not like all
    elif new and profile.like_now:
        # Naming another favourite goes by everything liked again; taking a pick from
        # the films like Alien keeps to them.
        profile.like_now = [] if set(new) & set(named) else [*profile.like_now, *new]
    thanks = intent in {"accept", "close"}
    if thanks:
        # "Thanks, I'll check it out. I also liked Free Fire", "thanks! any other ideas?":
        # new taste or a request after the thanks, and the conversation goes on.
        accepted = set(ref.items or (named or implicit)[:1]) if intent == "accept" else set()
        new_taste = bool(set(new) - accepted) or any(
            set(values) - set(before.wanted.get(attribute, []))
            for attribute, values in profile.wanted.items()
        )
        if new_taste:
            intent = "statement"
        elif reading.goes_on:
            intent = "more"
    subjects = []
    if intent == "statement" and not thanks:
        subjects = topics(
            text,
            mentions,
            ctx.genre_words,
            ctx.catalog_index.about,
            len(ctx.catalog),
            [*reading.critique_spans, *studios],
        )
        if any(wanted for _, wanted in subjects) and _INSTEAD.search(text):
            profile.topics = []  # "a twist" then "something sad instead": sad films only
        for topic, wanted in subjects:
            topic = ctx.catalog_index.spell(topic)
            if wanted:
                profile.want_topic(topic)
            else:
                profile.avoid_topic(topic)
    if (
        intent == "statement"
        and not thanks  # "I'll check it out, thanks! I also liked X" wishes for nothing
        and _has_free_wishes(
            text,
            mentions,
            ctx.genre_words,
            [*reading.critique_spans, *studios, *mood_spans(text)],
            {w for topic, _ in subjects for w in topic.split()},
        )
    ):
        profile.add_note(text)
    # "No, none of those" turns down everything shown and says nothing new: the agent asks.
    # "Not that one" and "something else" are answered with more items.
    bare_reject = (
        intent == "reject"
        and reading.refers_to_all
        and _NEGATION.search(text) is not None
        and profile.taste() == before.taste()
    )
    rejects = state.get("rejects_in_row", 0) + 1 if bare_reject else 0
    about = next((i for i in focus if i in ctx.catalog), None)
    return {
        **_fresh_turn(),
        "profile": profile,
        "intent": intent,
        "focus": focus,
        "discussion": discussion.about(about) if about else discussion,
        "trace": trace,
        "rejects_in_row": rejects,
        "answerer": answerer,
    }


def _apply_mentions(
    ctx: AgentContext,
    text: str,
    reading: Reading,
    mentions: list[Mention],
    studios: list[tuple[int, int, str]],
    profile: Profile,
    upto: int,
    description: tuple[int, int] | None,
) -> None:
    """Record what the text before ``upto`` says about the titles, people, genres and
    studios (`knowledge.lexicon.studio_spans`) it names (genre words inside a description
    of a shown item, "the animated one", are no wish)."""
    known_genres = {g.lower() for g in ctx.catalog.attribute_values("genre")}
    for mention in mentions:
        if mention.start >= upto:
            continue
        best = mention.best
        pol = polarity(text, mention.start, mention.end)
        if best.kind == "item" and best.item is not None:
            profile.apply_item(best.item.item_id, pol)
            if pol == "dislike" and reading.unlike and best.item.item_id not in profile.unlike:
                profile.unlike.append(best.item.item_id)  # "no X or anything like it"
        elif best.kind != "genre" or best.label.lower() in known_genres:
            if best.kind == "genre" and not says_genre(
                text, mention.start, mention.end, best.label, pol, reading.grown_up_spans
            ):
                continue  # "no superhero movies" rules out no action film
            for attribute in _attributes_of(ctx, mention, text):
                profile.apply_value(attribute, best.label, pol)
    linked_genres = {m.best.label.lower() for m in mentions if m.best.kind == "genre"}
    hidden = [(m.start, m.end) for m in mentions if m.best.kind == "item"]
    if description is not None:
        hidden.append(description)
    for (genre, pol), (start, end) in zip(reading.genre_words, reading.genre_spans, strict=True):
        if start >= upto or genre not in known_genres or genre in linked_genres:
            continue
        if not inside(start, end, hidden):  # "Star Wars" asks for no war film
            profile.apply_value("genre", genre, pol)
    if any(start < upto for start, _ in reading.genre_spans):
        profile.genres_together = [
            g for g in reading.genres_together if g in profile.wanted.get("genre", [])
        ]
    # "Any good Pixar movies?", "no Marvel please": a studio is the people who make its
    # films (`knowledge.lexicon.STUDIOS`), wanted or avoided as a name would be. A new one
    # takes the place of those asked for before ("something from Pixar instead"), unless
    # it comes as well ("Pixar too").
    named: list[str] = []
    for start, end, word in studios:
        if end > upto or inside(start, end, hidden):
            continue
        studio, credits = ctx.studio_words[word]
        if polarity(text, start, end) == "dislike":
            # "No anime" rules out the genre the word names, not every Japanese film; a
            # wish for the studio goes.
            if word in ctx.genre_words:
                profile.forget(Belief(kind="studio", value=studio))
            else:
                profile.avoid_studio(studio, credits)
        else:
            profile.want_studio(studio, credits)
            named.append(studio)
    if named and not _AS_WELL.search(text[:upto]):
        for studio in [s for s in profile.studios if s not in named]:
            profile.forget(Belief(kind="studio", value=studio))


def _apply_years(text: str, reading: Reading, mentions: list[Mention], profile: Profile) -> None:
    """Apply the years the text asks for; a year said right after a title is the title's
    ("Ghostbusters from 1984")."""
    year_min, year_max = reading.year_min, reading.year_max
    for mention in mentions:
        item = mention.best.item
        if item is None or item.year is None:
            continue
        if re.match(rf"\s*,?\s*(?:from|in|of)\s+{item.year}\b", text[mention.end :]):
            year_min = None if year_min == item.year else year_min
            year_max = None if year_max == item.year else year_max
    profile.set_years(year_min, year_max)


def _question_start(text: str) -> int:
    """Where the question of a message begins: the first clause that asks something."""
    start = 0
    for part in re.split(r"(?<=[,.;!?])\s+", text):
        if detect_question(part) is not None or WHY.search(part):
            return start
        start += len(part) + 1
    return 0


def _apply_critiques(
    ctx: AgentContext,
    reading: Reading,
    profile: Profile,
    anchors: list[str],
    discussion: Focus,
    before: Profile,
) -> None:
    """Apply "for adults", "lighter", "older"... relative to the item they are said about:
    the one named or pointed at, else the one in focus (or the shown items). A genre the
    same message asks for stays: "I like scary movies but nothing too gory" wants horror
    films that are not gory, not anything but horror."""
    if not reading.critiques:
        return
    if anchors:
        reference = anchors[:1]
    elif discussion.current:
        reference = [discussion.current]
    else:
        reference = list(discussion.items)
    items = [ctx.catalog[i] for i in reference if i in ctx.catalog]
    genres = {g for item in items for g in item.values("genre")}
    years = [item.year for item in items if item.year is not None]
    # A genre this message asks for stays, new or wanted before: "something scary but not
    # gory" after "a horror comedy" still wants horror.
    wanted = set(profile.wanted.get("genre", []))
    asked = wanted - set(before.wanted.get("genre", []))
    asked |= {g for g, pol in reading.genre_words if pol != "dislike" and g in wanted}
    for critique in reading.critiques:
        profile.critique(
            critique,
            genres=ctx.catalog.attribute_values("genre"),
            reference_genres=genres,
            reference_years=years,
            named=bool(anchors),
            now_year=ctx.catalog.present_year(),
            keep=asked,
        )


_FAMILY = frozenset({*CHILDREN, *CHILDLIKE})
SPOOKY = "spooky"
"""The subject a scary film for children is (`knowledge.lexicon.SUBJECT_WORDS`)."""


def _for_the_family(profile: Profile, before: Profile) -> None:
    """ "Anything funny to watch with the family?" or "an adventure for my kids" asks for a
    family comedy or adventure, not any comedy and any family film: a message that asks
    for a family genre (family, animation) and another makes them one kind of film
    (`Profile.genres_together`), as "a horror comedy" does. The family genres count as
    one there: most catalogs list a cartoon as animation or as family, seldom both, and
    asking for all three would put *The Adventures of Ichabod and Mr. Toad* before *Shrek*
    for "something funny for my kids"."""
    wanted = profile.wanted.get("genre", [])
    new = set(wanted) - set(before.wanted.get("genre", []))
    if new & _FAMILY and new - _FAMILY:
        if "horror" in new:
            # "Kid friendly spooky movies": catalogs list *Coraline* and *Hotel
            # Transylvania* as animation or family, not horror, and the horror films that
            # are animated are not for children (*Resident Evil: Damnation*).
            profile.forget(Belief(kind="wanted", attribute="genre", value="horror"))
            profile.want_topic(SPOOKY)
            wanted = profile.wanted.get("genre", [])
            new.discard("horror")
            if not new - _FAMILY:
                profile.genres_together = []
                return
        family = next(g for g in (*CHILDLIKE, *CHILDREN) if g in new)
        profile.genres_together = [g for g in wanted if g in new - _FAMILY or g == family]


def _unknown_title(text: str) -> str | None:
    """A capitalised title after a word of taste, as the user wrote it."""
    match = _UNKNOWN_TITLE.search(text)
    if match is None or _TOPIC.search(text, 0, match.start(1)):
        return None
    phrase = _TRAILING_SMALL_WORDS.sub("", match.group(1)).strip()
    if len(phrase) < 2 or phrase.isdigit() or phrase.lower() in _NOT_A_TITLE:
        return None  # "it has like 10 episodes", "I seen Other suggestion?"
    return phrase


def _session_start(state: AgentState, runtime: Runtime[AgentContext]) -> Profile:
    """A new session's profile: the user's long-term dislikes and seen items."""
    if runtime.store is None:
        return Profile()
    user = state.get("user") or runtime.context.user_id
    return LongTermProfiles(runtime.store).get(user).session_start()


_NEGATED_CRITIQUE = re.compile(r"\b(?:no|not|nothing|without|less)\b", re.IGNORECASE)


def _unsaid(text: str, spans: list[tuple[int, int]]) -> str:
    """The message as the conversations like it are looked for (`agent.learned.talk_scores`),
    without the critiques it negates: an embedding does not read "not", so "something scary
    but not gory" would find the talks about gory films. The reader has already understood
    them (`_apply_critiques`)."""
    for start, end in sorted(spans, reverse=True):
        if start < len(text) and _NEGATED_CRITIQUE.search(text, start, min(end, len(text))):
            text = text[:start] + text[end:]
    return " ".join(text.split())


_AS_WELL = re.compile(r"\b(?:also|too|as well|as much)\b", re.IGNORECASE)

_NEGATION = re.compile(r"\b(no|not|none|nope|nah|don'?t|doesn'?t|never)\b", re.IGNORECASE)


def _fresh_turn() -> dict[str, object]:
    """Per-turn fields that must not leak from the previous turn."""
    return {"draft": None, "draft_kind": None, "rejected": [], "notice": None, "answered": None}


def _apply_extraction(
    ctx: AgentContext,
    text: str,
    profile: Profile,
    named: list[str],
    discussion: Focus,
    trace: list[ToolCall],
) -> None:
    """Add what a capable LLM extracted, each name linked to the catalog first.

    The model sees the focus of discussion, so it can say which title "it" or "the second
    one" means; what it adds never overrides what the deterministic reader found.
    """
    shown = [ctx.catalog[i].display_title for i in discussion.items if i in ctx.catalog]
    current = discussion.it()
    found = extract(
        ctx.llm,
        text,
        shown=shown,
        current=ctx.catalog[current].display_title if current and current in ctx.catalog else None,
    )
    if found is None or found.question:
        return  # a question never changes the profile
    people: tuple[tuple[list[str], Polarity], ...] = (
        (found.liked, "like"),
        (found.disliked, "dislike"),
        (found.seen, "seen"),
    )
    for names, pol in people:
        for name in names:
            output, call = ctx.toolbox.call(
                "lookup", {"text": name, "facts": False, "min_confidence": 0.8}
            )
            trace.append(call)
            if not isinstance(output, LookupOutput) or not output.mentions:
                continue  # not in the catalog: the model's words never enter the state
            best = output.mentions[0].best
            if best.kind == "item" and best.item is not None:
                if best.item.item_id not in named:
                    named.append(best.item.item_id)
                    profile.apply_item(best.item.item_id, pol)
            elif best.kind == "person" and pol != "seen":
                for attribute in _attributes_of(ctx, output.mentions[0]):
                    profile.apply_value(attribute, best.label, pol)
    genres = {g.lower() for g in ctx.catalog.attribute_values("genre")}
    kinds: tuple[tuple[list[str], Polarity], ...] = (
        (found.genres_wanted, "like"),
        (found.genres_avoided, "dislike"),
    )
    for values, pol in kinds:
        for genre in values:
            if genre.lower() in genres:
                profile.apply_value("genre", genre.lower(), pol)
    if profile.year_min is None and profile.year_max is None:
        profile.set_years(found.year_min, found.year_max)


def _attributes_of(ctx: AgentContext, mention: Mention, text: str = "") -> list[str]:
    """The roles a linked value is asked for in: the one the words name ("directed by
    Nolan", "with Jim Carrey"), else the person's main roles in the catalog (Jim Carrey
    acts in dozens of films and wrote two: he is asked for as a star; Christopher Nolan
    directs and writes alike)."""
    best = mention.best
    if best.kind != "person":
        return [best.kind]
    graph = ctx.toolbox.source.graph.graph
    counts: dict[str, int] = {}
    if best.entity_id in graph:
        for _, _, relation in graph.in_edges(best.entity_id, keys=True):
            attribute = _PERSON_ATTRIBUTES.get(relation)
            if attribute:
                counts[attribute] = counts.get(attribute, 0) + 1
    if not counts:
        return ["star"]
    before = text[max(0, mention.start - 24) : mention.start].lower()
    cued = [role for role, cue in _ROLE_CUES if role in counts and cue.search(before)]
    if cued:
        return cued[:1]
    top = max(counts.values())
    main = sorted((a for a in counts if 2 * counts[a] >= top), key=lambda a: -counts[a])
    if _MADE_BY.search(before):  # "a film by Stephen King": whatever he makes films as
        return [a for a in main if a != "star"] or main
    return main


# Words right before a name that say which role it is asked for in; the first that matches.
_ROLE_CUES = (
    ("writer", re.compile(r"\b(?:written\s+by|writer|screenwriter|script\s+by)\s*$")),
    ("director", re.compile(r"\b(?:directed\s+by|director)\s*$")),
    ("star", re.compile(r"\b(?:with|starring|stars?|actor|actress|featuring)\s*$")),
)
_MADE_BY = re.compile(r"\b(?:by|from)\s*$")


_ADDING_GENRES = re.compile(
    r"\b(?:also|too|as well|plus|both|even|either|mix(?:ed)?|combin\w*|blend\w*"
    r"|along with|together with|or)\b|^\W*and\b",
    re.IGNORECASE,
)


def _genres_give_way(
    text: str, reading: Reading, mentions: list[Mention], profile: Profile, before: Profile
) -> None:
    """A genre asked for now replaces the genres asked for before, unless the message
    adds to them.

    "I'm looking for a great documentary" after "something scary" asks for documentaries,
    not for scary documentaries; "maybe a comedy too", "or a thriller", "and some romance"
    add a genre to the wish. A genre said again in the message stays.
    """
    added = set(profile.wanted.get("genre", [])) - set(before.wanted.get("genre", []))
    if not added or _ADDING_GENRES.search(text):
        return
    said = {g for g, _ in reading.genre_words}
    said |= {m.best.label.lower() for m in mentions if m.best.kind == "genre"}
    for genre in before.wanted.get("genre", []):
        if genre not in said:
            profile.forget(Belief(kind="wanted", attribute="genre", value=genre))


def _replace_unmatched_wishes(ctx: AgentContext, profile: Profile, before: Profile) -> None:
    """A person asked for now replaces earlier wishes that no film combines with them.

    "Any good Christopher Nolan films?" after "something funny with Jim Carrey" asks for
    Nolan, not for a Nolan comedy with Jim Carrey (there is none): the earlier person and
    genre give way. "Directed by Spielberg" after "something with Tom Hanks" narrows the
    wish instead, since films combine the two. Each person is one wish whatever roles it is
    asked in; the genres asked for are one wish (any of them), as `wanted_matches` counts.
    """
    people = set(_PERSON_ATTRIBUTES.values())
    new = {
        v
        for a, values in profile.wanted.items()
        if a in people
        for v in values
        if v not in before.wanted.get(a, [])
    }
    years = ItemFilter(year_min=profile.year_min, year_max=profile.year_max)
    same_years = (profile.year_min, profile.year_max) == (before.year_min, before.year_max)
    if not new:
        added = set(profile.wanted.get("genre", [])) - set(before.wanted.get("genre", []))
        new_years = profile.has_years() and not same_years
        if added or new_years:
            _people_give_way(ctx, profile, added, years if new_years else None)
        return
    old = {
        v
        for a, values in before.wanted.items()
        if a in people
        for v in values
        if v not in new and v in profile.wanted.get(a, [])
    }
    new_genres = set(profile.wanted.get("genre", [])) - set(before.wanted.get("genre", []))
    old_genres = [] if new_genres else list(profile.wanted.get("genre", []))
    old_years = profile.has_years() and same_years
    if not old and not old_genres and not old_years:
        return

    def person_match(item: Item, names: set[str]) -> bool:
        return any(names & {v.lower() for v in item.values(a)} for a in people)

    new_studios = [s for s in profile.studios if s not in before.studios]
    pool = [
        i for i in ctx.catalog if all(person_match(i, names) for _, names in _wishes(profile, new))
    ]
    if not pool:
        return  # nothing to combine with: keep the wishes as they are
    old_studios = {s for s in profile.studios if s not in new_studios}
    for studio, names in _wishes(profile, old, old_studios):
        narrowed = [i for i in pool if person_match(i, names)]
        if narrowed:
            pool = narrowed
        elif studio:
            profile.forget(Belief(kind="studio", value=studio))
        else:
            for attribute in people:
                profile.forget(Belief(kind="wanted", attribute=attribute, value=next(iter(names))))
    if old_genres:
        genres = set(old_genres)
        narrowed = [i for i in pool if genres & {g.lower() for g in i.values("genre")}]
        if narrowed:
            pool = narrowed
        else:
            for genre in old_genres:
                profile.forget(Belief(kind="wanted", attribute="genre", value=genre))
    if old_years and not any(years.matches(i) for i in pool):
        # "what about something with Tom Hanks?" after "a romance from the 50s": he made
        # none then, and the years are a hard filter that would hide every film of his.
        profile.year_min = profile.year_max = None


def _people_give_way(
    ctx: AgentContext, profile: Profile, genres: set[str], years: ItemFilter | None = None
) -> None:
    """A genre or years asked for now replace an earlier person wish that no film of that
    genre, from those years, has: "have you got a scary one?" after "something with Will
    Ferrell" asks for horror, not for a horror film with Will Ferrell (there is none), and
    "anything from the 50s?" after "something with Tom Hanks" for 1950s films. A person
    who made such films stays: "a comedy" after "something with Tom Hanks" narrows the
    wish."""
    people = set(_PERSON_ATTRIBUTES.values())
    names = {v for a, values in profile.wanted.items() if a in people for v in values}
    if not names:
        return  # no person to give way: no need to look through the catalog
    pool = [
        i
        for i in ctx.catalog
        if (not genres or genres & {g.lower() for g in i.values("genre")})
        and (years is None or years.matches(i))
    ]
    if not pool:
        return
    for studio, group in _wishes(profile, names):
        if any(group & {v.lower() for v in i.values(a)} for i in pool for a in people):
            continue
        if studio:
            profile.forget(Belief(kind="studio", value=studio))
        else:
            for attribute in people:
                profile.forget(Belief(kind="wanted", attribute=attribute, value=next(iter(group))))


def _wishes(
    profile: Profile, names: Collection[str], studios: Collection[str] | None = None
) -> list[tuple[str, set[str]]]:
    """Wanted people ``names`` as wishes: a studio's people (of ``studios``, else of every
    studio asked for) are one wish, met by any of them, as "Pixar" is; each other person is
    a wish of their own. Each wish with its studio ("" for a person), in a stable order."""
    found: list[tuple[str, set[str]]] = []
    grouped: set[str] = set()
    for studio, credits in profile.studios.items():
        if studios is not None and studio not in studios:
            continue
        group = {v for attribute, values in credits.items() for v in values} & set(names)
        if group:
            found.append((studio, group))
            grouped |= group
    found += [("", {name}) for name in sorted(set(names) - grouped)]
    return found


_FILLER = frozenset(
    {
        "loved",
        "like",
        "liked",
        "love",
        "really",
        "movie",
        "movies",
        "film",
        "films",
        "something",
        "want",
        "watch",
        "enjoyed",
        "please",
        "with",
        "that",
        "this",
        "hate",
        "hated",
        "dislike",
        "anything",
        "nothing",
        "from",
        "about",
        "some",
        "more",
        "less",
        "maybe",
        "would",
        "could",
        "have",
        "seen",
        "fan",
        "watched",
        "kind",
        "sort",
        "mood",
        # asking for a recommendation says nothing about what it should be about
        "recommend",
        "recommendation",
        "recommendations",
        "suggest",
        "suggestion",
        "suggestions",
        "good",
        "great",
        "best",
        "nice",
        "tonight",
        "today",
        # nor does the question around it ("what should I watch tonight?")
        "what",
        "which",
        "should",
        "there",
        "give",
        "need",
        "looking",
        "find",
        "ideas",
        "idea",
        "weekend",
        "evening",
        "night",
        # nor does asking for it in place of what came before
        "instead",
        "rather",
        "will",
    }
)


def _has_free_wishes(
    text: str,
    mentions: list[Mention],
    genre_table: Mapping[str, tuple[str, ...]],
    critiques: Sequence[tuple[int, int]] = (),
    subjects: Collection[str] = (),
) -> bool:
    """True when the message says more than the names it links, the critiques it makes
    and the words of its ``subjects`` ("something dark about grief"), or what the film is
    for ("something fun for Christmas"). "Any hidden gems?" is no wish for films about
    gems, and "actually I like zombie movies" none beyond its subject."""
    if names_occasion(text):
        return True
    rest = _unnamed(text, mentions, genre_table, critiques)
    words = [w for w in re.findall(r"[a-z]{4,}", rest) if w not in _FILLER | {*subjects}]
    return len(words) >= 2


def _unnamed(
    text: str,
    mentions: Sequence[Mention],
    genre_table: Mapping[str, tuple[str, ...]],
    critiques: Sequence[tuple[int, int]] = (),
) -> str:
    """The text in lower case with what it names blanked out: the titles, people and genres
    it links, its critiques and its genre words. Blanks keep every other word where it was
    in ``text``."""
    rest = text.lower()
    for start, end in [(m.start, m.end) for m in mentions] + list(critiques):
        rest = rest[:start] + " " * (end - start) + rest[end:]
    for phrase in genre_table:
        rest = re.sub(rf"\b{re.escape(phrase)}\b", lambda m: " " * len(m.group()), rest, flags=re.I)
    return rest


_FILM_WORD = r"(?:movie|film|flick|story|documentar(?:y|ies))s?"
_TOPIC_BEFORE = re.compile(rf"\b((?:[a-z][a-z'-]+ ){{1,2}}){_FILM_WORD}\b")
_TOPIC_AFTER = re.compile(
    r"\b(about|involving|featuring|set in|set on) (?:(?:the|some) )?((?:a|an) )?"
    r"((?:[a-z][a-z'-]+ ?){1,3})"
)
_NOT_TOPIC = (
    _FILLER
    | FUNCTION_WORDS
    | frozenset(
        """
    old older new newer recent classic classics modern fun cool awesome interesting random
    similar different another other same few couple favorite favourite fav particular
    specific certain many last first latest next current whole real true bad decent solid
    amazing excellent fantastic perfect light lighter dark darker sad happy long short cheesy
    silly dumb stupid watching seeing type types genre genres kinds sorts style kid kids
    children childrens child adult adults date rated popular famous known underrated obscure
    hidden gem gems okay cute weird strange crazy epic big little lot lots year years day
    days night tonight weekend ones one any feel feels feeling clean entertaining enjoyable
    exciting boring serious deep smart quick easy hard heavy sweet nice lovely beautiful
    hilarious scary scariest funniest best worst greatest top recommend recommending watch
    see seen tell give show enjoy enjoying appropriate pretty picky unique past around age
    based visual chill artistic oddball beat indie odd original second third independent
    effects whether week remake guy make made making still people
    """.split()
    )
)
"""Words next to "movie" (or after "about") that say how good, how old or what kind of
film, or nothing at all, not what it is about ("a well made movie", "the original
film"); a plural of one counts as the word. Gathered from the ReDial training
dialogues."""
TOPIC_SHARE = 0.03
"""The largest share of the catalog a subject may pick out: "people" or "school" are in
too many stories to say what a film is about."""
TOPIC_LEAST = 8
"""The fewest items a subject must pick out: fewer, and it is more likely a name the
stories do not spell than a theme ("Marvel movies" finds three obscure records whose
descriptions say "Marvel", none of the studio's films)."""


_INSTEAD = re.compile(r"\b(?:instead|rather)\b", re.I)


def mood_spans(text: str) -> list[tuple[int, int]]:
    """Where the message says a mood (`knowledge.lexicon.MOODS`): no free wish besides."""
    lower = text.lower()
    return [m.span() for mood in MOODS.values() for m in re.finditer(mood.said, lower)]


MOOD_LEAST = 3
"""The fewest items a mood (`knowledge.lexicon.MOODS`) must pick out to be a wish: a pack
without viewers' tags has none, and a mood one film has is no list."""


def topics(
    text: str,
    mentions: Sequence[Mention],
    genre_table: Mapping[str, tuple[str, ...]],
    about: Callable[[str], Collection[str]],
    size: int,
    critiques: Sequence[tuple[int, int]] = (),
) -> list[tuple[str, bool]]:
    """The subjects a request asks for (True) or rules out (False): the words before
    "movie" ("any good zombie movies?", "a time travel film"; kept bare) or after "about"
    ("something about a heist"; kept with their lead and article, "about a heist"). They
    are no title, person or genre the message names, no critique and no word of quality,
    age or kind (`_NOT_TOPIC`), and they pick out at least `TOPIC_LEAST` of the ``size``
    catalog items and at most `TOPIC_SHARE` of them (``about``: the items a subject picks
    out). "No zombie movies" rules zombies out; "I've seen all the heist movies" says
    neither.

    Moods (`knowledge.lexicon.MOODS`: "something weird", "a movie with a twist") are
    read from their own words and kept when they pick out `MOOD_LEAST` items or more."""
    # a mood's own words are no subject: "black and white" asks for no white films
    rest = _unnamed(text, mentions, genre_table, [*critiques, *mood_spans(text)])
    most = max(TOPIC_LEAST, int(TOPIC_SHARE * size))
    found: list[tuple[str, bool]] = []
    for match in [*_TOPIC_BEFORE.finditer(rest), *_TOPIC_AFTER.finditer(rest)]:
        before = match.re is _TOPIC_BEFORE
        group = 1 if before else 3
        offset, said = match.start(group), match.group(group)
        kept: list[tuple[int, int]] = []  # the content words next to the film word, or
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", said)]  # after "about"
        for start, end in reversed(spans) if before else spans:
            word = said[start:end].removesuffix("'s").replace("'", "")
            if word in _NOT_TOPIC or word.removesuffix("s") in _NOT_TOPIC or len(word) < 3:
                break
            kept.append((start, end))
        kept.sort()
        run = [said[a:b].removesuffix("'s").replace("'", "") for a, b in kept]
        if not run:
            continue
        # what the clause says of the subject itself: "no zombie movies", not "no, zombie"
        pol = polarity(text, offset + kept[0][0], offset + kept[-1][1])
        # "about a dog" keeps its article: "films about a dog", not "films about dog"
        lead = "" if before else f"{match.group(1)} {match.group(2) or ''}"
        topic = f"{lead}{' '.join(run)}"
        if (
            pol != "seen"
            and TOPIC_LEAST <= len(about(topic)) <= most
            and all(topic_words(topic) != topic_words(t) for t, _ in found)
        ):
            found.append((topic, pol != "dislike"))
    # Moods ("something weird", "a movie with a twist"): their own words, which the genre
    # table may also read ("mind-bending" as a thriller), are kept for them.
    titles = [m for m in mentions if m.candidates and m.best.kind != "genre"]
    named = _unnamed(text, titles, {}, critiques)
    for mood, told in MOODS.items():
        said = re.search(told.said, named)
        if said is None or len(about(mood)) < MOOD_LEAST or any(t == mood for t, _ in found):
            continue
        # judged at its last word: "nothing weird" is the clause's "nothing", "weird movie"
        last = said.start() + said.group().rfind(" ") + 1
        pol = polarity(text, last, said.end())
        if pol != "seen":
            found.append((mood, pol != "dislike"))
    return found
