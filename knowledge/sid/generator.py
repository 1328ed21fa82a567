"""The semantic-ID generator at run time: item history in, next real items out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from knowledge.sid.decode import (
    ChildIds,
    Hit,
    MassTables,
    beam_search,
    child_ids,
    encode_history,
    mass_tables,
)
from knowledge.sid.features import ItemFeatures
from knowledge.sid.ids import PrefixVocab, SemanticIds
from knowledge.sid.rqvae import RQVAE
from knowledge.sid.seqmodel import SIDSeqModel
from knowledge.sid.trie import PrefixTrie


class Recommendation(NamedTuple):
    """A generated item and its log-probability under the sequence model."""

    item_id: str
    score: float


@dataclass
class SIDGenerator:
    """Frozen RQ-VAE, the semantic-ID table, its trie and the trained sequence model."""

    rqvae: RQVAE
    ids: SemanticIds
    model: SIDSeqModel
    beam_size: int = 20
    """Beams kept at each level before the last; wider finds more of the true top-k."""
    vocab: PrefixVocab | None = None
    """Prefix ids for the model's prefix embeddings (``None`` when it has none)."""
    mass_levels: int = 0
    """Leading code levels scored by the item head's probability mass (0: by the decoder)."""
    features: ItemFeatures | None = None
    """What the RQ-VAE reads for a new item's text embedding (``None``: the text alone)."""
    cold_share: float = 0.0
    """Share of every top k kept for items added after training (TIGER's epsilon): they
    have IDs but no history, so on the model's scores alone they rarely make the top k.
    0: they compete with the rest."""
    added: set[str] = field(default_factory=set)
    """Items given their IDs after training (`add_items`), which ``cold_share`` is for."""
    content_map: np.ndarray | None = None
    """(D + 1, d) ridge map, intercept last, from a text embedding to an item-head vector,
    fitted on the items training sequences held (`fit_content_map`). An added item's
    codes were never trained together as one item, so the item head scores it through
    this map instead (``None``: by its codes, as the others)."""
    added_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    """The item-head vector (d,) of each added item, from ``content_map``."""
    trie: PrefixTrie = field(init=False)
    row_prefixes: np.ndarray | None = field(init=False)
    """(N, L - 1) prefix ids of every row, or ``None``."""
    children: list[ChildIds] | None = field(init=False)
    """For levels 1..L-1, the prefix ids of every valid prefix's children, or ``None``."""
    mass: MassTables | None = field(init=False)
    """Tables for scoring the leading levels by item mass, when ``mass_levels`` asks."""
    added_rows: frozenset[int] = field(init=False)
    """Rows of the ``added`` items."""
    _vector_rows: torch.Tensor = field(init=False)
    _vectors: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.cold_share <= 1.0:
            raise ValueError(f"cold_share is a share of the top k, 0 to 1; got {self.cold_share}")
        self.rqvae.eval()
        self.model.eval()
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the trie and lookup tables after the ID table changed."""
        self.trie = PrefixTrie(self.ids.codes)
        self.row_prefixes = self.children = None
        if self.vocab is not None:
            self.row_prefixes = self.vocab.lookup(self.ids.codes)
            if self.model.config.prefix_output:
                self.children = child_ids(self.trie, self.vocab, self.ids.vocab_sizes)
        self.mass = None
        if self.mass_levels > 0:
            self.mass = mass_tables(self.trie, self.ids.vocab_sizes, self.mass_levels)
        self.added &= set(self.ids.item_ids)
        self.added_rows = frozenset(self.ids.row(i) for i in self.added)
        self.added_vectors = {i: v for i, v in self.added_vectors.items() if i in self.added}
        names = sorted(self.added_vectors)
        self._vector_rows = torch.tensor([self.ids.row(i) for i in names], dtype=torch.long)
        self._vectors = torch.as_tensor(
            np.stack([self.added_vectors[i] for i in names]).astype(np.float32)
            if names
            else np.zeros((0, self.model.config.d_model), np.float32)
        )

    @torch.inference_mode()
    def item_vectors(self) -> torch.Tensor:
        """Every row's item vector (N, d) as the model's item head scores it.

        Built per decode (about a millisecond) rather than cached: the model may be
        training between two decodes (validation during `fit`).
        """
        prefixes = None if self.row_prefixes is None else torch.as_tensor(self.row_prefixes)
        vectors = self.model.item_vectors(torch.as_tensor(self.ids.codes), prefixes)
        if len(self._vector_rows):
            vectors[self._vector_rows] = self._vectors
        return vectors

    def history_codes(self, rows: Sequence[int]) -> np.ndarray:
        """Return the semantic IDs (T, L) of a history given as item rows."""
        return self.ids.codes[np.asarray(rows, dtype=np.int64)].reshape(len(rows), -1)

    def recommend_rows(
        self,
        history: Sequence[int],
        k: int,
        exclude: Iterable[int] = (),
        beam_size: int | None = None,
    ) -> list[int]:
        """Return up to ``k`` item rows, best first (the `RowRecommender` protocol)."""
        return [hit.row for hit in self.decode(history, k, exclude, beam_size)]

    def decode(
        self,
        history: Sequence[int],
        k: int,
        exclude: Iterable[int] = (),
        beam_size: int | None = None,
    ) -> list[Hit]:
        """Return up to ``k`` decoded semantic IDs with their rows and log-probabilities.

        With a ``cold_share``, at least that share of the ``k`` (rounded up) are added
        items when there are any to give: the best of them under the model's distribution
        restricted to added items (the item head's, or the decoder's when the model has
        none), in place of the last other hits. Those come last, and their scores are
        log-probabilities among the added items only.
        """
        exclude = set(exclude)
        if not len(history) or k <= 0:
            return []
        state = encode_history(self.model, self.history_codes(history), self._prefixes(history))
        items = None if self.mass is None else self.item_vectors()
        hits = self._beam(history, k, exclude, beam_size, state, items)
        if self.cold_share <= 0 or not self.added_rows:
            return hits
        have = sum(1 for hit in hits if hit.row in self.added_rows)
        need = min(k, math.ceil(self.cold_share * k)) - have
        if need <= 0:
            return hits
        taken = exclude | {h.row for h in hits}
        if items is not None:
            cold = self._best_added(state, items, need, taken)
        else:
            others = set(range(len(self.ids))) - self.added_rows
            cold = self._beam(history, need, taken | others, beam_size, state, items)
        room = k - have - len(cold)
        kept = []
        for hit in hits:
            if hit.row in self.added_rows:
                kept.append(hit)
            elif room > 0:
                kept.append(hit)
                room -= 1
        return kept + cold

    def _prefixes(self, history: Sequence[int]) -> np.ndarray | None:
        """The history items' prefix ids (T, L - 1), when the model has prefix embeddings."""
        if self.row_prefixes is None:
            return None
        return self.row_prefixes[np.asarray(history, dtype=np.int64)]

    @torch.inference_mode()
    def _best_added(
        self, state: torch.Tensor, items: torch.Tensor, k: int, exclude: set[int]
    ) -> list[Hit]:
        """The ``k`` added items the item head likes best after a history's ``state``
        (``items``: every row's `item_vectors`)."""
        rows = torch.tensor(sorted(self.added_rows - exclude), dtype=torch.long)
        if not len(rows):
            return []
        logp = torch.log_softmax(self.model.item_logits(state, items[rows])[0], -1)
        top = logp.topk(min(k, len(rows)))
        return [
            Hit(tuple(int(c) for c in self.ids.codes[row]), int(row), float(score))
            for row, score in zip(rows[top.indices].tolist(), top.values.tolist(), strict=True)
        ]

    def _beam(
        self,
        history: Sequence[int],
        k: int,
        exclude: set[int],
        beam_size: int | None,
        state: torch.Tensor,
        items: torch.Tensor | None,
    ) -> list[Hit]:
        return beam_search(
            self.model,
            self.trie,
            self.history_codes(history),
            k=k,
            beam_size=beam_size or self.beam_size,
            exclude=exclude,
            history_prefixes=self._prefixes(history),
            children=self.children,
            items=items,
            mass=self.mass,
            state=state,
        )

    def recommend(
        self, history: Sequence[str], k: int = 10, exclude: Iterable[str] = ()
    ) -> list[Recommendation]:
        """Return the ``k`` most likely next items after a history of item ids.

        History items without a semantic ID are ignored; the history itself and
        ``exclude`` are never returned. An empty history gives an empty list.
        """
        rows = [self.ids.row(i) for i in history if i in self.ids]
        banned = set(rows) | {self.ids.row(i) for i in exclude if i in self.ids}
        return [
            Recommendation(self.ids.item_ids[hit.row], hit.score)
            for hit in self.decode(rows, k, banned)
        ]

    @torch.no_grad()
    def assign(self, embeddings: np.ndarray) -> np.ndarray:
        """Return the residual codes (N, L - 1) the frozen encoder gives to text embeddings (N, D).

        With collaborative features, a new item's co-occurrence part is predicted from its
        text (`ItemFeatures.inputs`), so the text embedding is all a new item needs.
        """
        text = np.asarray(embeddings, dtype=np.float32)
        inputs = text if self.features is None else self.features.inputs(text)
        # A copy: the embeddings may be a read-only memory map, which torch will not wrap.
        x = torch.tensor(inputs.reshape(-1, self.rqvae.config.input_dim))
        return self.rqvae.encode(x).numpy()

    def add_item(self, item_id: str, embedding: np.ndarray) -> tuple[int, ...]:
        """Give a new item a semantic ID from its embedding alone, and make it decodable."""
        return self.add_items([item_id], np.asarray(embedding).reshape(1, -1))[0]

    def add_items(self, item_ids: Sequence[str], embeddings: np.ndarray) -> list[tuple[int, ...]]:
        """Give new items semantic IDs from their text embeddings (N, D); index them once."""
        prefixes = self.assign(embeddings) if len(item_ids) else np.zeros((0, 0), np.int64)
        # Never hand out an ID whose embedding the model learned for another (removed) item.
        reserved = _Known(self.vocab) if self.vocab is not None else ()
        codes = [
            self.ids.add(i, p.tolist(), reserved) for i, p in zip(item_ids, prefixes, strict=True)
        ]
        self.added.update(item_ids)
        if self.content_map is not None and len(item_ids):
            text = np.asarray(embeddings, dtype=np.float64).reshape(len(item_ids), -1)
            vectors = text @ self.content_map[:-1] + self.content_map[-1]
            self.added_vectors.update(zip(item_ids, vectors.astype(np.float32), strict=True))
        self.refresh()
        return codes


@torch.inference_mode()
def fit_content_map(
    generator: SIDGenerator, embeddings: np.ndarray, rows: Iterable[int], ridge: float = 10.0
) -> None:
    """Fit ``generator.content_map`` on the trained items' text embeddings and vectors.

    ``embeddings`` (N, D) are in the generator's row order; ``rows`` are the items that
    training sequences held (the others' vectors were never trained). Ridge regression
    with an unpenalised intercept; items added afterwards are scored through it.
    """
    picked = np.asarray(sorted(set(rows)), dtype=np.int64)
    if len(picked) == 0:
        return
    text = np.asarray(embeddings, dtype=np.float64)[picked]
    target = generator.item_vectors()[torch.as_tensor(picked)].double().numpy()
    x = np.hstack([text, np.ones((len(picked), 1))])
    penalty = ridge * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0
    coef = np.linalg.solve(x.T @ x + penalty, x.T @ target)
    generator.content_map = coef.astype(np.float32)


@dataclass
class _Known:
    """The whole IDs a prefix vocabulary has embeddings for, as a container."""

    vocab: PrefixVocab

    def __contains__(self, code: object) -> bool:
        return isinstance(code, tuple) and self.vocab.known(code)
