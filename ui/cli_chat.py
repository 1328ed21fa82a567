"""``parley chat``: talk to the agent in a terminal, or run a scripted conversation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from knowledge.errors import ParleyError
from knowledge.paths import parley_home
from ui.console import console, out

LLM_HELP = (
    "language model: 'embedded' (SmolLM2-135M in-process, the default), 'none' (template "
    "replies only), or an OpenAI-compatible server URL such as http://127.0.0.1:8000/v1 (vLLM)"
)


def add_agent_args(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that run the agent (chat, serve)."""
    parser.add_argument(
        "--pack",
        type=Path,
        default=None,
        help="knowledge pack folder (default: the demo pack, built on first use)",
    )
    parser.add_argument("--llm", default="embedded", metavar="SPEC", help=LLM_HELP)
    parser.add_argument(
        "--model",
        default=None,
        help="model name to request from an --llm server (default: the first it serves)",
    )
    parser.add_argument(
        "--sessions",
        default=None,
        metavar="FILE|URL",
        help="where sessions and users' memory are saved: a SQLite file, or a PostgreSQL URL "
        "(postgresql://USER@HOST:PORT/DB) shared by several app replicas (default: "
        f"$PARLEY_SESSIONS, else {parley_home() / 'sessions.sqlite'})",
    )


def make_agent(args: argparse.Namespace) -> object:
    """Build the agent from the shared options."""
    from agent.agent import ParleyAgent
    from agent.context import AgentSettings
    from agent.llm import make_llm
    from agent.sessions import resolve_spec
    from knowledge.pack import load_pack
    from ui.cli import resolve_pack

    pack = load_pack(resolve_pack(args.pack))
    llm = (
        make_llm(args.llm, model=args.model) if args.llm.startswith("http") else make_llm(args.llm)
    )
    sessions = resolve_spec(args.sessions)
    return ParleyAgent(pack, llm=llm, settings=AgentSettings.from_env(), sessions=sessions)


def cmd_chat(args: argparse.Namespace) -> int:
    from agent.agent import ParleyAgent

    agent = make_agent(args)
    assert isinstance(agent, ParleyAgent)
    session = args.session or agent.new_session()
    if args.script is not None:
        return _scripted(agent, session, args.script, as_json=args.json)
    console.print(
        f"[bold]Parley[/bold] — session {session} (resume with --session {session}); "
        "type 'quit' to leave."
    )
    while True:
        try:
            text = input("you> ")
        except EOFError:
            break
        if text.strip().lower() in {"quit", "exit", ":q"}:
            break
        _interactive_turn(agent, session, text)
    return 0


def _interactive_turn(agent: object, session: str, text: str) -> None:
    from agent.agent import ParleyAgent

    assert isinstance(agent, ParleyAgent)
    out.print("parley> ", end="")
    for event in agent.stream(session, text):
        if event.type == "token":
            out.print(event.text, end="", soft_wrap=True)
        elif event.type == "reset":
            out.print("\n[dim](revised)[/dim]\nparley> ", end="")
        elif event.result is not None:
            out.print()
            if event.result.notice:
                console.print(f"[yellow]{event.result.notice}")
            for step in event.result.trace:
                error = f" — {step.error}" if step.error else ""
                console.print(f"[dim]  · {step.tool} ({step.ms:.0f} ms){error}")


def _scripted(agent: object, session: str, script: Path, *, as_json: bool) -> int:
    from agent.agent import ParleyAgent

    assert isinstance(agent, ParleyAgent)
    try:
        lines = [line.rstrip("\n") for line in script.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        raise ParleyError(f"cannot read the script {script}: {exc.strerror or exc}") from None
    turns = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        result = agent.turn(session, line)
        turns.append(
            {
                "user": line,
                "reply": result.reply,
                "act": result.act,
                "items": [
                    {
                        "item_id": i.item_id,
                        "title": i.title,
                        "tools": i.tools,
                        "evidence": i.evidence,
                    }
                    for i in result.items
                ],
                "reply_source": result.reply_source,
                "notice": result.notice,
            }
        )
        if not as_json:
            out.print(f"[bold]you>[/bold] {line}\n[bold]parley>[/bold] {result.reply}\n")
    if as_json:
        json.dump(turns, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def register(subparsers: Any) -> None:
    """Add ``parley chat``."""
    p = subparsers.add_parser(
        "chat",
        help="chat with Parley in the terminal (or run a script of user lines)",
        description="Talk to the recommender. Sessions are saved: resume one with --session ID.",
    )
    add_agent_args(p)
    p.add_argument("--session", default=None, help="session id to resume (default: a new session)")
    p.add_argument(
        "--script",
        type=Path,
        default=None,
        help="file with one user message per line; runs them non-interactively",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="with --script: print the turns as JSON (user, reply, act, items)",
    )
    p.set_defaults(func=cmd_chat)
