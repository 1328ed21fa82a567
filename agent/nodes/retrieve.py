"""retrieve: the candidate pool for this turn, from every ranking tool (see `agent.ranking`)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.profile import Profile
from agent.ranking import rank
from agent.runtime import AgentContext
from agent.state import AgentState

NO_POOL = frozenset({"question", "why", "close", "accept"})
"""Intents answered without new candidates."""


def retrieve(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Rank the catalog for the profile; shown, blocked and out-of-bounds items never enter,
    nor the films the latest message names: "Have you seen This Film Is Not Yet Rated? It's
    really good" is no film to recommend back, whatever the reader made of it."""
    if state.get("intent", "statement") in NO_POOL:
        return {"candidates": []}
    profile = state.get("profile") or Profile()
    blocked = [*state.get("shown", []), *state.get("focus", [])]
    pool, calls = rank(runtime.context, profile, blocked)
    return {"candidates": pool, "trace": [*state.get("trace", []), *calls]}
