"""The candidate pool: the ranking tools side by side, fused by weighted reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from agent.runtime import AgentContext
from agent.state import Candidate, Profile, ToolCall
from agent.toolbox import ranked_ids
from knowledge.filters import ItemFilter
from knowledge.items import Catalog, Item


def query_text(profile: Profile, ctx: AgentContext) -> str:
    """Text for dense and lexical retrieval: the user's wishes, wanted values, liked items."""
    parts = list(profile.notes[-3:])
    for values in profile.wanted.values():
        parts.extend(values)
    for item_id in profile.liked[-3:]:
        item = ctx.catalog.get(item_id)
        if item is not None:
            parts.append(f"{', '.join(item.values('genre'))}. {item.description}")
    return " ".join(p for p in parts if p).strip()


def kg_sources(profile: Profile) -> list[str]:
    """Graph entities the user likes: liked items and wanted people, genres, tags."""
    sources = [f"item:{i}" for i in profile.liked[-8:]]
    for attribute, values in profile.wanted.items():
        kind = "person" if attribute in {"director", "star", "writer"} else attribute
        sources.extend(f"{kind}:{v.lower()}" for v in values)
    return sources


def tool_payloads(
    ctx: AgentContext, profile: Profile, exclude: Sequence[str], text: str
) -> dict[str, dict[str, Any]]:
    """The calls to make for this profile: only the tools that have something to work from."""
    k = ctx.settings.pool_size
    filt = profile.hard_filter()
    excluded = list(dict.fromkeys(exclude))
    calls: dict[str, dict[str, Any]] = {}
    if text and ctx.toolbox.has("retriever"):
        calls["retriever"] = {
            "text": text[:4000],
            "k": k,
            "filters": filt.model_dump(),
            "exclude_ids": excluded,
        }
    sources = kg_sources(profile)
    if sources and ctx.toolbox.has("kg_paths"):
        calls["kg_paths"] = {"sources": sources, "k": k, "exclude_ids": excluded}
    if profile.liked and ctx.toolbox.has("sid"):
        sid_fields = ctx.toolbox.tools["sid"].Input.model_fields
        payload: dict[str, Any] = {"history": profile.liked[-20:], "k": k, "exclude_ids": excluded}
        if "text" in sid_fields and text:
            payload["text"] = text[:2000]
        calls["sid"] = {key: v for key, v in payload.items() if key in sid_fields}
    for name in ctx.toolbox.extra_rankers():
        fields = ctx.toolbox.tools[name].Input.model_fields
        payload = {"k": k, "exclude_ids": excluded}
        if "filters" in fields:
            payload["filters"] = filt.model_dump()
        if "text" in fields and text:
            payload["text"] = text[:4000]
        calls[name] = payload
    return calls


def build_pool(
    ctx: AgentContext, profile: Profile, exclude: Sequence[str]
) -> tuple[list[Candidate], list[ToolCall]]:
    """Run the rankers in parallel and fuse: blocked and constraint-violating items never enter."""
    text = query_text(profile, ctx)
    calls = tool_payloads(ctx, profile, exclude, text)
    if not calls:
        return [], []
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {
            name: pool.submit(ctx.toolbox.call, name, payload) for name, payload in calls.items()
        }
        results = {name: f.result() for name, f in futures.items()}
    rankings = {name: ranked_ids(output) for name, (output, _) in results.items()}
    trace = [call for _, call in results.values()]
    fused = fuse(rankings, ctx.settings.fusion_weights, ctx.settings.rrf_k)
    blocked = set(exclude) | profile.blocked() | set(profile.liked)
    candidates = admissible(ctx, fused, blocked, profile.hard_filter())
    if ctx.settings.prefer_wanted:
        order = wanted_first(ctx.catalog, profile, [c.item_id for c in candidates])
        by_id = {c.item_id: c for c in candidates}
        candidates = [by_id[i] for i in order]
    return candidates, trace


def wanted_matches(profile: Profile, item: Item) -> int:
    """How many of the attributes the user asked for (genre, director, ...) the item meets."""
    met = 0
    for attribute, values in profile.wanted.items():
        have = {v.lower() for v in item.values(attribute)}
        if have & {v.lower() for v in values}:
            met += 1
    return met


def wanted_first(catalog: Catalog, profile: Profile, ids: Sequence[str]) -> list[str]:
    """Items meeting more of the asked-for attributes first; the fused order within ties.

    What the user asks for ("a comedy", "something with Tom Hanks") is a soft constraint:
    it reorders the pool rather than filtering it, so a thin pool still has candidates.
    """
    if not profile.wanted:
        return list(ids)
    met = {i: wanted_matches(profile, catalog[i]) for i in ids if i in catalog}
    return sorted((i for i in ids if i in met), key=lambda i: -met[i])


def fuse(
    rankings: dict[str, list[str]],
    weights: dict[str, float],
    rrf_k: int,
    default_weight: float = 0.1,
) -> list[tuple[str, float, dict[str, int]]]:
    """Weighted reciprocal-rank fusion: score = sum over tools of w / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for tool, ids in rankings.items():
        weight = weights.get(tool, default_weight)
        for rank, item_id in enumerate(ids, start=1):
            scores[item_id] = scores.get(item_id, 0.0) + weight / (rrf_k + rank)
            ranks.setdefault(item_id, {})[tool] = rank
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [(i, scores[i], ranks[i]) for i in order]


def admissible(
    ctx: AgentContext,
    fused: list[tuple[str, float, dict[str, int]]],
    blocked: set[str],
    filt: ItemFilter,
) -> list[Candidate]:
    """Catalog items only, never blocked ones, always within the hard filter."""
    out: list[Candidate] = []
    for item_id, score, ranks in fused:
        item = ctx.catalog.get(item_id)
        if item is None or item_id in blocked or not filt.matches(item):
            continue
        out.append(
            Candidate(item_id=item_id, title=item.title, year=item.year, score=score, tools=ranks)
        )
    return out


def evidence_for(
    ctx: AgentContext, profile: Profile, chosen: Sequence[Candidate]
) -> tuple[dict[str, list[str]], ToolCall | None]:
    """Path explanations from what the user likes to each chosen item (real graph edges only)."""
    sources = kg_sources(profile)
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
