"""Beam search over semantic IDs, constrained to the trie so every output is a real item."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import torch

from knowledge.sid.ids import PrefixVocab
from knowledge.sid.seqmodel import SIDSeqModel
from knowledge.sid.trie import Prefix, PrefixTrie


class Hit(NamedTuple):
    """One decoded item: its semantic ID, its row in the ID table and its log-probability."""

    code: Prefix
    row: int
    score: float


class ChildIds(NamedTuple):
    """Prefix ids of the children of every valid prefix of one length."""

    row: dict[Prefix, int]
    """Row of ``table`` for each prefix."""
    table: np.ndarray
    """(P, V) prefix id of ``prefix + (code,)`` for every code; 0 where unknown."""


def child_ids(trie: PrefixTrie, vocab: PrefixVocab, vocab_sizes: tuple[int, ...]) -> list[ChildIds]:
    """Return the children's prefix ids for the levels that have prefix embeddings."""
    out = []
    for lvl in range(1, 1 + len(vocab.prefixes)):
        parents = trie.parents(lvl)
        out.append(
            ChildIds(
                {p: i for i, p in enumerate(parents)},
                vocab.child_table(lvl, parents, vocab_sizes[lvl]),
            )
        )
    return out


@torch.inference_mode()
def beam_search(
    model: SIDSeqModel,
    trie: PrefixTrie,
    history: np.ndarray,
    *,
    k: int = 10,
    beam_size: int = 20,
    exclude: Iterable[int] = (),
    history_prefixes: np.ndarray | None = None,
    children: list[ChildIds] | None = None,
) -> list[Hit]:
    """Return the ``k`` most likely next items for one history of semantic IDs (T, L).

    At each level only codes that continue a valid ID are scored, and codes whose whole
    subtree is excluded are pruned, so every hit is a real, non-excluded item. Scores
    are log-probabilities of the item under the model, renormalized over the allowed
    codes at each step; hits come best first. ``history_prefixes`` (T, L - 1) are the
    history items' prefix ids and ``children`` the tables of `child_ids`, when the model
    uses prefix embeddings.
    """
    if len(history) == 0 or k <= 0:
        return []
    model.eval()
    levels = trie.n_levels
    keep = model.config.max_len
    codes = torch.as_tensor(np.asarray(history, dtype=np.int64)[-keep:])[None]  # (1, T, L)
    ngrams = None
    if history_prefixes is not None:
        ngrams = torch.as_tensor(np.asarray(history_prefixes, dtype=np.int64)[-keep:])[None]
    state = model.encode(codes, ngrams)[:, -1]  # (1, d)
    blocked = trie.blocked(exclude)
    beams: list[Prefix] = [()]
    scores = torch.zeros(1)  # (beams,)
    for lvl in range(levels):
        n = len(beams)
        prefix = torch.tensor(beams, dtype=torch.long).view(n, lvl)  # (beams, lvl)
        kids = None
        if children is not None and 0 < lvl <= len(children):
            table = children[lvl - 1]
            kids = torch.from_numpy(table.table[[table.row[b] for b in beams]])  # (beams, V_lvl)
        logits = model.decode(state.expand(n, -1), prefix, kids)  # (beams, V_lvl)
        mask = torch.full_like(logits, -math.inf)
        for i, beam in enumerate(beams):
            mask[i, torch.from_numpy(trie.allowed(beam, blocked))] = 0.0
        # Renormalize over the allowed codes; a row with none allowed stays at -inf.
        logp = torch.log_softmax(logits + mask, -1).nan_to_num(nan=-math.inf, neginf=-math.inf)
        total = (scores[:, None] + logp).flatten()  # (beams * V_lvl,)
        width = k if lvl == levels - 1 else max(beam_size, k)
        top = total.topk(min(width, int(torch.isfinite(total).sum())))
        if top.values.numel() == 0:
            return []
        vocab = logits.shape[1]
        beams = [(*beams[idx // vocab], idx % vocab) for idx in top.indices.tolist()]
        scores = top.values
    hits = []
    for beam, score in zip(beams, scores.tolist(), strict=True):
        row = trie.row(beam)
        assert row is not None, "the trie admitted a path that is not an item"
        hits.append(Hit(beam, row, float(score)))
    return hits
