"""Catalog loaders: the demo catalog, ReDial/iEvaLM, MovieLens and generic JSONL."""

from __future__ import annotations

from pathlib import Path

from knowledge.errors import CatalogError
from knowledge.loaders.base import (
    MAX_DESCRIPTION,
    KGTriple,
    LoadReport,
    LoadResult,
    Skipped,
    cap_descriptions,
)
from knowledge.loaders.jsonl import load_demo, load_jsonl, write_jsonl
from knowledge.loaders.movielens import load_movielens
from knowledge.loaders.redial import load_redial

__all__ = [
    "CATALOG_KINDS",
    "MAX_DESCRIPTION",
    "KGTriple",
    "LoadReport",
    "LoadResult",
    "Skipped",
    "cap_descriptions",
    "load_catalog",
    "load_demo",
    "load_jsonl",
    "load_movielens",
    "load_redial",
    "write_jsonl",
]

CATALOG_KINDS = ("demo", "redial", "movielens", "jsonl")


def load_catalog(spec: str, *, strict: bool = True) -> LoadResult:
    """Load a catalog from a spec: ``demo``, ``redial:PATH``, ``movielens:PATH`` or ``jsonl:PATH``.

    A bare path to a ``.jsonl`` file is accepted as ``jsonl:PATH``. Malformed records raise
    `CatalogError` (file, line, field) unless ``strict`` is false: then they are skipped and
    listed in the result's report. Descriptions longer than `MAX_DESCRIPTION` are cut (and
    the report says so).
    """
    return cap_descriptions(_load(spec, strict=strict))


def _load(spec: str, *, strict: bool) -> LoadResult:
    kind, _, rest = spec.partition(":")
    if spec == "demo":
        return load_demo()
    if not rest and spec.endswith(".jsonl"):
        kind, rest = "jsonl", spec
    if kind not in CATALOG_KINDS or not rest:
        raise CatalogError(
            spec,
            "unknown catalog spec; use one of: demo, redial:PATH, movielens:PATH, jsonl:PATH",
        )
    path = Path(rest).expanduser()
    if not path.exists():
        raise CatalogError(path, "no such file or directory")
    if kind == "redial":
        return load_redial(path, strict=strict)
    if kind == "movielens":
        return load_movielens(path, strict=strict)
    return load_jsonl(path, strict=strict)
