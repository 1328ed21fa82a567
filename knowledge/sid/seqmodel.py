"""TIGER-style sequence model: reads semantic-ID histories, emits the next ID code by code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class SIDModelConfig:
    """Shape of the semantic-ID sequence model."""

    vocab_sizes: tuple[int, ...] = (256, 256, 256, 256)
    """Codes per semantic-ID level, the disambiguation level last."""
    d_model: int = 64
    """Width of every hidden vector."""
    n_heads: int = 2
    """Attention heads per layer."""
    n_layers: int = 2
    """Transformer layers of the history encoder."""
    n_decoder_layers: int = 1
    """Transformer layers of the code decoder."""
    d_ff: int = 256
    """Hidden width of the feed-forward blocks."""
    max_len: int = 50
    """Most recent history items the encoder reads."""
    dropout: float = 0.2
    """Dropout on embeddings and inside every transformer layer."""
    prefix_vocab_sizes: tuple[int, ...] = ()
    """Rows of the prefix (n-gram) embedding tables for prefixes of length 2, 3, ...;
    empty turns them off."""
    prefix_output: bool = True
    """Score codes by their prefix embeddings as well (needs ``prefix_vocab_sizes``)."""
    tie_embeddings: bool = True
    """Score level-l codes against the same code embeddings the encoder reads (as SASRec
    ties its item table), so what the model learns about a code as input helps predict it."""

    def to_dict(self) -> dict[str, object]:
        """Return the config as JSON-ready values."""
        data = asdict(self)
        data["vocab_sizes"] = list(self.vocab_sizes)
        data["prefix_vocab_sizes"] = list(self.prefix_vocab_sizes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SIDModelConfig:
        """Build a config from `to_dict` output, rejecting unknown keys."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown SIDModelConfig keys: {sorted(unknown)}")
        values = dict(data)
        for key in ("vocab_sizes", "prefix_vocab_sizes"):
            if key in values:
                values[key] = tuple(values[key])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


class Siblings(NamedTuple):
    """The codes one level of each target may take: the children of its true prefix."""

    codes: torch.Tensor
    """(N, B) candidate codes, -1 for padding."""
    prefixes: torch.Tensor | None
    """(N, B) prefix ids of ``prefix + (code,)`` (0: unknown or padding), or ``None``."""
    target: torch.Tensor
    """(N,) position of the true code among ``codes``."""


class SIDOutput(NamedTuple):
    """Teacher-forced predictions for every (position, level) with a target."""

    logits: list[torch.Tensor]
    """One tensor per level, N = number of target positions: (N, V_l), or (N, B_l) over
    the siblings of levels given `Siblings`."""
    loss: torch.Tensor
    """() cross-entropy summed over levels, averaged over target positions."""
    token_losses: list[torch.Tensor]
    """Per level, the cross-entropy of each target position (N,)."""
    states: torch.Tensor
    """(N, d) encoder state at each target position (what the item head scores from)."""


def _layer(cfg: SIDModelConfig) -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(
        cfg.d_model,
        cfg.n_heads,
        cfg.d_ff,
        cfg.dropout,
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )


def _total(token_losses: list[torch.Tensor]) -> torch.Tensor:
    """Sum over levels of the mean cross-entropy over target positions."""
    return torch.stack([t.mean() for t in token_losses]).sum()


def _causal(n: int) -> torch.Tensor:
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


