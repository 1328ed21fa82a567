"""respond and ground: the LLM writes; the checks decide; only what passed reaches the user.

The LLM's text is never shown while it is written. ``respond`` collects the whole draft
(a one-sentence lead-in above the templated list, or the whole reply: the ``writing``
setting), and ``ground`` checks it: its facts against the catalog (`agent.grounding`)
and its form (`agent.reply_checks`: loops, echoed instructions, a sentence cut off, an
answer that does not answer, a recommendation that leaves a card out). Then the approved
reply, the LLM's or the template's, is streamed, so a browser or a terminal never shows
text that might be taken back.
"""

from __future__ import annotations

import contextlib
import logging
import re

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.llm import ChatMessage, GenerationOptions, LLMUnavailable, complete
from agent.reply_checks import reply_problems
from agent.runtime import AgentContext
from agent.sessions import LongTermProfiles
from agent.state import AgentState, Profile, ReplyPlan
from knowledge.items import Item
from knowledge.text import split_sentences
from prompts import render

log = logging.getLogger(__name__)

UNAVAILABLE = "The language model is unavailable right now, so I'm replying from templates."
LEAD_TOKENS = 48
"""Token limit of a lead-in sentence."""


def _emit(event: dict[str, str]) -> None:
    with contextlib.suppress(RuntimeError):  # outside a streaming run nothing listens
        get_stream_writer()(event)


def stream_text(text: str) -> None:
    """Stream a reply word by word (templates stream like LLM replies do)."""
    for piece in re.findall(r"\S+\s*|\s+", text):
        _emit({"type": "token", "text": piece})


def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Have the LLM write this turn's draft (nothing is shown yet)."""
    ctx = runtime.context
    plan = state["plan"]
    mode = ctx.writing
    if mode == "lead" and plan.lead_prompt and plan.body:
        prompt, max_tokens, kind = plan.lead_prompt, LEAD_TOKENS, "lead"
    elif mode == "reply" and plan.prompt:
        prompt, max_tokens, kind = plan.prompt, ctx.settings.max_tokens, "reply"
    else:
        return {"draft": None, "draft_kind": None, "notice": None}
    if not ctx.llm.available:
        return {"draft": None, "draft_kind": None, "notice": None}
    messages: list[ChatMessage] = [
        {"role": "system", "content": render("system")},
        {"role": "user", "content": prompt},
    ]
    options = GenerationOptions(max_tokens=max_tokens, temperature=ctx.settings.temperature)
    try:
        draft = complete(ctx.llm, messages, options)
    except LLMUnavailable as exc:
        log.warning("LLM unavailable: %s", exc)
        return {"draft": None, "draft_kind": None, "notice": UNAVAILABLE}
    return {"draft": draft.strip() or None, "draft_kind": kind, "notice": None}


def ground(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Check the draft; use the template if it fails; remember the user's item feedback;
    then stream the reply that passed."""
    ctx = runtime.context
    plan = state["plan"]
    draft, kind = state.get("draft"), state.get("draft_kind")
    reply, source, problems = plan.template, "template", []
    if draft:
        chosen = [ctx.catalog[i] for i in plan.allowed if i in ctx.catalog]
        shown = [ctx.catalog[c.item_id] for c in state.get("recommended", [])]
        if kind == "lead" and plan.body:
            problems = lead_problems(ctx, draft, plan, chosen)
            candidate = f"{draft}\n{plan.body}"
        else:
            verdict = ctx.grounding.check(
                draft,
                chosen,
                plan.facts,
                must_name=plan.must_name,
                must_say=plan.must_say,
                must_ask=plan.must_ask,
            )
            problems = verdict.problems + reply_problems(draft, plan, chosen, shown)
            candidate = draft
        if problems:
            log.info("LLM %s not shown: %s", kind, "; ".join(problems))
        else:
            reply, source = candidate, "llm"
    if runtime.store is not None:
        user = state.get("user") or ctx.user_id
        LongTermProfiles(runtime.store).remember(user, state.get("profile") or Profile())
    stream_text(reply)
    return {
        "reply": reply,
        "reply_source": source,
        "rejected": problems,
        "act": plan.act,
        "messages": [AIMessage(reply)],
    }


def lead_problems(ctx: AgentContext, lead: str, plan: ReplyPlan, chosen: list[Item]) -> list[str]:
    """A lead-in must be one grounded sentence that names no film but the chosen ones."""
    problems = ctx.grounding.check(lead, chosen, plan.facts).problems
    problems += reply_problems(lead, plan.model_copy(update={"name_all": False}), chosen)
    if len(split_sentences(lead)) > 1:
        problems.append("is more than one sentence")
    return problems
