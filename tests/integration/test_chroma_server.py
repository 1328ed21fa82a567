"""The index layer pointed at a Chroma server (``chroma run``) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.pack import build_pack, load_pack
from tests.integration.test_pack import _source as tiny_load_result
from tests.processes import stop

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    beside = Path(sys.executable).parent / "chroma"  # the venv's, even when not activated
    exe = str(beside) if beside.exists() else shutil.which("chroma")
    assert exe, "the chroma command ships with the chromadb package"
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(data / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not open its port within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        log.close()


def test_pack_with_server_index(chroma_url: str, tmp_path: Path) -> None:
    stats = build_pack(tiny_load_result(), tmp_path / "p", chroma_url=chroma_url)
    assert stats.items == 5
    assert not (tmp_path / "p" / "chroma").exists()
    pack = load_pack(tmp_path / "p")
    assert pack.manifest["index"]["backend"] == "http"
    assert pack.index.count() == 5
    assert pack.index.query("a heist inside dreams", k=1)[0].item_id == "inception"
    # Rebuilding replaces the server collection rather than duplicating vectors.
    build_pack(tiny_load_result(), tmp_path / "p", chroma_url=chroma_url)
    assert load_pack(tmp_path / "p").index.count() == 5


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from knowledge.errors import ParleyError

    with pytest.raises(ParleyError, match="cannot reach the Chroma server"):
        build_pack(
            tiny_load_result(), tmp_path / "p", chroma_url=f"http://127.0.0.1:{_free_port()}"
        )
    assert not (tmp_path / "p").exists()
