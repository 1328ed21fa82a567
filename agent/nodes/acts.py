"""The dialogue acts: each writes the turn's reply plan (a template reply and the LLM's brief)."""

from __future__ import annotations

import math
from collections import Counter

from langgraph.runtime import Runtime

from agent.nodes.retrieve import evidence_for
from agent.nodes.understand import last_user_text
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, Profile, ReplyPlan
from knowledge.items import Item
from prompts import render
from tools.lookup import LookupOutput

ASKABLE = ("genre", "era", "director", "star")


def _item(ctx: AgentContext, item_id: str) -> Item:
    return ctx.catalog[item_id]


def _era(year: int | None) -> str | None:
    return f"{year // 10 * 10}s" if year else None


def _values(ctx: AgentContext, attribute: str, item: Item) -> list[str]:
    if attribute == "era":
        era = _era(item.year)
        return [era] if era else []
    return item.values(attribute)


def best_question(
    ctx: AgentContext, pool: list[Candidate], asked: list[str]
) -> tuple[str, list[str]]:
    """The attribute that best splits the candidates (highest entropy), with its top values."""
    best: tuple[float, str, list[str]] = (-1.0, "genre", [])
    head = pool[:20]
    for attribute in ASKABLE:
        if attribute in asked:
            continue
        counts: Counter[str] = Counter()
        for candidate in head:
            # Deduplicated in catalog order: ties in most_common() keep insertion order,
            # and a set's order changes from one process to the next.
            values = _values(ctx, attribute, _item(ctx, candidate.item_id))
            counts.update(dict.fromkeys(values, 1))
        total = sum(counts.values())
        if total == 0 or len(counts) < 2:
            continue
        entropy = -sum(n / total * math.log(n / total) for n in counts.values())
        # Recurring values make a useful question; one-off names do not.
        useful = sum(1 for n in counts.values() if n > 1) / len(counts)
        score = entropy * useful
        if score > best[0]:
            best = (score, attribute, [v for v, _ in counts.most_common(4)])
    if best[0] < 0:
        genres = Counter(ctx.catalog.attribute_values("genre")).most_common(5)
        return "genre", [g for g, _ in genres]
    return best[1], best[2]


QUESTIONS = {
    "genre": "What kind of movie are you in the mood for?",
    "era": "Do you prefer something recent or an older film?",
    "director": "Is there a director whose films you enjoy?",
    "star": "Any actor or actress you'd like to see?",
    "opener": "What's a movie you loved recently, or a genre you're in the mood for?",
}


def _known(profile: Profile, ctx: AgentContext) -> list[str]:
    known = [f"liked {_item(ctx, i).display_title}" for i in profile.liked if i in ctx.catalog]
    known += [f"wants {attr} {', '.join(v)}" for attr, v in profile.wanted.items()]
    known += [f"avoids {attr} {', '.join(v)}" for attr, v in profile.avoided.items()]
    return known


