"""The dialogue acts that answer: questions about items and people, and "why" a pick fits."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.evidence import attribute_evidence, evidence_for
from agent.focus import Focus
from agent.profile import Profile
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, ReplyPlan, last_user_text
from prompts import render
from tools.facts import answer_about_item, detect_question
from tools.lookup import LookupOutput


def answer(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Answer a question about an item (named, pointed at, or in focus) or a person from the
    catalog's facts, saying what the catalog does not know."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    trace = list(state.get("trace", []))
    discussion = state.get("discussion") or Focus()
    subject = next((i for i in state.get("focus", []) if i in ctx.catalog), None)
    asks = detect_question(text)
    found = None
    if subject is not None and asks != "filmography":
        found = answer_about_item(asks or "description", ctx.catalog[subject], text)
    if found is None:
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
    items = list(dict.fromkeys(items))
    facts = [found.sentence, *found.values]
    prompt = render("answer", question=text, facts=[found.sentence])
    plan = ReplyPlan(
        act="answer", template=found.sentence, prompt=prompt, allowed=items, facts=facts
    )
    update: dict[str, object] = {"plan": plan, "trace": trace, "focus": items[:1]}
    if found.subject.startswith("item:"):
        update["discussion"] = discussion.about(items[0])
    return update


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
    )
    discussion = state.get("discussion") or Focus()
    return {"plan": plan, "trace": trace, "discussion": discussion.about(item.item_id)}
