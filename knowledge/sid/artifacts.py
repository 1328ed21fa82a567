"""Save and load a semantic-ID generator as plain files: state dicts and JSON."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from knowledge.errors import PackError
from knowledge.sid.features import ItemFeatures
from knowledge.sid.generator import SIDGenerator
from knowledge.sid.ids import PrefixVocab, SemanticIds
from knowledge.sid.rqvae import RQVAE, RQVAEConfig
from knowledge.sid.seqmodel import SIDModelConfig, SIDSeqModel

log = logging.getLogger(__name__)

FORMAT = 1
CONFIG = "config.json"
IDS = "semantic_ids.json"
RQVAE_WEIGHTS = "rqvae.pt"
MODEL_WEIGHTS = "seqmodel.pt"
PREFIX_VOCAB = "prefix_vocab.json"
FEATURES = "features.npz"
CONTENT = "content_map.npz"
SUBDIR = "sid"
"""Folder of the generator inside a knowledge pack."""


def save_generator(
    generator: SIDGenerator, folder: Path | str, extra: dict[str, Any] | None = None
) -> Path:
    """Write the generator into ``folder`` (replaced atomically) and return the folder.

    Weights are state dicts and the rest JSON, so loading never unpickles classes.
    """
    folder = Path(folder)
    tmp = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = {
        "format": FORMAT,
        "rqvae": generator.rqvae.config.to_dict(),
        "model": generator.model.config.to_dict(),
        "beam_size": generator.beam_size,
        "mass_levels": generator.mass_levels,
        "cold_share": generator.cold_share,
        "added_items": sorted(generator.added),
        **(extra or {}),
    }
    (tmp / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    (tmp / IDS).write_text(json.dumps(generator.ids.to_json()))
    if generator.vocab is not None:
        (tmp / PREFIX_VOCAB).write_text(json.dumps(generator.vocab.to_json()))
    if generator.features is not None and generator.features.config.dim:
        generator.features.save(tmp / FEATURES)
    if generator.content_map is not None:
        names = sorted(generator.added_vectors)
        with (tmp / CONTENT).open("wb") as handle:
            np.savez(
                handle,
                coef=generator.content_map,
                added_ids=np.asarray(names, dtype=str),
                added_vectors=np.stack([generator.added_vectors[i] for i in names])
                if names
                else np.zeros((0, generator.content_map.shape[1]), np.float32),
            )
    torch.save(generator.rqvae.state_dict(), tmp / RQVAE_WEIGHTS)
    torch.save(generator.model.state_dict(), tmp / MODEL_WEIGHTS)
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(folder)
    return folder


def load_generator(folder: Path | str) -> SIDGenerator:
    """Load a generator written by `save_generator`."""
    folder = Path(folder)
    if not (folder / CONFIG).exists():
        raise PackError(f"no semantic-ID model in {folder}: run `parley train-sid` first")
    try:
        config = json.loads((folder / CONFIG).read_text())
        if config.get("format") != FORMAT:
            raise PackError(
                f"{folder} holds semantic-ID format {config.get('format')!r}, not {FORMAT}"
            )
        rqvae = RQVAE(RQVAEConfig.from_dict(config["rqvae"]))
        rqvae.load_state_dict(torch.load(folder / RQVAE_WEIGHTS, weights_only=True))
        model = SIDSeqModel(SIDModelConfig.from_dict(config["model"]))
        model.load_state_dict(torch.load(folder / MODEL_WEIGHTS, weights_only=True))
        ids = SemanticIds.from_json(json.loads((folder / IDS).read_text()))
        vocab = None
        if (folder / PREFIX_VOCAB).exists():
            vocab = PrefixVocab.from_json(json.loads((folder / PREFIX_VOCAB).read_text()))
        features = ItemFeatures.load(folder / FEATURES) if (folder / FEATURES).exists() else None
        content_map, added_vectors = None, {}
        if (folder / CONTENT).exists():
            with np.load(folder / CONTENT, allow_pickle=False) as data:
                content_map = np.asarray(data["coef"], dtype=np.float32)
                added_vectors = dict(
                    zip(
                        (str(i) for i in data["added_ids"]),
                        np.asarray(data["added_vectors"], dtype=np.float32),
                        strict=True,
                    )
                )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise PackError(f"cannot read the semantic-ID model in {folder}: {exc}") from exc
    return SIDGenerator(
        rqvae,
        ids,
        model,
        beam_size=int(config.get("beam_size", 20)),
        vocab=vocab,
        mass_levels=int(config.get("mass_levels", 0)),
        features=features,
        cold_share=float(config.get("cold_share", 0.0)),
        added={str(i) for i in config.get("added_items", [])},
        content_map=content_map,
        added_vectors=added_vectors,
    )
