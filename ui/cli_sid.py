"""The ``parley train-sid`` and ``parley eval sid`` commands."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.errors import ParleyError
from ui.console import progress_bars

if TYPE_CHECKING:
    from knowledge.sid.train import SIDConfig

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
        "--models",
        default="sid,popularity,itemknn,sasrec",
        help="comma-separated models to train and score (default: all four)",
    )
    p.add_argument(
        "--cold-start",
        nargs="?",
        type=float,
        const=0.1,
        default=None,
        metavar="SHARE",
        help="run the cold-start protocol instead: hold out SHARE (default 0.1) of the items "
        "with interactions, train without them, give them semantic IDs afterwards and report "
        "how often they are recommended and their Recall@10",
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
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="change one setting of the generator, repeatable: item_loss=1, mass_levels=1, "
        "fit.lr=0.001, collab.dim=64, level_weights=[2,1,1,1] (the fields of "
        "knowledge.sid.train.SIDConfig; unknown keys are an error)",
    )
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


def _sid_config(overrides: list[str]) -> SIDConfig:
    """The default generator config with the ``--set`` changes applied."""
    from knowledge.sid.train import SIDConfig

    config = SIDConfig()
    for assignment in overrides:
        try:
            config.override(assignment)
        except ValueError as exc:
            raise ParleyError(f"--set {assignment}: {exc}") from None
    return config


def cmd_train_sid(args: argparse.Namespace) -> int:
    """Train the generator into the pack and print its figures."""
    from knowledge.pack import load_pack
    from knowledge.sid.pipeline import default_specs, train_pack
    from knowledge.sid.train import torch_threads
    from ui.console import console, out

    pack = load_pack(args.pack)
    specs = args.sequences or default_specs(pack)
    if not specs:
        raise ParleyError("give training sequences: --sequences movielens:FOLDER")
    config = _sid_config(args.overrides).with_seed(args.seed)
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
    from knowledge.sid.evaluate import MODELS, EvalConfig
    from knowledge.sid.pipeline import default_specs, eval_pack
    from knowledge.sid.train import torch_threads
    from ui.console import console, out

    if args.seeds < 1:
        raise ParleyError("--seeds must be at least 1")
    pack = load_pack(args.pack)
    specs = args.sequences or default_specs(pack)
    if not specs:
        raise ParleyError("give user histories: --sequences movielens:FOLDER")
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    unknown = set(models) - set(MODELS)
    if unknown or not models:
        raise ParleyError(f"--models takes names from {', '.join(MODELS)}; got {args.models!r}")
    config = EvalConfig(
        seeds=tuple(range(args.seeds)),
        max_users=args.max_users,
        retrain_rqvae=not args.reuse_ids,
        sid=_sid_config(args.overrides),
        models=models,
    )
    if args.epochs is not None:
        config.sid.fit.epochs = args.epochs
        config.sasrec_fit.epochs = args.epochs
    if args.rqvae_epochs is not None:
        config.sid.rqvae.epochs = args.rqvae_epochs
    with torch_threads(args.threads), progress_bars() as progress:
        report = eval_pack(pack, specs, config, progress, cold_start=args.cold_start)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    from rich.table import Table

    if args.cold_start is not None:
        table = Table(
            "model", "Recall@10", "NDCG@10", "new items: Recall@10", "new items in top 10"
        )
        for name, row in report["models"].items():
            std = row["std"]
            table.add_row(
                name,
                *(
                    f"{row[m]:.4f} ± {std[m]:.4f}"
                    for m in ("recall@10", "ndcg@10", "new_recall@10", "new_share_of_top")
                ),
            )
        out.print(table)
        _print_codes(report)
        console.print(f"[green]Wrote[/green] {args.out}")
        return 0
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
    _print_codes(report)
    console.print(f"[green]Wrote[/green] {args.out}")
    return 0


def _print_codes(report: dict[str, Any]) -> None:
    """One line per seed: codebook usage, entropy and collisions of its semantic IDs."""
    from ui.console import console

    for stats in report.get("semantic_ids", []):
        console.print(
            f"seed {stats['seed']}: codebook usage {stats['codebook_usage']}, entropy "
            f"{stats.get('code_entropy')}, {stats['colliding_items']} items "
            f"({stats['collision_rate']:.1%}) collide before disambiguation"
        )
