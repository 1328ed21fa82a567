"""Evaluation workers on a real Ray head (127.0.0.1): task order, a killed worker, the report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.evaluation.workers import run_tasks
from knowledge.pack import Pack

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


class Square:
    """A light evaluator: built once per actor, called per task."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.pid = os.getpid()

    def __call__(self, task: int) -> tuple[int, int, int]:
        return task, task * task + self.offset, self.pid


class DiesOnce:
    """Kills its own process (SIGKILL, no clean-up) on the first try of one task."""

    def __init__(self, folder: str, victim: int) -> None:
        self.folder, self.victim = Path(folder), victim

    def __call__(self, task: int) -> int:
        marker = self.folder / f"{task}.tried"
        if task == self.victim and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return task * 10


def test_results_keep_task_order_and_match_local_workers(ray_address: str) -> None:
    tasks = list(range(9))
    seen: list[tuple[int, int]] = []
    on_ray = run_tasks(
        Square, (1,), tasks, workers=2, ray=ray_address, progress=lambda d, t: seen.append((d, t))
    )
    local = run_tasks(Square, (1,), tasks, workers=1)
    assert [r[:2] for r in on_ray] == [r[:2] for r in local] == [(t, t * t + 1) for t in tasks]
    assert len({r[2] for r in on_ray} - {os.getpid()}) == 2, "two actors, not this process"
    assert seen[0] == (0, 9) and seen[-1] == (9, 9)


def test_a_killed_worker_is_restarted_and_its_task_run_again(
    ray_address: str, tmp_path: Path
) -> None:
    results = run_tasks(DiesOnce, (str(tmp_path), 3), list(range(6)), workers=2, ray=ray_address)
    assert results == [t * 10 for t in range(6)]
    assert (tmp_path / "3.tried").exists(), "the worker really died once"


def _report(path: Path) -> dict[str, Any]:
    report = json.loads(path.read_text())
    for key in ("elapsed_s", "created_at", "workers", "ray", "plots"):
        report.pop(key, None)
    return dict(report)


def test_interactive_on_ray_equals_worker_processes(
    redial_pack: Pack, redial_dir: Path, ray_address: str, tmp_path: Path
) -> None:
    """The issue's check: 40 dev turns on Ray give the report of ``--workers 2``."""
    common = [
        sys.executable, "-m", "ui.cli", "eval", "interactive", "--pack", str(redial_pack.path),
        "--dialogues", str(redial_dir / "dev_dialogues.jsonl"), "--limit", "40",
        "--turns", "2", "--seed", "5",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name, extra in (("local", ["--workers", "2"]), ("ray", ["--ray", ray_address])):
        out = tmp_path / f"{name}.json"
        done = subprocess.run(
            [*common, "--out", str(out), *extra], cwd=REPO, env=env, capture_output=True,
            text=True, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
    local, on_ray = _report(tmp_path / "local.json"), _report(tmp_path / "ray.json")
    assert local["n"] == 40
    assert on_ray == local
    assert (tmp_path / "ray-conversations.jsonl").read_text() == (
        tmp_path / "local-conversations.jsonl"
    ).read_text()
    assert json.loads((tmp_path / "ray.json").read_text())["ray"] == ray_address
    acts = [
        m.get("act")
        for line in (tmp_path / "ray-conversations.jsonl").read_text().splitlines()
        for m in json.loads(line)["transcript"]
    ]
    assert "error" not in acts, "no turn failed"
