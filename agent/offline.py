"""The recommend pipeline without a conversation loop: rank the catalog from a dialogue context.

Used to tune the fusion weights and by the offline evaluators: the same understanding
and the same rankers as a live turn, no LLM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.nodes.retrieve import fuse, query_text, tool_payloads, wanted_matches
from agent.nodes.understand import understand
from agent.runtime import AgentContext
from agent.state import AgentState, Profile
from agent.toolbox import ranked_ids


@dataclass
class ContextRanking:
    """Each tool's ranking for one context, and what the context already mentions."""

    profile: Profile
    mentioned: list[str]
    rankings: dict[str, list[str]]
    wanted: dict[str, int] = field(default_factory=dict)
    """Ranked items meeting some asked-for attribute values: how many (see `wanted_first`)."""

    def fused(
        self,
        weights: Mapping[str, float],
        rrf_k: int = 60,
        k: int = 50,
        *,
        prefer_wanted: bool = True,
    ) -> list[str]:
        """The fused ranking (mentioned and blocked items removed), best first, with the
        asked-for attribute values preferred as in a live turn (`wanted_first`)."""
        blocked = set(self.mentioned) | self.profile.blocked() | set(self.profile.liked)
        rankings = {t: ids for t, ids in self.rankings.items() if weights.get(t, 0) > 0}
        ids = [i for i, _, _ in fuse(rankings, dict(weights), rrf_k) if i not in blocked]
        if prefer_wanted and self.wanted:
            ids = sorted(ids, key=lambda i: -self.wanted.get(i, 0))
        return ids[:k]


def read_context(
    ctx: AgentContext, utterances: Sequence[str], seeker_first: bool = True
) -> tuple[Profile, list[str]]:
    """Build the profile from a dialogue: seeker turns are read like user messages; movies
    the recommender named count as liked unless the seeker rejects them afterwards."""
    state: AgentState = {"profile": Profile(), "messages": []}
    runtime = Runtime(context=ctx)
    mentioned: list[str] = []
    for index, text in enumerate(utterances):
        if not text.strip():
            continue
        seeker = (index % 2 == 0) == seeker_first
        update = understand({**state, "messages": [HumanMessage(text)]}, runtime)
        profile = update["profile"]
        focus = update.get("focus", [])
        assert isinstance(profile, Profile) and isinstance(focus, list)
        linked = [i for i in focus if i in ctx.catalog]
        if seeker:
            state["profile"] = profile
        else:
            current = state["profile"]
            for item_id in linked:
                if item_id not in current.liked and item_id not in current.blocked():
                    current.liked.append(item_id)
        mentioned.extend(i for i in linked if i not in mentioned)
    return state["profile"], mentioned


def rank_context(
    ctx: AgentContext, utterances: Sequence[str], k: int | None = None
) -> ContextRanking:
    """Every ranker's list for a dialogue context (mentioned items excluded up front)."""
    profile, mentioned = read_context(ctx, utterances)
    exclude = list(dict.fromkeys([*mentioned, *profile.blocked()]))
    payloads = tool_payloads(ctx, profile, exclude, query_text(profile, ctx))
    if k is not None:
        for payload in payloads.values():
            payload["k"] = k
    with ThreadPoolExecutor(max_workers=max(1, len(payloads))) as pool:
        futures = {name: pool.submit(ctx.toolbox.call, name, p) for name, p in payloads.items()}
        rankings = {name: ranked_ids(f.result()[0]) for name, f in futures.items()}
    ranked = {i for ids in rankings.values() for i in ids if i in ctx.catalog}
    met = {i: wanted_matches(profile, ctx.catalog[i]) for i in ranked} if profile.wanted else {}
    return ContextRanking(profile, mentioned, rankings, {i: n for i, n in met.items() if n})
