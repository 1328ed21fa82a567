"""The import packages are this repository's, not unrelated PyPI distributions."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["agent", "tools", "ui", "knowledge", "prompts"])
def test_package_resolves_to_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / name


def test_demo_catalog_is_package_data() -> None:
    from importlib import resources

    data = resources.files("knowledge.data").joinpath("demo_movies.jsonl")
    assert data.is_file()
