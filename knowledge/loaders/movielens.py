"""MovieLens (``ml-latest-small`` and the like): movies.csv, tags.csv, links.csv, ratings.csv."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from knowledge.errors import CatalogError
from knowledge.items import Catalog, Item, split_title_year
from knowledge.loaders.base import LoadReport, LoadResult

_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<article>The|A|An|Les|La|Le|L'|Il|El|Das|Der|Die)$")


def movielens_title(raw: str) -> tuple[str, int | None]:
    """Parse ``"American President, The (1995)"`` into ``("The American President", 1995)``."""
    title, year = split_title_year(raw)
    match = _ARTICLE.match(title)
    if match:
        article = match.group("article")
        sep = "" if article.endswith("'") else " "
        title = f"{article}{sep}{match.group('rest')}"
    return title, year


def imdb_id(raw: str) -> str | None:
    """MovieLens stores IMDb ids as digits without the ``tt`` prefix; restore the usual form."""
    raw = raw.strip()
    return f"tt{int(raw):07d}" if raw.isdigit() else None


def read_csv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` of a CSV file after checking its header.

    A byte-order mark is ignored. Bytes that are not UTF-8 reach the row as surrogates
    (see `bad_bytes`), so the caller reports the row, or skips it, by its line.
    """
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise CatalogError(path, exc.strerror or str(exc)) from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogError(path, f"missing column(s) {', '.join(missing)}", 1)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise CatalogError(path, str(exc), reader.line_num) from None


def bad_bytes(row: dict[str, str]) -> str | None:
    """Why a row read by `read_csv` is not UTF-8 text, or ``None`` when it is."""
    for value in row.values():
        for position, char in enumerate(value or ""):
            if "\udc80" <= char <= "\udcff":
                return f"not UTF-8 text (byte 0x{ord(char) - 0xDC00:02x} in {value[:position]!r}…)"
    return None


def _rows(
    path: Path, required: tuple[str, ...], report: LoadReport, strict: bool
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a side file (tags, links, ratings); rows that are not UTF-8 are an error,
    or skipped and reported."""
    for line, row in read_csv(path, required):
        problem = bad_bytes(row)
        if problem is None:
            yield line, row
        elif strict:
            raise CatalogError(path, problem, line)
        else:
            report.skip(f"{path.name} line {line}", problem)


def load_movielens(path: Path | str, *, strict: bool = True, min_tag_count: int = 1) -> LoadResult:
    """Load a MovieLens directory as a catalog.

    Genres come from ``movies.csv``, tags (lower-cased, kept when used at least
    ``min_tag_count`` times for that movie) from ``tags.csv``, IMDb ids from ``links.csv`` and
    popularity (number of ratings) from ``ratings.csv``; the last three are optional.
    """
    folder = Path(path)
    movies_path = folder / "movies.csv" if folder.is_dir() else folder
    folder = movies_path.parent
    report = LoadReport(str(movies_path))

    tags: dict[str, dict[str, int]] = {}
    if (folder / "tags.csv").exists():
        for _, row in _rows(folder / "tags.csv", ("movieId", "tag"), report, strict):
            tag = " ".join((row["tag"] or "").lower().split())
            if tag:
                bucket = tags.setdefault(row["movieId"].strip(), {})
                bucket[tag] = bucket.get(tag, 0) + 1
    links: dict[str, str] = {}
    if (folder / "links.csv").exists():
        for _, row in _rows(folder / "links.csv", ("movieId", "imdbId"), report, strict):
            imdb = imdb_id(row["imdbId"] or "")
            if imdb:
                links[row["movieId"].strip()] = imdb
    counts: dict[str, int] = {}
    if (folder / "ratings.csv").exists():
        for _, row in _rows(folder / "ratings.csv", ("movieId",), report, strict):
            key = row["movieId"].strip()
            counts[key] = counts.get(key, 0) + 1

    items: list[Item] = []
    seen: dict[str, int] = {}
    for line, row in read_csv(movies_path, ("movieId", "title", "genres")):
        report.read += 1
        movie_id = (row["movieId"] or "").strip()
        try:
            problem = bad_bytes(row)
            if problem is not None:
                raise CatalogError(movies_path, problem, line)
            if not movie_id:
                raise CatalogError(movies_path, "empty movieId", line, "movieId")
            if movie_id in seen:
                raise CatalogError(
                    movies_path,
                    f"duplicate movieId (first on line {seen[movie_id]})",
                    line,
                    "movieId",
                )
            title, year = movielens_title(row["title"] or "")
            genres = [
                g.strip().lower()
                for g in (row["genres"] or "").split("|")
                if g.strip() and g.strip() != "(no genres listed)"
            ]
            movie_tags = [t for t, n in tags.get(movie_id, {}).items() if n >= min_tag_count]
            external = {"movielens": movie_id}
            if movie_id in links:
                external["imdb"] = links[movie_id]
            try:
                item = Item(
                    item_id=movie_id,
                    title=title,
                    year=year,
                    attributes={"genre": genres, "tag": movie_tags},
                    popularity=float(counts.get(movie_id, 0)),
                    external_ids=external,
                )
            except ValidationError as exc:
                err = exc.errors()[0]
                raise CatalogError(
                    movies_path, err["msg"], line, ".".join(str(p) for p in err["loc"])
                ) from None
        except CatalogError as exc:
            if strict:
                raise
            report.skip(f"line {line}", f"{exc.field}: {exc.reason}" if exc.field else exc.reason)
            continue
        seen[movie_id] = line
        items.append(item)
    if not items:
        raise CatalogError(movies_path, "the catalog has no valid items")
    return LoadResult(Catalog(items, name="movielens"), report)
