"""Benchmark the agent's tools on the ReDial reference data.

Prints the lookup tool's linking precision and recall on the movie mentions of the dev
dialogues (each turn's ``context`` against its ``entity`` list), the same figures for
people and genres for information, and the median latency of each built-in tool.

    python bench/tools.py --pack /tmp/redial [--data ../shared/data/redial] [--json]

Build the pack first: ``parley build --catalog redial:../shared/data/redial --out DIR``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("bench.tools")

# Run as `python bench/tools.py`, this file's folder comes first on sys.path and this very
# module would shadow the `tools` package; put the repository root there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "redial"


@dataclass
class Scores:
    """Micro-averaged precision and recall over dialogue turns."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: dict[str, int] = field(default_factory=dict)
    false_negatives: dict[str, int] = field(default_factory=dict)

    def add(self, predicted: set[str], gold: set[str]) -> None:
        """Count one turn."""
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)
        for x in predicted - gold:
            self.false_positives[x] = self.false_positives.get(x, 0) + 1
        for x in gold - predicted:
            self.false_negatives[x] = self.false_negatives.get(x, 0) + 1

    @property
    def precision(self) -> float:
        """Share of predicted links that are annotated."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of annotated mentions that are linked."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


@dataclass
class LinkingReport:
    """Linking scores by entity kind, and what was measured."""

    turns: int
    utterances: int
    by_kind: dict[str, Scores]


def read_dialogues(path: Path) -> list[dict[str, Any]]:
    """The dev dialogue turns (one JSON object per line)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def linking_scores(lookup: Any, data: Path, limit: int | None = None) -> LinkingReport:
    """Link every utterance of every turn's context; score against the turn's entities.

    ``lookup`` is a ready `tools.lookup.LookupTool`. Utterances repeat across the turns of
    a dialogue, so each distinct one is linked once.
    """
    turns = read_dialogues(data / "dev_dialogues.jsonl")[:limit]
    types: dict[str, str] = json.loads((data / "entity2type.json").read_text(encoding="utf-8"))
    by_title = {item.display_title: item.item_id for item in lookup.catalog}
    cache: dict[str, list[tuple[str, str]]] = {}
    scores = {"movie": Scores(), "person": Scores(), "genre": Scores()}
    for turn in turns:
        predicted: dict[str, set[str]] = {k: set() for k in scores}
        for utterance in turn["context"]:
            if utterance not in cache:
                output = (
                    lookup.invoke({"text": utterance, "facts": False})
                    if utterance.strip()
                    else None
                )
                cache[utterance] = (
                    []
                    if output is None
                    else [
                        (m.best.kind, m.best.item.item_id if m.best.item else m.best.label.lower())
                        for m in output.mentions
                    ]
                )
            for kind, key in cache[utterance]:
                bucket = "movie" if kind == "item" else kind
                if bucket in predicted:
                    predicted[bucket].add(key)
        gold: dict[str, set[str]] = {k: set() for k in scores}
        for name in turn["entity"]:
            kind = types.get(name)
            if kind == "movie":
                gold["movie"].add(by_title.get(name, name))
            elif kind in gold:
                gold[kind].add(name.lower())
        for kind, score in scores.items():
            score.add(predicted[kind], gold[kind])
    return LinkingReport(len(turns), len(cache), scores)


def median_ms(fn: Callable[[Any], object], inputs: Iterable[Any]) -> float:
    """Median wall time of ``fn`` over the inputs, in milliseconds."""
    times = []
    for value in inputs:
        started = time.perf_counter()
        fn(value)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def latencies(pack: Any, data: Path, seed: int = 0) -> dict[str, float]:
    """Median latency of each built-in tool, warm (setup excluded)."""
    from tools.registry import default_registry

    registry = default_registry(plugins=False)
    rng = random.Random(seed)
    turns = read_dialogues(data / "dev_dialogues.jsonl")
    utterances = rng.sample([u for t in turns for u in t["context"] if u.strip()], 300)
    seeker = [t["context"][-1] for t in rng.sample(turns, 30) if t["context"][-1].strip()]
    items = pack.catalog.items
    results: dict[str, float] = {}

    lookup = registry.create("lookup", pack)
    lookup.ensure_ready()
    results["lookup (one utterance)"] = median_ms(lambda u: lookup.invoke({"text": u}), utterances)

    retriever = registry.create("retriever", pack)
    retriever.ensure_ready()
    retriever.invoke({"text": "warm up the embedding model"})
    results["retriever (k=10)"] = median_ms(
        lambda u: retriever.invoke({"text": u, "k": 10}), seeker
    )
    results["retriever (k=10, filtered)"] = median_ms(
        lambda u: retriever.invoke(
            {"text": u, "k": 10, "filters": {"include": {"genre": ["comedy"]}, "year_min": 1990}}
        ),
        seeker,
    )

    kg = registry.create("kg_paths", pack)
    kg.ensure_ready()
    cases = [
        {
            "sources": [rng.choice(items).display_title],
            "targets": [i.item_id for i in rng.sample(items, 10)],
        }
        for _ in range(50)
    ]
    results["kg_paths (10 targets)"] = median_ms(kg.invoke, cases)
    results["kg_paths (rank, paths)"] = median_ms(
        kg.invoke, [{"sources": c["sources"], "k": 10} for c in cases[:20]]
    )
    results["kg_paths (rank, ppr)"] = median_ms(
        kg.invoke, [{"sources": c["sources"], "k": 10, "method": "ppr"} for c in cases[:20]]
    )
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pack", type=Path, required=True, help="a ReDial knowledge pack folder")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the ReDial reference folder"
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N turns")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from knowledge.pack import load_pack
    from tools.lookup import LookupTool

    pack = load_pack(args.pack)
    lookup = LookupTool(pack)
    started = time.perf_counter()
    lookup.ensure_ready()
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    report = linking_scores(lookup, args.data, args.limit)
    linking_s = time.perf_counter() - started
    timing = latencies(pack, args.data)

    if args.json:
        payload = {
            "pack": str(args.pack),
            "turns": report.turns,
            "utterances": report.utterances,
            "linking": {
                k: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for k, s in report.by_kind.items()
            },
            "median_ms": timing,
            "lookup_setup_s": setup_s,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    out = sys.stdout
    out.write(f"pack {args.pack}: {len(pack.catalog)} items; lookup setup {setup_s:.1f}s\n")
    out.write(
        f"linking on {report.turns} turns ({report.utterances} distinct utterances, "
        f"{linking_s:.1f}s)\n"
    )
    for kind, s in report.by_kind.items():
        goal = "   goal >= 0.90 / 0.90" if kind == "movie" else ""
        out.write(
            f"  {kind:<7} precision {s.precision:.3f}  recall {s.recall:.3f}  "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn}){goal}\n"
        )
    top_fp = sorted(report.by_kind["movie"].false_positives.items(), key=lambda kv: -kv[1])[:8]
    names = {i.item_id: i.display_title for i in pack.catalog}
    out.write(
        "  most frequent unannotated movie links: "
        + ", ".join(f"{names.get(k, k)} x{v}" for k, v in top_fp)
        + "\n"
    )
    out.write("median latency (warm)\n")
    for name, ms in timing.items():
        out.write(f"  {name:<28} {ms:8.2f} ms\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
