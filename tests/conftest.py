"""Shared fixtures: the reference data folder and small catalogs built in the test itself."""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.items import Catalog, Item
from knowledge.pack import Pack, build_pack, load_pack
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


def make_items() -> list[Item]:
    """A tiny hand-made catalog with a shared director, a remake and a horror film."""
    return [
        Item(
            item_id="inception",
            title="Inception",
            year=2010,
            attributes={
                "genre": ["sci-fi", "action"],
                "director": ["Christopher Nolan"],
                "star": ["Leonardo DiCaprio"],
                "writer": ["Christopher Nolan"],
            },
            description="A thief enters people's dreams to steal and plant ideas.",
            popularity=0.9,
        ),
        Item(
            item_id="interstellar",
            title="Interstellar",
            year=2014,
            attributes={
                "genre": ["sci-fi", "drama"],
                "director": ["Christopher Nolan"],
                "star": ["Matthew McConaughey"],
            },
            description="Astronauts travel through a wormhole to find humanity a new home.",
        ),
        Item(
            item_id="dune-1984",
            title="Dune",
            year=1984,
            attributes={"genre": ["sci-fi"], "director": ["David Lynch"]},
            description="A noble family fights over a desert planet.",
            popularity=0.4,
        ),
        Item(
            item_id="dune-2021",
            title="Dune",
            year=2021,
            attributes={"genre": ["sci-fi", "adventure"], "director": ["Denis Villeneuve"]},
            description="A young heir is drawn into a war over a desert planet.",
            popularity=0.8,
        ),
        Item(
            item_id="shining",
            title="The Shining",
            year=1980,
            attributes={
                "genre": ["horror"],
                "director": ["Stanley Kubrick"],
                "star": ["Jack Nicholson"],
            },
            description="A writer caretaking an empty hotel in winter descends into madness.",
        ),
    ]


@pytest.fixture()
def tiny_catalog() -> Catalog:
    """The tiny catalog of `make_items`."""
    return Catalog(make_items(), name="tiny")


PACK_CACHE = Path(
    os.environ.get("PARLEY_TEST_CACHE") or Path.home() / ".cache" / "parley" / "test-packs"
)
"""Where test packs are built. Outside the checkout, so that a fresh clone (CI, a second
worktree) reuses the embeddings of an earlier run: a rebuild embeds only changed items."""


def _build_key(spec: str) -> str:
    """What a test pack depends on: the catalog spec and the code that builds packs."""
    digest = hashlib.sha256(spec.encode())
    for path in sorted((REPO / "knowledge").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _built_pack(spec: str, name: str) -> Pack:
    """Build a pack once; later test runs reuse it while the build code is unchanged.

    When the code changed, the rebuild reuses the cached embeddings by text hash. A file
    lock keeps two test runs on one machine from building the same pack at once.
    """
    PACK_CACHE.mkdir(parents=True, exist_ok=True)
    out = PACK_CACHE / name
    key = _build_key(spec)
    with (PACK_CACHE / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            stamp = out / "test-build-key"
            if not (stamp.exists() and stamp.read_text() == key):
                build_pack(spec, out)
                stamp.write_text(key)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return load_pack(out)


@pytest.fixture(scope="session")
def redial_pack(redial_dir: Path) -> Pack:
    """The ReDial reference catalog as a pack, built once per test session."""
    return _built_pack(f"redial:{redial_dir}", "redial")


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
