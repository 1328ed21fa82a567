"""Evaluation turns from a ReDial-format JSONL file (``context`` and ``rec`` per line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.errors import CatalogError
from knowledge.items import Catalog
from knowledge.sequences import json_records, title_index


@dataclass(frozen=True)
class EvalTurn:
    """One recommender turn of a real dialogue: what was said before, and what it recommended."""

    index: int
    """Position in the file (0-based, counting only kept turns)."""
    dialog_id: str
    turn_id: int
    context: list[str]
    targets: list[str]
    """Catalog ids of the turn's recommended items."""
    target_titles: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """``dialog_id:turn_id``, unique within a file."""
        return f"{self.dialog_id}:{self.turn_id}"


@dataclass
class TurnFile:
    """The turns of a file that can be scored, and what had to be left out."""

    path: Path
    turns: list[EvalTurn]
    lines: int = 0
    without_targets: int = 0
    """Turns none of whose recommended titles is in the catalog."""
    unknown_titles: int = 0
    """Recommended titles not in the catalog (dropped from their turn's targets)."""

    def counts(self) -> dict[str, int]:
        """For the report."""
        return {
            "lines": self.lines,
            "turns": len(self.turns),
            "turns_without_catalog_targets": self.without_targets,
            "targets_not_in_catalog": self.unknown_titles,
        }


def load_turns(path: Path | str, catalog: Catalog, *, limit: int | None = None) -> TurnFile:
    """Read the turns with at least one target in the catalog (the first ``limit`` of them).

    Titles are matched exactly against ``"Title (Year)"`` of the catalog items, as the
    ReDial/iEvaLM files write them. A malformed line raises `CatalogError` naming it.
    """
    path = Path(path)
    index = title_index(catalog)
    result = TurnFile(path, [])
    for number, row in json_records(path):
        result.lines += 1
        if not isinstance(row, dict):
            raise CatalogError(path, "not a JSON object", line=number)
        context, rec = row.get("context"), row.get("rec")
        if not isinstance(context, list) or not all(isinstance(u, str) for u in context):
            raise CatalogError(path, "must be a list of strings", line=number, field="context")
        if not isinstance(rec, list) or not all(isinstance(t, str) for t in rec):
            raise CatalogError(path, "must be a list of strings", line=number, field="rec")
        known = [t for t in dict.fromkeys(rec) if t in index]
        result.unknown_titles += len(set(rec)) - len(known)
        if not known:
            result.without_targets += 1
            continue
        result.turns.append(
            EvalTurn(
                index=len(result.turns),
                dialog_id=str(row.get("dialog_id", number)),
                turn_id=int(row.get("turn_id", 0)),
                context=list(context),
                targets=[index[t] for t in known],
                target_titles=known,
            )
        )
        if limit and len(result.turns) >= limit:
            break
    return result
