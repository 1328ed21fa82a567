"""The LLM planner with a real model behind a real OpenAI-compatible server.

llama.cpp's server runs SmolLM2-135M with its function-calling chat format (tool calls
under a grammar), and the agent plans with ``--planner llm`` in ``pick`` mode: the model
names one tool of the registry, then fills that tool's arguments. The answering plug-in
(examples/parley-tags) is installed. Whatever the small model picks, its calls run
through the toolbox, every film shown is a catalog item, and a question the plug-in
declares is answered by the plug-in.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from knowledge.pack import Pack
from tests.conftest import require_shared
from tests.fixtures.llama_server import Server, llama_cpp_server
from tests.fixtures.plugins import PluginEnv, install_example

pytestmark = pytest.mark.slow

CHAT = """
import json, sys
from agent.agent import ParleyAgent
from agent.context import AgentSettings
from agent.llm import make_llm
from knowledge.pack import load_pack
settings = AgentSettings(planner="llm", planner_choice="pick", planner_seconds=240, writing="none")
agent = ParleyAgent(load_pack(sys.argv[1]), llm=make_llm(sys.argv[2]), settings=settings)
session = agent.new_session()
turns = [agent.turn(session, line) for line in sys.argv[3:]]
print(json.dumps([
    {"act": t.act, "reply": t.reply, "items": [i.item_id for i in t.items],
     "trace": [[c.tool, c.summary[:80]] for c in t.trace]}
    for t in turns
]))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("planner-server")
    extra = ["--chat_format", "chatml-function-calling"]
    with llama_cpp_server(folder, extra=extra, n_ctx=4096) as running:
        yield running


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginEnv]:
    base = tmp_path_factory.mktemp("planner-plugin")
    yield install_example("parley-tags", base)
    shutil.rmtree(base, ignore_errors=True)


def test_the_llm_plans_with_tools_and_the_plugin_answers(
    server: Server, env: PluginEnv, redial_pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_MOVIELENS", str(require_shared("movielens", "ml-latest-small")))
    lines = ["What do people say about The Dark Knight (2008)?", "I want a funny movie"]
    done = env.run("-c", CHAT, str(redial_pack.path), server.url, *lines)
    turns = json.loads(done.stdout.strip().splitlines()[-1])
    planned = [t for turn in turns for t in turn["trace"] if t[1].startswith("(planner)")]
    assert planned, f"the LLM planner called no tool: {turns}"
    assert server.chat_calls() >= 2  # the pick, then the tool call
    tags, funny = turns
    assert tags["act"] == "answer"
    assert "tagged The Dark Knight (2008)" in tags["reply"]
    assert funny["act"] in {"recommend", "ask"}
    for turn in turns:
        assert all(i in redial_pack.catalog for i in turn["items"])
