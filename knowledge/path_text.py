"""Render graph paths as arrows and as sentences about the target."""

from __future__ import annotations

from collections.abc import Callable

from knowledge.graph_paths import Path, Step

# Per relation: noun for a shared value, phrase from the item's side, phrase from the value's side.
_NOUN = {
    "directed_by": "director",
    "written_by": "writer",
    "stars": "star",
    "has_genre": "genre",
    "tagged": "tag",
}
_ITEM_SIDE = {
    "directed_by": "was directed by",
    "written_by": "was written by",
    "stars": "stars",
    "has_genre": "is in the genre",
    "tagged": "is tagged",
}
_VALUE_SIDE = {
    "directed_by": "directed",
    "written_by": "wrote",
    "stars": "stars in",
    "has_genre": "is the genre of",
    "tagged": "is a tag of",
}


def noun(relation: str) -> str:
    """``directed_by`` -> ``director``; ``has_country`` -> ``country``."""
    return _NOUN.get(relation, relation.removeprefix("has_").replace("_", " "))


def item_side(relation: str) -> str:
    """Phrase for ``item -relation-> value`` said of the item: ``was directed by``."""
    return _ITEM_SIDE.get(relation, f"has {noun(relation)}")


def value_side(relation: str) -> str:
    """Phrase for ``item -relation-> value`` said of the value: ``directed``."""
    return _VALUE_SIDE.get(relation, f"is the {noun(relation)} of")


def arrows(path: Path, label: Callable[[str], str]) -> str:
    """``Inception (2010) -directed_by-> Christopher Nolan <-directed_by- Interstellar (2014)``."""
    parts = [label(path.steps[0].source)]
    for step in path.steps:
        edge = f"-{step.relation}->" if step.forward else f"<-{step.relation}-"
        parts.append(f"{edge} {label(step.target)}")
    return " ".join(parts)


def sentence(path: Path, label: Callable[[str], str]) -> str:
    """What a path says about its target: "shares director Christopher Nolan with Inception"."""
    steps = path.steps
    if len(steps) == 1:
        return _one(steps[0], label)
    if len(steps) == 2:
        return _two(steps[0], steps[1], label)
    first, second, third = steps
    # source -> X -> mid -> target: describe target-mid-X, then how X relates to the source.
    via = label(first.target)
    link = _two(second, third, label)
    if first.forward:  # source item -> value X: X is a value of the source
        return f"{link}, and {via} {value_side(first.relation)} {label(first.source)}"
    return f"{link}, which {item_side(first.relation)} {label(first.source)}"


def _one(step: Step, label: Callable[[str], str]) -> str:
    if step.forward:  # source item -> target value: said of the value
        return f"{value_side(step.relation)} {label(step.source)}"
    return f"{item_side(step.relation)} {label(step.source)}"


def _two(first: Step, second: Step, label: Callable[[str], str]) -> str:
    source, mid = label(first.source), label(first.target)
    if first.forward:  # item -> value <- item: the items share a value
        if first.relation == second.relation:
            return f"shares {noun(first.relation)} {mid} with {source}"
        who = "who" if noun(first.relation) in {"director", "writer", "star"} else "which"
        return f"{item_side(second.relation)} {mid}, {who} {value_side(first.relation)} {source}"
    # value <- item -> value: the target value and the source value meet in one item
    return f"{value_side(second.relation)} {mid}, which {item_side(first.relation)} {source}"