def ask(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Ask one clarifying question: about an unknown title, or the attribute that splits best."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    pool = state.get("candidates", [])
    asked = list(state.get("asked", []))
    intent = state.get("intent")
    ack = ""
    if intent == "unknown_title" and state.get("focus"):
        phrase = state["focus"][0]
        question = (
            f'I don\'t know a movie called "{phrase}" in my catalog. Could you tell me what '
            "it's like, or name another movie you enjoyed?"
        )
        return {
            "plan": ReplyPlan(act="ask", template=question, facts=[phrase]),
            "asks_in_row": state.get("asks_in_row", 0) + 1,
            "recommended": [],
        }
    if intent == "greet":
        ack = "Hi! I'm Parley."
    elif intent == "reject":
        ack = "Got it."
    if pool:
        # Never ask about what the user already said (a wanted genre, a year range).
        known = [a for a in ASKABLE if profile.wanted.get(a)]
        if profile.year_min is not None or profile.year_max is not None:
            known.append("era")
        attribute, options = best_question(ctx, pool, asked + known)
    else:
        attribute, options = (
            "opener",
            [g for g, _ in Counter(ctx.catalog.attribute_values("genre")).most_common(5)],
        )
    question = QUESTIONS[attribute]
    template = render("replies/ask", ack=ack, question=question, options=options)
    prompt = render("ask", known=_known(profile, ctx), question=question, options=options)
    return {
        "plan": ReplyPlan(act="ask", template=template, prompt=prompt, facts=[question, *options]),
        "asked": [*asked, attribute],
        "asks_in_row": state.get("asks_in_row", 0) + 1,
        "recommended": [],
    }


def recommend(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Show the best candidates with path evidence; nothing outside the catalog or the filters."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    pool = state.get("candidates", [])
    trace = list(state.get("trace", []))
    chosen = [c.model_copy() for c in pool[: ctx.settings.items_per_turn]]
    if not chosen:
        constraints = [f"no {', '.join(v)}" for v in profile.avoided.values()]
        if profile.year_min or profile.year_max:
            constraints.append(f"years {profile.year_min or '…'}–{profile.year_max or '…'}")
        template = render("replies/empty", ack="", constraints=constraints)
        return {
            "plan": ReplyPlan(act="ask", template=template),
            "recommended": [],
            "asks_in_row": 1,
        }
    paths, call = evidence_for(ctx, profile, chosen)
    if call is not None:
        trace.append(call)
    for candidate in chosen:
        item = _item(ctx, candidate.item_id)
        candidate.evidence = paths.get(candidate.item_id, [])[:2] or _attribute_evidence(
            profile, item
        )
    rows = [
        {
            "title": c.title,
            "year": c.year,
            "evidence": c.evidence,
            "description": _item(ctx, c.item_id).description,
        }
        for c in chosen
    ]
    liked = [_item(ctx, i).display_title for i in profile.liked if i in ctx.catalog]
    intro = (
        "Here are some picks for you:"
        if not liked
        else f"Since you liked {liked[-1]}, you might enjoy:"
    )
    template = render(
        "replies/recommend",
        intro=intro,
        items=rows,
        outro="Tell me if you've seen any of them or want something different.",
    )
    prompt = render(
        "recommend",
        liked=liked,
        wanted=[v for values in profile.wanted.values() for v in values],
        avoided=[v for values in profile.avoided.values() for v in values],
        items=rows,
    )
    facts = (
        [e for c in chosen for e in c.evidence]
        + [last_user_text(state.get("messages", []))]
        + liked
    )
    return {
        "plan": ReplyPlan(
            act="recommend",
            template=template,
            prompt=prompt,
            allowed=[c.item_id for c in chosen] + list(profile.liked),
            facts=facts,
            must_name_one=True,
        ),
        "recommended": chosen,
        "shown": [
            *state.get("shown", []),
            *[c.item_id for c in chosen if c.item_id not in state.get("shown", [])],
        ],
        "asks_in_row": 0,
        "trace": trace,
    }


def _attribute_evidence(profile: Profile, item: Item) -> list[str]:
    """Why an item fits when no graph path does: the wanted values it has."""
    matched = []
    for attribute, values in profile.wanted.items():
        have = {v.lower() for v in item.values(attribute)}
        for value in values:
            if value in have:
                label = next(v for v in item.values(attribute) if v.lower() == value)
                matched.append(
                    f"{attribute} {label}" if attribute != "genre" else f"a {label} film"
                )
    if matched:
        return [f"matches what you asked for: {', '.join(matched)}"]
    genres = item.values("genre")
    return (
        [f"a {' and '.join(genres[:2])} film" + (f" from {item.year}" if item.year else "")]
        if genres
        else []
    )


def answer(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Answer a question about an item or a person from the catalog's facts."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    trace = list(state.get("trace", []))
    output, call = ctx.toolbox.call("lookup", {"text": text, "facts": True})
    trace.append(call)
    found = output.answer if isinstance(output, LookupOutput) else None
    if found is None:
        template = (
            "I'm not sure which movie you mean. Could you give me its title "
            "(and the year, if there are several)?"
        )
        return {"plan": ReplyPlan(act="answer", template=template), "trace": trace}
    items = [i.item_id for i in found.items]
    if found.subject.startswith("item:"):
        items.insert(0, found.subject.removeprefix("item:"))
    facts = [found.sentence, *found.values]
    prompt = render("answer", question=text, facts=[found.sentence])
    plan = ReplyPlan(
        act="answer", template=found.sentence, prompt=prompt, allowed=items, facts=facts
    )
    return {"plan": plan, "trace": trace, "focus": items[:1]}


def explain(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Explain why an item fits: the graph paths from what the user likes to it."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    focus = [i for i in state.get("focus", []) if i in ctx.catalog][:1]
    trace = list(state.get("trace", []))
    item = _item(ctx, focus[0])
    shown = next((c for c in state.get("recommended", []) if c.item_id == item.item_id), None)
    candidate = shown or Candidate(
        item_id=item.item_id, title=item.title, year=item.year, score=0.0
    )
    paths, call = evidence_for(ctx, profile, [candidate])
    if call is not None:
        trace.append(call)
    reasons = paths.get(item.item_id) or candidate.evidence or _attribute_evidence(profile, item)
    if reasons:
        template = f"{item.display_title}: {'; '.join(reasons[:3])}."
    else:
        kind = ", ".join(item.values("genre")) or "film"
        template = f"{item.display_title} is a {kind}. {item.description}"
    prompt = render("answer", question=last_user_text(state.get("messages", [])), facts=[template])
    plan = ReplyPlan(
        act="explain",
        template=template,
        prompt=prompt,
        allowed=[item.item_id, *profile.liked],
        facts=reasons,
    )
    return {"plan": plan, "trace": trace}


def close(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Wrap up; the session's likes and dislikes are kept for next time."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    liked = (
        _item(ctx, profile.liked[-1]).title
        if profile.liked and profile.liked[-1] in ctx.catalog
        else ""
    )
    template = render("replies/close", liked=liked)
    return {
        "plan": ReplyPlan(act="close", template=template, allowed=profile.liked[-1:]),
        "asks_in_row": 0,
    }
