"""The served app under a hanging language model: the queue's slots free up at the deadline,
and every user's turn ends (the app is driven through Gradio's own client, as by browsers)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import pytest

from agent.agent import ParleyAgent
from agent.llm import OpenAICompatibleLLM
from tests.fixtures.fake_llm import FakeLLMServer
from tests.fixtures.sources import SmallSource

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")

USERS = 6
SLOTS = 2
DEADLINE = 3.0
LIVENESS = 60.0
"""Seconds within which every turn must have ended (a hung turn never would)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def hanging_app() -> Iterator[tuple[str, FakeLLMServer]]:
    from ui.app import create_app, launch

    with FakeLLMServer("hang") as fake:
        llm = OpenAICompatibleLLM(fake.url, model="fake-model", deadline=DEADLINE, cooldown=300)
        app = create_app(ParleyAgent(SmallSource(), llm=llm), concurrency=SLOTS)  # type: ignore[arg-type]
        port = _free_port()
        launch(app, host="127.0.0.1", port=port, block=False)
        try:
            yield f"http://127.0.0.1:{port}/", fake
        finally:
            app.close()


def _one_turn(url: str) -> tuple[str, Any]:
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 120})
    client.predict({"user": "", "current": "", "recent": []}, api_name="/on_load")
    result = client.predict("I loved Inception", [], api_name="/on_turn")
    history, notice = result[0], result[2]
    reply = history[-1]["content"]
    text = reply[0]["text"] if isinstance(reply, list) else str(reply)
    return text, notice


def test_every_users_turn_ends_while_the_llm_hangs(
    hanging_app: tuple[str, FakeLLMServer],
) -> None:
    url, fake = hanging_app
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        futures = [pool.submit(_one_turn, url) for _ in range(USERS)]
        done, stuck = wait(futures, timeout=LIVENESS)
    assert not stuck, f"{len(stuck)} of {USERS} turns still waiting after {LIVENESS:.0f} s"
    for future in done:
        text, notice = future.result()
        assert re.search(r"^1\. .+\(\d{4}\)", text, re.M), text  # the template reply's picks
        assert "language model is unavailable" in str(notice)
    # The server was asked at most once per slot: the others knew it was down.
    assert fake.chat_calls() <= SLOTS
