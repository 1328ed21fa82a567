"""The ``parley train-sid`` and ``parley eval sid`` commands."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from knowledge.errors import ParleyError
from ui.console import progress_bars

log = logging.getLogger(__name__)

SEQUENCES_HELP = (
    "training sequences, repeatable: movielens:FOLDER (ratings.csv and links.csv, joined to "
    "the catalog through IMDb ids) or dialogues:PATH (a ReDial-format .jsonl file, or a folder "
    "of them; dialogue co-mentions are extra training data only). Default: the ratings beside "
    "a MovieLens catalog"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parley train-sid`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "train-sid",
        help="train the semantic-ID generator of a pack",
        description="Train an RQ-VAE over the pack's item embeddings (every item gets a "
        "unique semantic ID) and a small transformer that generates the next item's ID from a "
        "history; store both in the pack's sid/ folder and record the figures in its manifest.",
    )
    p.add_argument("--pack", type=Path, required=True, help="knowledge pack folder")
    p.add_argument(
        "--sequences", action="append", default=None, metavar="KIND:PATH", help=SEQUENCES_HELP
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="most epochs of the sequence model; training stops early on validation "
        "(default: the config's)",
    )
    _common(p)
    p.set_defaults(func=cmd_train_sid)


def register_eval(eval_subparsers: argparse._SubParsersAction) -> None:
    """Add ``sid`` to an existing ``parley eval`` group."""
    p = eval_subparsers.add_parser(
        "sid",
        help="evaluate the semantic-ID generator against baselines",
        description="Leave-one-out evaluation on user histories (last item test, the one "
        "before validation), full ranking over the catalog: Recall/NDCG@5/10, validity and "
        "top-10 decode latency for SID, popularity, item-kNN and SASRec-CE, over several seeds.",
    )
    p.add_argument("--pack", type=Path, required=True, help="knowledge pack folder")
    p.add_argument("--out", type=Path, required=True, help="report JSON file to write")
    p.add_argument("--seeds", type=int, default=3, help="number of seeds, 0..N-1 (default: 3)")
    p.add_argument(
        "--sequences", action="append", default=None, metavar="KIND:PATH", help=SEQUENCES_HELP
    )
    p.add_argument("--epochs", type=int, default=None, help="most epochs of each sequence model")
    p.add_argument(
        "--max-users", type=int, default=None, help="evaluate only the first N users (quick runs)"
    )
    p.add_argument(
        "--reuse-ids",
        action="store_true",
        help="use the semantic IDs stored in the pack instead of training an RQ-VAE per seed",
    )
    _common(p)
    p.set_defaults(func=cmd_eval_sid)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rqvae-epochs", type=int, default=None, help="RQ-VAE epochs (default: the config's)"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default: 1, the fastest for these small models on a "
        "small shared CPU)",
    )


def cmd_train_sid(args: argparse.Namespace) -> int:
    """Train the generator into the pack and print its figures."""
    from knowledge.pack import load_pack
    from knowledge.sid.pipeline import default_specs, train_pack
    from knowledge.sid.train import SIDConfig, torch_threads
    from ui.console import console, out

    pack = load_pack(args.pack)
    specs = args.sequences or default_specs(pack)
    if not specs:
        raise ParleyError("give training sequences: --sequences movielens:FOLDER")
    config = SIDConfig().with_seed(args.seed)
    if args.epochs is not None:
        config.fit.epochs = args.epochs
    if args.rqvae_epochs is not None:
        config.rqvae.epochs = args.rqvae_epochs
    with torch_threads(args.threads), progress_bars() as progress:
        section = train_pack(pack, specs, config, progress)
    for line in section["sequences"]:
        console.print(line)
    ids, valid = section["semantic_ids"], section["validation"]
    console.print(
        f"[green]Trained[/green] semantic IDs for {ids['n_items']} items "
        f"(codebook usage {ids['codebook_usage']}, {ids['colliding_items']} items collided "
        f"before disambiguation); validation NDCG@10 {valid['ndcg@10']:.4f}, "
        f"Recall@10 {valid['recall@10']:.4f} over {valid['users']} users; "
        f"top-10 decode p50 {section['latency_ms_p50']:.1f} ms"
    )
    out.print_json(data={k: section[k] for k in ("semantic_ids", "validation", "latency_ms_p50")})
    return 0


def cmd_eval_sid(args: argparse.Namespace) -> int:
    """Run the leave-one-out evaluation and write the report."""
    from knowledge.pack import load_pack
    from knowledge.sid.evaluate import EvalConfig
    from knowledge.sid.pipeline import default_specs, eval_pack
    from knowledge.sid.train import torch_threads
    from ui.console import console, out

    if args.seeds < 1:
        raise ParleyError("--seeds must be at least 1")
    pack = load_pack(args.pack)
    specs = args.sequences or default_specs(pack)
    if not specs:
        raise ParleyError("give user histories: --sequences movielens:FOLDER")
    config = EvalConfig(
        seeds=tuple(range(args.seeds)), max_users=args.max_users, retrain_rqvae=not args.reuse_ids
    )
    if args.epochs is not None:
        config.sid.fit.epochs = args.epochs
        config.sasrec_fit.epochs = args.epochs
    if args.rqvae_epochs is not None:
        config.sid.rqvae.epochs = args.rqvae_epochs
    with torch_threads(args.threads), progress_bars() as progress:
        report = eval_pack(pack, specs, config, progress)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    from rich.table import Table

    table = Table("model", "Recall@5", "Recall@10", "NDCG@5", "NDCG@10", "validity", "p50 ms")
    for name, row in report["models"].items():
        std = row["std"]
        table.add_row(
            name,
            *(
                f"{row[m]:.4f} ± {std[m]:.4f}"
                for m in ("recall@5", "recall@10", "ndcg@5", "ndcg@10")
            ),
            f"{row['validity']:.3f}",
            f"{row['latency_ms_p50']:.1f}",
        )
    out.print(table)
    console.print(f"[green]Wrote[/green] {args.out}")
    return 0
