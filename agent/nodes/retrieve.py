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
    """Rank the catalog for the profile; shown, blocked and out-of-bounds items never enter."""
    if state.get("intent", "statement") in NO_POOL:
        return {"candidates": []}
    profile = state.get("profile") or Profile()
    pool, calls = rank(runtime.context, profile, state.get("shown", []))
    return {"candidates": pool, "trace": [*state.get("trace", []), *calls]}
