"""understand: link the user's words to the catalog and update the profile."""

from __future__ import annotations

import re
from collections.abc import Mapping

from langgraph.runtime import Runtime

from agent.extraction import extract
from agent.reading import Polarity, Reading, polarity, read
from agent.runtime import AgentContext
from agent.sessions import LongTermProfiles
from agent.state import AgentState, Candidate, Profile, ToolCall, last_user_text
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


def understand(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Read the latest message: entities, polarity, intent, years, feedback on shown items."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    profile = (state.get("profile") or _session_start(state, runtime)).model_copy(deep=True)
    genre_table = ctx.genre_words
    reading = read(text, genres=genre_table)
    answerer = ctx.toolbox.answerer_for(text)
    if answerer is not None:  # a plug-in answers this kind of question
        reading.intent = "question"
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
                profile.apply_item(best.item.item_id, pol)
        elif not asking:
            for attribute in _attributes_of(ctx, mention):
                profile.apply_value(attribute, best.label, pol)

    linked_genres = {m.best.label.lower() for m in mentions if m.best.kind == "genre"}
    known_genres = {g.lower() for g in ctx.catalog.attribute_values("genre")}
    for genre, pol in reading.genre_words:
        if genre in known_genres and genre not in linked_genres and not asking:
            profile.apply_value("genre", genre, pol)

    if ctx.settings.llm_extraction and not asking:
        _apply_extraction(ctx, text, profile, focus, trace)

    profile.set_years(reading.year_min, reading.year_max)

    intent: str = reading.intent
    targets = _shown_targets(state.get("recommended", []), reading, bool(focus))
    if intent == "seen":
        for item_id in targets or focus:
            profile.apply_item(item_id, "seen")
    elif intent == "reject":
        for item_id in targets:
            profile.apply_item(item_id, "dislike")
    elif intent in {"more_like", "accept"}:
        for item_id in targets if intent == "more_like" else (targets or focus)[:1]:
            profile.apply_item(item_id, "like")
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
    if intent == "statement" and _has_free_wishes(text, mentions, genre_table):
        profile.add_note(text)
    before = state.get("profile") or Profile()
    # "No, none of those" turns down everything shown and says nothing new: the agent asks.
    # "Not that one" and "something else" are answered with more items.
    bare_reject = (
        intent == "reject"
        and reading.refers_to_all
        and _NEGATION.search(text) is not None
        and profile.taste() == before.taste()
    )
    rejects = state.get("rejects_in_row", 0) + 1 if bare_reject else 0
    return {
        **_fresh_turn(),
        "profile": profile,
        "intent": intent,
        "focus": focus,
        "trace": trace,
        "rejects_in_row": rejects,
        "answerer": answerer,
    }


def _session_start(state: AgentState, runtime: Runtime[AgentContext]) -> Profile:
    """A new session's profile: the user's long-term dislikes and seen items."""
    if runtime.store is None:
        return Profile()
    user = state.get("user") or runtime.context.user_id
    return LongTermProfiles(runtime.store).get(user).session_start()


_NEGATION = re.compile(r"\b(no|not|none|nope|nah|don'?t|doesn'?t|never)\b", re.IGNORECASE)


def _fresh_turn() -> dict[str, object]:
    """Per-turn fields that must not leak from the previous turn."""
    return {"draft": None, "draft_kind": None, "rejected": [], "notice": None, "answered": None}


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
                    profile.apply_item(best.item.item_id, pol)
            elif best.kind == "person":
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


def _has_free_wishes(
    text: str, mentions: list[Mention], genre_table: Mapping[str, tuple[str, ...]]
) -> bool:
    """True when the message says more than the names it links ("something dark about grief")."""
    rest = text
    for mention in sorted(mentions, key=lambda m: -m.start):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    for phrase in genre_table:
        rest = re.sub(rf"\b{re.escape(phrase)}\b", " ", rest, flags=re.I)
    words = [w for w in re.findall(r"[a-zA-Z]{4,}", rest.lower()) if w not in _FILLER]
    return len(words) >= 2
