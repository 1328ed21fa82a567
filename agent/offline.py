"""The recommend pipeline without a conversation loop: rank the catalog from a dialogue context.

Used by the offline evaluators and the fusion tuning: the same understanding and the same
ranking function (`agent.ranking`) as a live turn, no LLM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.nodes.understand import understand
from agent.profile import Profile
from agent.ranking import Rankings, collect, order, request_for
from agent.runtime import AgentContext
from agent.state import AgentState


@dataclass
class ContextRanking:
    """Each ranker's list for one dialogue context, and what the context already mentions."""

    profile: Profile
    mentioned: list[str]
    rankings: Rankings

    def ordered(
        self,
        ctx: AgentContext,
        weights: Mapping[str, float] | None = None,
        *,
        prefer_wanted: bool | None = None,
        tail_bonus: bool = True,
        k: int = 50,
    ) -> list[str]:
        """The ranking a live turn would show for this context (mentioned items left out);
        explicit ``weights`` give an ablation (see `agent.ranking.order`)."""
        candidates = order(
            ctx,
            self.profile,
            self.rankings,
            self.mentioned,
            weights=weights,
            prefer_wanted=prefer_wanted,
            tail_bonus=tail_bonus,
        )
        return [c.item_id for c in candidates[:k]]

    def without(self, tool: str) -> ContextRanking:
        """This context as if a ranker were not installed (for ablations)."""
        lists = {t: ranked for t, ranked in self.rankings.lists.items() if t != tool}
        return ContextRanking(self.profile, self.mentioned, Rankings(lists, self.rankings.trace))


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
                    current.like(item_id)
                    if current.like_now:  # named in answer to "something like Alien?"
                        current.like_now.append(item_id)
        mentioned.extend(i for i in linked if i not in mentioned)
    return state["profile"], mentioned


def rank_context(
    ctx: AgentContext, utterances: Sequence[str], k: int | None = None
) -> ContextRanking:
    """Every ranker's list for a dialogue context (mentioned items excluded up front)."""
    profile, mentioned = read_context(ctx, utterances)
    return ContextRanking(profile, mentioned, collect(ctx, request_for(ctx, profile, mentioned, k)))
