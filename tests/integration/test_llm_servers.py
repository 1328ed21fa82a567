"""The production LLM path against a real OpenAI-compatible server: llama.cpp's, on 127.0.0.1.

The server (``python -m llama_cpp.server``) serves the same SmolLM2 GGUF file that the
embedded backend runs in-process, so the scripted conversation must come back with the
same shape, the same dialogue acts and the same catalog items through both: the LLM
phrases replies, it never decides them. vLLM speaks the same API; its CPU check is
``bench/vllm_cpu.py`` (too slow to start for CI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.llm import (
    ChatMessage,
    GenerationOptions,
    OpenAICompatibleLLM,
    complete,
)
from knowledge.pack import Pack
from tests.fixtures.llama_server import Server, llama_cpp_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "llm_conversation.txt"
TURN_KEYS = {"user", "reply", "act", "items", "reply_source", "notice"}
ITEM_KEYS = {"item_id", "title", "tools", "evidence"}
ALIAS = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """llama.cpp's server on a free port of 127.0.0.1, serving the embedded model's GGUF."""
    with llama_cpp_server(tmp_path_factory.mktemp("llama-server"), alias=ALIAS) as server:
        yield server


def run_script(llm: str, pack: Pack, folder: Path) -> list[dict[str, Any]]:
    """``parley chat --script bench/llm_conversation.txt --json`` in a fresh process."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "ui.cli",
        "chat",
        "--pack",
        str(pack.path),
        "--llm",
        llm,
        "--sessions",
        str(folder / "sessions.sqlite"),
        "--script",
        str(SCRIPT),
        "--json",
    ]
    # This compares decisions, not speed: a generous LLM deadline keeps a busy CI machine
    # from turning a slow reply into a template (the deadline has tests of its own).
    env = {**os.environ, "PARLEY_HOME": str(folder / "home"), "PARLEY_AGENT_LLM_DEADLINE": "300"}
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"parley chat --llm {llm} failed:\n{done.stderr[-3000:]}"
    turns = json.loads(done.stdout)
    assert isinstance(turns, list)
    return turns


def script_lines() -> list[str]:
    lines = SCRIPT.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def embedded_turns(demo_pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The reference transcript: the same script through the embedded backend."""
    return run_script("embedded", demo_pack, tmp_path_factory.mktemp("embedded"))


def check_shape(turns: list[dict[str, Any]], pack: Pack) -> None:
    """Every turn answered, the transcript's keys, and only catalog items recommended."""
    assert [t["user"] for t in turns] == script_lines()
    for turn in turns:
        assert set(turn) == TURN_KEYS
        assert turn["reply"].strip(), f"turn {turn['user']!r} has no reply"
        assert turn["reply_source"] in {"llm", "template"}
        for item in turn["items"]:
            assert set(item) == ITEM_KEYS
            assert item["item_id"] in pack.catalog, f"{item} is not a catalog item"
            entry = pack.catalog[item["item_id"]]
            assert item["title"] in {entry.title, entry.display_title}
    assert any(t["act"] == "recommend" and t["items"] for t in turns), "nothing recommended"


def test_scripted_conversation_through_llama_cpp_server(
    llama_server: Server, demo_pack: Pack, embedded_turns: list[dict], tmp_path: Path
) -> None:
    served = run_script(llama_server.url, demo_pack, tmp_path)
    check_shape(embedded_turns, demo_pack)
    check_shape(served, demo_pack)
    # The server answered every LLM call: no turn fell back for want of a model.
    assert all(t["notice"] is None for t in served), [t["notice"] for t in served]
    calls = llama_server.chat_calls()
    assert calls >= max(1, sum(t["reply_source"] == "llm" for t in served)), calls
    # The LLM phrases; the agent decides. Same acts, same items, in the same order.
    assert [t["act"] for t in served] == [t["act"] for t in embedded_turns]
    assert [[i["item_id"] for i in t["items"]] for t in served] == [
        [i["item_id"] for i in t["items"]] for t in embedded_turns
    ]


def test_streaming_max_tokens_and_guided_json(llama_server: Server) -> None:
    llm = OpenAICompatibleLLM(llama_server.url)
    try:
        assert llm.model == ALIAS
        messages: list[ChatMessage] = [{"role": "user", "content": "Name a colour."}]
        pieces = list(llm.stream(messages, GenerationOptions(max_tokens=8, temperature=0.0)))
        assert len(pieces) > 1, "the reply streams in pieces"
        assert "".join(pieces).strip() and len("".join(pieces).split()) <= 12
        # llama-cpp-python's server refuses the json_schema form vLLM takes; the client
        # falls back to json_object with the schema, and the grammar holds the model to it.
        schema = {
            "type": "object",
            "properties": {"genre": {"type": "string", "enum": ["comedy", "horror", "drama"]}},
            "required": ["genre"],
            "additionalProperties": False,
        }
        question: list[ChatMessage] = [
            {"role": "user", "content": "Which genre is The Shining? Answer in JSON."}
        ]
        text = complete(
            llm, question, GenerationOptions(max_tokens=40, temperature=0.0, json_schema=schema)
        )
        assert json.loads(text)["genre"] in {"comedy", "horror", "drama"}
        assert llm.schema_format == "json_object"
    finally:
        llm.close()
