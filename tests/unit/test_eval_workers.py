"""`run_tasks`: results in task order with any number of workers; workers die with the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.evaluation.workers import run_tasks

REPO = Path(__file__).resolve().parents[2]


class Square:
    """A light evaluator: built once per process, called per task."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def __call__(self, task: int) -> tuple[int, int]:
        time.sleep(0.01 * (task % 3))  # finish out of order
        return task, task * task + self.offset


class Sleeper:
    """Writes its pid, then sleeps on every task."""

    def __init__(self, folder: str) -> None:
        Path(folder, f"{os.getpid()}.pid").write_text("")

    def __call__(self, task: int) -> int:
        time.sleep(60)
        return task


def test_results_keep_task_order_whatever_the_workers() -> None:
    tasks = list(range(12))
    seen: list[tuple[int, int]] = []
    one = run_tasks(Square, (1,), tasks, workers=1, progress=lambda d, t: seen.append((d, t)))
    two = run_tasks(Square, (1,), tasks, workers=2)
    assert one == two == [(t, t * t + 1) for t in tasks]
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it waits only for its (dead) parent to reap it.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "from agent.evaluation.workers import run_tasks\n"
        "from tests.unit.test_eval_workers import Sleeper\n"
        f"run_tasks(Sleeper, ({str(tmp_path)!r},), [1, 2], workers=2)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.pid"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.stem) for p in tmp_path.glob("*.pid")]
        assert len(workers) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(w) for w in workers)
    finally:
        parent.kill()
