"""Leave-one-out evaluation of the semantic-ID generator beside three baselines."""

from __future__ import annotations

import logging
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from rich.progress import Progress

from knowledge.sequences import InteractionSequence
from knowledge.sid.baselines import ItemKNN, Popularity, RowRecommender, SASRec, SASRecConfig
from knowledge.sid.data import Split, leave_one_out
from knowledge.sid.generator import SIDGenerator
from knowledge.sid.metrics import ranking_metrics
from knowledge.sid.train import (
    FitConfig,
    FitResult,
    SemanticIndex,
    SIDConfig,
    build_ids,
    fit,
    seed_everything,
    train_generator,
    validate,
)

log = logging.getLogger(__name__)

MODELS = ("sid", "popularity", "itemknn", "sasrec")


@dataclass
class EvalConfig:
    """Settings of a leave-one-out evaluation run."""

    seeds: tuple[int, ...] = (0, 1, 2)
    ks: tuple[int, ...] = (5, 10)
    sid: SIDConfig = field(default_factory=SIDConfig)
    sasrec: SASRecConfig = field(default_factory=SASRecConfig)
    sasrec_fit: FitConfig = field(default_factory=FitConfig)
    knn_windows: tuple[int, ...] = (5, 10, 20)
    """Item-kNN history windows tried on the validation targets."""
    knn_decays: tuple[float, ...] = (0.8, 0.9)
    """Item-kNN recency decays tried on the validation targets."""
    latency_users: int = 200
    """Test users whose single top-10 decode is timed."""
    retrain_rqvae: bool = True
    """Train a fresh RQ-VAE for each seed; when false, reuse the semantic IDs passed in."""
    max_users: int | None = None
    """Evaluate only the first users (quick checks); ``None`` keeps them all."""
    models: tuple[str, ...] = MODELS
    """Which of `MODELS` to train and score."""
    cold_shares: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3)
    """Cold-start protocol: the shares of the top k also tried for added items, beside
    the generator's own ``cold_share`` (each a row of its own, same trained model)."""


@dataclass
class ModelRun:
    """One model's figures for one seed."""

    metrics: dict[str, float]
    validity: float
    """Share of returned items that are real catalog items."""
    excluded_returned: int
    """Returned items that were in the user's history (must be 0)."""
    latency_ms_p50: float
    training: dict[str, object] = field(default_factory=dict)


def score_model(
    rank: Callable[[Sequence[int], int], list[int]],
    split: Split,
    ks: Sequence[int],
    latency_users: int,
    is_real: Callable[[int], bool] | None = None,
) -> ModelRun:
    """Rank the catalog for every test user and measure quality, validity and latency.

    ``rank(history, k)`` must exclude the history itself. Latency is the wall time of
    one call with ``k = 10``, per user, on the first ``latency_users`` users.
    """
    k = max(ks)
    rankings: list[list[int]] = []
    latencies: list[float] = []
    returned = real = excluded = 0
    for i, history in enumerate(split.test_history):
        start = time.perf_counter()
        ranked = rank(history, k)
        elapsed = (time.perf_counter() - start) * 1000.0
        if i < latency_users and k == 10:
            latencies.append(elapsed)
        elif i < latency_users:
            start = time.perf_counter()
            rank(history, 10)
            latencies.append((time.perf_counter() - start) * 1000.0)
        rankings.append(ranked)
        seen = set(history)
        returned += len(ranked)
        real += sum(1 for r in ranked if is_real is None or is_real(r))
        excluded += sum(1 for r in ranked if r in seen)
    return ModelRun(
        ranking_metrics(rankings, split.test_target, ks),
        real / returned if returned else 1.0,
        excluded,
        float(np.median(latencies)) if latencies else 0.0,
    )


