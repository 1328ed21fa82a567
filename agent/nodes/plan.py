"""plan: choose the dialogue act from the state (the deterministic policy). It only decides."""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

from langgraph.runtime import Runtime

from agent.planner import plan_with_llm
from agent.profile import Profile
from agent.questions import ASKABLE
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, DialogueAct, last_user_text

Route = Literal["ask", "recommend", "answer", "explain", "close"]
SMALL_TALK = frozenset({"greet", "close", "accept"})
"""Intents the LLM planner is not asked about (no tool helps with them)."""
INSISTS = re.compile(
    r"\b(?:recommend|surprise me|just (?:pick|give|show)|give me|show me"
    r"|what should (?:i|we) watch|anything|whatever|you (?:pick|choose|decide)|no preference)\b",
    re.I,
)
"""Words that ask for films now: after a question, they are answered with films, not with
another question ("recommend something good", "anything"). "I don't mind, what would you
suggest?" is not among them: it answers the question, and one more may still help."""


def genres_split(pool: list[Candidate], ctx: AgentContext, top: int = 10) -> bool:
    """True when the top candidates spread over very different genres."""
    counts: Counter[str] = Counter()
    head = pool[:top]
    for candidate in head:
        item = ctx.catalog.get(candidate.item_id)
        if item is not None:
            counts.update(set(item.values("genre")))
    if not head or not counts:
        return False
    return counts.most_common(1)[0][1] / len(head) < ctx.settings.genre_split_ratio


def decide(state: AgentState, ctx: AgentContext) -> DialogueAct:
    """The dialogue act for this turn."""
    intent = state.get("intent", "statement")
    profile = state.get("profile") or Profile()
    pool = state.get("candidates", [])
    may_ask = state.get("asks_in_row", 0) < ctx.settings.max_asks_in_row

    if intent == "question":
        return "answer"
    if intent == "why":
        return "explain" if state.get("focus") else "answer"
    if intent in {"close", "accept"}:
        return "close"
    if intent in {"greet", "unknown_title"} and may_ask:
        return "ask"
    unasked = [a for a in ASKABLE if a not in state.get("asked", [])]
    if (
        intent == "reject"
        and state.get("rejects_in_row", 0) >= ctx.settings.rejects_before_asking
        and may_ask
        and unasked
    ):
        return "ask"  # a miss and nothing new said: ask instead of guessing again
    feedback = intent in {"seen", "reject", "more_like", "more"}
    insists = state.get("asks_in_row", 0) > 0 and INSISTS.search(
        last_user_text(state.get("messages", []))
    )
    if may_ask and not feedback and not insists:
        thin = profile.signals() < ctx.settings.min_signals_to_recommend
        undecided = (
            not profile.liked
            and not profile.wanted.get("genre")
            and not profile.topics  # "a heist movie" has said what it is about
            and genres_split(pool, ctx)
        )
        if thin or undecided or (not pool and profile.is_empty()):
            return "ask"
    return "recommend"


def plan(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Decide: ask, recommend, answer, explain or close (the LLM planner first, when on)."""
    ctx = runtime.context
    if ctx.settings.planner == "llm" and state.get("intent") not in SMALL_TALK:
        chosen = plan_with_llm(state, ctx)
        if chosen is not None and "act" in chosen:
            return chosen
        if chosen is not None:  # the planner's tool calls stay in the trace
            return {"act": decide(state, ctx), **chosen}
    return {"act": decide(state, ctx)}


def route(state: AgentState) -> Route:
    """Send the turn to the node of its dialogue act."""
    return state.get("act", "ask")
