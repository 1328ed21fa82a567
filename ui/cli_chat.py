"""``parley chat``: talk to the agent in a terminal, or run a scripted conversation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.text import Text

from knowledge.errors import ParleyError
from ui.compose import add_agent_args, make_agent
from ui.console import console, out, plain


def cmd_chat(args: argparse.Namespace) -> int:

    agent = make_agent(args)
    session = args.session or agent.new_session()
    if args.script is not None:
        return _scripted(agent, session, args.script, as_json=args.json)
    said = escape(session)
    console.print(
        f"[bold]Parley[/bold] — session {said} (resume with --session {said}); "
        "type 'quit' to leave."
    )
    while True:
        try:
            text = input("you> ")
        except EOFError:
            break
        if wants_to_leave(text):
            break
        _interactive_turn(agent, session, text)
    return 0


def wants_to_leave(text: str) -> bool:
    """True for the words that end a terminal chat ("quit", "/quit", "exit", ":q")."""
    return text.strip().lower().lstrip("/") in {"quit", "exit", ":q", "q"}


def _interactive_turn(agent: object, session: str, text: str) -> None:
    from agent.agent import ParleyAgent

    assert isinstance(agent, ParleyAgent)
    out.print("parley> ", end="")
    for event in agent.stream(session, text):
        if event.type == "token":
            out.print(plain(event.text), end="", soft_wrap=True)
        elif event.type == "reset":
            out.print("\n[dim](revised)[/dim]\nparley> ", end="")
        elif event.result is not None:
            out.print()
            if event.result.notice:
                console.print(plain(event.result.notice), style="yellow")
            for step in event.result.trace:
                error = f" — {step.error}" if step.error else ""
                console.print(plain(f"  · {step.tool} ({step.ms:.0f} ms){error}"), style="dim")


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
            out.print(
                Text.assemble(
                    ("you>", "bold"),
                    " ",
                    plain(line),
                    "\n",
                    ("parley>", "bold"),
                    " ",
                    plain(result.reply),
                    "\n",
                )
            )
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
