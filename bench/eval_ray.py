"""Benchmark evaluation throughput on Ray with 1, 2 and 4 workers, against local processes.

    python bench/eval_ray.py --pack /tmp/redial --limit 80 [--workers 1 2 4] [--local 1 2]

Starts a Ray head on 127.0.0.1 for the run (``--cpus`` logical CPUs, 4 by default so that
4 workers fit; this machine may have fewer cores) and runs the interactive protocol
(``attr`` simulator, template replies) over the first ``--limit`` ReDial dev turns with
each number of Ray workers, then with local worker processes. Prints the wall time, the
conversations per second, and the same rate after the workers have loaded the pack (from
the first finished conversation to the last), and checks that every run gives the same
conversations. Writes JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.evaluation.dialogues import load_turns  # noqa: E402
from agent.evaluation.interactive import evaluate_interactive  # noqa: E402
from agent.evaluation.ray_workers import LOOPBACK_ENV  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402
from tests.services import ray_head  # noqa: E402

DIALOGUES = REPO.parent / "shared" / "data" / "redial" / "dev_dialogues.jsonl"


def timed(pack: Path, turns: Any, args: argparse.Namespace, **runner: Any) -> dict[str, Any]:
    finished: list[float] = []

    def progress(done: int, total: int) -> None:
        if done:
            finished.append(time.perf_counter())

    started = time.perf_counter()
    report, conversations = evaluate_interactive(
        pack, turns, mode="attr", max_turns=args.turns, seed=0, progress=progress, **runner
    )
    wall = time.perf_counter() - started
    n = len(conversations)
    steady = (n - 1) / (finished[-1] - finished[0]) if n > 1 and finished[-1] > finished[0] else 0
    return {
        "conversations": n,
        "wall_s": round(wall, 1),
        "per_s": round(n / wall, 3),
        "per_s_after_load": round(steady, 3),
        "recall@10": report["recall@10"],
        "digest": hashlib.sha256(
            json.dumps([asdict(c) for c in conversations], sort_keys=True).encode()
        ).hexdigest()[:16],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--dialogues", type=Path, default=DIALOGUES)
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--turns", type=int, default=3, help="agent turns per conversation")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--local", type=int, nargs="*", default=[2], help="local worker counts")
    parser.add_argument("--cpus", type=int, default=4, help="logical CPUs of the Ray head")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "eval_ray.json")
    args = parser.parse_args()
    turns = load_turns(args.dialogues, load_pack(args.pack).catalog, limit=args.limit)
    rows: dict[str, Any] = {}
    os.environ[LOOPBACK_ENV] = "0"
    with ray_head(cpus=args.cpus) as address:
        for workers in args.workers:
            rows[f"ray {workers}"] = timed(args.pack, turns, args, workers=workers, ray=address)
            print(f"ray {workers}: {rows[f'ray {workers}']}", flush=True)
        import ray

        ray.shutdown()
    for workers in args.local:
        rows[f"local {workers}"] = timed(args.pack, turns, args, workers=workers)
        print(f"local {workers}: {rows[f'local {workers}']}", flush=True)
    same = len({row["digest"] for row in rows.values()}) == 1
    load = os.getloadavg()
    print(f"every run gave the same conversations: {same}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"runs": rows, "same": same, "load": load, "cores": os.cpu_count()}
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
