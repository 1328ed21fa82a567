"""The example plug-in, pip-installed into a throwaway folder, shows up everywhere.

pip installs it with ``--target`` into a temporary folder, using this environment's own
pip and setuptools (nothing is downloaded). Python processes that put the folder on their
path see its entry point exactly as they would see an installed distribution; deleting the
folder uninstalls the plug-in, and this environment is never touched.

(A nested ``venv --system-site-packages`` would see the *base* interpreter's packages, not
this virtual environment's: its pip lacked this environment's setuptools and failed with
"invalid command 'bdist_wheel'".)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.pack import Pack
from tests.fixtures.sources import write_small_pack
from tools.registry import default_registry

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "parley-surprise"


class Venv:
    """This interpreter, with a folder that holds the plug-in put first on its path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.python = Path(sys.executable)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.folder), str(REPO)]),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        done = subprocess.run(
            [str(self.python), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    base = tmp_path_factory.mktemp("plugin")
    source = base / "parley-surprise"
    # Build from a copy: pip builds in the source tree and would leave build/ and egg-info.
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    folder = base / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--target",
            str(folder),
            str(source),
        ],
        check=True,
        timeout=300,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    yield Venv(folder)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small_pack(tmp_path_factory.mktemp("plugin-pack") / "small")


def test_registry_finds_the_plugin(venv: Venv) -> None:
    code = (
        "import json; from tools.registry import default_registry; r = default_registry(); "
        "print(json.dumps({'tools': [[s.name, s.origin] for s in r.specs()], "
        "'failures': [f.reason for f in r.failures]}))"
    )
    found = json.loads(venv.run("-c", code).stdout)
    assert ["surprise", "parley-surprise 0.1.0"] in found["tools"]
    assert found["tools"][:3] == [[n, "built-in"] for n in ("lookup", "retriever", "kg_paths")]
    assert found["failures"] == []


def test_cli_lists_and_runs_the_plugin(venv: Venv, pack: Path) -> None:
    listed = json.loads(venv.run("-m", "ui.cli", "tools", "list", "--json").stdout)
    assert "surprise" in [row["name"] for row in listed]
    done = venv.run(
        "-m",
        "ui.cli",
        "tools",
        "run",
        "surprise",
        "--pack",
        str(pack),
        "--input",
        '{"k": 2, "filters": {"include": {"genre": ["drama"]}}}',
    )
    items = json.loads(done.stdout)["items"]
    assert len(items) == 2
    bad = venv.run(
        "-m",
        "ui.cli",
        "tools",
        "run",
        "surprise",
        "--pack",
        str(pack),
        "--input",
        '{"k": 0}',
        check=False,
    )
    assert bad.returncode == 2
    assert "field 'k'" in bad.stderr + bad.stdout


def test_the_agent_gets_the_plugin_as_a_langchain_tool(venv: Venv, pack: Path) -> None:
    code = (
        "import json, sys; from knowledge.pack import load_pack; "
        "from tools.langchain import langchain_tools; from tools.registry import default_registry; "
        "tools = {t.name: t for t in langchain_tools(default_registry(), load_pack(sys.argv[1]))}; "
        "m = tools['surprise'].invoke({'type': 'tool_call', 'id': '1', 'name': 'surprise', "
        "'args': {'k': 1}}); print(json.dumps({'names': sorted(tools), 'artifact': m.artifact}))"
    )
    found = json.loads(venv.run("-c", code, str(pack)).stdout)
    assert "surprise" in found["names"]
    assert len(found["artifact"]["items"]) == 1


def test_this_environment_is_left_alone() -> None:
    installed = (
        shutil.which("pip")
        and subprocess.run(
            [sys.executable, "-m", "pip", "show", "parley-surprise"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not installed:  # someone may have installed the example here on purpose
        assert "surprise" not in default_registry().names()


def test_the_agent_fuses_the_plugin_into_recommendations(venv: Venv, demo_pack: Pack) -> None:
    code = (
        "import json, sys; from knowledge.pack import load_pack; "
        "from agent.agent import ParleyAgent; a = ParleyAgent(load_pack(sys.argv[1])); "
        "r = a.turn(a.new_session(), 'I loved Inception'); "
        "print(json.dumps({'trace': [c.tool for c in r.trace], "
        "'tools': sorted({t for i in r.items for t in i.tools}), 'act': r.act}))"
    )
    found = json.loads(venv.run("-c", code, str(demo_pack.path)).stdout.strip().splitlines()[-1])
    assert found["act"] == "recommend"
    assert "surprise" in found["trace"], "the agent calls the plug-in ranker beside the built-ins"
