"""Cold start: items that arrive after training, scored by SID and by the baselines.

A share of the items that have interactions is held out: their interactions are removed
from every training sequence and from every history, the RQ-VAE never sees them, and
they get their semantic IDs afterwards from the frozen encoder (`SIDGenerator.add_items`),
as a catalog update would give them. Test users keep their true last item as the target,
so some targets are new items. Item-kNN has no co-occurrence for them and SASRec never
trained their rows; SID places them by their IDs alone. Ranked with the rest, new items
rarely reach a top 10 (no history ever led to them), so SID is also scored with a share
of each top 10 kept for them (`SIDGenerator.cold_share`, TIGER's epsilon).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.progress import Progress

from knowledge.sequences import InteractionSequence
from knowledge.sid.baselines import Popularity, RowRecommender
from knowledge.sid.data import Split, leave_one_out
from knowledge.sid.evaluate import (
    EvalConfig,
    id_report,
    train_sasrec,
    train_sid,
    tune_itemknn,
)
from knowledge.sid.generator import fit_content_map
from knowledge.sid.metrics import ranking_metrics
from knowledge.sid.train import build_ids

log = logging.getLogger(__name__)


@dataclass
class ColdSplit:
    """A leave-one-out split whose held-out (new) items appear in no training data."""

    split: Split
    item_ids: list[str]
    """Warm items first (the RQ-VAE's), then the new ones: row order of every model."""
    n_warm: int

    def is_new(self, row: int) -> bool:
        """Whether a row is a held-out item."""
        return row >= self.n_warm


def cold_split(
    item_ids: Sequence[str],
    sequences: Sequence[InteractionSequence],
    extra: Sequence[InteractionSequence],
    share: float,
    seed: int,
) -> ColdSplit:
    """Hold out ``share`` of the items with interactions and split leave-one-out.

    Training sequences and every history lose the new items; validation users whose
    target is new are dropped (early stopping sees warm items only); test targets stay.
    """
    used = sorted({i for s in sequences for i in s.item_ids} & set(item_ids))
    rng = np.random.default_rng(seed)
    n_new = max(1, round(share * len(used)))
    new = set(rng.choice(used, size=n_new, replace=False).tolist())
    order = [i for i in item_ids if i not in new] + [i for i in item_ids if i in new]
    row_of = {item: row for row, item in enumerate(order)}
    n_warm = len(order) - len(new)
    full = leave_one_out(sequences, row_of, extra)

    def warm(rows: Sequence[int]) -> list[int]:
        return [r for r in rows if r < n_warm]

    split = Split([], [], [], [], [], [])
    split.train = [t for t in (warm(s) for s in full.train) if len(t) >= 2]
    for user, vh, vt, th, tt in zip(
        full.users,
        full.valid_history,
        full.valid_target,
        full.test_history,
        full.test_target,
        strict=True,
    ):
        history = warm(th)
        if not history:
            continue
        split.users.append(user)
        split.test_history.append(history)
        split.test_target.append(tt)
        if vt < n_warm and warm(vh):
            split.valid_history.append(warm(vh))
            split.valid_target.append(vt)
    return ColdSplit(split, order, n_warm)


def cold_figures(rank: RowRecommender, data: ColdSplit, k: int = 10) -> dict[str, float | int]:
    """Recall/NDCG@k over all test users and over those whose target is new, and how
    much of the top-k the new items fill."""
    split = data.split
    rankings = [rank.recommend_rows(h, k, h) for h in split.test_history]
    new_users = [i for i, t in enumerate(split.test_target) if data.is_new(t)]
    everyone = ranking_metrics(rankings, split.test_target, (k,))
    on_new = ranking_metrics(
        [rankings[i] for i in new_users], [split.test_target[i] for i in new_users], (k,)
    )
    slots = sum(len(r) for r in rankings)
    shown = sum(1 for r in rankings for row in r if data.is_new(row))
    return {
        f"recall@{k}": round(everyone[f"recall@{k}"], 5),
        f"ndcg@{k}": round(everyone[f"ndcg@{k}"], 5),
        f"new_recall@{k}": round(on_new[f"recall@{k}"], 5),
        f"new_ndcg@{k}": round(on_new[f"ndcg@{k}"], 5),
        "new_share_of_top": round(shown / slots, 5) if slots else 0.0,
        "users_with_new_target": len(new_users),
        "users_shown_a_new_item": sum(1 for r in rankings if any(data.is_new(x) for x in r)),
    }


def evaluate_cold_start(
    item_ids: Sequence[str],
    embeddings: np.ndarray,
    sequences: Sequence[InteractionSequence],
    extra: Sequence[InteractionSequence] = (),
    config: EvalConfig | None = None,
    share: float = 0.1,
    progress: Progress | None = None,
) -> dict[str, object]:
    """Run the cold-start protocol (module doc) for every seed; return the report."""
    config = config or EvalConfig()
    users = list(sequences[: config.max_users]) if config.max_users else list(sequences)
    data = cold_split(item_ids, users, extra, share, seed=config.seeds[0])
    split, n_items = data.split, len(data.item_ids)
    position = {item: row for row, item in enumerate(item_ids)}
    text = np.asarray(embeddings, dtype=np.float32)[[position[i] for i in data.item_ids]]
    log.info(
        "cold start: %d new items of %d; %d of %d test users have a new target",
        n_items - data.n_warm,
        n_items,
        sum(1 for t in split.test_target if data.is_new(t)),
        len(split.test_target),
    )
    runs: dict[str, list[dict[str, float | int]]] = {name: [] for name in config.models}
    if "popularity" in runs:
        runs["popularity"].append(cold_figures(Popularity(n_items, split.train), data))
    knn, _ = tune_itemknn(n_items, split, config.knn_windows, config.knn_decays)
    if "itemknn" in runs:
        runs["itemknn"].append(cold_figures(knn, data))
    id_stats = []
    for seed in config.seeds:
        if "sid" in runs:
            sid_config = config.sid.with_seed(seed)
            # The RQ-VAE and the features see the warm items only (training rows are all warm).
            semantic = build_ids(
                data.item_ids[: data.n_warm],
                text[: data.n_warm],
                sid_config.rqvae,
                progress,
                train=split.train,
                collab=sid_config.collab,
            )
            generator, _ = train_sid(semantic, split, sid_config, knn, progress)
            fit_content_map(
                generator, text[: data.n_warm], (row for seq in split.train for row in seq)
            )
            codes = generator.add_items(data.item_ids[data.n_warm :], text[data.n_warm :])
            id_stats.append({**id_report(semantic, seed), "new_items": len(codes)})
            runs["sid"].append(cold_figures(generator, data))
            log.info("seed %d: SID cold start %s", seed, runs["sid"][-1])
            own = generator.cold_share
            for kept in config.cold_shares:
                if kept != own:
                    generator.cold_share = kept
                    runs.setdefault(f"sid, cold share {kept:g}", []).append(
                        cold_figures(generator, data)
                    )
            generator.cold_share = own
        if "sasrec" in runs:
            sasrec, _ = train_sasrec(n_items, split, config, seed, progress)
            runs["sasrec"].append(cold_figures(sasrec, data))
    return {
        "protocol": {
            "split": "leave-one-out; held-out items removed from all training data and "
            "histories, given semantic IDs by the frozen encoder after training",
            "new_items": n_items - data.n_warm,
            "catalog_items": n_items,
            "share": share,
            "test_users": len(split.test_target),
            "seeds": list(config.seeds),
        },
        "models": {name: _mean(r) for name, r in runs.items()},
        "semantic_ids": id_stats,
        "config": {"sid": config.sid.to_dict(), "sasrec": config.sasrec.to_dict()},
    }


def _mean(runs: list[dict[str, float | int]]) -> dict[str, object]:
    out: dict[str, object] = {
        key: round(float(np.mean([r[key] for r in runs])), 5) for key in runs[0]
    }
    out["std"] = {
        key: round(float(np.std([r[key] for r in runs], ddof=1)), 5) if len(runs) > 1 else 0.0
        for key in runs[0]
    }
    out["per_seed"] = runs
    return out
