"""The LLM planner (``--planner llm``): a capable served model chooses the tools of a turn.

The model sees the conversation, what the agent believes about the user, and every tool
of the registry (built-ins and plug-ins alike) through LangChain's tool binding. It may
call tools in a bounded loop (`AgentSettings.planner_calls` calls, a time budget); each
call runs through the agent's toolbox, so its result is the tool's typed output, recorded
in the turn's trace. What the model chose then becomes the turn's act:

* a ranking tool's list, called with the model's arguments, replaces that ranker's list
  of the turn; the others stay, and the same ranking function as a policy turn orders the
  pool, through the same admission filter (hard constraints, blocked items, twins): act
  ``recommend``;
* an answer from an answering tool (``lookup``'s facts, a plug-in's answer) becomes the
  answer the ``answer`` act gives;
* anything else (a plain reply, an unknown tool, an error, a time-out) gives the turn back
  to the deterministic policy, which is also the default (``--planner policy``).

Nothing the model writes here reaches the user: replies are written later, from the
chosen items and facts, and pass the grounding check.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel

from agent.llm import ChatMessage, GenerationOptions, LLMUnavailable, complete
from agent.profile import Profile
from agent.ranking import Rankings, collect, order, request_for
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, ToolAnswer, ToolCall
from prompts import render

log = logging.getLogger(__name__)

PLANNED = "(planner)"
"""How the trace marks a tool call the LLM planner made."""
HISTORY = 6
"""Dialogue messages the planner sees (the latest ones)."""


@dataclass
class Outcome:
    """What the planner's tool calls produced."""

    rankings: Rankings = field(default_factory=Rankings)
    answer: ToolAnswer | None = None
    trace: list[ToolCall] = field(default_factory=list)
    failed: str | None = None
    """Why the planner gave the turn back to the policy (None when it did not)."""


QUESTIONS = frozenset({"question", "why"})
"""Intents that want an answer: the planner may answer them, never turn them into picks."""


def plan_with_llm(state: AgentState, ctx: AgentContext) -> dict[str, object] | None:
    """The act and its material chosen by the LLM, or ``None`` for the deterministic policy."""
    try:
        model = ctx.planner_model  # asks a server for its model name the first time
    except LLMUnavailable as exc:
        log.info("LLM planner unavailable, the policy plans this turn: %s", exc)
        return None
    if model is None:
        return None
    outcome = run_loop(state, ctx, model)
    trace = [*state.get("trace", []), *outcome.trace]
    if outcome.failed:
        log.info("LLM planner gave the turn back to the policy: %s", outcome.failed)
        return {"trace": trace} if outcome.trace else None
    profile = state.get("profile") or Profile()
    if outcome.answer is not None:
        return {"act": "answer", "answered": outcome.answer, "trace": trace}
    if state.get("intent") in QUESTIONS:
        # A ranking is no answer: the user asked something, the policy answers it.
        return {"trace": trace} if outcome.trace else None
    if outcome.rankings.lists:
        # The model steers, it does not start over: what it asked a ranker replaces that
        # ranker's list for this turn, the other rankers' lists stay, and the one ranking
        # function (the learned fusion where the pack has it) orders them, as in a policy turn.
        shown = state.get("shown", [])
        rankings = collect(ctx, request_for(ctx, profile, shown))
        rankings.lists.update(outcome.rankings.lists)
        pool = order(ctx, profile, rankings, shown)
        if pool:
            return {"act": "recommend", "candidates": pool, "trace": trace}
    return {"trace": trace} if outcome.trace else None


