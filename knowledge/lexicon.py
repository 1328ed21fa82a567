"""How common English words are: frequency ranks from the embedding model's vocabulary.

The WordPiece vocabulary that ships inside the embedding model's package lists whole
words roughly from the most to the least frequent, which is enough to tell "fan" or
"weekend" (ordinary words) from "Inception" (a name). Nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from knowledge.embed import DEFAULT_MODEL, model_path
from knowledge.errors import ParleyError
from knowledge.text import plural

# Everyday words for genres: each names the catalog genres listed, where the catalog has
# them ("romcom" is both romance and comedy). The linker links them as aliases of the genre;
# the reader reads them with their polarity ("nothing scary" avoids horror).
GENRE_WORDS: dict[str, tuple[str, ...]] = {
    "animated": ("animation",),
    "cartoon": ("animation",),
    "cartoons": ("animation",),
    "anime": ("animation",),
    "scary": ("horror",),
    "spooky": ("horror",),
    "frightening": ("horror",),
    "scarier": ("horror",),
    "creepy": ("horror",),
    "horrors": ("horror",),
    "funny": ("comedy",),
    "funnier": ("comedy",),
    "hilarious": ("comedy",),
    "comedic": ("comedy",),
    # moods that ask for a kind of film: "something to cheer me up" is a comedy
    "cheer me up": ("comedy",),
    "cheer us up": ("comedy",),
    "cheer up": ("comedy",),
    "make me laugh": ("comedy",),
    "feel-good": ("comedy",),
    "feel good": ("comedy",),
    "feelgood": ("comedy",),
    "lighthearted": ("comedy",),
    "light-hearted": ("comedy",),
    "heartwarming": ("comedy", "family"),
    "heart-warming": ("comedy", "family"),
    "tearjerker": ("drama",),
    "mind-bending": ("sci-fi", "thriller"),
    "mind bending": ("sci-fi", "thriller"),
    "romantic": ("romance",),
    "love story": ("romance",),
    "rom-com": ("romance", "comedy"),
    "romcom": ("romance", "comedy"),
    "rom com": ("romance", "comedy"),
    "sci fi": ("sci-fi",),
    "scifi": ("sci-fi",),
    "science fiction": ("sci-fi",),
    "space": ("sci-fi",),
    "suspenseful": ("thriller",),
    "suspense": ("thriller",),
    "action-packed": ("action",),
    "docs": ("documentary",),
    "dramatic": ("drama",),
    "whodunit": ("mystery",),
    "kids": ("family", "animation"),  # either: most cartoons are not listed as family
    "family-friendly": ("family",),
    "war movies": ("war",),
    "superhero": ("superhero", "action"),
    "biopic": ("biography",),
    "biopics": ("biography",),
    "historical": ("history",),
    "sports": ("sport",),
    "noir": ("film-noir",),
}


def genre_words(genres: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Words that name the given genres: each genre, its plural and the `GENRE_WORDS`
    pointing at it, each mapped to the genres of ``genres`` it names."""
    known = {g.lower() for g in genres}
    table: dict[str, tuple[str, ...]] = {}
    for genre in sorted(known):
        table[genre] = (genre,)
        if "-" not in genre and not genre.endswith("s"):
            table[plural(genre)] = (genre,)
    for word, targets in GENRE_WORDS.items():
        present = tuple(t for t in targets if t in known)
        if present:
            table[word] = present
    return table


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


@lru_cache(maxsize=4)
def english_ranks(model: str = DEFAULT_MODEL) -> dict[str, int]:
    """Word frequency ranks from the embedding model's vocabulary (read once per process).

    Linking depends on them to tell names from ordinary words, so a model without its
    ``vocab.txt`` is an error, not a silently empty word list.
    """
    vocab = model_path(model) / "vocab.txt"
    if not vocab.exists():
        raise ParleyError(
            f"the embedding model {model!r} has no vocab.txt at {vocab}: the entity linker "
            "needs its word list (reinstall the model package)"
        )
    return read_vocab_ranks(vocab)
