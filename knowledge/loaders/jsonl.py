"""The generic JSONL catalog format, and the bundled demo catalog written in it.

One JSON object per line::

    {"item_id": "inception-2010", "title": "Inception", "year": 2010,
     "attributes": {"genre": ["sci-fi"], "director": ["Christopher Nolan"]},
     "description": "A thief who steals secrets from dreams...", "popularity": 0.93}

Only ``item_id`` and ``title`` are required. ``attributes`` maps any attribute name to a
list of strings (``cast``/``actors`` are read as ``star``, ``genres`` as ``genre``...).
``external_ids`` (e.g. ``{"imdb": "tt1375666"}``) joins the catalog to interaction data.
Blank lines and lines starting with ``#`` are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from knowledge.errors import CatalogError
from knowledge.items import Catalog, Item, iter_jsonl_lines
from knowledge.loaders.base import LoadReport, LoadResult, undecodable

DEMO_RESOURCE = "demo_movies.jsonl"


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(record)"
    return field, err["msg"]


def parse_jsonl(lines: Iterable[str | bytes], source: str, *, strict: bool = True) -> LoadResult:
    """Parse catalog lines (text, or raw bytes decoded line by line, so that a byte that is
    not UTF-8 is reported with its line). Strict mode raises on the first bad line;
    otherwise it is skipped and reported. A byte-order mark before the first line is
    ignored."""
    report = LoadReport(source)
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        problem: CatalogError | None = None
        item: Item | None = None
        line, problem = _decode(raw, source, number)
        line = line.removeprefix("\ufeff").strip() if number == 1 else line.strip()
        if problem is None and (not line or line.startswith("#")):
            continue
        report.read += 1
        if problem is None:
            item, problem = _parse_record(line, source, number)
        if item is not None and item.item_id in seen:
            problem = CatalogError(
                source,
                f"duplicate item_id {item.item_id!r} (first on line {seen[item.item_id]})",
                number,
                "item_id",
            )
        if problem is not None:
            if strict:
                raise problem
            report.skip(
                f"line {number}",
                problem.reason if not problem.field else f"{problem.field}: {problem.reason}",
            )
            continue
        assert item is not None
        seen[item.item_id] = number
        items.append(item)
    if not items:
        raise CatalogError(source, "the catalog has no valid items")
    return LoadResult(Catalog(items, name=Path(source).stem), report)


def _decode(raw: str | bytes, source: str, number: int) -> tuple[str, CatalogError | None]:
    if isinstance(raw, str):
        return raw, None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return "", CatalogError(source, undecodable(raw, exc)[1], number)


def _parse_record(line: str, source: str, number: int) -> tuple[Item | None, CatalogError | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, CatalogError(
            source, f"not valid JSON ({exc.msg} at column {exc.colno})", number
        )
    except RecursionError:
        return None, CatalogError(source, "JSON nested too deeply", number)
    if not isinstance(record, dict):
        return None, CatalogError(source, "expected a JSON object", number)
    try:
        return Item.model_validate(record), None
    except ValidationError as exc:
        field, msg = _first_error(exc)
        return None, CatalogError(source, msg, number, field)


def load_jsonl(path: Path | str, *, strict: bool = True) -> LoadResult:
    """Load a catalog in the generic JSONL format from a file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return parse_jsonl(handle, str(path), strict=strict)
    except OSError as exc:
        raise CatalogError(path, exc.strerror or str(exc)) from None


def load_demo() -> LoadResult:
    """Load the bundled demo catalog of well-known movies (package data, no download)."""
    text = resources.files("knowledge.data").joinpath(DEMO_RESOURCE).read_text(encoding="utf-8")
    result = parse_jsonl(text.splitlines(), f"demo ({DEMO_RESOURCE})")
    result.catalog.name = "demo"
    return result


def write_jsonl(catalog: Iterable[Item], path: Path | str) -> None:
    """Write items in the generic JSONL format."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for line in iter_jsonl_lines(catalog):
            handle.write(line + "\n")