def _sid_ranker(generator: SIDGenerator) -> tuple[Callable[..., list[int]], Callable[[int], bool]]:
    """Rank with beam search and check each decoded ID against the ID table, not the trie."""
    decoded: dict[int, tuple[int, ...]] = {}

    def rank(history: Sequence[int], k: int) -> list[int]:
        rows = []
        for hit in generator.decode(history, k, history):
            decoded[hit.row] = hit.code
            rows.append(hit.row)
        return rows

    def is_real(row: int) -> bool:
        return generator.ids.item_of(decoded[row]) == generator.ids.item_ids[row]

    return rank, is_real


def id_report(semantic: SemanticIndex, seed: int) -> dict[str, object]:
    """Codebook usage, collisions and entropy of one seed's IDs, with the per-epoch entropy."""
    out: dict[str, object] = {"seed": seed, **semantic.ids.stats().to_dict()}
    if semantic.stats is not None:
        out["entropy_by_epoch"] = [[round(e, 3) for e in row] for row in semantic.stats.entropy]
        out["rqvae_recon_loss"] = round(semantic.stats.recon_loss, 5)
    return out


def _ranker(model: RowRecommender) -> Callable[[Sequence[int], int], list[int]]:
    return lambda history, k: model.recommend_rows(history, k, history)


def _fit_dict(result: FitResult) -> dict[str, object]:
    return {
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "valid_ndcg@10": round(result.best_ndcg10, 5),
        "seconds": round(result.seconds, 1),
    }


def summarize(runs: Sequence[ModelRun]) -> dict[str, object]:
    """Mean of each figure over seeds, with the standard deviation and the per-seed values."""
    figures: dict[str, list[float]] = {}
    for run in runs:
        for name, value in run.metrics.items():
            figures.setdefault(name, []).append(value)
        figures.setdefault("validity", []).append(run.validity)
        figures.setdefault("latency_ms_p50", []).append(run.latency_ms_p50)
    out: dict[str, object] = {name: round(statistics.fmean(v), 5) for name, v in figures.items()}
    out["std"] = {
        name: round(statistics.stdev(v), 5) if len(v) > 1 else 0.0 for name, v in figures.items()
    }
    out["excluded_returned"] = sum(r.excluded_returned for r in runs)
    out["runs"] = len(runs)
    out["per_seed"] = [
        {
            **{k: round(v, 5) for k, v in r.metrics.items()},
            "latency_ms_p50": round(r.latency_ms_p50, 2),
            **r.training,
        }
        for r in runs
    ]
    return out


def tune_itemknn(
    n_items: int, split: Split, windows: Sequence[int], decays: Sequence[float]
) -> tuple[ItemKNN, dict[str, object]]:
    """Pick the item-kNN window and decay with the best validation NDCG@10."""
    best: tuple[float, ItemKNN, dict[str, object]] | None = None
    valid = (split.valid_history, split.valid_target)
    for window in windows:
        for decay in decays:
            knn = ItemKNN(n_items, split.train, window=window, decay=decay)
            score = validate(knn, *valid)["ndcg@10"]
            if best is None or score > best[0]:
                best = (
                    score,
                    knn,
                    {"window": window, "decay": decay, "valid_ndcg@10": round(score, 5)},
                )
    assert best is not None, "the item-kNN grid is empty"
    return best[1], best[2]


def train_sid(
    semantic: SemanticIndex,
    split: Split,
    config: SIDConfig,
    knn: ItemKNN | None,
    progress: Progress | None,
) -> tuple[SIDGenerator, FitResult]:
    """Train the sequence model of one seed on the split's training sequences."""
    return train_generator(
        semantic.rqvae,
        semantic.ids,
        split.train,
        (split.valid_history, split.valid_target),
        config,
        progress,
        features=semantic.features,
        knn=knn,
    )


def train_sasrec(
    n_items: int, split: Split, config: EvalConfig, seed: int, progress: Progress | None
) -> tuple[SASRec, FitResult]:
    """Train SASRec-CE for one seed on the split's training sequences."""
    seed_everything(seed)
    sas_config = SASRecConfig(**{**asdict(config.sasrec), "n_items": n_items})
    sasrec = SASRec(sas_config)
    fit_config = FitConfig(**{**asdict(config.sasrec_fit), "seed": seed})
    result = fit(
        sasrec,
        sasrec.loss,
        sasrec,
        split.train,
        (split.valid_history, split.valid_target),
        sas_config.max_len,
        fit_config,
        progress,
        label="SASRec-CE",
    )
    return sasrec, result