def run_loop(state: AgentState, ctx: AgentContext, model: Any) -> Outcome:
    """Let the model call tools until it stops, the call budget or the time budget ends."""
    outcome = Outcome()
    names = [n for n, t in ctx.toolbox.tools.items() if "simulate" not in t.roles]
    messages: list[BaseMessage] = [
        SystemMessage(render("planner", tools=names)),
        HumanMessage(_brief(state, ctx)),
    ]
    deadline = time.monotonic() + ctx.settings.planner_seconds
    for _ in range(ctx.settings.planner_calls):
        if time.monotonic() > deadline:
            outcome.failed = "out of time"
            return outcome
        try:
            reply = _next_step(ctx, model, messages, names)
        except Exception as exc:  # a down or confused server: the policy takes over
            outcome.failed = f"{type(exc).__name__}: {exc}"
            return outcome
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            return outcome
        messages.append(reply)
        for request in reply.tool_calls:
            name = request.get("name", "")
            if not ctx.toolbox.has(name) or "simulate" in ctx.toolbox.tools[name].roles:
                outcome.failed = f"asked for an unknown tool {name!r}"
                return outcome
            output, call = ctx.toolbox.call(name, request.get("args") or {})
            outcome.trace.append(call.model_copy(update={"summary": f"{PLANNED} {call.summary}"}))
            messages.append(
                ToolMessage(content=call.summary or call.error or "", tool_call_id=request["id"])
            )
            if isinstance(output, BaseModel):
                _collect(ctx, name, output, outcome)
        if outcome.answer is not None or ctx.settings.planner_choice == "pick":
            return outcome  # a small model picks one tool a turn
    return outcome


def _next_step(ctx: AgentContext, model: Any, messages: list[BaseMessage], names: list[str]) -> Any:
    """The model's next message. With ``planner_choice: auto`` it sees every tool and may
    call any (capable models); with ``pick`` it first names one tool (or none) in guided
    JSON, then that tool is called with its arguments constrained to the tool's schema (a
    small model fills a form far better than it plans freely)."""
    if ctx.settings.planner_choice == "auto":
        return model.invoke(messages)
    # No "none": the planner runs on turns where a tool helps, and a small model given the
    # choice mostly declines; what it picks still passes the admission filter and the checks.
    schema = {
        "type": "object",
        "properties": {"tool": {"type": "string", "enum": names}},
        "required": ["tool"],
    }
    transcript: list[ChatMessage] = [
        {"role": "system", "content": str(messages[0].content)},
        {"role": "user", "content": _as_text(messages[1:]) + "\n" + render("planner_pick")},
    ]
    options = GenerationOptions(max_tokens=24, temperature=0.0, json_schema=schema)
    choice = json.loads(complete(ctx.llm, transcript, options)).get("tool", "none")
    if choice == "none" or choice not in names:
        return AIMessage("")
    forced = model.tools[choice]
    return forced.invoke(messages)


def _as_text(messages: Sequence[BaseMessage]) -> str:
    """Messages after the system prompt, as one text (the pick step's user message)."""
    lines = []
    for message in messages:
        if isinstance(message, ToolMessage):
            lines.append(f"Tool result: {message.content}")
        elif isinstance(message, AIMessage) and message.tool_calls:
            lines.append(f"Called: {', '.join(c['name'] for c in message.tool_calls)}")
        else:
            lines.append(str(message.content))
    return "\n".join(lines)


def _collect(ctx: AgentContext, name: str, output: BaseModel, outcome: Outcome) -> None:
    """Keep a tool's output: a ranking, or an answer."""
    tool = ctx.toolbox.tools[name]
    if "answer" in tool.roles:
        answer = tool.answer(output)
        if answer is not None:
            outcome.answer = answer.model_copy(update={"tool": name})
            return
    if "rank" in tool.roles:
        ranked = tool.ranking(output)
        if ranked:
            outcome.rankings.lists[name] = ranked


def _brief(state: AgentState, ctx: AgentContext) -> str:
    """The conversation and the profile, as the planner reads them (data, not instructions)."""
    profile = state.get("profile") or Profile()
    liked = [ctx.catalog[i].display_title for i in profile.liked if i in ctx.catalog]
    shown = [ctx.catalog[i].display_title for i in state.get("shown", [])[-6:] if i in ctx.catalog]
    facts = {
        "liked": liked[-5:],
        "wanted": profile.wanted,
        "avoided": profile.avoided,
        "years": [profile.year_min, profile.year_max],
        "lesser_known_films": profile.lesser_known,
        "already_shown": shown,
    }
    lines = [f"What the user likes: {json.dumps(facts, ensure_ascii=False)}", "Conversation:"]
    for message in _recent(state.get("messages", [])):
        who = "user" if isinstance(message, HumanMessage) else "assistant"
        lines.append(f"{who}: {str(message.content)[:500]}")
    return "\n".join(lines)


def _recent(messages: Sequence[BaseMessage]) -> Sequence[BaseMessage]:
    return messages[-HISTORY:]


__all__ = ["Candidate", "Outcome", "plan_with_llm", "run_loop"]
