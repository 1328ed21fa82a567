"""Benchmark the semantic-ID generator against popularity, item-kNN and SASRec-CE.

Trains every model on MovieLens ml-latest-small histories mapped onto a pack's catalog
(leave-one-out: last item test, the one before validation, full ranking over the
catalog) for several seeds and prints Recall/NDCG@5/10 (mean ± standard deviation over
seeds), validity (share of generated IDs that are real items) and the median latency of
a top-10 decode, plus the semantic-ID codebook figures.

    python bench/sid.py --pack /tmp/redial [--seeds 3] [--dialogues] [--set KEY=VALUE]
        [--out report.json]

Build the pack first: ``parley build --catalog redial:../shared/data/redial --out DIR``.
The same evaluation runs as ``parley eval sid --pack DIR --out report.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

# Run as `python bench/sid.py`, this file's folder comes first on sys.path; put the
# repository root there instead so that the project's packages import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DEFAULT_MOVIELENS = SHARED / "movielens" / "ml-latest-small"
DEFAULT_DIALOGUES = SHARED / "redial" / "dev_dialogues.jsonl"

FIGURES = ("recall@5", "recall@10", "ndcg@5", "ndcg@10")


def print_report(report: dict[str, Any]) -> None:
    """Print the models table and the semantic-ID figures."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    protocol = report["protocol"]
    table = Table(
        title=f"Leave-one-out on {protocol['users']} users, full ranking over "
        f"{protocol['catalog_items']} items, seeds {protocol['seeds']} (mean ± std)"
    )
    for column in ("model", *FIGURES, "validity", "p50 ms (top-10)"):
        table.add_column(column)
    for name, row in report["models"].items():
        std = row["std"]
        table.add_row(
            name,
            *(f"{row[f]:.4f} ± {std[f]:.4f}" for f in FIGURES),
            f"{row['validity']:.3f}",
            f"{row['latency_ms_p50']:.2f} ± {std['latency_ms_p50']:.2f}",
        )
    console.print(table)
    for stats in report["semantic_ids"]:
        console.print(
            f"seed {stats['seed']}: codebook usage {stats['codebook_usage']}, "
            f"entropy {stats.get('code_entropy')}, "
            f"{stats['distinct_prefixes']} distinct prefixes, {stats['colliding_items']} "
            f"items ({stats['collision_rate']:.1%}) collide before disambiguation, "
            f"largest group {stats['max_group']}"
        )
    for name in ("sid", "sasrec"):
        for run in report["models"][name]["per_seed"]:
            console.print(
                f"{name} seed {run.get('seed')}: best epoch {run.get('best_epoch')} of "
                f"{run.get('epochs_run')}, {run.get('seconds')} s"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pack", type=Path, required=True, help="a knowledge pack folder")
    parser.add_argument(
        "--movielens", type=Path, default=DEFAULT_MOVIELENS, help="ml-latest-small folder"
    )
    parser.add_argument(
        "--dialogues",
        nargs="?",
        type=Path,
        const=DEFAULT_DIALOGUES,
        default=None,
        help="add ReDial dialogue co-mentions as extra training data (default file when no "
        "path is given)",
    )
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (default: 3)")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs per model")
    parser.add_argument("--rqvae-epochs", type=int, default=None, help="RQ-VAE epochs")
    parser.add_argument("--max-users", type=int, default=None, help="only the first N users")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="change one generator setting (as `parley eval sid --set`), repeatable",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from knowledge.pack import load_pack
    from knowledge.sid.evaluate import EvalConfig
    from knowledge.sid.pipeline import eval_pack
    from knowledge.sid.train import torch_threads

    pack = load_pack(args.pack)
    specs = [f"movielens:{args.movielens}"]
    if args.dialogues is not None:
        specs.append(f"dialogues:{args.dialogues}")
    config = EvalConfig(seeds=tuple(range(args.seeds)), max_users=args.max_users)
    for assignment in args.overrides:
        config.sid.override(assignment)
    if args.epochs is not None:
        config.sid.fit.epochs = config.sasrec_fit.epochs = args.epochs
    if args.rqvae_epochs is not None:
        config.sid.rqvae.epochs = args.rqvae_epochs
    with torch_threads(args.threads):
        report = eval_pack(pack, specs, config)
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        from rich.console import Console

        Console().print_json(data=report)
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
