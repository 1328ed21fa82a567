"""plan: choose the dialogue act from the state (the deterministic policy)."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from langgraph.runtime import Runtime

from agent.nodes.acts import ASKABLE
from agent.nodes.retrieve import build_pool
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate, Profile

Route = Literal["ask", "recommend", "answer", "explain", "close"]


def signals(profile: Profile) -> int:
    """How many preferences are known (liked items, wanted values, wishes, year limits)."""
    wanted = sum(len(v) for v in profile.wanted.values())
    years = int(profile.year_min is not None or profile.year_max is not None)
    return len(profile.liked) + wanted + len(profile.notes) + years


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


def plan(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Decide: ask, recommend, answer, explain or close; build the candidate pool when needed."""
    ctx = runtime.context
    intent = state.get("intent", "statement")
    profile = state.get("profile") or Profile()
    asks = state.get("asks_in_row", 0)
    trace = list(state.get("trace", []))
    may_ask = asks < ctx.settings.max_asks_in_row

    if intent == "question":
        return {"act": "answer"}
    if intent == "why":
        return {"act": "explain" if state.get("focus") else "answer"}
    if intent in {"close", "accept"}:
        return {"act": "close"}
    if intent in {"greet", "unknown_title"} and may_ask:
        return {"act": "ask", "candidates": []}

    pool, calls = build_pool(ctx, profile, state.get("shown", []))
    trace.extend(calls)
    unasked = [a for a in ASKABLE if a not in state.get("asked", [])]
    if (
        intent == "reject"
        and state.get("rejects_in_row", 0) >= ctx.settings.rejects_before_asking
        and may_ask
        and unasked
    ):
        # A miss and nothing new said: ask instead of guessing again.
        return {"act": "ask", "candidates": pool, "trace": trace}
    feedback = intent in {"seen", "reject", "more_like", "more"}
    if may_ask and not feedback:
        thin = signals(profile) < ctx.settings.min_signals_to_recommend
        undecided = (
            not profile.liked and not profile.wanted.get("genre") and genres_split(pool, ctx)
        )
        if thin or undecided or (not pool and profile.is_empty()):
            return {"act": "ask", "candidates": pool, "trace": trace}
    return {"act": "recommend", "candidates": pool, "trace": trace}


def route(state: AgentState) -> Route:
    """Send the turn to the node of its dialogue act."""
    act = state.get("act", "ask")
    if act == "greet":
        return "ask"
    return act
