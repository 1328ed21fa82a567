"""The example ranking plug-in, installed into a throwaway folder, shows up everywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.pack import Pack
from tests.fixtures.plugins import PluginEnv, install_example
from tests.fixtures.sources import write_small_pack
from tools.registry import default_registry

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "parley-surprise"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginEnv]:
    base = tmp_path_factory.mktemp("plugin")
    yield install_example("parley-surprise", base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small_pack(tmp_path_factory.mktemp("plugin-pack") / "small")


def test_registry_finds_the_plugin(venv: PluginEnv) -> None:
    code = (
        "import json; from tools.registry import default_registry; r = default_registry(); "
        "print(json.dumps({'tools': [[s.name, s.origin] for s in r.specs()], "
        "'failures': [f.reason for f in r.failures]}))"
    )
    found = json.loads(venv.run("-c", code).stdout)
    assert ["surprise", "parley-surprise 0.1.0"] in found["tools"]
    assert found["tools"][:3] == [[n, "built-in"] for n in ("lookup", "retriever", "kg_paths")]
    assert found["failures"] == []


def test_cli_lists_and_runs_the_plugin(venv: PluginEnv, pack: Path) -> None:
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


def test_the_agent_gets_the_plugin_as_a_langchain_tool(venv: PluginEnv, pack: Path) -> None:
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


def test_the_agent_fuses_the_plugin_into_recommendations(venv: PluginEnv, demo_pack: Pack) -> None:
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
