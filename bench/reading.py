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
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from langchain_core.messages import HumanMessage  # noqa: E402
from langgraph.runtime import Runtime  # noqa: E402

from agent.context import AgentSettings  # noqa: E402
from agent.llm import make_llm  # noqa: E402
from agent.nodes.understand import understand  # noqa: E402
from agent.profile import Profile  # noqa: E402
from agent.runtime import AgentContext  # noqa: E402
from agent.state import AgentState, Candidate  # noqa: E402
from agent.toolbox import Toolbox  # noqa: E402
from knowledge.items import Catalog, Item, split_title_year  # noqa: E402
from knowledge.pack import load_pack  # noqa: E402

SETS = sorted((REPO / "bench" / "reading").glob("*.jsonl"))
PEOPLE = {"director", "writer", "star"}


class Missing(Exception):
    """A title of the case is not in the pack's catalog."""


class Titles:
    """Finds catalog items by "Title (Year)", and tells whether an item is a titled one."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_key: dict[str, list[Item]] = defaultdict(list)
        for item in catalog:
            self.by_key[item.title.lower()].append(item)

    def find(self, spec: str) -> Item:
        """The item a title names (alternatives split by "|"): the year must agree when both
        have one; the most popular such item otherwise."""
        for option in spec.split("|"):
            title, year = split_title_year(option)
            found = [
                i
                for i in self.by_key.get(title.lower(), [])
                if year is None or i.year in {year, None}
            ]
            if found:
                found.sort(
                    key=lambda i: (year is not None and i.year == year, i.popularity or 0.0),
                    reverse=True,
                )
                return found[0]
        raise Missing(spec)

    def matches(self, spec: str, item: Item) -> bool:
        """True when an item is (a twin of) what a title names."""
        for option in spec.split("|"):
            title, year = split_title_year(option)
            if item.title.lower() == title.lower() and (
                year is None or item.year is None or item.year == year
            ):
                return True
        return False


@dataclass
class Outcome:
    """What the reader made of one case."""

    intent: str
    items: dict[str, str]
    changes: set[str]


@dataclass
class Tally:
    """Running scores of one group of cases."""

    cases: int = 0
    intent_ok: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    polarity_ok: int = 0
    polarity_n: int = 0
    changes_ok: int = 0
    questions: int = 0
    questions_clean: int = 0
    intents: Counter[tuple[str, str]] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        """The figures of this group."""

        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "cases": self.cases,
            "intent_accuracy": share(self.intent_ok, self.cases),
            "linking_precision": share(self.tp, self.tp + self.fp),
            "linking_recall": share(self.tp, self.tp + self.fn),
            "polarity_accuracy": share(self.polarity_ok, self.polarity_n),
            "changes_accuracy": share(self.changes_ok, self.cases),
            "questions_left_profile_alone": share(self.questions_clean, self.questions),
        }


def profile_of(spec: dict[str, Any], titles: Titles) -> Profile:
    """A profile from a case's context (titles for items)."""
    values = dict(spec)
    for key in ("liked", "disliked", "seen"):
        values[key] = [titles.find(t).item_id for t in spec.get(key, [])]
    return Profile.model_validate(values)


def state_for(case: dict[str, Any], titles: Titles) -> AgentState:
    """The agent state right before the case's turn."""
    context = case.get("context", {})
    shown = [titles.find(t) for t in context.get("shown", [])]
    current = titles.find(context["current"]) if context.get("current") else None
    state: AgentState = {
        "messages": [HumanMessage(case["text"])],
        "profile": profile_of(context.get("profile", {}), titles),
        "recommended": [
            Candidate(item_id=i.item_id, title=i.title, year=i.year, score=0.0) for i in shown
        ],
        "shown": [i.item_id for i in shown],
        "act": "recommend" if shown else "ask",
    }
    if current is not None:
        # An answer or explanation about the current item was the last turn.
        state["act"] = "answer"
        state["focus"] = [current.item_id]
        try:
            from agent.focus import Focus

            state["discussion"] = Focus(items=[i.item_id for i in shown], current=current.item_id)
        except ImportError:  # a version of Parley before the focus of discussion
            pass
    return state


