"""An item-to-item collaborative model learned from interactions: EASE (Steck, WWW 2019).

EASE learns, for every item, how much each other item predicts it, as the closed-form
solution of a ridge regression of the user-item matrix X on itself with a zero diagonal:

    P = (XᵀX + λI)⁻¹,   B = I − P · diag(1 / diag(P)),   scores(user) = x_user · B

so "people who liked X also liked Y" is the learned weight B[X, Y]. It was chosen over
item-kNN on the ReDial training dialogues: fitted on four fifths of them (plus MovieLens
and the liked answers of the same dialogues) and scored on the other fifth, EASE reached
Recall@10 0.173-0.183 (λ 250 to 4000) against 0.090-0.123 for implicit's cosine, TF-IDF
and BM25 item-kNN (`bench/collab.py` reproduces the comparison).

Rows of X are interaction sets (a MovieLens user's liked films, the films one dialogue
mentions, a dialogue participant's liked films), each source with its own weight. Only the
strongest `KEEP` weights of each item are stored, as a sparse matrix in the pack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

from knowledge.errors import PackError
from knowledge.items import Catalog
from knowledge.sequences import SequenceSet

log = logging.getLogger(__name__)

SOURCE_WEIGHTS: dict[str, float] = {"dialogues": 1.0, "redial-liked": 0.5, "movielens": 0.1}
"""How much one interaction set of each source counts. Dialogues co-mention what people
recommend together; MovieLens histories are long and would drown them at equal weight
(tuned on a split of the ReDial training dialogues, see the module docstring)."""
L2 = 1000.0
"""EASE's ridge penalty λ (tuned likewise: 300-4000 are within noise of each other)."""
KEEP = 200
"""Weights kept per item (the largest positive ones)."""
REASON_SHARE = 0.1
"""How strong a neighbour's weight must be, as a share of the liked item's strongest one,
to be a reason (`CollabModel.because`). Every item keeps `KEEP` neighbours, most of them
with weights near nothing: *The Matrix* is among the 200 of *The Notebook* at a
two-hundredth of its best, and "people who liked The Notebook also liked The Matrix" is
no reason a person would give. At a tenth, the median item keeps 30 reasons on the ReDial
pack."""
WEIGHTS_FILE = "collab.npz"
META_FILE = "collab.json"


