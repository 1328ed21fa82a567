"""understand: link the user's words to the catalog and update the profile."""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.runtime import Runtime

from agent.extraction import extract
from agent.reading import GENRE_WORDS, Polarity, Reading, polarity, read
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, Profile, ToolCall
from knowledge.graph import KNOWN_RELATIONS
from tools.lookup import LookupOutput, Mention

# Relations from an item to a person, as attribute names ("directed_by" -> "director").
_PERSON_ATTRIBUTES = {
    rel.relation: name for name, rel in KNOWN_RELATIONS.items() if rel.node_kind == "person"
}
_UNKNOWN_TITLE = re.compile(
    r"\b(?:loved|liked|like|love|enjoyed|seen|watched|about|called|fan of)\s+[\"“']?"
    r"((?:[A-Z0-9][\w'’:-]*)(?:\s+(?:of|the|a|and|in|[A-Z0-9][\w'’:-]*)){0,6})"
)
MAX_NOTES = 5


def last_user_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the latest user message."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            content = message.content
            return content if isinstance(content, str) else str(content)
    return ""


def understand(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Read the latest message: entities, polarity, intent, years, feedback on shown items."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    profile = (state.get("profile") or Profile()).model_copy(deep=True)
    reading = read(text)
    output, call = ctx.toolbox.call("lookup", {"text": text, "facts": False})
    mentions = output.mentions if isinstance(output, LookupOutput) else []
    trace = [call]
    focus: list[str] = []
    asking = reading.intent in {"question", "why"}

    for mention in mentions:
        best = mention.best
        pol = polarity(text, mention.start, mention.end)
        if best.kind == "item" and best.item is not None:
            focus.append(best.item.item_id)
            if not asking:
                _apply_item(profile, best.item.item_id, pol)
        elif not asking:
            for attribute in _attributes_of(ctx, mention):
                _apply_value(profile, attribute, best.label, pol)

    linked_genres = {m.best.label.lower() for m in mentions if m.best.kind == "genre"}
    known_genres = {g.lower() for g in ctx.catalog.attribute_values("genre")}
    for genre, pol in reading.genre_words:
        if genre in known_genres and genre not in linked_genres and not asking:
            _apply_value(profile, "genre", genre, pol)

    if ctx.settings.llm_extraction and not asking:
        _apply_extraction(ctx, text, profile, focus, trace)

    set_years(profile, reading.year_min, reading.year_max)

    intent: str = reading.intent
    targets = _shown_targets(state.get("recommended", []), reading, bool(focus))
    if intent == "seen":
        for item_id in targets or focus:
            _apply_item(profile, item_id, "seen")
    elif intent == "reject":
        for item_id in targets:
            _apply_item(profile, item_id, "dislike")
    elif intent in {"more_like", "accept"}:
        for item_id in targets if intent == "more_like" else (targets or focus)[:1]:
            _apply_item(profile, item_id, "like")
    if intent in {"why", "question"} and not focus:
        focus = targets
    if (
        intent == "statement"
        and not mentions
        and not reading.genre_words
        and reading.year_min is None
        and reading.year_max is None
    ):
        unknown = _UNKNOWN_TITLE.search(text)
        if unknown and len(unknown.group(1)) > 1:
            intent, focus = "unknown_title", [unknown.group(1)]
    if intent == "statement" and _has_free_wishes(text, mentions):
        profile.notes = [*profile.notes, text][-MAX_NOTES:]
    before = state.get("profile") or Profile()
    # "No, none of those" turns down everything shown and says nothing new: the agent asks.
    # "Not that one" and "something else" are answered with more items.
    bare_reject = (
        intent == "reject"
        and reading.refers_to_all
        and _NEGATION.search(text) is not None
        and _taste(profile) == _taste(before)
    )
    rejects = state.get("rejects_in_row", 0) + 1 if bare_reject else 0
    return {
        **_fresh_turn(),
        "profile": profile,
        "intent": intent,
        "focus": focus,
        "trace": trace,
        "rejects_in_row": rejects,
    }


_NEGATION = re.compile(r"\b(no|not|none|nope|nah|don'?t|doesn'?t|never)\b", re.IGNORECASE)


def _taste(profile: Profile) -> tuple[object, ...]:
    """What the user has told about their taste (dislikes and seen items aside)."""
    wanted = tuple(sorted((k, tuple(v)) for k, v in profile.wanted.items()))
    return (tuple(profile.liked), wanted, tuple(profile.notes), profile.year_min, profile.year_max)


def _fresh_turn() -> dict[str, object]:
    """Per-turn fields that must not leak from the previous turn."""
    return {"draft": None, "notice": None}


def _apply_extraction(
    ctx: AgentContext, text: str, profile: Profile, focus: list[str], trace: list[ToolCall]
) -> None:
    """Add what a capable LLM extracted, each name linked to the catalog first."""
    found = extract(ctx.llm, text)
    if found is None:
        return
    people: tuple[tuple[list[str], Polarity], ...] = (
        (found.liked, "like"),
        (found.disliked, "dislike"),
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
                if best.item.item_id not in focus:
                    focus.append(best.item.item_id)
                    _apply_item(profile, best.item.item_id, pol)
            elif best.kind == "person":
                for attribute in _attributes_of(ctx, output.mentions[0]):
                    _apply_value(profile, attribute, best.label, pol)
    genres = {g.lower() for g in ctx.catalog.attribute_values("genre")}
    kinds: tuple[tuple[list[str], Polarity], ...] = (
        (found.genres_wanted, "like"),
        (found.genres_avoided, "dislike"),
    )
    for values, pol in kinds:
        for genre in values:
            if genre.lower() in genres:
                _apply_value(profile, "genre", genre.lower(), pol)
    if profile.year_min is None and profile.year_max is None:
        set_years(profile, found.year_min, found.year_max)


def set_years(profile: Profile, year_min: int | None, year_max: int | None) -> None:
    """Apply a new year limit; an older limit that contradicts it gives way."""
    if year_min is not None and year_max is not None and year_min > year_max:
        year_min, year_max = year_max, year_min
    if year_min is not None:
        profile.year_min = year_min
        if profile.year_max is not None and profile.year_max < year_min and year_max is None:
            profile.year_max = None
    if year_max is not None:
        profile.year_max = year_max
        if profile.year_min is not None and profile.year_min > year_max and year_min is None:
            profile.year_min = None


def _apply_item(profile: Profile, item_id: str, pol: Polarity) -> None:
    if pol == "dislike":
        profile.liked = [i for i in profile.liked if i != item_id]
        _add(profile.disliked, item_id)
    elif pol == "seen":
        _add(profile.seen, item_id)
    elif pol == "like":
        profile.disliked = [i for i in profile.disliked if i != item_id]
        _add(profile.liked, item_id)


def _apply_value(profile: Profile, attribute: str, value: str, pol: Polarity) -> None:
    value = value.lower()
    if pol == "dislike":
        profile.wanted[attribute] = [v for v in profile.wanted.get(attribute, []) if v != value]
        _add(profile.avoided.setdefault(attribute, []), value)
    elif pol in {"like", "neutral"}:
        profile.avoided[attribute] = [v for v in profile.avoided.get(attribute, []) if v != value]
        _add(profile.wanted.setdefault(attribute, []), value)
    profile.wanted = {k: v for k, v in profile.wanted.items() if v}
    profile.avoided = {k: v for k, v in profile.avoided.items() if v}


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _attributes_of(ctx: AgentContext, mention: Mention) -> list[str]:
    """The attribute names a linked value belongs to (a person may direct, write and act)."""
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
    return sorted(counts, key=lambda a: -counts[a]) or ["star"]


def _shown_targets(recommended: list[Candidate], reading: Reading, named: bool) -> list[str]:
    """Shown items a feedback message refers to ("the second one", "them", "it")."""
    if not recommended:
        return []
    ids = [c.item_id for c in recommended]
    if reading.positions:
        return [ids[p] for p in reading.positions if -len(ids) <= p < len(ids)]
    if reading.refers_to_all:
        return ids
    return [] if named else ids[:1]


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
    }
)


def _has_free_wishes(text: str, mentions: list[Mention]) -> bool:
    """True when the message says more than the names it links ("something dark about grief")."""
    rest = text
    for mention in sorted(mentions, key=lambda m: -m.start):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    for phrase in GENRE_WORDS:
        rest = re.sub(rf"\b{re.escape(phrase)}\b", " ", rest, flags=re.I)
    words = [w for w in re.findall(r"[a-zA-Z]{4,}", rest.lower()) if w not in _FILLER]
    return len(words) >= 2
