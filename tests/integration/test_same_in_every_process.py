"""The agent answers the same in every process: no choice follows Python's per-process set order.

Evaluation workers (local processes or Ray actors) must give the same conversations as
one process; string hashing, and so set order, changes with ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knowledge.pack import Pack

REPO = Path(__file__).resolve().parents[2]

# Ask examples (ties broken by catalog order) and two-hop paths (ties broken by node order).
PROBE = """
import json, sys
from pathlib import Path
from agent.agent import ParleyAgent
from agent.questions import best_question
from agent.state import Candidate
from knowledge.pack import load_pack
agent = ParleyAgent(load_pack(Path(sys.argv[1])))
items = list(agent.pack.catalog)[:40]
pool = [Candidate(item_id=i.item_id, title=i.title, score=1.0) for i in items]
asks = [best_question(agent.context, pool[k:k + 20], asked) for k in (0, 10, 20)
        for asked in ([], ["genre"], ["genre", "director"])]
from knowledge.graph_paths import PathFinder
finder = PathFinder(agent.pack.graph)
nodes = [f"item:{i.item_id}" for i in items[:12]]
paths = [[p.weight, [(s.source, s.relation, s.target) for s in p.steps]]
         for a in nodes for b in nodes for p in finder.paths(a, b, max_hops=2, limit=3)]
print(json.dumps({"asks": asks, "paths": paths}))
"""


def probe(pack: Pack, seed: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(pack.path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_questions_and_paths_do_not_depend_on_the_hash_seed(demo_pack: Pack) -> None:
    first, second = probe(demo_pack, "1"), probe(demo_pack, "2")
    assert first["paths"], "the probe found paths to compare"
    assert first == second
