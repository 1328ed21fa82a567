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

from agent.evaluation.dialogues import EvalTurn, TurnFile
from agent.evaluation.metrics import TurnScore, recall_curve, summarize
from agent.evaluation.run_info import run_info
from agent.evaluation.workers import Progress, run_tasks
from agent.offline import ContextRanking, rank_context

RANK_DEPTH = 100
"""Items every tool ranks per turn (Recall@50 needs at least 50)."""
CUT = 50


@dataclass
class StaticResult:
    """One turn's rankings, and which of its targets could be scored."""

    key: str
    ranking: ContextRanking
    targets: list[str]
    mentioned_targets: int


class StaticEvaluator:
    """Loads the pack and the agent's tools once; ranks one turn per call."""

    def __init__(self, pack_dir: str, settings: Mapping[str, Any] | None = None) -> None:
        from agent.agent import ParleyAgent
        from agent.context import AgentSettings
        from knowledge.pack import load_pack

        self.agent = ParleyAgent(
            load_pack(Path(pack_dir)), settings=AgentSettings.from_mapping(settings or {})
        )
        self.agent.toolbox.warm_up()

    def __call__(self, turn: EvalTurn) -> StaticResult:
        ranking = rank_context(self.agent.context, turn.context, k=RANK_DEPTH)
        kept = [t for t in turn.targets if t not in ranking.mentioned]
        return StaticResult(turn.key, ranking, kept, len(turn.targets) - len(kept))


def variants(tools: list[str], weights: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """The fused weights, each tool alone, and the fusion without each tool."""
    fused = {t: float(weights.get(t, 0.0)) for t in tools}
    out = {"fused": fused}
    for tool in tools:
        if tool == "popular":
            continue
        out[f"{tool}_only"] = {tool: 1.0}
        if fused.get(tool, 0) > 0 and sum(1 for w in fused.values() if w > 0) > 1:
            out[f"without_{tool}"] = {**fused, tool: 0.0}
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
    tools = sorted({t for r in scored for t in r.ranking.rankings})
    agent_settings = AgentSettings.from_mapping(settings or {})
    weights, prefer = agent_settings.fusion_weights, agent_settings.prefer_wanted
    rrf_k = agent_settings.rrf_k

    def score(w: Mapping[str, float], prefer_wanted: bool = prefer) -> list[TurnScore]:
        return [
            TurnScore.of(r.ranking.fused(w, rrf_k, k=CUT, prefer_wanted=prefer_wanted), r.targets)
            for r in scored
        ]

    ways = variants(tools, weights)
    runs = {name: score(w) for name, w in ways.items()}
    # The fusion with the opposite setting of the asked-for-values preference.
    runs["fused_without_wanted_first" if prefer else "fused_with_wanted_first"] = score(
        ways["fused"], not prefer
    )
    baseline = score({"popular": 1.0}) if "popular" in tools else []
    fused = summarize(runs["fused"], seed=seed)
    report: dict[str, Any] = {"protocol": "static", **fused}
    report["weights"] = dict(ways["fused"])
    report["ablations"] = {
        name: summarize(s, seed=seed) for name, s in runs.items() if name != "fused"
    }
    report["baselines"] = {"popularity": summarize(baseline, seed=seed)} if baseline else {}
    report["curves"] = {
        "fused": recall_curve(runs["fused"], CUT),
        **({"popularity": recall_curve(baseline, CUT)} if baseline else {}),
        **{n: recall_curve(s, CUT) for n, s in runs.items() if n.endswith("_only")},
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
