"""Clarifying questions: which attribute to ask about, and how to ask it."""

from __future__ import annotations

import math
from collections import Counter

from agent.runtime import AgentContext
from agent.state import Candidate
from knowledge.items import Item

ASKABLE = ("genre", "era", "director", "star")


def _era(year: int | None) -> str | None:
    return f"{year // 10 * 10}s" if year else None


def _values(attribute: str, item: Item) -> list[str]:
    if attribute == "era":
        era = _era(item.year)
        return [era] if era else []
    return item.values(attribute)


def best_question(
    ctx: AgentContext, pool: list[Candidate], asked: list[str]
) -> tuple[str, list[str]]:
    """The attribute to ask about, with its most common values among the top candidates.

    With the ``narrow`` setting: the attribute whose answer keeps the fewest candidates, that
    is the lowest chance that two of them share a value (a star or a director names a few
    films, an era hundreds). With ``split``: the highest entropy over recurring values.
    """
    best: tuple[float, str, list[str]] = (-1.0, "genre", [])
    head = pool[:20]
    for attribute in ASKABLE:
        if attribute in asked:
            continue
        counts: Counter[str] = Counter()
        for candidate in head:
            # Deduplicated in catalog order: ties in most_common() keep insertion order,
            # and a set's order changes from one process to the next.
            values = _values(attribute, ctx.catalog[candidate.item_id])
            counts.update(dict.fromkeys(values, 1))
        total = sum(counts.values())
        if total == 0 or len(counts) < 2:
            continue
        if ctx.settings.question == "narrow":
            # The chance that two candidates share a value: the share an answer keeps.
            score = 1.0 - sum((n / total) ** 2 for n in counts.values())
        else:
            entropy = -sum(n / total * math.log(n / total) for n in counts.values())
            # Recurring values make a useful question; one-off names do not.
            useful = sum(1 for n in counts.values() if n > 1) / len(counts)
            score = entropy * useful
        if score > best[0]:
            best = (score, attribute, [v for v, _ in counts.most_common(4)])
    if best[0] < 0:
        genres = Counter(ctx.catalog.attribute_values("genre")).most_common(5)
        return "genre", [g for g, _ in genres]
    return best[1], best[2]


QUESTIONS = {
    "genre": "What kind of movie are you in the mood for?",
    "era": "Do you prefer something recent or an older film?",
    "director": "Is there a director whose films you enjoy?",
    "star": "Any actor or actress you'd like to see?",
    "opener": "What's a movie you loved recently, or a genre you're in the mood for?",
}
TOPICS = {
    "genre": ("kind", "genre", "type", "mood", "sort"),
    "era": ("recent", "older", "old", "new", "newer", "classic", "decade", "year", "era"),
    "director": ("director", "directed", "filmmaker"),
    "star": ("actor", "actress", "actors", "star", "starring", "cast"),
    "opener": ("movie", "film", "genre", "kind", "mood", "loved", "like"),
}
"""Words that show a question is the one due: an LLM's rewording must ask about its topic
(with one of these words, or one of the options offered)."""
