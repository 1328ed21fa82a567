"""A chat process killed mid-conversation: the session resumes with its profile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from agent.agent import ParleyAgent
from knowledge.pack import Pack

REPO = Path(__file__).resolve().parents[2]


def test_killed_chat_resumes(demo_pack: Pack, tmp_path: Path) -> None:
    sessions = tmp_path / "sessions.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "chat",
            "--pack",
            str(demo_pack.path),
            "--llm",
            "none",
            "--sessions",
            str(sessions),
            "--session",
            "killme",
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("I loved Inception but I hate horror\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 180
    # A blocking read has no deadline of its own: a process that never answers is killed.
    watchdog = threading.Timer(180, proc.kill)
    watchdog.start()
    seen = ""
    # The reply, then the next prompt: the turn is saved before the prompt is printed.
    while not ("parley>" in seen and seen.endswith("you> ")) and time.monotonic() < deadline:
        char = proc.stdout.read(1)
        if not char:
            break
        seen += char
    watchdog.cancel()
    assert "Inception (2010)" in seen and seen.endswith("you> "), seen
    proc.send_signal(signal.SIGKILL)  # no clean shutdown: only what was saved survives
    proc.wait(timeout=30)

    agent = ParleyAgent(demo_pack, sessions=sessions)
    profile = agent.profile("killme")
    inception = next(i.item_id for i in demo_pack.catalog if i.title == "Inception")
    assert profile.liked == [inception]
    assert profile.avoided == {"genre": ["horror"]}
    result = agent.turn("killme", "something else")
    assert result.act == "recommend"
    assert len(agent.messages("killme")) == 4
