"""What people recommended in conversations like this one: a memory of real dialogue turns.

Each recommender turn of a set of dialogues (ReDial's training split) is kept as the
seeker's words up to that turn (one sentence embedding) and the films the human
recommender then named. For a live conversation, the turns whose seekers said the most
similar things vote for what their recommenders named, each vote weighted by the
similarity. "Im looking for a great documentary" finds the documentaries people were
actually told to watch, "something scary for Halloween" the horror films they were told
about: a signal that neither the plot text nor the co-liked films carry. The learned
fusion reads it as two features (`agent.learned`); it is learned and stored by
``parley train-ranker`` with the model that reads it.

Training cross-fits it like the collaborative model: a training turn is scored from the
turns of the other folds only, never from its own dialogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.errors import PackError

MEMORY_FILE = "talks.npz"
NEIGHBOURS = 50
"""Turns that vote. Five-fold cross-validation on the ReDial training dialogues (bag of
three, the model's other features unchanged): Recall@10 0.191 -> 0.206 with 50, the one
value tried so far."""
MAX_TEXT = 4000
"""Characters of the seeker's words embedded (the latest ones)."""


def seeker_text(said: Sequence[str]) -> str:
    """The text a conversation is embedded by: the seeker's messages, the latest kept."""
    return " ".join(s.strip() for s in said if s.strip())[-MAX_TEXT:]


@dataclass
class TalkMemory:
    """Embedded seeker contexts, the films recommended after each, and their dialogues."""

    vectors: np.ndarray
    """``(turns, dim)`` unit vectors of the seekers' words."""
    recommended: list[list[str]]
    """Each turn's recommended films (canonical item ids)."""
    groups: np.ndarray
    """Each turn's group (the training fold of its dialogue): a score can leave one out."""

    def __len__(self) -> int:
        return len(self.recommended)

    def scores(
        self,
        vector: np.ndarray,
        leave_out: int | None = None,
        neighbours: int = NEIGHBOURS,
    ) -> dict[str, float]:
        """Film -> summed similarity of the nearest turns that recommended it; the turns of
        group ``leave_out`` never vote."""
        if not len(self) or not np.any(vector):
            return {}
        similarity = self.vectors @ vector.astype(np.float32, copy=False)
        if leave_out is not None:
            similarity[self.groups == leave_out] = -np.inf
        k = min(neighbours, int(np.isfinite(similarity).sum()))
        if k <= 0:
            return {}
        nearest = np.argpartition(-similarity, k - 1)[:k]
        found: dict[str, float] = {}
        for turn in nearest:
            weight = max(float(similarity[turn]), 0.0)
            for item_id in self.recommended[turn]:
                found[item_id] = found.get(item_id, 0.0) + weight
        return found

    def save(self, folder: Path) -> None:
        """Write the memory into a pack folder."""
        np.savez_compressed(
            folder / MEMORY_FILE,
            vectors=self.vectors.astype(np.float16),
            groups=self.groups.astype(np.int16),
            recommended=np.array(json.dumps(self.recommended)),
        )

    @classmethod
    def load(cls, folder: Path) -> TalkMemory | None:
        """The pack's memory, or ``None`` when it has none; an unreadable one is an error."""
        path = folder / MEMORY_FILE
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                memory = cls(
                    data["vectors"].astype(np.float32),
                    json.loads(str(data["recommended"])),
                    data["groups"].astype(np.int64),
                )
        except (OSError, ValueError, KeyError) as exc:
            raise PackError(f"{path} is unreadable ({exc}); run `parley train-ranker`") from exc
        if len(memory.recommended) != len(memory.vectors) or len(memory.groups) != len(
            memory.vectors
        ):
            raise PackError(f"{path} is inconsistent; run `parley train-ranker` again")
        return memory


def build_memory(
    turns: Sequence[tuple[Sequence[str], Sequence[str], int]],
    encode: Callable[[list[str]], np.ndarray],
) -> TalkMemory:
    """A memory from ``(seeker messages, recommended item ids, group)`` triples; ``encode``
    embeds texts as unit vectors (the pack's sentence embedder)."""
    kept = [(said, list(dict.fromkeys(recs)), g) for said, recs, g in turns if recs]
    vectors = encode([seeker_text(said) for said, _, _ in kept]) if kept else np.zeros((0, 1))
    return TalkMemory(
        np.asarray(vectors, dtype=np.float32),
        [recs for _, recs, _ in kept],
        np.array([g for _, _, g in kept], dtype=np.int64),
    )
