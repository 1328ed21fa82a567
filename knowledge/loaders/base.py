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
    notes: list[str] = field(default_factory=list)
    """Changes made to records that were kept (a description cut short)."""

    def skip(self, where: str, reason: str) -> None:
        """Record one skipped record."""
        self.skipped.append(Skipped(where, reason))

    def summary(self) -> str:
        """One line per distinct skip reason, with counts and a first example; the notes."""
        notes = "".join(f"\n  note: {n}" for n in self.notes)
        if not self.skipped:
            return f"{self.source}: read {self.read} records, skipped none{notes}"
        reasons = Counter(s.reason for s in self.skipped)
        first: dict[str, str] = {}
        for s in self.skipped:
            first.setdefault(s.reason, s.where)
        lines = [f"{self.source}: read {self.read} records, skipped {len(self.skipped)}"]
        for reason, count in reasons.most_common():
            lines.append(f"  {count} x {reason} (first: {first[reason]})")
        return "\n".join(lines) + notes


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


MAX_DESCRIPTION = 2000
"""Characters of an item description kept at build: descriptions go into every prompt
and card, and a catalog may hold a description of megabytes."""


def cap_descriptions(result: LoadResult, limit: int = MAX_DESCRIPTION) -> LoadResult:
    """The result with descriptions over ``limit`` characters cut at a word, and a note."""
    long = [item.item_id for item in result.catalog if len(item.description) > limit]
    if not long:
        return result
    items = [
        item.model_copy(update={"description": _cut(item.description, limit)})
        if len(item.description) > limit
        else item
        for item in result.catalog
    ]
    plural = "s" if len(long) > 1 else ""
    result.report.notes.append(
        f"{len(long)} description{plural} cut to {limit:,} characters (first: {long[0]})"
    )
    return LoadResult(Catalog(items, name=result.catalog.name), result.report, result.kg_triples)


def _cut(text: str, limit: int) -> str:
    head = text[: limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,;:") + "…"


def undecodable(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """Where text is not UTF-8: the line, and a reason naming the byte and its column."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})"
