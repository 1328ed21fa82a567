"""The ReDial catalog as preprocessed for iEvaLM: ``id2info.json`` plus an optional KG.

``id2info.json`` maps a ReDial movie id to ``{"name": "Title (Year)", "genre": [...],
"plot": "...", "director": [...], "writer": [...], "star": [...], "imdb_id": "tt..."}``.
When ``kg.json``, ``entity2id.json`` and ``relation2id.json`` sit beside it, their
movie -> attribute edges are returned as extra graph triples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.errors import CatalogError
from knowledge.items import Catalog, Item, split_title_year
from knowledge.loaders.base import KGTriple, LoadReport, LoadResult, undecodable

LIST_FIELDS = ("genre", "director", "writer", "star")


def read_json(path: Path) -> Any:
    """Read a JSON file, turning decoding problems into a `CatalogError` with the line.

    A byte-order mark is ignored; JSON nested too deeply to parse is an error, not a crash.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(path, exc.strerror or str(exc)) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line, reason = undecodable(data, exc)
        raise CatalogError(path, reason, line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            path, f"not valid JSON ({exc.msg} at column {exc.colno})", exc.lineno
        ) from None
    except RecursionError:
        raise CatalogError(path, "JSON nested too deeply") from None


def _item_from_record(path: Path, key: str, record: Any) -> Item:
    if not isinstance(record, dict):
        raise CatalogError(path, f"record {key!r} is not an object", field=key)
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(path, f"record {key!r} has no name", field=f"{key}.name")
    attributes: dict[str, list[str]] = {}
    for field in LIST_FIELDS:
        values = record.get(field, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise CatalogError(
                path, f"record {key!r}: expected a list of strings", field=f"{key}.{field}"
            )
        attributes[field] = values
    plot = record.get("plot") or ""
    if not isinstance(plot, str):
        raise CatalogError(path, f"record {key!r}: plot must be a string", field=f"{key}.plot")
    title, year = split_title_year(name)
    external = {}
    imdb = record.get("imdb_id")
    if isinstance(imdb, str) and imdb.strip():
        external["imdb"] = imdb.strip()
    try:
        return Item(
            item_id=str(key),
            title=title,
            year=year,
            attributes=attributes,
            description=plot.strip(),
            external_ids=external,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise CatalogError(path, f"record {key!r}: {err['msg']}", field=f"{key}.{loc}") from None


def load_redial(path: Path | str, *, strict: bool = True) -> LoadResult:
    """Load a ReDial/iEvaLM catalog from a directory (or an ``id2info.json`` file).

    Malformed records raise `CatalogError` when ``strict``; otherwise they are skipped and
    reported. Movies whose name repeats an earlier one are always skipped (the dialogues
    and the KG identify movies by name, so a second copy cannot be told apart).
    """
    path = Path(path)
    info_path = path / "id2info.json" if path.is_dir() else path
    folder = info_path.parent
    data = read_json(info_path)
    if not isinstance(data, dict):
        raise CatalogError(info_path, "expected an object keyed by movie id")
    report = LoadReport(str(info_path))
    items: list[Item] = []
    by_name: dict[str, str] = {}
    for key, record in data.items():
        report.read += 1
        try:
            item = _item_from_record(info_path, key, record)
        except CatalogError as exc:
            if strict:
                raise
            report.skip(f"movie {key}", exc.reason)
            continue
        name = record["name"].strip()
        if name in by_name:
            report.skip(f"movie {key}", f"duplicate name (same as movie {by_name[name]})")
            continue
        by_name[name] = item.item_id
        items.append(item)
    if not items:
        raise CatalogError(info_path, "the catalog has no valid items")
    triples = _kg_triples(folder, by_name, report)
    return LoadResult(Catalog(items, name="redial"), report, triples)


def _kg_triples(folder: Path, by_name: dict[str, str], report: LoadReport) -> list[KGTriple]:
    kg_path, ent_path, rel_path = (
        folder / n for n in ("kg.json", "entity2id.json", "relation2id.json")
    )
    if not (kg_path.exists() and ent_path.exists() and rel_path.exists()):
        return []
    entity2id = read_json(ent_path)
    relation2id = read_json(rel_path)
    kg = read_json(kg_path)
    if (
        not isinstance(entity2id, dict)
        or not isinstance(relation2id, dict)
        or not isinstance(kg, dict)
    ):
        raise CatalogError(folder, "kg.json, entity2id.json and relation2id.json must be objects")
    entity_name = {int(v): k for k, v in entity2id.items()}
    relation_name = {int(v): k for k, v in relation2id.items()}
    triples: list[KGTriple] = []
    for head, edges in kg.items():
        head_name = entity_name.get(int(head))
        item_id = by_name.get(head_name or "")
        if item_id is None:
            report.skip(f"kg.json entity {head}", "head is not a catalog movie")
            continue
        if not isinstance(edges, list):
            raise CatalogError(kg_path, f"edges of entity {head} must be a list", field=head)
        for edge in edges:
            if not (isinstance(edge, list) and len(edge) == 2):
                raise CatalogError(kg_path, f"edge {edge!r} is not [relation, tail]", field=head)
            relation, tail = relation_name.get(int(edge[0])), entity_name.get(int(edge[1]))
            if relation is None or tail is None:
                report.skip(f"kg.json entity {head}", "edge names an unknown relation or entity")
                continue
            triples.append(KGTriple(item_id, relation, tail))
    return triples
