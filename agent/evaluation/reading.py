"""The reading test set: score what the `understand` node reads from single user turns.

Each case is a user turn with what was on the screen before it and the expected intent,
items (with polarity) and profile changes; `bench/reading.py` describes the format and
prints the report. Titles are written "Title (Year)" and found in the pack's catalog.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.focus import Focus
from agent.nodes.understand import understand
from agent.profile import Profile
from agent.runtime import AgentContext
from agent.state import AgentState, Candidate
from knowledge.items import Catalog, Item, split_title_year

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
        state["discussion"] = Focus(items=[i.item_id for i in shown], current=current.item_id)
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
            for spec in case["expect"]["items"]:
                titles.find(spec)  # a case about titles the catalog lacks is not scored
            started = time.perf_counter()
            got = read_case(ctx, case, titles)
            seconds.append(time.perf_counter() - started)
        except Missing:
            skipped[source] += 1
            continue
        for group in (source, "all"):
            score(tallies[group], case, got, titles, errors if group == "all" else [])
    return tallies, skipped, errors, seconds
