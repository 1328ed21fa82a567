"""The ``parley tools`` commands: list the registered tools, run one on a knowledge pack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from knowledge.errors import ParleyError


def register(subparsers: Any) -> None:
    """Add ``parley tools list`` and ``parley tools run`` to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "tools",
        help="list the agent's tools or run one",
        description="List the tools the agent can call (built-in and plug-ins), or run one on "
        "a knowledge pack and print its structured output as JSON.",
    )
    actions = parser.add_subparsers(dest="tools_command", metavar="ACTION", required=True)

    p = actions.add_parser(
        "list",
        help="list the registered tools",
        description="List the built-in tools and the installed plug-ins.",
    )
    p.add_argument(
        "--json", action="store_true", help="print the tools and their input schemas as JSON"
    )
    p.set_defaults(func=cmd_tools_list)

    p = actions.add_parser(
        "run",
        help="run one tool and print its output as JSON",
        description="Run a tool on a knowledge pack. Example: parley tools run kg_paths --pack "
        '/tmp/redial --input \'{"sources": ["Inception (2010)"], "targets": '
        '["Interstellar (2014)"]}\'',
    )
    p.add_argument("name", help="tool name (see `parley tools list`)")
    p.add_argument(
        "--pack",
        type=Path,
        default=None,
        help="knowledge pack folder (default: the demo pack, built on first use)",
    )
    p.add_argument(
        "--input",
        required=True,
        metavar="JSON",
        help="the tool's input as a JSON object; @FILE reads it from a file, - from stdin",
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="print the short text an LLM would see instead of the JSON output",
    )
    p.set_defaults(func=cmd_tools_run)


def cmd_tools_list(args: argparse.Namespace) -> int:
    """Print the registered tools (and the plug-ins that failed to load)."""
    from tools.registry import default_registry
    from ui.console import console, out

    registry = default_registry()
    if args.json:
        rows = [
            {
                "name": s.name,
                "origin": s.origin,
                "description": s.description,
                "input_schema": s.cls.Input.model_json_schema(),
            }
            for s in registry.specs()
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    else:
        from rich.table import Table

        table = Table("tool", "from", "description", title="Parley tools")
        for spec in registry.specs():
            table.add_row(spec.name, spec.origin, spec.description)
        out.print(table)
    for failure in registry.failures:
        console.print(
            f"[yellow]warning:[/yellow] plug-in {failure.entry_point!r} ({failure.origin}) "
            f"was skipped: {failure.reason}"
        )
    return 0


def cmd_tools_run(args: argparse.Namespace) -> int:
    """Validate the input, run the tool on the pack, print the output as JSON."""
    from knowledge.pack import load_pack
    from tools.registry import default_registry
    from ui.compose import resolve_pack

    spec = default_registry().get(args.name)
    data = spec.cls.parse_input(read_json_object(args.input))  # before loading anything
    tool = spec.create(load_pack(resolve_pack(args.pack)))
    output = tool.invoke(data)
    if args.summary:
        sys.stdout.write(tool.summarize(output) + "\n")
    else:
        sys.stdout.write(output.model_dump_json(indent=2) + "\n")
    return 0


def read_json_object(text: str) -> dict[str, Any]:
    """Parse ``--input``: JSON text, ``@FILE`` or ``-`` (stdin); it must be a JSON object."""
    source = "--input"
    if text == "-":
        text, source = sys.stdin.read(), "standard input"
    elif text.startswith("@"):
        path = Path(text[1:]).expanduser()
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise ParleyError(f"cannot read the input file {path}: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParleyError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(value, dict):
        raise ParleyError(f'{source} must be a JSON object such as {{"text": "..."}}')
    return value
