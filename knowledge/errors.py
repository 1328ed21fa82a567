"""Errors raised by the knowledge layer, with the place in the input that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ParleyError(Exception):
    """Base class of Parley's user-facing errors (the CLI prints them without a traceback)."""


@dataclass
class CatalogError(ParleyError):
    """A catalog file is malformed; names the file, line and field at fault."""

    path: Path | str
    reason: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"


class PackError(ParleyError):
    """A knowledge pack is missing, incomplete or from an incompatible version."""
