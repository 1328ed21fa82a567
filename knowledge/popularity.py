"""The popularity prior of a pack: how well known each item is, from what the pack knows.

Without it, ties in a ranking fall to catalog-file order and a user who has said nothing
gets the first records of the file. Interactions are the best evidence (how many
MovieLens users liked an item, how many dialogues mention it); a catalog's own popularity
field comes next; graph degree (how much the catalog knows about an item) is the last
resort. The manifest records which one a pack uses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from knowledge.collab import SOURCE_WEIGHTS
from knowledge.items import Catalog
from knowledge.sequences import SequenceSet


def interaction_counts(sets: SequenceSet) -> Counter[str]:
    """In how many interaction sets each item appears."""
    counts: Counter[str] = Counter()
    for sequence in sets.sequences:
        counts.update(set(sequence.item_ids))
    return counts


COUNTS_FILE = "counts.json"
"""Per kind of interaction source, how many of its sets hold each item (`source_counts`)."""


def source_counts(sets: Mapping[str, SequenceSet]) -> dict[str, dict[str, int]]:
    """Per kind of source (``movielens``, ``dialogues``, ``redial-liked``), how many of its
    interaction sets hold each item: who knows a film, source by source."""
    counts: dict[str, Counter[str]] = {}
    for name, found in sets.items():
        counts.setdefault(name.partition(":")[0], Counter()).update(interaction_counts(found))
    return {kind: dict(counter) for kind, counter in counts.items()}


RATINGS_FILE = "ratings.json"
"""Per film, how many of its ratings were 4 stars or more and how many it had (`verdicts`)."""

ACCLAIM_PRIOR = 10
"""Ratings of average share that `acclaimed` adds to every film's own: a film with a few
glowing ratings is not yet acclaimed."""
ACCLAIM_MARGIN = 0.05
"""How far above the average share of liking ratings a film's shrunk share must be."""


def verdicts(sets: Mapping[str, SequenceSet]) -> dict[str, tuple[int, int]]:
    """Per item, its ratings of 4 stars or more and all its ratings, over every source of
    ratings (MovieLens). Dialogue mentions and ReDial's liked answers are no verdicts: 95 %
    of those answers say "liked", so they cannot tell a good film from a poor one."""
    liked: Counter[str] = Counter()
    rated: Counter[str] = Counter()
    for found in sets.values():
        for item_id, (yes, n) in found.verdicts.items():
            liked[item_id] += yes
            rated[item_id] += n
    return {item_id: (liked[item_id], n) for item_id, n in rated.items()}


def acclaimed(
    ratings: Mapping[str, Sequence[int]],
    prior: int = ACCLAIM_PRIOR,
    margin: float = ACCLAIM_MARGIN,
) -> set[str]:
    """The films people liked clearly more than the average film: the share of their
    ratings at 4 stars or more, shrunk towards the average share by ``prior`` ratings, is at
    least ``margin`` above that average. In MovieLens (average share 0.50), *Moon* (2009, 22
    of 32 ratings) is acclaimed; *Transformers: Dark of the Moon* (1 of 11), a film with one
    rating and a film nobody rated are not."""
    found = approval(ratings, prior)
    average = average_share(ratings)
    return {item_id for item_id, share in found.items() if share >= average + margin}


def average_share(ratings: Mapping[str, Sequence[int]]) -> float:
    """The share of all ratings that are 4 stars or more (0 without ratings)."""
    total = sum(n for _, n in ratings.values())
    return sum(yes for yes, _ in ratings.values()) / total if total else 0.0


def approval(ratings: Mapping[str, Sequence[int]], prior: int = ACCLAIM_PRIOR) -> dict[str, float]:
    """Per rated film, the share of its ratings at 4 stars or more, shrunk towards the
    average share by ``prior`` ratings of it: few ratings say little either way."""
    average = average_share(ratings)
    return {
        item_id: (yes + prior * average) / (n + prior) for item_id, (yes, n) in ratings.items() if n
    }


def best_known_tiers(
    tiers: Mapping[str, str], counts: Mapping[str, Mapping[str, int]]
) -> dict[str, str]:
    """Popularity buckets (``tiers``: head, torso, tail) raised to the best bucket an item
    reaches in any one source: there, the items with the most sets fill the head and the
    torso, as many as ``tiers`` has of each. A blockbuster the pack's dialogues rarely
    mention (MovieLens users rated The Dark Knight Rises 76 times) is still well known."""
    sizes = {tier: sum(1 for t in tiers.values() if t == tier) for tier in ("head", "torso")}
    order = {"head": 0, "torso": 1, "tail": 2}
    best = dict(tiers)
    for found in counts.values():
        ranked = sorted((i for i in found if found[i] > 0), key=lambda i: (-found[i], i))
        for place, item_id in enumerate(ranked):
            tier = (
                "head"
                if place < sizes["head"]
                else "torso"
                if place < sizes["head"] + sizes["torso"]
                else "tail"
            )
            if order[tier] < order[best.get(item_id, "tail")]:
                best[item_id] = tier
    return best


def with_prior(
    catalog: Catalog,
    sets: Mapping[str, SequenceSet],
    weights: Mapping[str, float] | None = None,
) -> tuple[Catalog, dict[str, object]]:
    """The catalog with each item's popularity set from the interactions, and what it used.

    popularity = Σ over sources of weight × log(1 + number of sets with the item), with the
    collaborative model's source weights; items no source mentions get 0. Without
    interactions the catalog is returned as it is (its own popularity, if any).
    """
    weights = SOURCE_WEIGHTS if weights is None else weights
    if not sets:
        has = sum(1 for item in catalog if item.popularity)
        source = "catalog" if has else "graph degree (no popularity signal)"
        return catalog, {"source": source, "items_with_signal": has}
    counts = {name: interaction_counts(found) for name, found in sets.items()}
    scores: dict[str, float] = {}
    for name, counter in counts.items():
        weight = weights.get(name.partition(":")[0], 1.0)
        for item_id, n in counter.items():
            scores[item_id] = scores.get(item_id, 0.0) + weight * math.log1p(n)
    items = [
        item.model_copy(update={"popularity": round(scores.get(item.item_id, 0.0), 4)})
        for item in catalog
    ]
    info: dict[str, object] = {
        "source": "interactions: " + ", ".join(sets),
        "specs": list(sets),
        "items_with_signal": sum(1 for i in items if i.popularity),
        "formula": "sum of source weight * log(1 + sets with the item)",
    }
    return Catalog(items, name=catalog.name), info
