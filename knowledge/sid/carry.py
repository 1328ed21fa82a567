"""Keep a pack's semantic-ID generator across rebuilds; new items get IDs from the frozen encoder.

`parley build` writes a fresh pack; without this step a catalog update would drop the
trained generator. Items still in the catalog keep their IDs (the model learned them),
items that left are dropped from the table, and new items get an ID from their text
embedding through the frozen RQ-VAE (`SIDGenerator.add_items`), so `sid` can generate
them at once, before any interaction with them exists.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import PackError
from knowledge.sid.artifacts import SUBDIR, load_generator, save_generator
from knowledge.sid.generator import SIDGenerator
from knowledge.sid.ids import SemanticIds

log = logging.getLogger(__name__)


def text_dim(generator: SIDGenerator) -> int:
    """Length of the text embeddings the generator's encoder reads."""
    if generator.features is not None:
        return generator.features.text_dim
    return generator.rqvae.config.input_dim


def rebase(generator: SIDGenerator, item_ids: list[str], embeddings: np.ndarray) -> dict[str, int]:
    """Make the generator's ID table the catalog ``item_ids`` (row i = item i), in place.

    Kept items keep their IDs; new ones are encoded from their rows of ``embeddings``.
    Returns how many items were kept, added and removed.
    """
    old = generator.ids
    wanted = set(item_ids)
    new = [(row, i) for row, i in enumerate(item_ids) if i not in old]
    # Add to the old table first, so a new item never takes a removed item's ID.
    generator.add_items([i for _, i in new], embeddings[[row for row, _ in new]])
    table = generator.ids
    codes = np.stack([table.codes[table.row(i)] for i in item_ids]) if item_ids else table.codes[:0]
    generator.ids = SemanticIds(
        list(item_ids), codes, table.codebook_size, table.disambiguation_size
    )
    generator.refresh()
    removed = sum(1 for i in old.item_ids if i not in wanted)
    return {"kept": len(item_ids) - len(new), "added": len(new), "removed": removed}


def carry_semantic_ids(
    previous: Path, target: Path, item_ids: list[str], embeddings: np.ndarray
) -> dict[str, Any] | None:
    """Carry the generator of the pack at ``previous`` into the pack being built at ``target``.

    Returns the manifest's ``sid`` section for the new pack, or ``None`` when there is
    nothing to carry (no previous generator, or one that reads other embeddings).
    """
    folder = previous / SUBDIR
    if not folder.is_dir():
        return None
    try:
        generator = load_generator(folder)
    except PackError as exc:
        log.warning("not carrying the semantic-ID model over: %s", exc)
        return None
    if text_dim(generator) != embeddings.shape[1]:
        log.warning(
            "not carrying the semantic-ID model over: it reads %d-dimensional embeddings, the "
            "new pack has %d (another embedding model); run `parley train-sid` again",
            text_dim(generator),
            embeddings.shape[1],
        )
        return None
    counts = rebase(generator, item_ids, np.asarray(embeddings, dtype=np.float32))
    config = json.loads((folder / "config.json").read_text())
    save_generator(generator, target / SUBDIR, {"trained": config.get("trained")})
    section = _previous_section(previous)
    section["items"] = len(item_ids)
    section["semantic_ids"] = generator.ids.stats().to_dict()
    section["updated"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items_kept": counts["kept"],
        "items_added": counts["added"],
        "items_removed": counts["removed"],
        "note": "added items got their IDs from the frozen encoder and their item-head "
        "vectors from the content map; the generator's cold_share keeps them a share of its "
        "top k; retrain to learn them from interactions",
    }
    log.info(
        "semantic IDs carried over: %d kept, %d new items encoded, %d removed",
        counts["kept"],
        counts["added"],
        counts["removed"],
    )
    return section


def _previous_section(previous: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((previous / "manifest.json").read_text())
    except (OSError, ValueError):
        return {"path": SUBDIR}
    section = manifest.get("sid")
    return dict(section) if isinstance(section, dict) else {"path": SUBDIR}
