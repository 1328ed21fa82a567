"""How common English words are: frequency ranks from the embedding model's vocabulary.

The WordPiece vocabulary that ships inside the embedding model's package lists whole
words roughly from the most to the least frequent, which is enough to tell "fan" or
"weekend" (ordinary words) from "Inception" (a name). Nothing is downloaded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from knowledge.embed import DEFAULT_MODEL, model_path
from knowledge.errors import ParleyError

log = logging.getLogger(__name__)


def read_vocab_ranks(path: Path) -> dict[str, int]:
    """Rank the whole alphabetic words of a WordPiece ``vocab.txt`` (0 = most frequent)."""
    ranks: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word = line.rstrip("\n")
            whole_word = word.isascii() and word.isalpha() and word.islower() and len(word) > 1
            if whole_word or word in {"a", "i"}:
                ranks.setdefault(word, len(ranks))
    return ranks


def english_ranks(model: str = DEFAULT_MODEL) -> dict[str, int]:
    """Word frequency ranks from the embedding model's vocabulary; empty when it has none."""
    try:
        vocab = model_path(model) / "vocab.txt"
    except ParleyError as exc:
        log.info("no word frequencies for linking (%s); using built-in word lists only", exc)
        return {}
    if not vocab.exists():
        log.info("embedding model %s has no vocab.txt; using built-in word lists only", model)
        return {}
    return read_vocab_ranks(vocab)
