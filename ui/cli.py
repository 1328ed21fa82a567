"""The ``parley`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text

from knowledge import __version__
from knowledge.errors import ParleyError
from knowledge.paths import default_pack_dir
from ui import cli_chat, cli_eval, cli_serve, cli_sid, cli_tools, cli_train
from ui.compose import add_pack_arg, build_catalog, resolve_pack
from ui.console import console, out, plain

log = logging.getLogger("parley")

CATALOG_HELP = (
    "catalog to build from: 'demo' (bundled), 'redial:PATH' (iEvaLM/ReDial folder with "
    "id2info.json), 'movielens:PATH' (folder with movies.csv), or 'jsonl:PATH' (one item per line)"
)


def cmd_build(args: argparse.Namespace) -> int:
    out_dir: Path = args.out or default_pack_dir(args.catalog.partition(":")[0])
    build_catalog(
        args.catalog,
        out_dir,
        chroma_url=args.chroma_url,
        strict=not args.skip_invalid,
        batch_size=args.batch_size,
        interactions=args.interactions,
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from knowledge.pack import load_pack

    started = time.perf_counter()
    pack = load_pack(resolve_pack(args.pack_dir or args.pack), eager=True)
    load_seconds = time.perf_counter() - started
    if args.json:
        out.print_json(data=pack.manifest)
        return 0
    from rich.table import Table

    table = Table(title=f"Knowledge pack {pack.path}", show_header=False)
    for key, value in pack.manifest.items():
        shown = (
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
        )
        table.add_row(key, plain(shown))
    out.print(table)
    years = [i.year for i in pack.catalog if i.year]
    with_desc = sum(1 for i in pack.catalog if i.description)
    checks = Table(title="Sanity figures", show_header=False)
    checks.add_row("items in table / in index", f"{len(pack.catalog)} / {pack.index.count()}")
    checks.add_row("graph nodes / edges", f"{pack.graph.num_nodes} / {pack.graph.num_edges}")
    checks.add_row(
        "items with a year", f"{len(years)} ({min(years, default=0)}-{max(years, default=0)})"
    )
    checks.add_row("items with a description", str(with_desc))
    for name in pack.catalog.attribute_names():
        values = pack.catalog.attribute_values(name)
        top = sorted(values.items(), key=lambda kv: -kv[1])[:3]
        checks.add_row(
            plain(f"{name} values"), plain(f"{len(values)} (top: {', '.join(v for v, _ in top)})")
        )
    checks.add_row("load time", f"{load_seconds:.2f}s")
    out.print(checks)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from knowledge.filters import parse_filter_args
    from knowledge.pack import load_pack

    query = " ".join(args.query).strip()
    if not query:
        raise ParleyError("give some text to search for")
    try:
        filt = parse_filter_args(args.filter or [])
    except ValueError as exc:
        raise ParleyError(str(exc)) from None
    pack = load_pack(resolve_pack(args.pack))
    hits = pack.index.query(query, args.k, where=filt)
    if args.json:
        rows = [
            {
                "item_id": h.item_id,
                "title": pack.catalog[h.item_id].title,
                "year": pack.catalog[h.item_id].year,
                "score": round(h.score, 4),
            }
            for h in hits
        ]
        out.print_json(data=rows)
        return 0
    from rich.table import Table

    table = Table("#", "title", "year", "score", "genre")
    for rank, hit in enumerate(hits, start=1):
        item = pack.catalog[hit.item_id]
        table.add_row(
            str(rank),
            plain(item.title),
            str(item.year or ""),
            f"{hit.score:.3f}",
            plain(", ".join(item.values("genre"))),
        )
    out.print(table)
    if not hits:
        console.print("[yellow]No item matches the filters.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``parley`` command (public for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Parley: an agentic conversational recommender. "
        "Build a knowledge pack from a catalog, then search it or chat with it.",
    )
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v: info, -vv: debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "build",
        help="build a knowledge pack from a catalog",
        description="Load a catalog, embed its items, build the vector index and "
        "the knowledge graph, and write them as a knowledge pack folder. "
        "Rebuilding into the same folder reuses unchanged embeddings.",
    )
    p.add_argument("--catalog", required=True, metavar="SPEC", help=CATALOG_HELP)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="pack folder to write (default: ~/.parley/packs/KIND; PARLEY_HOME moves it)",
    )
    p.add_argument(
        "--chroma-url",
        default=None,
        metavar="URL",
        help="put the vectors in a Chroma server (e.g. http://127.0.0.1:8000) "
        "instead of an embedded store inside the pack",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip malformed catalog records (and report them) instead of stopping",
    )
    p.add_argument("--batch-size", type=int, default=64, help="embedding batch size (default: 64)")
    p.add_argument(
        "--interactions",
        action="append",
        metavar="SPEC",
        help="interaction data, repeatable: movielens:FOLDER (ratings of 4+ in ratings.csv, "
        "joined by IMDb id), dialogues:FILE (movies mentioned together in ReDial-format "
        "training dialogues), redial-liked:FILE (liked answers of raw ReDial dialogues). "
        "They give the popularity prior and the collaborative model (the collab tool). "
        "Never pass the dialogues you evaluate on",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "info",
        help="show a pack's manifest and sanity figures",
        description="Print a knowledge pack's manifest and sanity figures.",
    )
    p.add_argument(
        "pack_dir",
        type=Path,
        nargs="?",
        default=None,
        metavar="DIR",
        help="pack folder (default: the demo pack)",
    )
    add_pack_arg(p)
    p.add_argument("--json", action="store_true", help="print the manifest as JSON only")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "search",
        help="dense search of a pack's items",
        description="Embed free text and print the nearest items of a pack.",
    )
    add_pack_arg(p)
    p.add_argument("-k", type=int, default=10, help="number of items to show (default: 10)")
    p.add_argument(
        "--filter",
        action="append",
        metavar="F",
        help="hard filter, repeatable: NAME=VALUE (must have), NAME!=VALUE (must not "
        "have), year>=N, year<=N; e.g. --filter genre=comedy --filter year>=1990",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("query", nargs="+", help="free text describing what you want")
    p.set_defaults(func=cmd_search)

    cli_tools.register(sub)
    cli_chat.register(sub)
    cli_serve.register(sub)
    cli_sid.register(sub)
    cli_train.register(sub)
    p = sub.add_parser(
        "eval",
        help="offline evaluation: static and interactive protocols, semantic-ID generator",
        description="Evaluate Parley offline; each protocol writes a JSON report.",
    )
    protocols = p.add_subparsers(dest="eval_command", metavar="PROTOCOL", required=True)
    cli_eval.register_eval(protocols)
    cli_sid.register_eval(protocols)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``parley`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return int(args.func(args))
    except ParleyError as exc:
        # The message may quote a catalog or a user's text: shown as text, never as markup.
        console.print(Text.assemble(("error:", "red"), " ", plain(str(exc))))
        return 2
    except KeyboardInterrupt:
        console.print("[yellow]interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
