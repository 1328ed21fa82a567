"""The static protocol: rank the catalog from each dialogue context, score the human's picks.

For every turn, the agent's own understanding reads the context and every ranking tool
ranks the catalog once (items the context mentions are excluded up front, as in a live
turn). The fused ranking uses the agent's fusion weights; the same per-tool rankings give
the ablations (each tool alone, and the fusion without it) and the popularity baseline,
so all of them are scored on exactly the same turns.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.evaluation.beyond import beyond_accuracy
from agent.evaluation.dialogues import EvalTurn, TurnFile
from agent.evaluation.metrics import TurnScore, recall_curve, summarize
from agent.evaluation.run_info import run_info
from agent.evaluation.workers import Progress, run_tasks
from agent.offline import rank_context
from agent.ranking import PLUGIN_WEIGHT

RANK_DEPTH = 100
"""Items every tool ranks per turn (Recall@50 needs at least 50)."""
CUT = 50


@dataclass
class StaticResult:
    """One turn's ranking under every variant, and which of its targets could be scored."""

    key: str
    orderings: dict[str, list[str]]
    """Variant name -> the top `CUT` items, best first."""
    tools: list[str]
    """The rankers that ranked something for this turn."""
    targets: list[str]
    """The targets to score, as films (a twin record counts as its film, see below)."""
    mentioned_targets: int
    exact: TurnScore | None = None
    """The agent's ranking scored against the targets' own records (no twin merged)."""


class StaticEvaluator:
    """Loads the pack and the agent's tools once; ranks one turn per call, every variant
    from the same tool calls (the agent's own ranking function, `agent.ranking.order`)."""

    def __init__(self, pack_dir: str, settings: Mapping[str, Any] | None = None) -> None:
        from agent.agent import ParleyAgent
        from agent.context import AgentSettings
        from knowledge.pack import load_pack

        self.agent = ParleyAgent(
            load_pack(Path(pack_dir)), settings=AgentSettings.from_mapping(settings or {})
        )
        self.agent.toolbox.warm_up()
        self.tools = self.agent.toolbox.rankers()

    def __call__(self, turn: EvalTurn) -> StaticResult:
        ctx = self.agent.context
        ranking = rank_context(ctx, turn.context, k=RANK_DEPTH)
        said = ctx.twins.expand(ranking.mentioned)  # the same film, whichever record
        kept = [t for t in turn.targets if t not in said]
        orderings = {}
        if kept:
            orderings["fused"] = ranking.ordered(ctx, k=CUT)  # exactly what users get
            learned = ctx.learned is not None and ctx.settings.fusion == "learned"
            weights = ctx.settings.fusion_weights
            prefer = ctx.settings.prefer_wanted_learned if learned else ctx.settings.prefer_wanted
            flipped = "fused_without_wanted_first" if prefer else "fused_with_wanted_first"
            orderings[flipped] = ranking.ordered(ctx, prefer_wanted=not prefer, k=CUT)
            if learned:
                orderings["rrf"] = ranking.ordered(ctx, _rrf_weights(self.tools, weights), k=CUT)
                if ctx.learned is not None and ctx.learned.lifts_tail:
                    orderings["fused_without_tail_bonus"] = ranking.ordered(
                        ctx, tail_bonus=False, k=CUT
                    )
            for name, variant in variants(self.tools, weights, learned=learned).items():
                if isinstance(variant, str):  # the learned fusion without one ranker
                    orderings[name] = ranking.without(variant).ordered(ctx, k=CUT)
                else:
                    orderings[name] = ranking.ordered(ctx, variant, k=CUT)
        tools = [t for t in self.tools if ranking.rankings.lists.get(t)]
        exact = TurnScore.of(orderings["fused"], kept) if kept else None
        # Score by film: ReDial lists some films twice ("The Conjuring", "The Conjuring
        # (2013)"), the agent shows one record of each film, and a human who recommended
        # either record recommended that film.
        films = {name: _films(ctx, ids) for name, ids in orderings.items()}
        targets = _films(ctx, kept)
        return StaticResult(turn.key, films, tools, targets, len(turn.targets) - len(kept), exact)


def _films(ctx: Any, ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ctx.twins.canonical(i) for i in ids))


