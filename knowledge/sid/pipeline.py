"""Pack glue: read training sequences, train into a pack's ``sid/`` folder, evaluate."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.progress import Progress

from knowledge.errors import ParleyError
from knowledge.items import Catalog
from knowledge.sequences import InteractionSequence, dialogue_comentions, movielens_sequences
from knowledge.sid.artifacts import SUBDIR, load_generator, save_generator
from knowledge.sid.cold import evaluate_cold_start
from knowledge.sid.data import holdout_last
from knowledge.sid.evaluate import EvalConfig, evaluate, id_report, train_sid, tune_itemknn
from knowledge.sid.features import ItemFeatures
from knowledge.sid.generator import SIDGenerator, fit_content_map
from knowledge.sid.train import SemanticIndex, SIDConfig, build_ids, validate

if TYPE_CHECKING:
    from knowledge.pack import Pack

log = logging.getLogger(__name__)

SEQUENCE_KINDS = ("movielens", "dialogues")


@dataclass
class TrainingData:
    """Sequences read from the ``--sequences`` specs."""

    histories: list[InteractionSequence] = field(default_factory=list)
    """User histories (MovieLens): validated on, and the evaluation split."""
    extra: list[InteractionSequence] = field(default_factory=list)
    """Extra training-only sequences (dialogue co-mentions)."""
    summaries: list[str] = field(default_factory=list)


def read_sequences(specs: Sequence[str], catalog: Catalog) -> TrainingData:
    """Read ``movielens:FOLDER`` and ``dialogues:FILE_OR_FOLDER`` specs onto a catalog."""
    data = TrainingData()
    for spec in specs:
        kind, _, rest = spec.partition(":")
        if kind not in SEQUENCE_KINDS or not rest:
            raise ParleyError(
                f"unknown sequences spec {spec!r}: use movielens:FOLDER or dialogues:PATH"
            )
        path = Path(rest).expanduser()
        if not path.exists():
            raise ParleyError(f"{path}: no such file or folder")
        if kind == "movielens":
            found = movielens_sequences(path, catalog)
            data.histories.extend(found.sequences)
            data.summaries.append(found.summary())
            continue
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            found = dialogue_comentions(file, catalog)
            data.extra.extend(
                InteractionSequence(f"dialogue:{s.user_id}", s.item_ids) for s in found.sequences
            )
            data.summaries.append(found.summary())
    return data


def default_specs(pack: Pack) -> list[str]:
    """Sequences to use when none are given: the ratings beside a MovieLens catalog."""
    spec = str(pack.manifest.get("catalog", ""))
    kind, _, rest = spec.partition(":")
    if kind == "movielens" and (Path(rest) / "ratings.csv").exists():
        return [spec]
    return []


def sid_folder(pack: Pack) -> Path:
    """The folder of the pack's semantic-ID generator."""
    return Path(pack.path) / SUBDIR


def train_pack(
    pack: Pack,
    specs: Sequence[str],
    config: SIDConfig,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the generator on a pack, store it in ``sid/`` and record its figures in the manifest.

    The RQ-VAE learns from every item's embedding; the sequence model trains on each
    user's history but the last item, which serves for early stopping and the figures.
    """
    started = time.perf_counter()
    data = read_sequences(specs, pack.catalog)
    if not data.histories and not data.extra:
        raise ParleyError("no training sequences: give --sequences movielens:FOLDER")
    embeddings = np.asarray(pack.item_embeddings(), dtype=np.float32)
    item_ids = pack.catalog.ids()
    split = holdout_last(data.histories, {i: r for r, i in enumerate(item_ids)}, data.extra)
    if not split.valid_target:
        raise ParleyError("no user has three or more items: nothing to validate on")
    semantic = build_ids(
        item_ids, embeddings, config.rqvae, progress, train=split.train, collab=config.collab
    )
    knn = None
    if config.distill > 0:
        knn, _ = tune_itemknn(len(item_ids), split, (5, 10, 20), (0.8, 0.9))
    generator, fit_result = train_sid(semantic, split, config, knn, progress)
    fit_content_map(generator, embeddings, (row for seq in split.train for row in seq))
    ids = semantic.ids
    valid = validate(generator, split.valid_history, split.valid_target)
    latency = decode_latency(generator, split.valid_history[:200])
    section: dict[str, Any] = {
        "format": 1,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": SUBDIR,
        "seed": config.fit.seed,
        "items": len(ids),
        "semantic_ids": id_report(semantic, config.fit.seed),
        "sequences": data.summaries,
        "specs": list(specs),
        "training_sequences": len(split.train),
        "validation": {
            "protocol": "each user's last item, history before it, own items excluded",
            "users": len(split.valid_target),
            **{k: round(v, 5) for k, v in valid.items()},
        },
        "latency_ms_p50": round(latency, 2),
        "model_parameters": generator.model.n_parameters(),
        "best_epoch": fit_result.best_epoch,
        "epochs_run": fit_result.epochs_run,
        "seconds": round(time.perf_counter() - started, 1),
        "config": config.to_dict(),
    }
    save_generator(generator, sid_folder(pack), {"trained": section["trained_at"]})
    pack.update_manifest("sid", section)
    return section


def decode_latency(
    generator: SIDGenerator, histories: Sequence[Sequence[int]], k: int = 10
) -> float:
    """Median milliseconds of one top-``k`` decode over the given histories."""
    times = []
    for history in histories:
        start = time.perf_counter()
        generator.recommend_rows(history, k, history)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times)) if times else 0.0


def load_pack_generator(pack: Pack) -> SIDGenerator:
    """Load the generator stored in a pack."""
    return load_generator(sid_folder(pack))


def eval_pack(
    pack: Pack,
    specs: Sequence[str],
    config: EvalConfig,
    progress: Progress | None = None,
    cold_start: float | None = None,
) -> dict[str, Any]:
    """Evaluate SID and the baselines leave-one-out on the pack's catalog.

    With ``cold_start`` (a share of the items), run the cold-start protocol instead
    (`knowledge.sid.cold`).
    """
    data = read_sequences(specs, pack.catalog)
    if not data.histories:
        raise ParleyError("evaluation needs user histories: give --sequences movielens:FOLDER")
    embeddings = np.asarray(pack.item_embeddings(), dtype=np.float32)
    if cold_start is not None:
        if not 0 < cold_start < 1:
            raise ParleyError("--cold-start takes a share of the items between 0 and 1")
        report = evaluate_cold_start(
            pack.catalog.ids(), embeddings, data.histories, data.extra, config, cold_start, progress
        )
        return _with_sources(report, pack, data)
    semantic = None
    if not config.retrain_rqvae:
        stored = load_pack_generator(pack)
        if stored.ids.item_ids[: len(pack.catalog)] != pack.catalog.ids():
            raise ParleyError("the pack's semantic IDs do not match its catalog: run train-sid")
        features = stored.features or ItemFeatures.text_only(stored.rqvae.config.input_dim)
        semantic = SemanticIndex(stored.rqvae, stored.ids, features)
    report = evaluate(
        pack.catalog.ids(),
        embeddings,
        data.histories,
        data.extra,
        config,
        semantic=semantic,
        progress=progress,
    )
    return _with_sources(report, pack, data)


def _with_sources(report: dict[str, Any], pack: Pack, data: TrainingData) -> dict[str, Any]:
    report["pack"] = {
        "path": str(pack.path),
        "catalog": pack.manifest.get("catalog"),
        "catalog_sha256": pack.manifest.get("catalog_sha256"),
    }
    report["sequences"] = data.summaries
    return report