@dataclass
class CollabModel:
    """Item-to-item weights: ``weights[i, j]`` says how much liking item i predicts item j."""

    item_ids: list[str]
    weights: sparse.csr_matrix
    info: dict[str, object] = field(default_factory=dict)
    """What the model was learned from (sources, counts, λ), for the manifest."""
    aliases: dict[str, str] = field(default_factory=dict)
    """A twin record -> its film's canonical record, which holds the film's weights (the
    model learns each film once, see `knowledge.twins`)."""

    def __post_init__(self) -> None:
        self.row = {item_id: i for i, item_id in enumerate(self.item_ids)}

    @cached_property
    def _strongest(self) -> np.ndarray:
        """Each row's strongest weight (what `REASON_SHARE` is a share of), computed once."""
        return np.asarray(self.weights.max(axis=1).todense(), dtype=np.float64).ravel()

    def strongest(self, item_id: str) -> float:
        """The strongest weight of ``item_id``'s row: the film that liking it predicts
        most (0 for a film the model never saw)."""
        row = self._row(item_id)
        return 0.0 if row is None else float(self._strongest[row])

    def _row(self, item_id: str) -> int | None:
        return self.row.get(self.aliases.get(item_id, item_id))

    def scores(self, liked: Sequence[str]) -> np.ndarray:
        """Every item's score for a user who likes ``liked`` (in `item_ids` order)."""
        rows = list(dict.fromkeys(r for i in liked if (r := self._row(i)) is not None))
        if not rows:
            return np.zeros(len(self.item_ids), dtype=np.float32)
        return np.asarray(self.weights[rows].sum(axis=0), dtype=np.float32).ravel()

    def top(
        self, liked: Sequence[str], k: int, exclude: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` best items for ``liked`` with a positive score, best first."""
        scores = self.scores(liked)
        for item_id in [*liked, *exclude]:
            if (row := self._row(item_id)) is not None:
                scores[row] = 0.0
        order = np.argsort(-scores, kind="stable")
        return [(self.item_ids[j], float(scores[j])) for j in order[:k] if scores[j] > 0]

    def because(self, liked: Sequence[str], item_id: str) -> list[tuple[str, float]]:
        """The liked items that point at ``item_id``, strongest first (for explanations):
        those whose weight for it is at least `REASON_SHARE` of their strongest one."""
        column = self._row(item_id)
        if column is None:
            return []
        found = []
        for i in liked:
            if (row := self._row(i)) is not None:
                weight = float(self.weights[row, column])
                if weight > 0 and weight >= REASON_SHARE * self._strongest[row]:
                    found.append((i, weight))
        return sorted(found, key=lambda p: -p[1])

    def save(self, folder: Path) -> None:
        """Write the weights and their item order into a pack folder."""
        sparse.save_npz(folder / WEIGHTS_FILE, self.weights, compressed=True)
        (folder / META_FILE).write_text(
            json.dumps(
                {"item_ids": self.item_ids, "info": self.info, "aliases": self.aliases},
                ensure_ascii=False,
            )
        )

    @classmethod
    def load(cls, folder: Path) -> CollabModel | None:
        """The model of a pack, or ``None`` when the pack has none."""
        if not (folder / WEIGHTS_FILE).exists():
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text())
            weights = sparse.load_npz(folder / WEIGHTS_FILE).tocsr()
        except (OSError, ValueError, KeyError) as exc:
            raise PackError(f"{folder}: the collaborative model is unreadable ({exc})") from exc
        if weights.shape != (len(meta["item_ids"]), len(meta["item_ids"])):
            raise PackError(f"{folder}: the collaborative model does not match its item list")
        return cls(
            list(meta["item_ids"]),
            weights,
            dict(meta.get("info", {})),
            dict(meta.get("aliases", {})),
        )


def interaction_matrix(
    catalog: Catalog, sets: Mapping[str, SequenceSet], weights: Mapping[str, float]
) -> sparse.csr_matrix:
    """Rows = interaction sets (each source's rows scaled by its weight), columns = items."""
    column = {item_id: j for j, item_id in enumerate(catalog.ids())}
    rows, cols, values = [], [], []
    n_rows = 0
    for source, found in sets.items():
        weight = weights.get(source.partition(":")[0], 1.0)
        for sequence in found.sequences:
            for item_id in set(sequence.item_ids):
                if item_id in column:
                    rows.append(n_rows)
                    cols.append(column[item_id])
                    values.append(weight)
            n_rows += 1
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), (rows, cols)), shape=(n_rows, len(column))
    )


def fit_ease(matrix: sparse.csr_matrix, l2: float = L2, keep: int = KEEP) -> sparse.csr_matrix:
    """EASE weights of a user-item matrix, the ``keep`` largest positive ones per item.

    Items nobody interacted with get no weights; the inverse is taken over the others only.
    """
    gram = (matrix.T @ matrix).toarray()
    used = np.flatnonzero(np.diag(gram) > 0)
    n = matrix.shape[1]
    if used.size == 0:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    g = gram[np.ix_(used, used)]
    g[np.diag_indices_from(g)] += l2
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    b[b < 0] = 0.0  # only "also liked" evidence is kept (negative weights are noise here)
    top = np.argpartition(-b, min(keep, b.shape[1] - 1), axis=1)[:, :keep]
    rows = np.repeat(used, top.shape[1])
    cols = used[top.ravel()]
    values = np.take_along_axis(b, top, axis=1).ravel()
    kept = values > 0
    return sparse.csr_matrix(
        (values[kept].astype(np.float32), (rows[kept], cols[kept])), shape=(n, n)
    )


def train_collab(
    catalog: Catalog,
    sets: Mapping[str, SequenceSet],
    *,
    weights: Mapping[str, float] | None = None,
    l2: float = L2,
    keep: int = KEEP,
    aliases: Mapping[str, str] | None = None,
) -> CollabModel | None:
    """Learn the model from the interaction sets of a pack; ``None`` when there are none.
    ``aliases`` map twin records to the canonical records the sets name (see
    `knowledge.twins.Twins.merged`)."""
    weights = SOURCE_WEIGHTS if weights is None else weights
    matrix = interaction_matrix(catalog, sets, weights)
    if matrix.nnz == 0:
        return None
    learned = fit_ease(matrix, l2, keep)
    info: dict[str, object] = {
        "method": "EASE",
        "l2": l2,
        "kept_per_item": keep,
        "rows": int(matrix.shape[0]),
        "items_with_interactions": int((np.asarray(matrix.getnnz(axis=0)) > 0).sum()),
        "weights": int(learned.nnz),
        "sources": {
            name: {"sets": len(s.sequences), "weight": weights.get(name.partition(":")[0], 1.0)}
            for name, s in sets.items()
        },
    }
    log.info("collaborative model: %s", info)
    return CollabModel(catalog.ids(), learned, info, dict(aliases or {}))
