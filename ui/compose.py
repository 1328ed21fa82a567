"""The composition root of the command line: which pack, which agent, built one way.

Every command that needs a pack or an agent gets it here, so the options mean the same
everywhere and the command modules never import one another.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.paths import default_pack_dir, parley_home
from ui.console import console, plain, stage_progress

if TYPE_CHECKING:
    from agent.agent import ParleyAgent


def add_pack_arg(parser: argparse.ArgumentParser) -> None:
    """The ``--pack`` option."""
    parser.add_argument(
        "--pack",
        type=Path,
        default=None,
        help=f"knowledge pack folder (default: the demo pack, {default_pack_dir('demo')})",
    )


def resolve_pack(path: Path | None) -> Path:
    """The pack folder to use; the demo pack is built on first use when no pack is given."""
    if path is not None:
        return path
    demo = default_pack_dir("demo")
    if not (demo / "manifest.json").exists():
        console.print(f"[yellow]No pack given; building the demo pack in {demo} (first run only).")
        build_catalog("demo", demo)
    return demo


def build_catalog(
    spec: str,
    out_dir: Path,
    *,
    chroma_url: str | None = None,
    strict: bool = True,
    batch_size: int = 64,
    interactions: list[str] | None = None,
) -> None:
    """Build a catalog into a pack folder, with progress bars and a summary."""
    from knowledge.loaders import load_catalog
    from knowledge.pack import build_pack, load_pack
    from knowledge.sequences import load_sequences

    result = load_catalog(spec, strict=strict)
    console.print(plain(result.report.summary()))
    sets = {}
    for source in interactions or []:
        sets[source] = load_sequences(source, result.catalog, positive_only=True)
        console.print(plain(f"interactions from {sets[source].summary()}"))
    with stage_progress() as progress:
        stats = build_pack(
            result,
            out_dir,
            chroma_url=chroma_url,
            progress=progress,
            batch_size=batch_size,
            catalog_spec=spec,
            interactions=sets,
        )
    pack = load_pack(out_dir)
    manifest = pack.manifest
    console.print(f"popularity: {manifest['popularity']['source']}")
    console.print(plain(pack.twins.summary(pack.catalog)))
    collab = manifest.get("collab")
    console.print(
        f"collaborative model: EASE over {collab['items_with_interactions']:,} items"
        if collab
        else "collaborative model: none (no --interactions given)"
    )
    rated = manifest.get("ratings")
    if rated:
        console.print(
            f"ratings: {rated['films']:,} films rated, {rated['acclaimed']:,} of them liked "
            "clearly more than most (the hidden gems come from these)"
        )
    if "learned ranker" in stats.left_out:
        console.print(
            "[yellow]The learned ranker of the pack that was there is not kept[/yellow]: it "
            "learned from the old interactions. Train it again with `parley train-ranker "
            f"--pack {out_dir} --dialogues FILE`; until then the pack fuses by reciprocal rank."
        )
    console.print(
        f"[green]Built[/green] {out_dir}: {stats.items} items "
        f"({stats.embedded} embedded, {stats.reused} reused) in {stats.total_seconds:.1f}s"
    )


LLM_HELP = (
    "language model: 'embedded' (SmolLM2-135M in-process, the default), 'none' (template "
    "replies only), or an OpenAI-compatible server URL such as http://127.0.0.1:8000/v1 (vLLM)"
)


def add_agent_args(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that run the agent (chat, serve)."""
    add_pack_arg(parser)
    parser.add_argument("--llm", default="embedded", metavar="SPEC", help=LLM_HELP)
    parser.add_argument(
        "--model",
        default=None,
        help="with --llm URL: the model name to request (default: the first the server "
        "serves); with --llm embedded: a GGUF file to run in-process instead of SmolLM2-135M",
    )
    parser.add_argument(
        "--sessions",
        default=None,
        metavar="FILE|URL",
        help="where sessions and users' memory are saved: a SQLite file, or a PostgreSQL URL "
        "(postgresql://USER@HOST:PORT/DB) shared by several app replicas (default: "
        f"$PARLEY_SESSIONS, else {parley_home() / 'sessions.sqlite'})",
    )
    parser.add_argument(
        "--planner",
        choices=("policy", "llm"),
        default=None,
        help="who chooses each turn's tools: the deterministic policy (default), or a served "
        "LLM that supports tool calls (--llm URL), with the policy as the fallback",
    )


def make_agent(args: argparse.Namespace, *, warm: bool = True) -> ParleyAgent:
    """Build the agent from the shared options; with ``warm``, load every model and index
    now (so the first turn is as quick as the next) and say how long start-up took."""
    from agent.agent import ParleyAgent
    from agent.context import AgentSettings
    from agent.llm import make_llm
    from agent.sessions import resolve_spec
    from knowledge.pack import load_pack

    started = time.perf_counter()
    settings = AgentSettings.from_env()
    pack = load_pack(resolve_pack(args.pack), eager=True)
    llm = make_llm(
        args.llm, model=args.model, deadline=settings.llm_deadline, cooldown=settings.llm_cooldown
    )
    sessions = resolve_spec(args.sessions)
    if getattr(args, "planner", None):
        settings = dataclasses.replace(settings, planner=args.planner)
    agent = ParleyAgent(pack, llm=llm, settings=settings, sessions=sessions)
    if warm:
        with console.status("Loading the models and indexes…"):
            agent.warm_up()
        console.print(
            f"[dim]Ready in {time.perf_counter() - started:.1f} s: {len(pack.catalog):,} items, "
            f"tools {', '.join(agent.toolbox.names())}, language model {llm.name}."
        )
    return agent
