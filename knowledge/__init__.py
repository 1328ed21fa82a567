"""Parley's knowledge layer: catalogs, embeddings, the vector index, the graph and packs."""

from __future__ import annotations

__version__ = "0.1.0"

from knowledge.errors import CatalogError, PackError, ParleyError
from knowledge.filters import ItemFilter
from knowledge.items import Catalog, Item

__all__ = [
    "Catalog",
    "CatalogError",
    "Item",
    "ItemFilter",
    "Pack",
    "PackError",
    "ParleyError",
    "__version__",
    "build_pack",
    "load_pack",
]


def __getattr__(name: str) -> object:
    # Packs pull in numpy/chroma glue; import them only when asked for.
    if name in {"Pack", "build_pack", "load_pack"}:
        from knowledge import pack

        return getattr(pack, name)
    raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
