"""``parley train-ranker``: learn the pack's fusion model from real dialogues."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from knowledge.errors import ParleyError


def cmd_train_ranker(args: argparse.Namespace) -> int:
    """Train the learned fusion and store it in the pack."""
    from agent.evaluation.dialogues import load_turns
    from agent.train_ranker import train_ranker
    from knowledge.pack import load_pack
    from ui.console import console, out, progress_bars

    if args.workers < 1:
        raise ParleyError("--workers must be at least 1")
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        raise ParleyError("training the ranker needs lightgbm: pip install lightgbm") from None
    pack = load_pack(args.pack)
    turns = load_turns(args.dialogues, pack.catalog, limit=args.limit)
    if not turns.turns:
        raise ParleyError(f"{args.dialogues}: no turn recommends an item of this catalog")
    with progress_bars() as bar:
        task = bar.add_task("reading training dialogues", total=len(turns.turns))
        model, report = train_ranker(
            args.pack,
            turns,
            workers=args.workers,
            seed=args.seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    model.save(pack.path)
    pack.update_manifest("ranker", {k: v for k, v in report.items() if k != "feature_gain"})
    held = report["out_of_fold"]
    out.print(
        f"trained on {report['queries']} turns ("
        + ", ".join(
            f"{report['bag']} {o} of {'/'.join(map(str, n))} rounds"
            for o, n in report["rounds"].items()
        )
        + ", "
        f"{report['candidates_per_query']} candidates a turn) in {report['seconds']} s; "
        f"it remembers {report['conversation_memory_turns']} of their conversations"
    )
    out.print(
        f"out of fold ({held['queries']} turns, each scored by a model that did not learn "
        f"from its dialogue): learned R@10 "
        f"{held['learned']['recall@10']:.3f} R@50 {held['learned']['recall@50']:.3f}; "
        f"reciprocal rank (the fallback's weights) R@10 "
        f"{held['rrf_fallback']['recall@10']:.3f} R@50 {held['rrf_fallback']['recall@50']:.3f}; "
        f"the pool holds {held['pool_recall']:.3f} of the targets"
    )
    bonus = report["tail_bonus"]
    table = bonus["out_of_fold"]
    out.print(
        f"lesser-known films gain {bonus['chosen']:g} for the first {bonus['first_page']} "
        f"places, and the tail model's opinion of them weighs {bonus['tail_weight']:g}: "
        f"out-of-fold R@10 {table['chosen']['overall']:.3f}, tail R@10 "
        f"{table['chosen']['tail']:.3f} against the fallback's {table['rrf']['tail']:.3f}"
        + (
            f" (at least as high in {table['chosen']['confidence']:.0%} of resamples)"
            if "confidence" in table["chosen"]
            else ""
        )
    )
    top = list(report["feature_gain"].items())[:8]
    out.print("strongest features: " + ", ".join(f"{n} ({g:.0f})" for n, g in top))
    for tool, why in report.get("left_out", {}).items():
        out.print(f"[yellow]left out[/yellow] of the learned ranking: {tool} ({why})")
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"[green]Saved[/green] the ranker in {pack.path}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``parley train-ranker``."""
    p = subparsers.add_parser(
        "train-ranker",
        help="learn how to fuse the rankers from real dialogues (LightGBM LambdaRank)",
        description="Read each recommender turn of a ReDial-format dialogue file as the agent "
        "would, collect every ranker's candidates, and learn which ones the human recommended. "
        "Stores the model in the pack; the agent then uses it instead of reciprocal-rank "
        "fusion. Use training dialogues only, never the ones you evaluate on.",
    )
    p.add_argument("--pack", type=Path, required=True, help="knowledge pack folder")
    p.add_argument(
        "--dialogues",
        type=Path,
        required=True,
        help="ReDial-format training turns (e.g. ../shared/data/redial/train_dialogues.jsonl)",
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N turns")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the boosting (default: 0)")
    p.add_argument("--report", type=Path, default=None, help="also write the report as JSON")
    p.set_defaults(func=cmd_train_ranker)
