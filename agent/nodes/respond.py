"""respond and ground: the LLM phrases the reply; the grounding check decides what the user sees.

The LLM's reply is released sentence by sentence, each sentence checked before it is
streamed, so nothing ungrounded ever reaches the user. The final check looks at the whole
reply; when it fails (or there is no LLM) the template reply is the answer.
"""

from __future__ import annotations

import contextlib
import logging
import re

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.llm import ChatMessage, GenerationOptions, LLMUnavailable
from agent.runtime import AgentContext
from agent.sessions import LongTermProfiles
from agent.state import AgentState, Profile
from knowledge.items import Item
from knowledge.text import SENTENCE_BREAK
from prompts import render

log = logging.getLogger(__name__)

UNAVAILABLE = "The language model is unavailable right now, so I'm replying from templates."


def _emit(event: dict[str, str]) -> None:
    with contextlib.suppress(RuntimeError):  # outside a streaming run nothing listens
        get_stream_writer()(event)


def stream_text(text: str) -> None:
    """Stream a reply word by word (templates stream like LLM replies do)."""
    for piece in re.findall(r"\S+\s*|\s+", text):
        _emit({"type": "token", "text": piece})


def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Ask the LLM for the reply, streaming only sentences that pass the grounding check."""
    ctx = runtime.context
    plan = state["plan"]
    if plan.prompt is None or not ctx.llm.available:
        return {"draft": None, "notice": None}
    allowed: list[Item] = [ctx.catalog[i] for i in plan.allowed if i in ctx.catalog]
    messages: list[ChatMessage] = [
        {"role": "system", "content": render("system")},
        {"role": "user", "content": plan.prompt},
    ]
    options = GenerationOptions(
        max_tokens=ctx.settings.max_tokens, temperature=ctx.settings.temperature
    )
    released, pending = "", ""
    try:
        for piece in ctx.llm.stream(messages, options):
            pending += piece
            parts = SENTENCE_BREAK.split(pending)
            for sentence in parts[:-1]:
                if not _release(ctx, sentence, allowed, plan.facts):
                    return _abandon(released)
                released += sentence + " "
            pending = parts[-1]
    except LLMUnavailable as exc:
        log.warning("LLM unavailable: %s", exc)
        if released:
            _emit({"type": "reset"})
        return {"draft": None, "notice": UNAVAILABLE}
    if pending.strip():
        if not _release(ctx, pending, allowed, plan.facts):
            return _abandon(released)
        released += pending
    return {"draft": released.strip() or None, "notice": None}


def _release(ctx: AgentContext, sentence: str, allowed: list[Item], facts: list[str]) -> bool:
    if not sentence.strip():
        return True
    verdict = ctx.grounding.check(sentence, allowed, facts)
    if not verdict.ok:
        log.info("LLM sentence failed grounding (%s): %r", "; ".join(verdict.problems), sentence)
        return False
    _emit({"type": "token", "text": sentence.strip() + " "})
    return True


def _abandon(released: str) -> dict[str, object]:
    if released:
        _emit({"type": "reset"})
    return {"draft": None, "notice": None}


def ground(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Check the whole reply; fall back to the template; remember the user's item feedback."""
    ctx = runtime.context
    plan = state["plan"]
    draft = state.get("draft")
    reply, source = plan.template, "template"
    if draft:
        allowed = [ctx.catalog[i] for i in plan.allowed if i in ctx.catalog]
        verdict = ctx.grounding.check(
            draft,
            allowed,
            plan.facts,
            must_name=plan.must_name,
            must_say=plan.must_say,
            must_ask=plan.must_ask,
        )
        if verdict.ok:
            reply, source = draft, "llm"
        else:
            log.info("LLM reply replaced by the template: %s", "; ".join(verdict.problems))
            _emit({"type": "reset"})
    if source == "template":
        stream_text(reply)
    if runtime.store is not None:
        user = state.get("user") or ctx.user_id
        LongTermProfiles(runtime.store).remember(user, state.get("profile") or Profile())
    return {"reply": reply, "reply_source": source, "act": plan.act, "messages": [AIMessage(reply)]}
