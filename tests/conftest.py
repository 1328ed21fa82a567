"""Shared fixtures: the reference data folder and small catalogs built in the test itself."""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.items import Catalog
from knowledge.loaders import load_catalog
from knowledge.pack import Pack, build_pack, load_pack
from knowledge.sequences import load_sequences
from tests.fixtures.catalogs import make_items
from tests.services import RAY_LOOPBACK_ENV, PostgresServer, ServiceMissing, ray_head

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def require_shared(*parts: str) -> Path:
    """Path under ``../shared/data``; skip when absent, except on CI where it must exist."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"reference data missing on CI: {path}")
        pytest.skip(f"reference data not available: {path}")
    return path


@pytest.fixture(scope="session")
def redial_dir() -> Path:
    """The ReDial/iEvaLM reference folder."""
    return require_shared("redial")


@pytest.fixture(scope="session")
def movielens_dir() -> Path:
    """The MovieLens ml-latest-small reference folder."""
    return require_shared("movielens", "ml-latest-small")


@pytest.fixture()
def tiny_catalog() -> Catalog:
    """The tiny catalog of `make_items`."""
    return Catalog(make_items(), name="tiny")


PACK_CACHE = Path(
    os.environ.get("PARLEY_TEST_CACHE") or Path.home() / ".cache" / "parley" / "test-packs"
)
"""Where test packs are built. Outside the checkout, so that a fresh clone (CI, a second
worktree) reuses the embeddings of an earlier run: a rebuild embeds only changed items."""


def _build_key(spec: str, interactions: list[str]) -> str:
    """What a test pack depends on: the catalog and interaction specs, the build code."""
    digest = hashlib.sha256("\n".join([spec, *interactions]).encode())
    for path in sorted((REPO / "knowledge").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


RANKER_TURNS = int(os.environ.get("PARLEY_TEST_RANKER_TURNS", "1200"))
"""Training turns the test pack's learned ranker sees: a third of the ReDial training
dialogues keeps the test session's training to a few minutes (`parley train-ranker` on
all of them is the product's recipe; the taste test passes with either)."""


def _ranker_key(pack_key: str, dialogues: Path, limit: int) -> str:
    """The training turns read the dialogues as live turns do, so the agent's and the tools'
    code both shape the ranker's features."""
    digest = hashlib.sha256(f"{pack_key}\n{dialogues}\n{limit}".encode())
    for folder in ("agent", "tools"):
        for path in sorted((REPO / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _train_ranker(out: Path, dialogues: Path, limit: int) -> None:
    from agent.evaluation.dialogues import load_turns
    from agent.train_ranker import train_ranker

    pack = load_pack(out)
    turns = load_turns(dialogues, pack.catalog, limit=limit)
    model, report = train_ranker(out, turns, workers=2)
    model.save(out)
    pack.update_manifest("ranker", {k: v for k, v in report.items() if k != "feature_gain"})


def _built_pack(
    spec: str,
    name: str,
    interactions: list[str] | None = None,
    ranker_dialogues: Path | None = None,
) -> Pack:
    """Build a pack once; later test runs reuse it while the build code is unchanged.

    When the code changed, the rebuild reuses the cached embeddings by text hash. With
    ``ranker_dialogues`` the pack also gets a learned ranker (`RANKER_TURNS` of them). A
    file lock keeps two test runs on one machine from building the same pack at once.
    """
    PACK_CACHE.mkdir(parents=True, exist_ok=True)
    out = PACK_CACHE / name
    key = _build_key(spec, interactions or [])
    with (PACK_CACHE / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            stamp = out / "test-build-key"
            if not (stamp.exists() and stamp.read_text() == key):
                result = load_catalog(spec)
                sets = {
                    s: load_sequences(s, result.catalog, positive_only=True)
                    for s in interactions or []
                }
                build_pack(result, out, catalog_spec=spec, interactions=sets)
                stamp.write_text(key)
            if ranker_dialogues is not None:
                ranker_stamp = out / "test-ranker-key"
                wanted = _ranker_key(key, ranker_dialogues, RANKER_TURNS)
                if not (ranker_stamp.exists() and ranker_stamp.read_text() == wanted):
                    _train_ranker(out, ranker_dialogues, RANKER_TURNS)
                    ranker_stamp.write_text(wanted)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return load_pack(out)


def redial_interactions(redial_dir: Path) -> list[str]:
    """The interaction data a ReDial pack learns from: the training dialogues (never the dev
    set, which the evaluation scores on) and MovieLens ratings."""
    movielens = require_shared("movielens", "ml-latest-small")
    return [
        f"dialogues:{redial_dir / 'train_dialogues.jsonl'}",
        f"redial-liked:{redial_dir / 'train_dialogues_raw.jsonl'}",
        f"movielens:{movielens}",
    ]


@pytest.fixture(scope="session")
def redial_pack(redial_dir: Path) -> Pack:
    """The ReDial reference catalog as a pack with its interactions and a learned ranker
    (trained on the training dialogues, never the dev set), built once."""
    return _built_pack(
        f"redial:{redial_dir}",
        "redial",
        redial_interactions(redial_dir),
        ranker_dialogues=redial_dir / "train_dialogues.jsonl",
    )


@pytest.fixture(scope="session")
def demo_pack() -> Pack:
    """The bundled demo catalog as a pack, built once per test session."""
    return _built_pack("demo", "demo")


ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(exc: Exception) -> None:
    """Skip a test whose server program is missing, except on CI where it must exist."""
    if ON_CI:
        pytest.fail(f"{exc} (.ci/run installs it)")
    pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A temporary PostgreSQL server on 127.0.0.1 for the whole test session."""
    try:
        server = PostgresServer()
    except ServiceMissing as exc:
        require_service(exc)
    try:
        server.start()
        yield server
    finally:
        server.close()


def new_database(server: PostgresServer) -> str:
    """The URL of a new, empty database on ``server``."""
    import psycopg

    name = f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture()
def postgres_url(postgres_server: PostgresServer) -> str:
    """A URL of a new, empty database on the test server (one per test)."""
    return new_database(postgres_server)


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A Ray head on 127.0.0.1 (2 CPUs) for the whole test session; stopped at the end.

    The head and this process keep Ray on the loopback address (Ray otherwise advertises
    the machine's network address).
    """
    os.environ[RAY_LOOPBACK_ENV] = "0"
    try:
        with ray_head(cpus=2) as address:
            yield address
    except ServiceMissing as exc:
        require_service(exc)
