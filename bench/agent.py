"""Benchmark the agent: start-up, time to the first reply, and turn latency.

    python bench/agent.py --pack /tmp/redial --llm none
    python bench/agent.py --pack /tmp/redial --llm embedded

First, in fresh processes (``--fresh N`` of them), the agent is built exactly as
``parley serve`` and ``parley chat`` build it (pack opened, models and indexes warmed) and
the first message is timed: start-up and time to the first reply, medians over the runs.
Then, in this process, the scripted conversations run (each in a new session) and the
median and p90 turn latency are printed, per act and overall, with where replies came from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.agent import ParleyAgent  # noqa: E402
from agent.llm import make_llm  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402

SCRIPTS = [
    [
        "hi",
        "I loved Inception and The Prestige",
        "I've seen it",
        "more like the second one",
        "why the first one?",
    ],
    [
        "I want a funny movie from the 90s",
        "something else",
        "who directed Groundhog Day?",
        "thanks, bye",
    ],
    ["I love Tom Hanks", "not that one", "I hate war movies", "show me more"],
    [
        "something scary but not too violent",
        "I loved The Shining",
        "seen them all",
        "what is Alien about?",
    ],
    ["my kids liked Toy Story and Finding Nemo", "nothing animated please", "more please"],
]


FIRST = "Hi! I loved Inception and The Prestige."
FRESH = """
import json, sys, time
started = time.perf_counter()
from ui.compose import make_agent
import argparse
args = argparse.Namespace(pack=sys.argv[1], llm=sys.argv[2], model=None, sessions=sys.argv[3])
agent = make_agent(args)
ready = time.perf_counter() - started
t0 = time.perf_counter()
result = agent.turn(agent.new_session(), sys.argv[4])
print(json.dumps({"startup_s": ready, "first_reply_s": time.perf_counter() - t0,
                  "act": result.act, "items": len(result.items)}))
"""


def fresh_runs(pack: Path, llm: str, runs: int, folder: Path) -> list[dict[str, float]]:
    """Start-up and first-reply times of ``runs`` fresh processes."""
    out = []
    for n in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", FRESH, str(pack), llm, str(folder / f"s{n}.sqlite"), FIRST],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=True,
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--llm", default="none", help="none, embedded, or an http(s)://.../v1 URL")
    parser.add_argument("--rounds", type=int, default=2, help="times to run every script")
    parser.add_argument(
        "--fresh", type=int, default=3, help="fresh processes timing start-up and first reply"
    )
    args = parser.parse_args()

    if args.fresh:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            runs = fresh_runs(args.pack, args.llm, args.fresh, Path(tmp))
        startup = statistics.median(r["startup_s"] for r in runs)
        first = statistics.median(r["first_reply_s"] for r in runs)
        print(f"fresh processes      {len(runs)} (load average {os.getloadavg()[0]:.1f})")
        print(f"start-up median      {startup:.1f} s (pack, models and indexes loaded)")
        print(f"first reply median   {1000 * first:.0f} ms ({runs[0]['act']}, {FIRST!r})")

    agent = ParleyAgent(load_pack(args.pack), llm=make_llm(args.llm))
    started = time.perf_counter()
    agent.toolbox.warm_up()
    warm = time.perf_counter() - started
    agent.turn(agent.new_session(), "I loved Heat")  # first-call costs (model loads) excluded

    times: list[float] = []
    by_act: dict[str, list[float]] = defaultdict(list)
    sources: dict[str, int] = defaultdict(int)
    drafts, rejections = 0, Counter()
    for _ in range(args.rounds):
        for script in SCRIPTS:
            session = agent.new_session()
            for line in script:
                t0 = time.perf_counter()
                result = agent.turn(session, line)
                elapsed = time.perf_counter() - t0
                times.append(elapsed)
                by_act[result.act].append(elapsed)
                sources[result.reply_source] += 1
                drafts += result.reply_source == "llm" or bool(result.rejected)
                rejections.update(problem.split(" (")[0] for problem in result.rejected)

    def ms(values: list[float], q: float = 0.5) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    print(f"pack                 {args.pack}")
    print(f"llm                  {args.llm}")
    print(f"tool warm-up         {warm:.1f} s")
    print(f"turns                {len(times)}")
    print(f"turn median          {1000 * statistics.median(times):.0f} ms")
    print(f"turn p90             {ms(times, 0.9):.0f} ms")
    for act, values in sorted(by_act.items()):
        print(f"  {act:<18} n={len(values):<3} median {1000 * statistics.median(values):.0f} ms")
    print(f"reply sources        {dict(sources)}")
    shown = sources.get("llm", 0)
    passed = f"{shown / drafts:.0%} passed every check and were shown" if drafts else "none"
    print(f"LLM drafts           {drafts} of {len(times)} replies; {passed}")
    for reason, count in rejections.most_common(5):
        print(f"  not shown: {reason} ({count})")


if __name__ == "__main__":
    main()
