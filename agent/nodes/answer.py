"""The dialogue acts that answer: questions about items and people, and "why" a pick fits."""

from __future__ import annotations

from typing import cast

from langgraph.runtime import Runtime
from pydantic import BaseModel

from agent.evidence import attribute_evidence, evidence_for
from agent.focus import Focus
from agent.profile import Profile
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, ReplyPlan, ToolAnswer, ToolCall, last_user_text
from knowledge.items import Item
from prompts import render
from tools.base import ItemRef
from tools.collab import CollabOutput
from tools.facts import (
    Answer,
    Standing,
    answer_about_item,
    answer_which,
    detect_question,
    gist,
    opinion_sentence,
)
from tools.lookup import LookupOutput


def answer(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Answer a question about an item (named, pointed at, or in focus) or a person from the
    catalog's facts, saying what the catalog does not know (or with the answer an answering
    tool gave this turn)."""
    ctx = runtime.context
    text = last_user_text(state.get("messages", []))
    trace = list(state.get("trace", []))
    given = state.get("answered")
    answerer = state.get("answerer")
    if given is None and answerer is not None:
        given, call = ask_tool(ctx, answerer, text, state.get("focus", []))
        trace.append(call)
    if given is not None:
        plan = tool_answer_plan(ctx, given)
        return {"plan": plan, "focus": [i.item_id for i in given.items], "trace": trace}
    discussion = state.get("discussion") or Focus()
    subject = next((i for i in state.get("focus", []) if i in ctx.catalog), None)
    asks = detect_question(text)
    found = None
    if asks == "which":  # "which one is the newest?": among the films named, else shown
        output, call = ctx.toolbox.call("lookup", {"text": text, "facts": False})
        trace.append(call)
        mentions = output.mentions if isinstance(output, LookupOutput) else []
        named = [m.best.item.item_id for m in mentions if m.best.item is not None]
        among = named if len(set(named)) > 1 else discussion.items
        found = answer_which(text, [ctx.catalog[i] for i in among if i in ctx.catalog])
        if found is None:
            template = "Which films do you mean? Ask me for a few recommendations first."
            return {"plan": ReplyPlan(act="answer", template=template), "trace": trace}
    elif subject is not None and asks == "opinion":
        found = opinion(ctx, state.get("profile") or Profile(), ctx.catalog[subject], trace)
    elif subject is not None and asks != "filmography":
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
    # The reply must give the answer: name the item (or one of the person's items) and,
    # for a director, writer, star, genre or year, say one of the values (a description is
    # paraphrased, not quoted).
    short = [v for v in found.values if len(v) <= 80] if found.asks != "description" else []
    if found.asks == "filmography":
        short = [found.subject_label]
    plan = ReplyPlan(
        act="answer",
        template=found.sentence,
        prompt=prompt,
        allowed=items,
        facts=facts,
        must_name=items[:1] if found.asks == "opinion" else items,
        must_say=short,
    )
    update: dict[str, object] = {"plan": plan, "trace": trace, "focus": items[:1]}
    if found.subject.startswith("item:"):
        update["discussion"] = discussion.about(items[0])
    return update


def opinion(ctx: AgentContext, profile: Profile, item: Item, trace: list[ToolCall]) -> Answer:
    """The answer to "is it any good?": how well known the film is (its popularity bucket)
    and how its raters found it (the pack's ratings), what it is, what its fans also liked
    (the ``collab`` tool) and which of the user's favourites lead to it. Parley has no
    taste of its own to give."""
    standing = ctx.standing.get(item.item_id, "unknown")
    also: list[Item] = []
    fans: list[Item] = []
    if "collab" in ctx.toolbox.tools:
        liked = [i for i in profile.liked if i != item.item_id and i in ctx.catalog]
        # Fans' other favourites, leaving out the user's own and the films they disliked.
        leave_out = [*liked, *profile.disliked]
        output, call = ctx.toolbox.call(
            "collab", {"history": [item.item_id], "k": 2, "exclude_ids": leave_out}
        )
        trace.append(call)
        if isinstance(output, CollabOutput):
            also = [
                ctx.catalog[c.item.item_id] for c in output.items if c.item.item_id in ctx.catalog
            ]
        model = getattr(ctx.toolbox.source, "collab", None)
        if model is not None and liked:
            fans = [ctx.catalog[i] for i, _ in model.because(liked, item.item_id)[:2]]
    return Answer(
        asks="opinion",
        subject=f"item:{item.item_id}",
        subject_label=item.display_title,
        items=[ItemRef.of(i) for i in [*also, *fans]],
        sentence=opinion_sentence(
            item,
            cast(Standing, standing),
            also,
            fans,
            rated=ctx.ratings.get(item.item_id),
            acclaimed=item.item_id in ctx.acclaimed,
        ),
    )


NOT_SURE = "I can't answer that reliably, sorry."


def ask_tool(
    ctx: AgentContext, name: str, question: str, focus: list[str]
) -> tuple[ToolAnswer | None, ToolCall]:
    """An answering tool's answer to the question about the focus items."""
    tool = ctx.toolbox.tools[name]
    payload = tool.answer_input(question, [i for i in focus if i in ctx.catalog])
    if payload is None:
        return None, ToolCall(tool=name, input={}, summary="nothing to answer from", ms=0.0)
    output, call = ctx.toolbox.call(name, payload)
    return (tool.answer(output) if isinstance(output, BaseModel) else None), call


def tool_answer_plan(ctx: AgentContext, given: ToolAnswer) -> ReplyPlan:
    """The reply plan of an answering tool's answer. The tool may know things the catalog
    does not (where to stream a film), but every film it names must be one of the catalog
    items it returned: an answer naming another title is not passed on."""
    allowed = {i.item_id for i in given.items}
    linked = ctx.grounding.link(given.text)
    for mention in linked.mentions:
        best = mention.best
        if best.kind == "item" and best.item is not None and best.item.item_id not in allowed:
            return ReplyPlan(act="answer", template=NOT_SURE)
    return ReplyPlan(act="answer", template=given.text, allowed=sorted(allowed), facts=[given.text])


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
        if about := gist(item):  # what it is about, as a person would add
            template += f" {about}"
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
    discussion = state.get("discussion") or Focus()
    return {"plan": plan, "trace": trace, "discussion": discussion.about(item.item_id)}
