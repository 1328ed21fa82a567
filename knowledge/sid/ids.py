"""Semantic-ID table: residual codes plus a disambiguation code, unique per item."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CodeStats:
    """How the residual codes spread over the items before disambiguation."""

    n_items: int
    n_levels: int
    codebook_size: int
    usage: list[float]
    """Share of each level's codebook that some item uses."""
    distinct_prefixes: int
    """Distinct residual-code tuples (items that would have a unique ID without the extra code)."""
    colliding_items: int
    """Items whose residual-code tuple some other item shares."""
    max_group: int
    """Items in the largest group that shares one residual-code tuple."""
    entropy: list[float] = field(default_factory=list)
    """Per level: entropy of the code distribution over log(codebook size) (1.0 = even)."""

    @property
    def collision_rate(self) -> float:
        """Share of items whose residual codes alone do not identify them."""
        return self.colliding_items / self.n_items if self.n_items else 0.0

    def to_dict(self) -> dict[str, object]:
        """Return the stats as JSON-ready values."""
        return {
            "n_items": self.n_items,
            "levels": self.n_levels,
            "codebook_size": self.codebook_size,
            "codebook_usage": [round(u, 4) for u in self.usage],
            "distinct_prefixes": self.distinct_prefixes,
            "colliding_items": self.colliding_items,
            "collision_rate": round(self.collision_rate, 4),
            "max_group": self.max_group,
            "code_entropy": [round(e, 4) for e in self.entropy],
        }


def code_stats(prefix_codes: np.ndarray, codebook_size: int) -> CodeStats:
    """Measure codebook usage and collisions of (N, L) residual codes."""
    n, levels = prefix_codes.shape
    usage = [len(np.unique(prefix_codes[:, lvl])) / codebook_size for lvl in range(levels)]
    groups = Counter(map(tuple, prefix_codes.tolist()))
    colliding = sum(c for c in groups.values() if c > 1)
    entropy = []
    for lvl in range(levels):
        p = np.bincount(prefix_codes[:, lvl], minlength=codebook_size).astype(np.float64)
        p = p[p > 0] / max(p.sum(), 1.0)
        entropy.append(float(-(p * np.log(p)).sum() / np.log(codebook_size)))
    return CodeStats(
        n_items=n,
        n_levels=levels,
        codebook_size=codebook_size,
        usage=usage,
        distinct_prefixes=len(groups),
        colliding_items=colliding,
        max_group=max(groups.values(), default=0),
        entropy=entropy,
    )


