"""Two ``parley serve`` replicas on one PostgreSQL database, driven over HTTP like browsers.

A browser is a Gradio client session that carries the browser's stored value (its user id
and current session), so it can open the same conversation on either replica, as a load
balancer without sticky sessions would send it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.agent import ParleyAgent
from knowledge.pack import Pack
from tests.conftest import new_database
from tests.fixtures.transcripts import substance
from tests.processes import stop
from tests.services import PostgresServer, free_port

pytestmark = [
    pytest.mark.slow,
    # Gradio's queue calls pandas 3 in ways pandas deprecates: not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = [
    "hi",
    "I loved Inception and The Prestige",
    "I've seen it",
    "more like the second one",
    "why the first one?",
    "I hate horror",
    "something else",
    "show me more",
]


class Replica:
    """One ``parley serve`` process; ``start`` again after ``kill`` runs a new one."""

    def __init__(self, pack: Path, sessions: str, folder: Path, name: str) -> None:
        self.pack, self.sessions, self.folder, self.name = pack, sessions, folder, name
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        log = (self.folder / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "serve", "--pack", str(self.pack), "--llm", "none",
             "--sessions", self.sessions, "--port", str(self.port)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO), "GRADIO_ANALYTICS_ENABLED": "False"},
        )  # fmt: skip
        log.close()

    def wait(self, timeout: float = 240) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited: {self.log()[-3000:]}")
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(f"{self.name} did not answer within {timeout:.0f} s: {self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, only what was saved survives."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def log(self) -> str:
        return (self.folder / f"{self.name}.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc)


class Browser:
    """A browser: its stored value (user, current session) travels to whichever replica."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] = {}

    def say(self, replica: Replica, text: str | None) -> list[Any]:
        """Open the page on ``replica`` (its stored session) and send one message; the chat
        the page showed on opening, or after the reply when ``text`` is given."""
        from gradio_client import Client

        client = Client(replica.url, verbose=False)
        try:
            stored, chat, *_ = client.predict(self.stored, api_name="/on_load")
            self.stored = dict(stored)
            if text is not None:
                chat, *_ = client.predict(text, chat, api_name="/on_turn")
            return list(chat)
        finally:
            client.close()

    @property
    def session(self) -> str:
        return str(self.stored["current"])


@pytest.fixture(scope="module")
def postgres_url(postgres_server: PostgresServer) -> str:
    """One database for the replicas of this module."""
    return new_database(postgres_server)


@pytest.fixture(scope="module")
def replicas(
    demo_pack: Pack, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Replica]]:
    """Two replicas on one database, started once; a test that kills one starts it again."""
    folder = tmp_path_factory.mktemp("replicas")
    pair = [Replica(demo_pack.path, postgres_url, folder, name) for name in ("a", "b")]
    try:
        for replica in pair:
            replica.start()
        for replica in pair:
            replica.wait()
        yield pair
    finally:
        for replica in pair:
            replica.stop()


def texts(agent: ParleyAgent, session: str) -> list[tuple[str, str]]:
    return [(m.type, str(m.content)) for m in agent.messages(session)]


def test_one_conversation_alternates_replicas_and_survives_killing_either(
    replicas: list[Replica], demo_pack: Pack, postgres_url: str
) -> None:
    a, b = replicas
    browser = Browser()
    order = [a, b, "kill a", b, "start a", a, b, "kill b", a, "start b", b, a]
    lines = iter(SCRIPT)
    for step in order:
        if step == "kill a":
            a.kill()
        elif step == "kill b":
            b.kill()
        elif step == "start a":
            a.start()
            a.wait()
        elif step == "start b":
            b.start()
            b.wait()
        else:
            assert isinstance(step, Replica)
            chat = browser.say(step, next(lines))
            assert chat, f"{step.name} answered nothing"
    assert next(lines, None) is None, "every line of the script was sent"
    saved = ParleyAgent(demo_pack, sessions=postgres_url)
    alone = ParleyAgent(demo_pack)  # one process, in memory: the reference
    reference = alone.new_session(user=browser.stored["user"])
    for line in SCRIPT:
        alone.turn(reference, line)
    assert substance(saved, browser.session) == substance(alone, reference)
    saved.close()


def test_users_on_two_replicas_never_see_each_other(
    replicas: list[Replica], demo_pack: Pack, postgres_url: str
) -> None:
    a, b = replicas
    ann, bob = Browser(), Browser()
    ann_lines = ["I loved Inception", "I hate horror", "show me more"]
    bob_lines = ["I want a funny movie from the 90s", "something else", "more please"]
    errors: list[BaseException] = []

    def talk(browser: Browser, lines: list[str], first: Replica, second: Replica) -> None:
        try:
            for number, line in enumerate(lines):
                browser.say(first if number % 2 == 0 else second, line)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=talk, args=(ann, ann_lines, a, b)),
        threading.Thread(target=talk, args=(bob, bob_lines, b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    saved = ParleyAgent(demo_pack, sessions=postgres_url)
    assert ann.stored["user"] != bob.stored["user"] and ann.session != bob.session
    for browser, lines in ((ann, ann_lines), (bob, bob_lines)):
        said = [text for kind, text in texts(saved, browser.session) if kind == "human"]
        assert said == lines
        assert saved.user_of(browser.session) == browser.stored["user"]
        assert browser.stored["recent"] == [browser.session]
    # Ann's dislike of horror is hers: Bob's next page on either replica does not carry it.
    assert saved.profile(ann.session).avoided == {"genre": ["horror"]}
    assert saved.profile(bob.session).avoided == {}
    for replica in (a, b):
        page = str(bob.say(replica, None))
        assert bob_lines[0] in page and not any(line in page for line in ann_lines)
    saved.close()
