"""Two processes writing one session at the same time lose no turn (SQLite and PostgreSQL).

Before turns held a per-session lock, two processes on one SQLite file reported 16 turns
and kept 9: each started from the same saved state and the later save replaced the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.agent import ParleyAgent
from knowledge.pack import Pack

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TURNS = 8

# A writer process: loads the agent, waits until the other one is ready too (so that their
# turns overlap), then runs its turns on the shared session and prints their acts.
WRITER = """
import json, sys, time
from pathlib import Path
from agent.agent import ParleyAgent
from knowledge.pack import load_pack
pack, spec, session, name, folder, turns = sys.argv[1:7]
sessions = spec if spec.startswith("postgresql://") else Path(spec)
agent = ParleyAgent(load_pack(Path(pack)), sessions=sessions)
agent.toolbox.warm_up()
Path(folder, name + ".ready").touch()
deadline = time.monotonic() + 300
while len(list(Path(folder).glob("*.ready"))) < 2 and time.monotonic() < deadline:
    time.sleep(0.005)
acts = [agent.turn(session, f"{name} says {i}: I loved Inception").act for i in range(int(turns))]
print(json.dumps(acts))
"""


def run_writers(pack: Path, spec: str, session: str, folder: Path, turns: int = TURNS) -> list:
    """Run two writer processes on one session at once; the acts each one reported."""
    env = {**os.environ, "PYTHONPATH": os.environ.get("WRITER_CODE", str(REPO))}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(pack), spec, session, name, str(folder), str(turns)],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    reported = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        reported.append(json.loads(out.strip().splitlines()[-1]))
    return reported


def kept_lines(agent: ParleyAgent, session: str) -> list[str]:
    return [str(m.content) for m in agent.messages(session) if m.type == "human"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_processes_on_one_session_keep_every_turn(
    engine: str, demo_pack: Pack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    spec = (
        str(request.getfixturevalue("postgres_url"))
        if engine == "postgresql"
        else str(tmp_path / "sessions.sqlite")
    )
    reported = run_writers(demo_pack.path, spec, "shared", tmp_path)
    assert all(act not in {"error", "busy"} for acts in reported for act in acts), reported
    agent = ParleyAgent(demo_pack, sessions=spec if engine == "postgresql" else Path(spec))
    kept = kept_lines(agent, "shared")
    for name in ("left", "right"):
        mine = [line for line in kept if line.startswith(name)]
        assert mine == [f"{name} says {i}: I loved Inception" for i in range(TURNS)]
    assert len(kept) == 2 * TURNS
    assert len(agent.messages("shared")) == 4 * TURNS  # every turn has its reply
    agent.close()
