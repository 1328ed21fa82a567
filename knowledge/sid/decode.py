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


class MassTables(NamedTuple):
    """What scoring the leading levels by the item head's probability mass needs."""

    group: list[np.ndarray]
    """Per level l = 1..m: each item's prefix of length l, numbered as `PrefixTrie.nodes`."""
    parent_row: list[dict[Prefix, int]]
    """Per level l = 0..m-1: the row of each prefix of length l in ``child``."""
    child: list[np.ndarray]
    """Per level l = 0..m-1: (P_l, V_l) number of each child prefix, -1 where absent."""

    @property
    def levels(self) -> int:
        """How many leading levels are scored by mass."""
        return len(self.child)


def mass_tables(trie: PrefixTrie, vocab_sizes: tuple[int, ...], levels: int) -> MassTables:
    """Build the tables that score the first ``levels`` code levels by item mass."""
    levels = min(levels, trie.n_levels)
    group = [trie.group_index(lvl) for lvl in range(1, levels + 1)]
    rows, tables = [], []
    for lvl in range(levels):
        row, table = trie.child_index(lvl, vocab_sizes[lvl])
        rows.append(row)
        tables.append(table)
    return MassTables(group, rows, tables)


def prefix_mass(item_logp: torch.Tensor, group: np.ndarray, n_groups: int) -> torch.Tensor:
    """Log of the probability mass (P,) under each prefix, from item log-probabilities (I,)."""
    top = item_logp.max()
    if not torch.isfinite(top):
        return torch.full((n_groups,), -math.inf)
    mass = torch.zeros(n_groups).index_add_(0, torch.from_numpy(group), (item_logp - top).exp())
    return mass.log() + top


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
def encode_history(
    model: SIDSeqModel, history: np.ndarray, history_prefixes: np.ndarray | None = None
) -> torch.Tensor:
    """The encoder state (1, d) after a history of semantic IDs (T, L), newest last."""
    model.eval()
    keep = model.config.max_len
    codes = torch.as_tensor(np.asarray(history, dtype=np.int64)[-keep:])[None]  # (1, T, L)
    ngrams = None
    if history_prefixes is not None:
        ngrams = torch.as_tensor(np.asarray(history_prefixes, dtype=np.int64)[-keep:])[None]
    return model.encode(codes, ngrams)[:, -1]


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
    items: torch.Tensor | None = None,
    mass: MassTables | None = None,
    state: torch.Tensor | None = None,
) -> list[Hit]:
    """Return the ``k`` most likely next items for one history of semantic IDs (T, L).

    At each level only codes that continue a valid ID are scored, and codes whose whole
    subtree is excluded are pruned, so every hit is a real, non-excluded item. Scores
    are log-probabilities of the item under the model, renormalized over the allowed
    codes at each step; hits come best first. ``history_prefixes`` (T, L - 1) are the
    history items' prefix ids and ``children`` the tables of `child_ids`, when the model
    uses prefix embeddings.

    With ``items`` (I, d), the item vectors of every row, and ``mass`` (`mass_tables`),
    the first ``mass.levels`` levels are scored by the item head instead: a prefix's
    log-probability is the log of the softmax mass of the non-excluded items under it.
    The levels after those are decoded code by code as usual, so an item's score is
    ``log mass(its first m codes) + log P(the rest | them)``. ``state`` is the history's
    `encode_history`, when the caller has it already.
    """
    if len(history) == 0 or k <= 0:
        return []
    levels = trie.n_levels
    if state is None:
        state = encode_history(model, history, history_prefixes)  # (1, d)
    exclude = list(exclude)
    blocked = trie.blocked(exclude)
    item_logp = None
    if mass is not None and mass.levels and items is not None:
        item_scores = model.item_logits(state, items)[0]  # (I,)
        if exclude:
            item_scores[torch.as_tensor(exclude, dtype=torch.long)] = -math.inf
        item_logp = torch.log_softmax(item_scores, -1)
    beams: list[Prefix] = [()]
    scores = torch.zeros(1)  # (beams,)
    for lvl in range(levels):
        if item_logp is not None and mass is not None and lvl < mass.levels:
            # The mass of each child prefix; every level so far was scored this way, so it
            # is the whole score of the beam extended by that code.
            below = prefix_mass(item_logp, mass.group[lvl], int(mass.group[lvl].max()) + 1)
            index = torch.from_numpy(mass.child[lvl][[mass.parent_row[lvl][b] for b in beams]])
            masses = torch.where(index >= 0, below[index.clamp_min(0)], -math.inf)
            total = masses.flatten()  # (beams * V_lvl,)
            vocab = masses.shape[1]
        else:
            total, vocab = _code_step(model, trie, state, beams, lvl, blocked, children, scores)
        width = k if lvl == levels - 1 else max(beam_size, k)
        top = total.topk(min(width, int(torch.isfinite(total).sum())))
        if top.values.numel() == 0:
            return []
        beams = [(*beams[idx // vocab], idx % vocab) for idx in top.indices.tolist()]
        scores = top.values
    hits = []
    for beam, score in zip(beams, scores.tolist(), strict=True):
        row = trie.row(beam)
        assert row is not None, "the trie admitted a path that is not an item"
        hits.append(Hit(beam, row, float(score)))
    return hits


def _code_step(
    model: SIDSeqModel,
    trie: PrefixTrie,
    state: torch.Tensor,
    beams: list[Prefix],
    lvl: int,
    blocked: dict[Prefix, set[int]],
    children: list[ChildIds] | None,
    scores: torch.Tensor,
) -> tuple[torch.Tensor, int]:
    """Extend every beam by one code with the decoder: flat scores (beams * V,) and V."""
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
    return (scores[:, None] + logp).flatten(), logits.shape[1]  # (beams * V_lvl,)
