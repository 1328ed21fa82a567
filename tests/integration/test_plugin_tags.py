"""The example answering plug-in (examples/parley-tags): installed, found, and used in dialogue."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.pack import Pack
from tests.conftest import require_shared
from tests.fixtures.plugins import PluginEnv, install_example

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginEnv]:
    base = tmp_path_factory.mktemp("tags-plugin")
    yield install_example("parley-tags", base)
    shutil.rmtree(base, ignore_errors=True)


def _movielens() -> str:
    return str(require_shared("movielens", "ml-latest-small"))


CHAT = """
import json, os, sys
from agent.agent import ParleyAgent
from knowledge.pack import load_pack
agent = ParleyAgent(load_pack(sys.argv[1]))
session = agent.new_session()
turns = [agent.turn(session, line) for line in sys.argv[2:]]
print(json.dumps({
    "tools": agent.toolbox.names(),
    "turns": [{"act": t.act, "reply": t.reply, "trace": [c.tool for c in t.trace]} for t in turns],
    "profile": agent.profile(session).model_dump(),
}))
"""


def test_the_policy_sends_matching_questions_to_the_plugin(
    env: PluginEnv, redial_pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_MOVIELENS", _movielens())
    done = env.run(
        "-c",
        CHAT,
        str(redial_pack.path),
        "I loved Inception",
        "What do people say about Inception (2010)?",
        "who directed The Dark Knight (2008)?",
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "movielens_tags" in found["tools"]
    first, tags, director = found["turns"]
    assert first["act"] == "recommend"
    assert tags["act"] == "answer" and "movielens_tags" in tags["trace"]
    assert "MovieLens users tagged Inception (2010):" in tags["reply"]
    # Other questions still go to the catalog's own facts.
    assert director["act"] == "answer" and "movielens_tags" not in director["trace"]
    assert "Christopher Nolan" in director["reply"]
    # A question never changes what the agent believes.
    assert [t for t in found["profile"]["liked"]] and not found["profile"]["wanted"]


def test_without_its_data_the_plugin_is_not_offered(
    env: PluginEnv, redial_pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARLEY_MOVIELENS", raising=False)
    done = env.run("-c", CHAT, str(redial_pack.path), "What do people say about Inception?")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "movielens_tags" not in found["tools"]
    assert found["turns"][0]["act"] in {"answer", "recommend", "ask"}


def test_cli_runs_it(env: PluginEnv, redial_pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_MOVIELENS", _movielens())
    inception = next(
        i.item_id for i in redial_pack.catalog if i.display_title == "Inception (2010)"
    )
    done = env.run(
        "-m", "ui.cli", "tools", "run", "movielens_tags", "--pack", str(redial_pack.path),
        "--input", json.dumps({"item_ids": [inception]}),
    )  # fmt: skip
    output = json.loads(done.stdout)
    assert output["items"][0]["tags"] and output["items"][0]["taggers"] > 0
    assert Path(redial_pack.path).exists()