class SIDSeqModel(nn.Module):
    """History encoder plus autoregressive code decoder over semantic IDs.

    The encoder reads each history item as the sum of its code-token embeddings (one
    table per level, so code 7 at level 1 and level 2 differ) plus, optionally, the
    embeddings of its ID prefixes (n-grams), under causal attention, so one pass trains
    every next-item prediction of a window. The decoder starts from the encoder state of
    a position and emits the next item's codes level by level, as TIGER's decoder does;
    its input is [state, code_1, ..., code_{L-1}]. Codes are scored against the input
    code (and prefix) embeddings, tied as SASRec ties its item table.
    """

    pad: torch.Tensor
    """(L,) the padding index of each level's input table."""

    def __init__(self, config: SIDModelConfig) -> None:
        super().__init__()
        self.config = config
        d, levels = config.d_model, len(config.vocab_sizes)
        # Index V_l of each input table is padding.
        self.item_codes = nn.ModuleList(
            [nn.Embedding(v + 1, d, padding_idx=v) for v in config.vocab_sizes]
        )
        self.item_prefixes = nn.ModuleList(
            [nn.Embedding(n, d, padding_idx=0) for n in config.prefix_vocab_sizes]
        )
        self.position = nn.Embedding(config.max_len, d)
        self.encoder = nn.TransformerEncoder(
            _layer(config), config.n_layers, enable_nested_tensor=False
        )
        self.encoder_norm = nn.LayerNorm(d)
        self.target_codes = nn.ModuleList([nn.Embedding(v, d) for v in config.vocab_sizes[:-1]])
        self.level = nn.Embedding(levels, d)
        self.decoder = nn.TransformerEncoder(
            _layer(config), config.n_decoder_layers, enable_nested_tensor=False
        )
        self.decoder_norm = nn.LayerNorm(d)
        # Untied: one output matrix per level; tied: only a bias per code.
        self.heads = nn.ModuleList(
            [] if config.tie_embeddings else [nn.Linear(d, v) for v in config.vocab_sizes]
        )
        self.head_bias = nn.ParameterList(
            [nn.Parameter(torch.zeros(v)) for v in config.vocab_sizes]
            if config.tie_embeddings
            else []
        )

        self.drop = nn.Dropout(config.dropout)
        self.register_buffer("pad", torch.tensor(config.vocab_sizes), persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()

    def item_vectors(
        self, codes: torch.Tensor, prefixes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Embed items (..., L) by their codes and prefix ids (..., L - 1) into (..., d).

        The same vector represents an item read in a history and, tied, scored by the item
        head; -1 codes (padding) and unknown prefixes (id 0) embed to zero, so a new item
        is represented by the codes and prefixes it shares with the trained items.
        """
        codes = torch.where(codes < 0, self.pad, codes)  # (..., L)
        x = sum(emb(codes[..., lvl]) for lvl, emb in enumerate(self.item_codes))
        if prefixes is not None:
            x = x + sum(emb(prefixes[..., n]) for n, emb in enumerate(self.item_prefixes))
        return torch.as_tensor(x)

    def item_logits(self, states: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Score every item (N, I) from states (N, d) against item vectors (I, d).

        The item head: a full softmax over the catalog, as SASRec's, whose item vectors
        are built from semantic IDs. Its probability mass under a code prefix can score
        that prefix while decoding (`beam_search`'s ``mass_levels``).
        """
        return states @ items.T

    def encode(
        self, history: torch.Tensor, history_prefixes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Encode (B, T, L) history codes, right-padded with -1, into states (B, T, d).

        ``history_prefixes`` (B, T, L - 1) are the items' prefix ids (0: unknown, padding).
        """
        _, t, _ = history.shape
        x = self.item_vectors(history, history_prefixes)  # (B, T, d)
        x = x + self.position(torch.arange(t, device=history.device))  # (B, T, d)
        x = self.encoder(self.drop(x), mask=_causal(t), is_causal=True)  # (B, T, d)
        return self.encoder_norm(x)

    def decode(
        self, state: torch.Tensor, prefix: torch.Tensor, children: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Return the logits (N, V_l) of level l = len(prefix) given states (N, d) and (N, l).

        ``children`` (N, V_l) are the prefix ids of ``prefix + (code,)`` for every code (0
        where unknown); with them the prefix embeddings also score the codes.
        """
        x = self._decode_states(state, prefix)[:, -1]  # (N, d)
        return self.logits(x, prefix.shape[1], children)

    def _decode_states(self, state: torch.Tensor, prefix: torch.Tensor) -> torch.Tensor:
        depth = prefix.shape[1]
        tokens = [state[:, None, :]] + [
            self.target_codes[lvl](prefix[:, lvl])[:, None, :] for lvl in range(depth)
        ]
        x = torch.cat(tokens, 1) + self.level.weight[: depth + 1]  # (N, l + 1, d)
        x = self.decoder(self.drop(x), mask=_causal(depth + 1), is_causal=True)  # (N, l + 1, d)
        return self.decoder_norm(x)

    def logits(
        self, x: torch.Tensor, level: int, children: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Score every code of ``level`` (N, V_level) from decoder outputs (N, d)."""
        if not self.config.tie_embeddings:
            out = self.heads[level](x)
        else:
            embedding = self.item_codes[level]
            assert isinstance(embedding, nn.Embedding)
            out = F.linear(x, embedding.weight[:-1], self.head_bias[level])  # (N, V_level)
        if (
            children is not None
            and 1 <= level <= len(self.item_prefixes)
            and self.config.prefix_output
        ):
            # Score each child by its own prefix embedding too (tied with the input side):
            # items that share a code still get their own output vector.
            table = self.item_prefixes[level - 1]
            assert isinstance(table, nn.Embedding)
            out = out + (x @ table.weight.T).gather(1, children)  # (N, V_level)
        return out

    def sibling_logits(self, x: torch.Tensor, level: int, siblings: Siblings) -> torch.Tensor:
        """Score only the candidate codes (N, B) of ``level`` from decoder outputs (N, d).

        Equal to `logits` at those codes (with their children's prefix ids), -inf at padding;
        past the first level a prefix has a few dozen children at most, so this is far
        cheaper than scoring every prefix embedding. The codes themselves (a few hundred
        per level) are scored all at once and picked out: one matrix product costs less
        than gathering an (N, B, d) weight tensor and its gradient.
        """
        valid = siblings.codes >= 0  # (N, B)
        codes = siblings.codes.clamp_min(0)
        out = self.logits(x, level).gather(1, codes)  # (N, B)
        if (
            siblings.prefixes is not None
            and 1 <= level <= len(self.item_prefixes)
            and self.config.prefix_output
        ):
            table = self.item_prefixes[level - 1]
            assert isinstance(table, nn.Embedding)
            out = out + torch.einsum("nd,nbd->nb", x, table.weight[siblings.prefixes])
        return out.masked_fill(~valid, float("-inf"))

    def forward(
        self,
        history: torch.Tensor,
        target: torch.Tensor,
        history_prefixes: torch.Tensor | None = None,
        allowed: list[torch.Tensor] | None = None,
        children: list[torch.Tensor] | None = None,
        siblings: list[Siblings] | None = None,
    ) -> SIDOutput:
        """Predict every target item's codes, teacher-forced.

        ``history`` and ``target`` are (B, T, L) codes with -1 where there is no item; the
        target at position t is the item that followed history position t;
        ``history_prefixes`` (B, T, L - 1) are the history items' prefix ids, as in
        `encode`. Per target (row-major order, N of them) and level, ``allowed`` (N, V_l)
        masks the codes valid after the target's prefix, so the loss is that of the
        trie-constrained distribution that beam search decodes; ``children`` (N, V_l),
        for levels 1..L-1, are the prefix ids as in `decode`. ``siblings``, for levels
        1..L-1, replace ``allowed`` and ``children`` there with the same constrained loss
        computed over each target's sibling codes only.
        """
        children = children or []
        state = self.encode(history, history_prefixes)  # (B, T, d)
        keep = target[..., 0] >= 0  # (B, T)
        state, target = state[keep], target[keep]  # (N, d), (N, L)
        x = self._decode_states(state, target[:, :-1])  # (N, L, d)
        if siblings is not None:
            first = self.logits(x[:, 0], 0)  # (N, V_0)
            if allowed is not None:
                first = first.masked_fill(~allowed[0], float("-inf"))
            compact = [
                self.sibling_logits(x[:, lvl], lvl, sib)
                for lvl, sib in enumerate(siblings, start=1)
            ]  # L - 1 tensors (N, B_l)
            tokens = [F.cross_entropy(first, target[:, 0], reduction="none")] + [
                F.cross_entropy(lg, sib.target, reduction="none")
                for lg, sib in zip(compact, siblings, strict=True)
            ]
            return SIDOutput([first, *compact], _total(tokens), tokens, state)
        logits = [
            self.logits(x[:, lvl], lvl, children[lvl - 1] if 0 < lvl <= len(children) else None)
            for lvl in range(x.shape[1])
        ]  # L tensors (N, V_l)
        if allowed is not None:
            logits = [
                lg.masked_fill(~ok, float("-inf")) for lg, ok in zip(logits, allowed, strict=True)
            ]
        tokens = [
            F.cross_entropy(lg, target[:, lvl], reduction="none") for lvl, lg in enumerate(logits)
        ]
        return SIDOutput(logits, _total(tokens), tokens, state)

    def n_parameters(self) -> int:
        """Count trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
