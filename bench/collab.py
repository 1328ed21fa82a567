"""Which collaborative model: EASE against implicit's item-kNN, on the ReDial training split.

The training dialogues are split by dialogue (a fifth held out, by a hash of the id). Each
model learns from the other four fifths (their co-mentions and liked answers) and from the
MovieLens ratings of 4 and above, with the pack's source weights. Every held-out
recommender turn is then scored: the films mentioned so far are the seeds, the films the
human recommended next are the targets (each counts as one sample), the seeds are left
out of the ranking. The dev dialogues are never read: they are what the agent's
evaluation scores on.

    python bench/collab.py --pack /tmp/redial [--l2 250 1000 4000]

Prints Recall@10, Recall@50 and NDCG@10 per model and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import zlib
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.collab import SOURCE_WEIGHTS, fit_ease, interaction_matrix
from knowledge.pack import load_pack
from knowledge.sequences import (
    SequenceSet,
    json_records,
    load_sequences,
    title_index,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def held_out(dialog: str, folds: int = 5) -> bool:
    """A fifth of the dialogues, fixed by their id."""
    return zlib.crc32(dialog.encode()) % folds == 0


def keep(found: SequenceSet, test: bool) -> SequenceSet:
    """The sets of the training (or held-out) dialogues only; ids are ``dialog[:side]``."""
    kept = [s for s in found.sequences if held_out(s.user_id.split(":")[0]) == test]
    return SequenceSet(kept, found.source)


def turns(path: Path, index: dict[str, str]) -> list[tuple[list[str], list[str]]]:
    """(seeds, targets) of the held-out recommender turns."""
    rows = []
    for _, row in json_records(path):
        if not held_out(str(row["dialog_id"])):
            continue
        seeds = [index[t] for t in row.get("entity", []) if t in index]
        targets = [index[t] for t in row.get("rec", []) if t in index and index[t] not in seeds]
        if seeds and targets:
            rows.append((seeds, targets))
    return rows


def score(
    weights: sparse.csr_matrix, rows: list[tuple[list[str], list[str]]], column: dict[str, int]
) -> dict[str, float]:
    """Recall@10/50 and NDCG@10 per target, the seeds left out of the ranking."""
    r10, r50, ndcg = [], [], []
    for seeds, targets in rows:
        x = np.zeros(len(column), dtype=np.float32)
        x[[column[s] for s in seeds]] = 1.0
        scores = np.asarray(weights.T @ x).ravel()
        scores[[column[s] for s in seeds]] = -np.inf
        top = np.argsort(-scores, kind="stable")[:50]
        for target in targets:
            hits = np.flatnonzero(top == column[target])
            rank = int(hits[0]) if hits.size else None
            r10.append(rank is not None and rank < 10)
            r50.append(rank is not None)
            ndcg.append(1 / np.log2(rank + 2) if rank is not None and rank < 10 else 0.0)
    return {
        "R@10": float(np.mean(r10)),
        "R@50": float(np.mean(r50)),
        "NDCG@10": float(np.mean(ndcg)),
        "n": len(r10),
    }


def knn(kind: str, matrix: sparse.csr_matrix, k: int = 200) -> sparse.csr_matrix:
    """implicit's item-item neighbours (cosine, TF-IDF or BM25) as an item x item matrix."""
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender

    model = {"cosine": CosineRecommender, "tfidf": TFIDFRecommender, "bm25": BM25Recommender}[kind](
        K=k
    )
    model.fit(matrix.tocsr().astype(np.float32), show_progress=False)
    return model.similarity.tocsr()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True)
    parser.add_argument("--redial", default=str(SHARED / "redial"))
    parser.add_argument("--movielens", default=str(SHARED / "movielens" / "ml-latest-small"))
    parser.add_argument("--l2", type=float, nargs="+", default=[250.0, 1000.0, 4000.0])
    args = parser.parse_args()

    catalog = load_pack(args.pack).catalog
    redial = Path(args.redial)
    dialogues = redial / "train_dialogues.jsonl"
    sets = {
        f"dialogues:{dialogues}": keep(load_sequences(f"dialogues:{dialogues}", catalog), False),
        "redial-liked": keep(
            load_sequences(f"redial-liked:{redial / 'train_dialogues_raw.jsonl'}", catalog), False
        ),
        f"movielens:{args.movielens}": load_sequences(
            f"movielens:{args.movielens}", catalog, positive_only=True
        ),
    }
    matrix = interaction_matrix(catalog, sets, SOURCE_WEIGHTS)
    column = {item_id: j for j, item_id in enumerate(catalog.ids())}
    rows = turns(dialogues, title_index(catalog))
    print(f"{matrix.shape[0]} interaction sets, {len(rows)} held-out turns")
    results: dict[str, dict[str, float]] = {}
    for l2 in args.l2:
        results[f"EASE l2={l2:g}"] = score(fit_ease(matrix, l2), rows, column)
    for kind in ("cosine", "tfidf", "bm25"):
        results[f"item-kNN {kind}"] = score(knn(kind, matrix), rows, column)
    print(f"{'model':<22} {'R@10':>6} {'R@50':>6} {'NDCG@10':>8}")
    for name, row in results.items():
        print(f"{name:<22} {row['R@10']:6.3f} {row['R@50']:6.3f} {row['NDCG@10']:8.3f}")
    print(f"targets scored: {statistics.mode(r['n'] for r in results.values())}")
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
