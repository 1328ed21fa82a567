"""Shared types of the catalog loaders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from knowledge.items import Catalog


@dataclass(frozen=True)
class Skipped:
    """A record a loader left out, and why."""

    where: str
    reason: str


@dataclass
class LoadReport:
    """What a loader read and what it skipped."""

    source: str
    read: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        """Record one skipped record."""
        self.skipped.append(Skipped(where, reason))

    def summary(self) -> str:
        """One line per distinct skip reason, with counts and a first example."""
        if not self.skipped:
            return f"{self.source}: read {self.read} records, skipped none"
        reasons = Counter(s.reason for s in self.skipped)
        first: dict[str, str] = {}
        for s in self.skipped:
            first.setdefault(s.reason, s.where)
        lines = [f"{self.source}: read {self.read} records, skipped {len(self.skipped)}"]
        for reason, count in reasons.most_common():
            lines.append(f"  {count} x {reason} (first: {first[reason]})")
        return "\n".join(lines)


@dataclass(frozen=True)
class KGTriple:
    """An edge of a source knowledge graph between an item and an attribute value."""

    item_id: str
    relation: str
    """Canonical attribute name (genre, director, star, writer...)."""
    value: str


@dataclass
class LoadResult:
    """A loaded catalog, its load report, and extra graph edges when the source has them."""

    catalog: Catalog
    report: LoadReport
    kg_triples: list[KGTriple] = field(default_factory=list)
