"""The dialogue acts: each writes the turn's reply plan (a template reply and the LLM's brief)."""

from __future__ import annotations

from collections import Counter

from langgraph.runtime import Runtime

from agent.evidence import attribute_evidence, evidence_for
from agent.profile import Profile
from agent.questions import ASKABLE, QUESTIONS, best_question
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, ReplyPlan, last_user_text
from prompts import render
from tools.lookup import LookupOutput


def _profile_facts(profile: Profile) -> list[str]:
    """What the brief says about the user, as catalog values the linker found (never their
    own words): a reply may echo "since you want Al Pacino" or "from the 1990s"."""
    facts = [f"wants {attr} {value}" for attr, vs in profile.wanted.items() for value in vs]
    facts += [f"avoids {attr} {value}" for attr, vs in profile.avoided.items() for value in vs]
    facts += [v for table in (profile.wanted, profile.avoided) for vs in table.values() for v in vs]
    if profile.has_years():
        facts.append(f"years {profile.year_min or ''} to {profile.year_max or ''}")
    return facts


def _known(profile: Profile, ctx: AgentContext) -> list[str]:
    known = [f"liked {ctx.catalog[i].display_title}" for i in profile.liked if i in ctx.catalog]
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
            "plan": ReplyPlan(act="ask", template=question),
            "asks_in_row": state.get("asks_in_row", 0) + 1,
            "recommended": [],
        }
    if intent == "greet":
        ack = "Hi! I'm Parley."
    elif intent == "reject":
        ack = "Got it."
    if pool and intent != "greet":
        # Never ask about what the user already said (a wanted genre, a year range).
        known = [a for a in ASKABLE if profile.wanted.get(a)]
        if profile.has_years():
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
        "plan": ReplyPlan(
            act="ask",
            template=template,
            prompt=prompt,
            facts=[question, *options, *_profile_facts(profile)],
            allowed=list(profile.liked),
            must_ask=True,
        ),
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
            "plan": ReplyPlan(act="ask", template=template, facts=_profile_facts(profile)),
            "recommended": [],
            "asks_in_row": 1,
        }
    paths, call = evidence_for(ctx, profile, chosen)
    if call is not None:
        trace.append(call)
    for candidate in chosen:
        item = ctx.catalog[candidate.item_id]
        candidate.evidence = paths.get(candidate.item_id, [])[:2] or attribute_evidence(
            profile, item
        )
    rows = [
        {
            "title": c.title,
            "year": c.year,
            "evidence": c.evidence,
            "description": ctx.catalog[c.item_id].description,
        }
        for c in chosen
    ]
    liked = [ctx.catalog[i].display_title for i in profile.liked if i in ctx.catalog]
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
    # Catalog facts only: the user's message is no evidence for a title, person or year.
    facts = [e for c in chosen for e in c.evidence] + liked + _profile_facts(profile)
    return {
        "plan": ReplyPlan(
            act="recommend",
            template=template,
            prompt=prompt,
            allowed=[c.item_id for c in chosen] + list(profile.liked),
            facts=facts,
            must_name=[c.item_id for c in chosen],
        ),
        "recommended": chosen,
        "shown": [
            *state.get("shown", []),
            *[c.item_id for c in chosen if c.item_id not in state.get("shown", [])],
        ],
        "asks_in_row": 0,
        "trace": trace,
    }


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
    # The reply must give the answer: name the item (or one of the person's items) and,
    # for a director, writer, star, genre or year, say one of the values.
    short = [v for v in found.values if len(v) <= 80] if found.asks != "description" else []
    if found.asks == "filmography":
        short = [found.subject_label]
    plan = ReplyPlan(
        act="answer",
        template=found.sentence,
        prompt=prompt,
        allowed=items,
        facts=facts,
        must_name=items,
        must_say=short,
    )
    return {"plan": plan, "trace": trace, "focus": items[:1]}


def explain(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Explain why an item fits: the graph paths from what the user likes to it."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    focus = [i for i in state.get("focus", []) if i in ctx.catalog][:1]
    trace = list(state.get("trace", []))
    item = ctx.catalog[focus[0]]
    shown = next((c for c in state.get("recommended", []) if c.item_id == item.item_id), None)
    candidate = shown or Candidate(
        item_id=item.item_id, title=item.title, year=item.year, score=0.0
    )
    paths, call = evidence_for(ctx, profile, [candidate])
    if call is not None:
        trace.append(call)
    reasons = paths.get(item.item_id) or candidate.evidence or attribute_evidence(profile, item)
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
        must_name=[item.item_id],
    )
    return {"plan": plan, "trace": trace}


def close(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Wrap up; the session's likes and dislikes are kept for next time."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    liked = (
        ctx.catalog[profile.liked[-1]].title
        if profile.liked and profile.liked[-1] in ctx.catalog
        else ""
    )
    template = render("replies/close", liked=liked)
    return {
        "plan": ReplyPlan(act="close", template=template, allowed=profile.liked[-1:]),
        "asks_in_row": 0,
    }
