"""Beyond accuracy: what a ranking shows across all users, not only whether it hits.

A recommender can buy recall by showing everyone the same blockbusters; these figures make
that visible. Every one is computed over the top-k lists the users saw:

* **coverage**: the share of the catalog that appears in some list;
* **exposure Gini**: how unequally the appearances spread over the catalog (0: every item
  shown equally often, 1: one item takes all);
* **novelty**: the mean self-information, -log2 p(item), of the items shown, where p is the
  item's share of the pack's popularity prior (higher: less obvious picks);
* **intra-list diversity**: within a list, the mean dissimilarity (1 - Jaccard) of two
  items' genres, and of their people (directors, writers, stars);
* **Recall@k by popularity bucket**: the catalog split by popularity into a head, a torso
  and a tail that each hold a third of the popularity mass (items with no signal are
  tail); a gain that comes only from the head shows here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np

from knowledge.items import Catalog, Item

BUCKETS = ("head", "torso", "tail")
PEOPLE = ("director", "writer", "star")


def popularity_of(catalog: Catalog) -> dict[str, float]:
    """The pack's popularity prior per item (a small floor where it has none)."""
    values = {item.item_id: float(item.popularity or 0.0) for item in catalog}
    floor = min((v for v in values.values() if v > 0), default=1.0) / 10
    return {item_id: max(v, floor) for item_id, v in values.items()}


def buckets(popularity: Mapping[str, float]) -> dict[str, str]:
    """Item -> head, torso or tail: thirds of the popularity mass, most popular first."""
    ordered = sorted(popularity, key=lambda i: -popularity[i])
    total = sum(popularity.values()) or 1.0
    out: dict[str, str] = {}
    running = 0.0
    for item_id in ordered:
        share = running / total
        out[item_id] = "head" if share < 1 / 3 else "torso" if share < 2 / 3 else "tail"
        running += popularity[item_id]
    return out


def tail_below(popularity: Mapping[str, float], tiers: Mapping[str, str]) -> float:
    """The popularity under which an item is in the tail bucket: the least popularity of
    the head and torso items of ``tiers`` (`buckets` of the same popularity; 0 when every
    item is in the tail)."""
    return min((popularity[i] for i, tier in tiers.items() if tier != "tail"), default=0.0)


def catalog_tiers(catalog: Catalog) -> tuple[dict[str, str], float]:
    """A catalog's popularity buckets (`buckets` of `popularity_of`) and the popularity
    under which an item is in the tail (`tail_below`)."""
    known = popularity_of(catalog)
    tiers = buckets(known)
    return tiers, tail_below(known, tiers)


def gini(counts: Sequence[float]) -> float:
    """The Gini coefficient of non-negative counts (0 equal, towards 1 concentrated)."""
    values = np.sort(np.asarray(counts, dtype=np.float64))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * values).sum()) / (n * values.sum()) - (n + 1) / n)


def _dissimilarity(a: frozenset[str], b: frozenset[str]) -> float | None:
    if not a and not b:
        return None
    return 1.0 - len(a & b) / len(a | b)


def intra_list_diversity(lists: Sequence[Sequence[Item]], attributes: Sequence[str]) -> float:
    """Mean over lists of the mean pairwise dissimilarity of the items' attribute values."""
    per_list = []
    for items in lists:
        sets = [frozenset(v.lower() for a in attributes for v in item.values(a)) for item in items]
        pairs = [d for a, b in combinations(sets, 2) if (d := _dissimilarity(a, b)) is not None]
        if pairs:
            per_list.append(sum(pairs) / len(pairs))
    return round(sum(per_list) / len(per_list), 4) if per_list else 0.0


def beyond_accuracy(
    catalog: Catalog,
    lists: Sequence[Sequence[str]],
    target_ranks: Sequence[tuple[str, int | None]],
    *,
    k: int = 10,
) -> dict[str, object]:
    """The figures of the module docstring for the top-``k`` lists users saw.

    ``target_ranks`` pairs every target with its rank (``None``: not ranked) for the
    bucketed recall.
    """
    shown = [[i for i in items[:k] if i in catalog] for items in lists]
    popularity = popularity_of(catalog)
    total = sum(popularity.values())
    exposure = Counter(i for items in shown for i in items)
    appearances = sum(exposure.values())
    bucket = buckets(popularity)
    by_bucket: dict[str, list[int]] = {b: [0, 0] for b in BUCKETS}
    for target, rank in target_ranks:
        name = bucket.get(target, "tail")
        by_bucket[name][0] += 1
        by_bucket[name][1] += rank is not None and rank <= k
    items = [[catalog[i] for i in row] for row in shown]
    return {
        "k": k,
        "coverage": round(len(exposure) / max(1, len(catalog)), 4),
        "exposure_gini": round(gini([exposure.get(i, 0) for i in catalog.ids()]), 4),
        "novelty": round(
            sum(-math.log2(popularity[i] / total) * n for i, n in exposure.items())
            / max(1, appearances),
            3,
        ),
        "intra_list_diversity": {
            "genre": intra_list_diversity(items, ("genre",)),
            "people": intra_list_diversity(items, PEOPLE),
        },
        f"recall@{k}_by_popularity": {
            b: {"targets": n, f"recall@{k}": round(h / n, 4) if n else None}
            for b, (n, h) in by_bucket.items()
        },
    }