def evaluate(
    item_ids: Sequence[str],
    embeddings: np.ndarray,
    sequences: Sequence[InteractionSequence],
    extra: Sequence[InteractionSequence] = (),
    config: EvalConfig | None = None,
    semantic: SemanticIndex | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    """Evaluate SID and the baselines leave-one-out and return the report as a dict.

    ``sequences`` give the split (last item test, the one before validation);
    ``extra`` sequences only add training data. Full ranking over every item, each
    user's history excluded.
    """
    config = config or EvalConfig()
    row_of = {item_id: row for row, item_id in enumerate(item_ids)}
    users = list(sequences[: config.max_users]) if config.max_users else list(sequences)
    split = leave_one_out(users, row_of, extra)
    n_items = len(item_ids)
    runs: dict[str, list[ModelRun]] = {name: [] for name in config.models}
    id_stats: list[dict[str, object]] = []
    log.info("evaluating on %d users, %d training sequences", len(split.users), len(split.train))

    if "popularity" in runs:
        pop = Popularity(n_items, split.train)
        runs["popularity"].append(score_model(_ranker(pop), split, config.ks, config.latency_users))
    knn, knn_choice = tune_itemknn(n_items, split, config.knn_windows, config.knn_decays)
    if "itemknn" in runs:
        knn_run = score_model(_ranker(knn), split, config.ks, config.latency_users)
        knn_run.training = {"chosen": knn_choice}
        runs["itemknn"].append(knn_run)

    seeds = config.seeds
    task = progress.add_task("seeds", total=len(seeds)) if progress is not None else None
    for seed in seeds:
        if "sid" in runs:
            sid_config = config.sid.with_seed(seed)
            if semantic is None or config.retrain_rqvae:
                semantic = build_ids(
                    item_ids,
                    embeddings,
                    sid_config.rqvae,
                    progress,
                    train=split.train,
                    collab=sid_config.collab,
                )
            id_stats.append(id_report(semantic, seed))
            generator, sid_fit = train_sid(semantic, split, sid_config, knn, progress)
            rank, is_real = _sid_ranker(generator)
            sid_run = score_model(rank, split, config.ks, config.latency_users, is_real)
            sid_run.training = {"seed": seed, **_fit_dict(sid_fit)}
            runs["sid"].append(sid_run)
            log.info("seed %d: SID NDCG@10 %.4f", seed, sid_run.metrics["ndcg@10"])
        if "sasrec" in runs:
            sasrec, sas_fit = train_sasrec(n_items, split, config, seed, progress)
            sas_run = score_model(_ranker(sasrec), split, config.ks, config.latency_users)
            sas_run.training = {"seed": seed, **_fit_dict(sas_fit)}
            runs["sasrec"].append(sas_run)
            log.info("seed %d: SASRec-CE NDCG@10 %.4f", seed, sas_run.metrics["ndcg@10"])
        if progress is not None and task is not None:
            progress.advance(task)

    return {
        "protocol": {
            "split": "leave-one-out: last item test, the one before validation",
            "ranking": "full ranking over the catalog, each user's history excluded",
            "users": len(split.users),
            "catalog_items": n_items,
            "training_sequences": len(split.train),
            "extra_training_sequences": len(extra),
            "seeds": list(seeds),
            "metrics": "mean over seeds; 'std' is the standard deviation over seeds",
        },
        "models": {name: summarize(r) for name, r in runs.items()},
        "semantic_ids": id_stats,
        "config": {
            "sid": config.sid.to_dict(),
            "sasrec": config.sasrec.to_dict(),
            "sasrec_fit": config.sasrec_fit.to_dict(),
        },
        "environment": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "machine": platform.machine(),
            "python": platform.python_version(),
        },
    }
