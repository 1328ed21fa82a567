"""``parley eval static`` and ``parley eval interactive``: the agent's offline evaluation."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from knowledge.errors import ParleyError

DIALOGUES_HELP = (
    "ReDial-format JSONL: one recommender turn per line with 'context' (the utterances so far) "
    "and 'rec' (the titles recommended next, as 'Title (Year)')"
)


def register_eval(protocols: Any) -> None:
    """Add ``static`` and ``interactive`` to the ``parley eval`` group."""
    p = protocols.add_parser(
        "static",
        help="rank the catalog from each dialogue context and score the human's picks",
        description="For each turn, rank the catalog from the context with the agent's "
        "recommend pipeline (no LLM; items the context mentions are excluded) and score the "
        "turn's recommended items: Recall@1/10/50, NDCG@10 and MRR with 95%% intervals, per-tool "
        "ablations and a popularity baseline. Writes the JSON report, PNG plots and a Markdown "
        "summary beside it.",
    )
    _common(p)
    p.set_defaults(func=cmd_eval_static)

    p = protocols.add_parser(
        "interactive",
        help="let a simulated user with hidden targets talk to the agent",
        description="For each turn, a simulated user whose hidden targets are the turn's "
        "recommended items talks to the agent for up to --turns turns, starting from the "
        "dialogue so far with every target title removed. Reports Recall@k, success by turn, "
        "invalid items, repeats and title leakage; writes JSON, plots, a Markdown summary and "
        "the transcripts.",
    )
    _common(p)
    p.add_argument(
        "--simulator",
        choices=("attr", "agenda", "free"),
        default="attr",
        help="attr: answers attribute questions (iEvaLM); agenda: reveals constraints step by "
        "step; free: an LLM plays the persona (default: attr)",
    )
    p.add_argument("--turns", type=int, default=5, help="most agent turns per conversation")
    p.add_argument(
        "--llm",
        default="none",
        metavar="SPEC",
        help="the agent's LLM: none (templates, deterministic), embedded, or http(s)://.../v1 "
        "(default: none; recommendations never depend on it)",
    )
    p.add_argument(
        "--planner",
        choices=("policy", "llm"),
        default=None,
        help="who chooses each turn's tools: the deterministic policy (default), or the "
        "served --llm through tool calls, with the policy as the fallback",
    )
    p.add_argument(
        "--simulator-llm",
        default="embedded",
        metavar="SPEC",
        help="the LLM that plays the user in --simulator free (default: embedded)",
    )
    p.set_defaults(func=cmd_eval_interactive)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pack", type=Path, required=True, help="knowledge pack folder")
    p.add_argument("--dialogues", type=Path, required=True, help=DIALOGUES_HELP)
    p.add_argument("--out", type=Path, required=True, help="report JSON file to write")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N turns")
    p.add_argument("--seed", type=int, default=0, help="seed (bootstrap, simulator phrasing)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes, each loading the pack (default: 1, in this process; with "
        "--ray, one per CPU of the cluster)",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run the workers on a Ray cluster, e.g. 10.0.0.5:6379 (the address `ray start "
        "--head` prints); without ADDRESS: $RAY_ADDRESS, else Ray started on this machine. "
        "Every node needs Parley installed and the pack at the same path",
    )


def _settings() -> dict[str, Any]:
    """The agent settings of this environment (``PARLEY_AGENT_*``), as plain values."""
    from agent.context import AgentSettings

    return dataclasses.asdict(AgentSettings.from_env())


def _turns(args: argparse.Namespace) -> Any:
    from agent.evaluation.dialogues import load_turns
    from knowledge.pack import load_pack

    if args.limit is not None and args.limit < 1:
        raise ParleyError("--limit must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise ParleyError("--workers must be at least 1")
    pack = load_pack(args.pack)
    turns = load_turns(args.dialogues, pack.catalog, limit=args.limit)
    if not turns.turns:
        raise ParleyError(f"{args.dialogues}: no turn recommends an item of this catalog")
    return turns


def _workers(args: argparse.Namespace) -> int:
    """How many workers run: as asked, else 1 locally or one per CPU of the Ray cluster."""
    if args.ray is None:
        return int(args.workers or 1)
    from agent.evaluation.ray_workers import connect

    return int(args.workers or connect(args.ray or None))


def cmd_eval_static(args: argparse.Namespace) -> int:
    """Run the static protocol and write its report."""
    from agent.evaluation.report import write_report
    from agent.evaluation.static import evaluate_static
    from ui.console import console, out, progress_bars

    turns = _turns(args)
    with progress_bars() as bar:
        task = bar.add_task("ranking dialogue contexts", total=len(turns.turns))
        report = evaluate_static(
            args.pack,
            turns,
            seed=args.seed,
            workers=_workers(args),
            ray=args.ray,
            settings=_settings(),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    files = write_report(report, args.out)
    base = report["baselines"].get("popularity", {})
    out.print(
        f"static: n={report['n']} targets in {report['turns']} turns; "
        f"R@1 {report['recall@1']:.4f}  R@10 {report['recall@10']:.4f}  "
        f"R@50 {report['recall@50']:.4f}  NDCG@10 {report['ndcg@10']:.4f}  MRR {report['mrr']:.4f}"
    )
    for name, row in report["ablations"].items():
        out.print(f"  {name:<20} R@10 {row['recall@10']:.4f}  R@50 {row['recall@50']:.4f}")
    if base:
        out.print(f"  {'popularity baseline':<20} R@10 {base['recall@10']:.4f}")
    console.print(f"[green]Wrote[/green] {', '.join(str(f) for f in files)}")
    return 0


def cmd_eval_interactive(args: argparse.Namespace) -> int:
    """Run the interactive protocol and write its report."""
    from agent.evaluation.interactive import evaluate_interactive
    from agent.evaluation.report import write_report
    from ui.console import console, out, progress_bars

    if args.turns < 1:
        raise ParleyError("--turns must be at least 1")
    turns = _turns(args)
    with progress_bars() as bar:
        task = bar.add_task(f"conversations ({args.simulator})", total=len(turns.turns))
        report, conversations = evaluate_interactive(
            args.pack,
            turns,
            mode=args.simulator,
            max_turns=args.turns,
            seed=args.seed,
            workers=_workers(args),
            ray=args.ray,
            llm=args.llm,
            simulator_llm=args.simulator_llm,
            settings=_settings() | ({"planner": args.planner} if args.planner else {}),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    files = write_report(report, args.out, conversations)
    out.print(
        f"interactive ({args.simulator}): n={report['n']}; R@1 {report['recall@1']:.4f}  "
        f"R@10 {report['recall@10']:.4f}  R@50 {report['recall@50']:.4f}; success by turn "
        f"{report['success_by_turn']}; avg turns {report['avg_turns']}; "
        f"invalid {report['invalid_item_rate']}, repeats {report['repeat_rate']}, "
        f"leaks {report['leak_rate']}"
    )
    language, planner = report["language"], report["planner"]
    if language["llm_drafts"]:
        out.print(
            f"  language: {language['llm_draft_share']:.0%} of replies drafted by the LLM, "
            f"{language['grounded_pass_rate']:.0%} of drafts shown"
        )
    if planner["planner"] == "llm":
        out.print(
            f"  planner: the LLM called tools on {planner['turns_planned']} of "
            f"{planner['agent_turns']} turns ({planner['tool_calls']})"
        )
    console.print(f"[green]Wrote[/green] {', '.join(str(f) for f in files)}")
    return 0