def diff(before: Profile, after: Profile) -> set[str]:
    """The scored profile changes, as tokens."""
    found: set[str] = set()
    for kind in ("wanted", "avoided"):
        old = _values(getattr(before, kind))
        new = _values(getattr(after, kind))
        found |= {f"+{kind} {v}" for v in new - old}
        found |= {f"-{kind} {v}" for v in old - new}
    for bound in ("year_min", "year_max"):
        value = getattr(after, bound)
        if value != getattr(before, bound):
            found.add(f"{bound}:{'-' if value is None else value}")
    return found


def _values(table: dict[str, list[str]]) -> set[str]:
    return {
        f"{'person' if attribute in PEOPLE else attribute}:{value.lower()}"
        for attribute, values in table.items()
        for value in values
    }


def read_case(ctx: AgentContext, case: dict[str, Any], titles: Titles) -> Outcome:
    """Run the understand node on one case."""
    state = state_for(case, titles)
    before = state["profile"]
    update = understand(state, Runtime(context=ctx))
    after = update["profile"]
    assert isinstance(after, Profile)
    items: dict[str, str] = {}
    for polarity, bucket in (("seen", "seen"), ("dislike", "disliked"), ("like", "liked")):
        for item_id in set(getattr(after, bucket)) - set(getattr(before, bucket)):
            items[item_id] = polarity
    focus = update.get("focus", [])
    assert isinstance(focus, list)
    for item_id in focus:
        if item_id in ctx.catalog:
            items.setdefault(item_id, "neutral")
    return Outcome(str(update["intent"]), items, diff(before, after))


def score(
    tally: Tally, case: dict[str, Any], got: Outcome, titles: Titles, errors: list[str]
) -> None:
    """Add one case to a tally; describe what went wrong."""
    expect = case["expect"]
    tally.cases += 1
    tally.intents[(expect["intent"], got.intent)] += 1
    problems = []
    if got.intent == expect["intent"]:
        tally.intent_ok += 1
    else:
        problems.append(f"intent {got.intent} (want {expect['intent']})")
    catalog = titles.catalog
    unmatched = dict(got.items)
    for spec, polarity in expect["items"].items():
        hit = next((i for i in unmatched if titles.matches(spec, catalog[i])), None)
        if hit is None:
            tally.fn += 1
            problems.append(f"missed {spec}")
            continue
        tally.tp += 1
        tally.polarity_n += 1
        got_polarity = unmatched.pop(hit)
        if got_polarity == polarity:
            tally.polarity_ok += 1
        else:
            problems.append(f"{spec}: {got_polarity} (want {polarity})")
    tally.fp += len(unmatched)
    problems += [f"extra {catalog[i].display_title} ({p})" for i, p in unmatched.items()]
    wanted = set(expect["changes"])
    if got.changes == wanted:
        tally.changes_ok += 1
    else:
        problems.append(f"changes {sorted(got.changes)} (want {sorted(wanted)})")
    if expect["intent"] == "question":
        tally.questions += 1
        if not got.changes and all(p == "neutral" for p in got.items.values()):
            tally.questions_clean += 1
    if problems:
        errors.append(f"{case['id']} {case['text']!r}: " + "; ".join(problems))


def load_cases(paths: Iterable[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Every case of the given files, with the file's name as its source."""
    found = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            found += [(path.stem, json.loads(line)) for line in handle if line.strip()]
    return found


def run(
    ctx: AgentContext, cases: Sequence[tuple[str, dict[str, Any]]], titles: Titles
) -> tuple[dict[str, Tally], Counter[str], list[str], list[float]]:
    """Score every case; per-source tallies, skipped cases, errors and latencies."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    skipped: Counter[str] = Counter()
    errors: list[str] = []
    seconds: list[float] = []
    for source, case in cases:
        try:
            started = time.perf_counter()
            got = read_case(ctx, case, titles)
            seconds.append(time.perf_counter() - started)
        except Missing:
            skipped[source] += 1
            continue
        for group in (source, "all"):
            score(tallies[group], case, got, titles, errors if group == "all" else [])
    return tallies, skipped, errors, seconds


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