def _rrf_weights(tools: list[str], weights: Mapping[str, float]) -> dict[str, float]:
    return {t: float(weights.get(t, PLUGIN_WEIGHT)) for t in tools}


def variants(
    tools: list[str], weights: Mapping[str, float], *, learned: bool = False
) -> dict[str, dict[str, float] | str]:
    """Each tool alone, the fusion without each tool, and popularity alone (the baseline).

    "Without" a tool is the learned fusion with that tool's list removed (a name) when the
    pack has a learned model, else reciprocal-rank fusion with its weight at 0.
    """
    fused = _rrf_weights(tools, weights)
    out: dict[str, dict[str, float] | str] = {}
    for tool in tools:
        if tool == "popular":
            out["popularity"] = {tool: 1.0}
            continue
        out[f"{tool}_only"] = {tool: 1.0}
        if learned:
            out[f"without_{tool}"] = tool
        elif fused.get(tool, 0) > 0 and sum(1 for w in fused.values() if w > 0) > 1:
            out[f"without_{tool}"] = {**fused, tool: 0.0}
    return out


def _beyond(
    pack_dir: Path,
    scored: list[StaticResult],
    runs: Mapping[str, list[TurnScore]],
    baseline: list[TurnScore],
) -> dict[str, Any]:
    """Coverage, exposure Gini, novelty, diversity and bucketed recall of the main variants."""
    from knowledge.pack import load_pack

    catalog = load_pack(pack_dir).catalog
    out = {}
    for name in ("fused", "fused_without_tail_bonus", "rrf", "popularity"):
        scores = baseline if name == "popularity" else runs.get(name)
        if not scores:
            continue
        rows = [r for r in scored if name in r.orderings]
        pairs = [
            (t, rank) for r, s in zip(rows, scores, strict=True)
            for t, rank in zip(r.targets, s.ranks, strict=True)
        ]  # fmt: skip
        out[name] = beyond_accuracy(catalog, [r.orderings[name] for r in rows], pairs)
    return out


def evaluate_static(
    pack_dir: Path,
    turns: TurnFile,
    *,
    seed: int = 0,
    workers: int = 1,
    ray: str | None = None,
    settings: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the static protocol over the turns and return the report (see the module doc)."""
    from agent.context import AgentSettings

    started = time.perf_counter()
    info = run_info(pack_dir, seed=seed, llm="none", workers=workers, ray=ray)  # the code that runs
    results = run_tasks(
        StaticEvaluator,
        (str(pack_dir), dict(settings or {})),
        turns.turns,
        workers=workers,
        progress=progress,
        ray=ray,
    )
    scored = [r for r in results if r.targets]
    names = sorted({name for r in scored for name in r.orderings})

    def score(name: str) -> list[TurnScore]:
        return [TurnScore.of(r.orderings[name], r.targets) for r in scored if name in r.orderings]

    runs = {name: score(name) for name in names if name != "popularity"}
    baseline = score("popularity") if "popularity" in names else []
    report: dict[str, Any] = {"protocol": "static", **summarize(runs["fused"], seed=seed)}
    report["weights"] = {
        t: float(AgentSettings.from_mapping(settings or {}).fusion_weights.get(t, PLUGIN_WEIGHT))
        for t in sorted({t for r in scored for t in r.tools})
    }
    report["ablations"] = {
        name: summarize(s, seed=seed) for name, s in runs.items() if name != "fused"
    }
    report["baselines"] = {"popularity": summarize(baseline, seed=seed)} if baseline else {}
    report["beyond_accuracy"] = _beyond(pack_dir, scored, runs, baseline)
    report["curves"] = {
        "fused": recall_curve(runs["fused"], CUT),
        **({"popularity": recall_curve(baseline, CUT)} if baseline else {}),
        **{n: recall_curve(s, CUT) for n, s in runs.items() if n.endswith("_only")},
    }
    exact = [r.exact for r in scored if r.exact is not None]
    report["exact_records"] = {
        k: v for k, v in summarize(exact, seed=seed).items() if k.startswith("recall")
    }
    report["data"] = {
        "dialogues": str(turns.path),
        **turns.counts(),
        "targets_already_mentioned": sum(r.mentioned_targets for r in results),
        "turns_scored": len(scored),
    }
    report.update(info)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    return report
