"""Prefix trie of valid semantic IDs, with per-query exclusions pruned at every level."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

Prefix = tuple[int, ...]


class PrefixTrie:
    """All valid semantic IDs as a trie: which codes may follow each prefix.

    Row ``i`` of the code array is item row ``i``; a full path leads back to that row.
    """

    def __init__(self, codes: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        if codes.ndim != 2:
            raise ValueError("codes must be a 2-d array (items, levels)")
        self.codes = codes
        self.n_levels = int(codes.shape[1])
        children: dict[Prefix, set[int]] = {}
        self.size: Counter[Prefix] = Counter()
        """Items under each prefix (the empty prefix counts them all)."""
        self.leaf: dict[Prefix, int] = {}
        for row, code in enumerate(map(tuple, codes.tolist())):
            if code in self.leaf:
                raise ValueError(f"semantic ID {code} appears twice")
            self.leaf[code] = row
            for depth in range(self.n_levels):
                children.setdefault(code[:depth], set()).add(code[depth])
                self.size[code[:depth]] += 1
        self.children: dict[Prefix, np.ndarray] = {
            p: np.fromiter(sorted(c), dtype=np.int64) for p, c in children.items()
        }

    def __len__(self) -> int:
        return len(self.leaf)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, tuple) and code in self.leaf

    def row(self, code: Prefix) -> int | None:
        """Return the item row of a full semantic ID, or ``None``."""
        return self.leaf.get(code)

    def blocked(self, excluded_rows: Iterable[int]) -> dict[Prefix, set[int]]:
        """Map each prefix to the codes after it that lead only to excluded items."""
        left: Counter[Prefix] = Counter()
        for row in set(excluded_rows):
            code = tuple(int(c) for c in self.codes[row])
            for depth in range(1, self.n_levels + 1):
                left[code[:depth]] += 1
        blocked: dict[Prefix, set[int]] = {}
        for node, count in left.items():
            if count >= self.size.get(node, 1):  # every item under this node is excluded
                blocked.setdefault(node[:-1], set()).add(node[-1])
        return blocked

    def allowed(self, prefix: Prefix, blocked: dict[Prefix, set[int]] | None = None) -> np.ndarray:
        """Return the codes that may follow ``prefix`` and still reach a non-excluded item."""
        options = self.children.get(prefix)
        if options is None:
            return np.zeros(0, dtype=np.int64)
        stop = blocked.get(prefix) if blocked else None
        if stop:
            options = options[~np.isin(options, np.fromiter(stop, dtype=np.int64))]
        return options

    def parents(self, level: int) -> list[Prefix]:
        """The prefixes of length ``level`` that lead to some item, sorted."""
        return sorted(p for p in self.children if len(p) == level)

    def level_masks(
        self, vocab_sizes: tuple[int, ...]
    ) -> list[tuple[np.ndarray, np.ndarray, list[Prefix]]]:
        """Per level: each item's parent index (N,), each parent's valid codes (P, V), parents.

        ``allowed[parent[row]]`` says which codes may follow the prefix of ``row`` at that
        level; training with it matches the constrained distribution that decoding uses.
        """
        out = []
        for lvl in range(self.n_levels):
            parents = self.parents(lvl)
            index = {p: i for i, p in enumerate(parents)}
            parent = np.fromiter(
                (index[tuple(c[:lvl])] for c in self.codes.tolist()),
                dtype=np.int64,
                count=len(self.codes),
            )
            allowed = np.zeros((len(parents), vocab_sizes[lvl]), dtype=bool)
            for p, i in index.items():
                allowed[i, self.children[p]] = True
            out.append((parent, allowed, parents))
        return out

    def nodes(self, level: int) -> dict[Prefix, int]:
        """Number the prefixes of length ``level``: `parents` order, or item rows for full IDs."""
        if level == self.n_levels:
            return dict(self.leaf)
        return {p: i for i, p in enumerate(self.parents(level))}

    def group_index(self, level: int) -> np.ndarray:
        """Each item's prefix of length ``level`` as its number in `nodes(level)` (N,)."""
        index = self.nodes(level)
        return np.fromiter(
            (index[tuple(c[:level])] for c in self.codes.tolist()),
            dtype=np.int64,
            count=len(self.codes),
        )

    def child_index(self, level: int, vocab_size: int) -> tuple[dict[Prefix, int], np.ndarray]:
        """Where each child of a prefix of length ``level`` is numbered in `nodes(level + 1)`.

        Returns the row of each parent and a (P, vocab_size) table: the number of
        ``parent + (code,)``, -1 where no item continues that way.
        """
        parents = self.parents(level)
        below = self.nodes(level + 1)
        table = np.full((len(parents), vocab_size), -1, dtype=np.int64)
        for i, p in enumerate(parents):
            for code in self.children[p].tolist():
                table[i, code] = below[(*p, code)]
        return {p: i for i, p in enumerate(parents)}, table

    def sibling_tables(self, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per parent of length ``level``: its valid codes, padded; per item: its slot.

        Returns each item's parent index (N,), every parent's codes (P, B) padded with -1
        (B: the most children any parent has) and each item's position among its parent's
        codes (N,). A constrained loss needs only these B codes per target, not all V.
        """
        parents = self.parents(level)
        index = {p: i for i, p in enumerate(parents)}
        width = max(len(self.children[p]) for p in parents)
        codes = np.full((len(parents), width), -1, dtype=np.int64)
        for p, i in index.items():
            codes[i, : len(self.children[p])] = self.children[p]
        parent = np.empty(len(self.codes), dtype=np.int64)
        slot = np.empty(len(self.codes), dtype=np.int64)
        for row, code in enumerate(self.codes.tolist()):
            parent[row] = i = index[tuple(code[:level])]
            # Children are sorted, so the slot is the code's rank among them.
            slot[row] = int(np.searchsorted(self.children[parents[i]], code[level]))
        return parent, codes, slot
