"""Evidence: why an item fits this user, from real graph paths and the asked-for values."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from agent.profile import Profile
from agent.ranking import graph_sources
from agent.runtime import AgentContext
from agent.state import Candidate, ToolCall
from knowledge.items import Item


def evidence_for(
    ctx: AgentContext, profile: Profile, chosen: Sequence[Candidate]
) -> tuple[dict[str, list[str]], ToolCall | None]:
    """Path explanations from what the user likes to each chosen item (real graph edges only)."""
    sources = graph_sources(profile)
    if not sources or not chosen or not ctx.toolbox.has("kg_paths"):
        return {}, None
    output, call = ctx.toolbox.call(
        "kg_paths",
        {"sources": sources, "targets": [c.item_id for c in chosen], "paths_per_target": 2},
    )
    found: dict[str, list[str]] = {}
    if isinstance(output, BaseModel):
        for connection in getattr(output, "results", []):
            item = connection.entity.item
            if item is not None:
                found[item.item_id] = [p.sentence for p in connection.paths if p.sentence]
    return found, call


def attribute_evidence(profile: Profile, item: Item) -> list[str]:
    """Why an item fits when no graph path does: the wanted values it has."""
    matched = []
    for attribute, values in profile.wanted.items():
        have = {v.lower() for v in item.values(attribute)}
        for value in values:
            if value in have:
                label = next(v for v in item.values(attribute) if v.lower() == value)
                matched.append(
                    f"{attribute} {label}" if attribute != "genre" else f"a {label} film"
                )
    if matched:
        return [f"matches what you asked for: {', '.join(matched)}"]
    genres = item.values("genre")
    return (
        [f"a {' and '.join(genres[:2])} film" + (f" from {item.year}" if item.year else "")]
        if genres
        else []
    )
