"""Tune the agent's fusion weights on ReDial-format dialogues (static protocol, no LLM).

    python bench/tune_fusion.py --pack /tmp/redial \
        --dialogues ../shared/data/redial/dev_dialogues.jsonl

Each turn's context is read by the agent's own understanding; every ranker ranks the
catalog once (mentioned items excluded); weights are grid-searched for Recall@10 on even
dialogues and reported on odd ones (split by dialogue id, so no dialogue is in both).
``--tune NAME`` searches one tool's weight only, the others kept at the agent's defaults.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from rich.progress import track

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.agent import ParleyAgent  # noqa: E402
from agent.offline import ContextRanking, rank_context  # noqa: E402
from agent.runtime import AgentContext  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402
from knowledge.sequences import title_index  # noqa: E402

GRID = [0.0, 0.25, 0.5, 1.0, 2.0]
ONE_GRID = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0]


CTX: AgentContext


def recall(
    rankings: list[tuple[ContextRanking, list[str]]], weights: dict[str, float], k: int
) -> float:
    values = []
    for ranking, targets in rankings:
        top = set(ranking.ordered(CTX, weights, k=k))
        values.extend(t in top for t in targets)
    return sum(values) / max(1, len(values))


def tune_one(
    name: str,
    tools: list[str],
    defaults: dict[str, float],
    tune: list[tuple[ContextRanking, list[str]]],
    held: list[tuple[ContextRanking, list[str]]],
) -> None:
    """Scan one tool's weight with the others at their defaults; print both halves' recall."""
    if name not in tools:
        raise SystemExit(f"{name!r} ranked nothing here; rankers: {', '.join(tools)}")
    best = (-1.0, 0.0)
    for value in ONE_GRID:
        weights = {**{t: defaults.get(t, 0.0) for t in tools}, name: value}
        t10 = recall(tune, weights, 10)
        h1, h10, h50 = (recall(held, weights, k) for k in (1, 10, 50))
        print(
            f"{name}={value:<4} tune R@10 {t10:.4f}  "
            f"held-out R@1 {h1:.4f} R@10 {h10:.4f} R@50 {h50:.4f}"
        )
        if t10 > best[0]:
            best = (t10, value)
    print(f"best {name} weight on the tuning half: {best[1]} (R@10 {best[0]:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--dialogues", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N turns (0: all)")
    parser.add_argument("--pool", type=int, default=100, help="items each ranker returns")
    parser.add_argument(
        "--tune", default=None, help="tune only this tool's weight; keep the others' defaults"
    )
    args = parser.parse_args()

    pack = load_pack(args.pack)
    global CTX
    agent = ParleyAgent(pack)
    agent.toolbox.warm_up()
    CTX = agent.context
    turns = [json.loads(line) for line in args.dialogues.read_text().splitlines() if line.strip()]
    if args.limit:
        turns = turns[: args.limit]
    ids = title_index(pack.catalog)
    tune, held = [], []
    for turn in track(turns, description="ranking contexts"):
        targets = [ids[t] for t in turn["rec"] if t in ids]
        ranking = rank_context(agent.context, turn["context"], k=args.pool)
        targets = [t for t in targets if t not in ranking.mentioned]
        if not targets:
            continue
        (tune if int(turn["dialog_id"]) % 2 == 0 else held).append((ranking, targets))
    tools = sorted({t for r, _ in tune + held for t in r.rankings.lists})
    print(f"turns scored: tune {len(tune)}, held-out {len(held)}; rankers: {', '.join(tools)}")
    for tool in tools:
        only = {t: (1.0 if t == tool else 0.0) for t in tools}
        r10, r50 = recall(held, only, 10), recall(held, only, 50)
        print(f"  {tool:<10} alone: R@10 {r10:.3f}  R@50 {r50:.3f}")
    if args.tune:
        tune_one(args.tune, tools, agent.context.settings.fusion_weights, tune, held)
        return
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for combo in itertools.product(GRID, repeat=len(tools)):
        if not any(combo):
            continue
        weights = dict(zip(tools, combo, strict=True))
        score = recall(tune, weights, 10)
        if score > best[0]:
            best = (score, weights)
    weights = best[1]
    equal = {t: 1.0 for t in tools}
    for label, w in (("equal weights", equal), ("tuned weights", weights)):
        r1, r10, r50 = (recall(held, w, k) for k in (1, 10, 50))
        print(f"{label:<15} held-out R@1 {r1:.3f} R@10 {r10:.3f} R@50 {r50:.3f}")
    print(f"tuning-half R@10 of the tuned weights: {best[0]:.3f}")
    print("weights:", json.dumps(weights))


if __name__ == "__main__":
    main()
