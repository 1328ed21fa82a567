"""Which way of writing reads best with a given LLM: templates only, an LLM lead-in above the
templated list, or the LLM writing the whole reply.

    python bench/tiers.py --pack /tmp/redial                      # the embedded model
    python bench/tiers.py --pack /tmp/redial --llm http://127.0.0.1:8000/v1

Runs the scripted conversations of bench/agent.py once per way of writing and counts, per
tier: LLM drafts written, drafts that passed every check (and were shown), why the others
were not shown, what the user saw (characters per reply, replies that repeat themselves)
and the turn latency. Every reply shown has passed the checks, whatever the tier: the
question is which tier shows the LLM's words most often without making replies worse.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.agent import ParleyAgent  # noqa: E402
from agent.context import AgentSettings  # noqa: E402
from agent.llm import make_llm  # noqa: E402
from agent.reply_checks import reply_problems  # noqa: E402
from agent.state import ReplyPlan  # noqa: E402
from bench.agent import SCRIPTS  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402

TIERS = ("none", "lead", "reply")


def run_tier(agent: ParleyAgent, tier: str) -> dict[str, object]:
    """The scripted conversations with one way of writing."""
    agent.context.settings = dataclasses.replace(agent.settings, writing=tier)
    times, lengths, reasons = [], [], Counter[str]()
    drafts = shown = loops = 0
    for script in SCRIPTS:
        session = agent.new_session()
        for line in script:
            t0 = time.perf_counter()
            result = agent.turn(session, line)
            times.append(time.perf_counter() - t0)
            lengths.append(len(result.reply))
            wrote = result.reply_source == "llm" or bool(result.rejected)
            drafts += wrote
            shown += result.reply_source == "llm"
            reasons.update(r.split(" (")[0].split(":")[0] for r in result.rejected)
            # A loop is text that repeats itself within one line ("X (1974) X (1974) ...");
            # list lines that give the same reason for two picks are no loop.
            plan = ReplyPlan(act=result.act, template="")
            loops += any(
                "repeats itself" in p
                for line in result.reply.splitlines()
                for p in reply_problems(line, plan, [])
            )
    return {
        "tier": tier,
        "turns": len(times),
        "llm_drafts": drafts,
        "llm_shown": shown,
        "shown_share": round(shown / drafts, 3) if drafts else None,
        "looping_replies_shown": loops,
        "reply_chars_median": statistics.median(lengths),
        "turn_median_ms": round(1000 * statistics.median(times)),
        "not_shown_because": dict(reasons.most_common(8)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--llm", default="embedded", help="embedded, or an http(s)://.../v1 URL")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()

    agent = ParleyAgent(load_pack(args.pack), llm=make_llm(args.llm), settings=AgentSettings())
    agent.warm_up()
    rows = [run_tier(agent, tier) for tier in TIERS]
    print(f"llm {args.llm}, pack {args.pack}, load average {os.getloadavg()[0]:.1f}\n")
    print(
        "| tier | turns | LLM drafts | shown | shown share | looping replies shown | "
        "reply chars (median) | turn median | why not shown |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['tier']} | {r['turns']} | {r['llm_drafts']} | {r['llm_shown']} | "
            f"{r['shown_share']} | {r['looping_replies_shown']} | {r['reply_chars_median']} | "
            f"{r['turn_median_ms']} ms | {r['not_shown_because']} |"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