@dataclass
class SemanticIds:
    """Each item's semantic ID: ``L`` residual codes and one disambiguation code.

    The disambiguation code numbers the items that share residual codes, in catalog order,
    so the full ID is unique. Row ``i`` of `codes` belongs to ``item_ids[i]``.
    """

    item_ids: list[str]
    codes: np.ndarray
    """(N, L + 1) int64 codes; the last column is the disambiguation code."""
    codebook_size: int
    """Codes per residual level."""
    disambiguation_size: int
    """Codes available to the disambiguation level (the most items one prefix can hold)."""
    _index: dict[tuple[int, ...], int] = field(init=False, repr=False)
    _row: dict[str, int] = field(init=False, repr=False)
    _next_free: Counter[tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.codes = np.asarray(self.codes, dtype=np.int64)
        if self.codes.ndim != 2 or self.codes.shape[0] != len(self.item_ids):
            raise ValueError("codes must be (len(item_ids), levels + 1)")
        self._row = {}
        for row, item_id in enumerate(self.item_ids):
            if item_id in self._row:
                raise ValueError(f"duplicate item id {item_id!r}")
            self._row[item_id] = row
        self._index = {}
        self._next_free = Counter()
        for row, code in enumerate(map(tuple, self.codes.tolist())):
            if code in self._index:
                raise ValueError(f"semantic ID {code} is not unique")
            self._index[code] = row
            prefix = code[:-1]
            self._next_free[prefix] = max(self._next_free[prefix], code[-1] + 1)
        if self.codes.size and int(self.codes[:, -1].max()) >= self.disambiguation_size:
            raise ValueError("a disambiguation code exceeds disambiguation_size")

    @classmethod
    def from_prefix_codes(
        cls,
        item_ids: Sequence[str],
        prefix_codes: np.ndarray,
        codebook_size: int,
        disambiguation_size: int | None = None,
    ) -> SemanticIds:
        """Append the disambiguation code to (N, L) residual codes, numbering collisions.

        The disambiguation level gets ``codebook_size`` codes unless one prefix holds more
        items (or ``disambiguation_size`` says otherwise).
        """
        prefix_codes = np.asarray(prefix_codes, dtype=np.int64)
        seen: Counter[tuple[int, ...]] = Counter()
        extra = np.zeros(len(item_ids), dtype=np.int64)
        for row, prefix in enumerate(map(tuple, prefix_codes.tolist())):
            extra[row] = seen[prefix]
            seen[prefix] += 1
        largest = max(seen.values(), default=0)
        size = disambiguation_size or max(codebook_size, largest)
        if largest > size:
            raise ValueError(
                f"{largest} items share one residual code tuple, more than the "
                f"{size} disambiguation codes; train the RQ-VAE longer or add a level"
            )
        return cls(list(item_ids), np.column_stack([prefix_codes, extra]), codebook_size, size)

    def __len__(self) -> int:
        return len(self.item_ids)

    @property
    def n_levels(self) -> int:
        """Tokens per semantic ID, the disambiguation code included."""
        return int(self.codes.shape[1])

    @property
    def vocab_sizes(self) -> tuple[int, ...]:
        """Codes per level, the disambiguation level last."""
        return (self.codebook_size,) * (self.n_levels - 1) + (self.disambiguation_size,)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._row

    def row(self, item_id: str) -> int:
        """Return the row of an item."""
        return self._row[item_id]

    def id_of(self, item_id: str) -> tuple[int, ...]:
        """Return the semantic ID of an item."""
        return tuple(int(c) for c in self.codes[self._row[item_id]])

    def item_of(self, code: Sequence[int]) -> str | None:
        """Return the item with this semantic ID, or ``None`` when no item has it."""
        row = self._index.get(tuple(int(c) for c in code))
        return None if row is None else self.item_ids[row]

    def stats(self) -> CodeStats:
        """Codebook usage and collisions of the residual codes."""
        return code_stats(self.codes[:, :-1], self.codebook_size)

    def add(
        self, item_id: str, prefix: Sequence[int], reserved: Container[tuple[int, ...]] = ()
    ) -> tuple[int, ...]:
        """Give a new item the next free ID under its residual codes and return it.

        IDs in ``reserved`` are skipped (those of removed items that the model still knows).
        """
        if item_id in self._row:
            raise ValueError(f"item {item_id!r} already has a semantic ID")
        key = tuple(int(c) for c in prefix)
        extra = self._next_free[key]
        while (*key, extra) in reserved:
            extra += 1
        if extra >= self.disambiguation_size:
            raise ValueError(f"no free disambiguation code left under {key}")
        code = (*key, extra)
        self._next_free[key] = extra + 1
        self._row[item_id] = len(self.item_ids)
        self._index[code] = len(self.item_ids)
        self.item_ids.append(item_id)
        self.codes = np.vstack([self.codes, np.asarray([code], dtype=np.int64)])
        return code

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready form (item ids beside their codes)."""
        return {
            "codebook_size": self.codebook_size,
            "disambiguation_size": self.disambiguation_size,
            "item_ids": list(self.item_ids),
            "codes": self.codes.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SemanticIds:
        """Rebuild the table from `to_json` output."""
        item_ids = data["item_ids"]
        codes = data["codes"]
        if not isinstance(item_ids, list) or not isinstance(codes, list):
            raise ValueError("semantic IDs need lists 'item_ids' and 'codes'")
        return cls(
            [str(i) for i in item_ids],
            np.asarray(codes, dtype=np.int64).reshape(len(item_ids), -1),
            int(data["codebook_size"]),  # type: ignore[call-overload]
            int(data["disambiguation_size"]),  # type: ignore[call-overload]
        )


@dataclass
class PrefixVocab:
    """Numbers the ID prefixes of length 2 and more that the training items use.

    The sequence model embeds each history item's prefixes as well as its single codes
    (n-gram embeddings of semantic IDs, after Singh et al. 2023), so items that share
    only a first code still get distinct inputs. Id 0 stands for a prefix unseen in
    training (a new item's), whose embedding is zero.
    """

    prefixes: list[list[tuple[int, ...]]]
    """Per level 2..L, the known prefixes in id order (id = position + 1)."""
    _ids: list[dict[tuple[int, ...], int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ids = [{p: i + 1 for i, p in enumerate(level)} for level in self.prefixes]

    @classmethod
    def from_codes(cls, codes: np.ndarray, longest: int | None = None) -> PrefixVocab:
        """Collect the distinct prefixes of (N, L) semantic IDs, sorted.

        Prefixes of length 2 up to ``longest`` (default: L, the whole ID) are numbered.
        """
        rows = [tuple(int(c) for c in row) for row in np.asarray(codes).tolist()]
        levels = len(rows[0]) if rows else 0
        top = levels if longest is None else min(longest, levels)
        return cls([sorted({r[: n + 1] for r in rows}) for n in range(1, top)])

    @property
    def sizes(self) -> tuple[int, ...]:
        """Embedding rows needed per level (known prefixes plus the unknown id 0)."""
        return tuple(len(level) + 1 for level in self.prefixes)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Return the prefix ids (M, P) of (M, L) semantic IDs, one per table; 0 if unknown."""
        codes = np.asarray(codes, dtype=np.int64)
        codes = codes.reshape(len(codes), -1)
        out = np.zeros((len(codes), len(self.prefixes)), dtype=np.int64)
        for m, row in enumerate(codes.tolist()):
            for n, ids in enumerate(self._ids):
                out[m, n] = ids.get(tuple(row[: n + 2]), 0)
        return out

    def child_table(
        self, level: int, parents: Sequence[tuple[int, ...]], vocab_size: int
    ) -> np.ndarray:
        """Return (len(parents), vocab_size) ids of ``parent + (code,)``; 0 where unknown.

        ``level`` is the length of the parents (1 .. L - 1).
        """
        row = {p: i for i, p in enumerate(parents)}
        out = np.zeros((len(parents), vocab_size), dtype=np.int64)
        for prefix, prefix_id in self._ids[level - 1].items():
            i = row.get(prefix[:-1])
            if i is not None:
                out[i, prefix[-1]] = prefix_id
        return out

    def to_json(self) -> list[list[list[int]]]:
        """Return a JSON-ready form."""
        return [[list(p) for p in level] for level in self.prefixes]

    @classmethod
    def from_json(cls, data: list[list[list[int]]]) -> PrefixVocab:
        """Rebuild the vocabulary from `to_json` output."""
        return cls([[tuple(int(c) for c in p) for p in level] for level in data])

    def known(self, code: Sequence[int]) -> bool:
        """Whether the model has an embedding of this whole ID (it was a training item's)."""
        key = tuple(int(c) for c in code)
        n = len(key) - 2
        return 0 <= n < len(self._ids) and key in self._ids[n]
