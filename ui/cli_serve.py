"""``parley serve``: the chat app in a browser."""

from __future__ import annotations

import argparse
from typing import Any

from ui.compose import add_agent_args, make_agent
from ui.console import console
from ui.guard import is_loopback


def cmd_serve(args: argparse.Namespace) -> int:
    from knowledge.errors import ParleyError

    try:
        from ui.app import create_app, launch
    except ImportError as exc:
        raise ParleyError(
            f"the chat app needs gradio: pip install 'gradio>=6,<7' ({exc})"
        ) from None
    agent = make_agent(args)
    if not is_loopback(args.host):
        console.print(
            f"[yellow]Serving on {args.host}: anyone who can reach this address can chat, "
            "and there is no login."
        )
    app = create_app(agent, concurrency=args.concurrency)
    console.print(f"[bold]Parley[/bold] at http://{args.host}:{args.port} (Ctrl+C to stop)")
    launch(app, host=args.host, port=args.port)
    return 0


def register(subparsers: Any) -> None:
    """Add ``parley serve``."""
    p = subparsers.add_parser(
        "serve",
        help="chat with Parley in a browser (the Gradio app)",
        description="Serve the chat app. Each browser keeps its own session and resumes it "
        "after a reload. Bound to 127.0.0.1 unless --host says otherwise; never a public link.",
    )
    add_agent_args(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for all)",
    )
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default: 7860)")
    p.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="turns answered at once across all users (default: 4)",
    )
    p.set_defaults(func=cmd_serve)
