"""The reading test set: how well Parley reads a user's turn.

    python bench/reading.py --pack /tmp/redial                    # the deterministic reader
    python bench/reading.py --pack /tmp/redial --llm embedded     # + LLM extraction (embedded)
    python bench/reading.py --pack /tmp/redial --llm http://127.0.0.1:8000/v1   # + a served model
    python bench/reading.py --pack /tmp/redial --errors           # print every miss

Each case of ``bench/reading/*.jsonl`` (one JSON object per line) is one user turn and
what was on the screen before it:

    {"id": "w042", "text": "is it scary?",
     "context": {"shown": ["The Conjuring (2013)", "Get Out (2017)", "Halloween (1978)"],
                 "current": "Get Out (2017)", "profile": {"wanted": {"genre": ["horror"]}}},
     "expect": {"intent": "question", "items": {"Get Out (2017)": "neutral"}, "changes": []}}

``shown`` are the cards of the latest recommendation, ``current`` the item last asked about
or explained (the focus of discussion), ``profile`` what was known before (titles for
liked/disliked/seen items). ``items`` maps every item the turn names or points at to its
polarity (like, dislike, seen, neutral); a title may list alternatives (``"Seven
(1995)|Se7en (1995)"``, for catalogs that spell it differently). ``changes`` lists the
profile changes: ``+wanted genre:comedy``, ``-wanted genre:family``, ``+avoided
person:adam sandler`` (director, writer and star are all ``person``), ``year_min:1996``,
``year_max:-`` (cleared). Free-text wishes are not scored.

Each turn runs through the `understand` node alone, with that context in the state, and is
scored on: intent accuracy; linking precision and recall (items named or pointed at,
questions' subjects included); polarity accuracy (of the expected items that were
linked); constraint changes (exact match of the whole set, all turns); and whether
questions left the profile alone. Figures are printed per source file (``written``: turns
written for the set; ``redial``: seeker turns of ReDial's training dialogues).

Cases whose titles the pack does not have are skipped and counted. The written turns are
labelled for the ReDial catalog (its genres decide what "lighter" rules out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.context import AgentSettings  # noqa: E402
from agent.evaluation.reading import Titles, load_cases, run  # noqa: E402
from agent.llm import make_llm  # noqa: E402
from agent.runtime import AgentContext  # noqa: E402
from agent.toolbox import Toolbox  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402

SETS = sorted((REPO / "bench" / "reading").glob("*.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True, help="a knowledge pack (ReDial)")
    parser.add_argument(
        "--set", type=Path, action="append", help="case files (default: bench/reading/*.jsonl)"
    )
    parser.add_argument("--llm", default="none", help="none, embedded, or an http(s)://.../v1 URL")
    parser.add_argument("--errors", action="store_true", help="print every case read wrong")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    pack = load_pack(args.pack)
    llm = make_llm(args.llm)
    settings = AgentSettings(llm_extraction=args.llm != "none")
    ctx = AgentContext(Toolbox(pack), llm, settings)
    ctx.toolbox.warm_up(["lookup"])
    titles = Titles(pack.catalog)
    cases = load_cases(args.set or SETS)
    tallies, skipped, errors, seconds = run(ctx, cases, titles)

    reader = (
        "deterministic" if args.llm == "none" else f"deterministic + LLM extraction ({args.llm})"
    )
    print(f"reader: {reader}; pack: {args.pack} ({len(pack.catalog)} items)")
    figures = {name: tally.summary() for name, tally in sorted(tallies.items())}
    columns = list(next(iter(figures.values())))
    print("| source | " + " | ".join(c.replace("_", " ") for c in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in figures.items():
        cells = ["–" if row[c] is None else str(row[c]) for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if skipped:
        print(
            "skipped (titles not in the catalog): "
            + ", ".join(f"{s} {n}" for s, n in skipped.items())
        )
    if seconds:
        print(f"median {1000 * statistics.median(seconds):.1f} ms per turn")
    confused = [(k, n) for k, n in tallies["all"].intents.most_common() if k[0] != k[1]]
    if confused:
        print(
            "intent confusions (want -> got): "
            + ", ".join(f"{a}->{b} {n}" for (a, b), n in confused)
        )
    if args.errors:
        print("\n".join(errors))
    if args.json:
        report = {
            "reader": reader,
            "pack": str(args.pack),
            "figures": figures,
            "skipped": dict(skipped),
            "median_ms": 1000 * statistics.median(seconds) if seconds else None,
            "errors": errors,
        }
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
