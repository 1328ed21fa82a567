"""Benchmark the knowledge layer: embedding throughput, build time, pack load, query latency.

    python bench/build.py                                   # the demo catalog
    python bench/build.py --catalog redial:../shared/data/redial

Prints medians; the machines are shared and noisy, so compare runs by ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from knowledge.filters import ItemFilter  # noqa: E402
from knowledge.index import release_persistent  # noqa: E402
from knowledge.pack import build_pack, load_pack  # noqa: E402

QUERIES = [
    "a thief who steals corporate secrets by entering people's dreams",
    "funny romantic comedy set in new york",
    "space exploration and time dilation",
    "a shark terrorizes a beach town",
    "gangsters and a crime family",
    "animated movie about toys that come alive",
    "a haunted house with a creepy child",
    "superhero team saves the world",
    "a boxer's comeback",
    "courtroom drama about justice",
]
COLD_LOAD = (
    "import sys, time; t = time.perf_counter(); from knowledge.pack import load_pack; "
    "p = load_pack(sys.argv[1], eager=True); print(time.perf_counter() - t)"
)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", default="demo", help="catalog spec (default: demo)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each timing")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pack"
        cold = build_pack(args.catalog, out)
        warm = build_pack(args.catalog, out)  # unchanged catalog: embeddings reused

        load_times = []
        for _ in range(args.repeats):
            release_persistent(out)
            started = time.perf_counter()
            pack = load_pack(out, eager=True)
            load_times.append(time.perf_counter() - started)
        cold_loads = [
            float(
                subprocess.run(
                    [sys.executable, "-c", COLD_LOAD, str(out)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=REPO,
                ).stdout.strip()
            )
            for _ in range(3)
        ]

        index = pack.index
        index.query("warm up the model", k=10)
        vectors = index.embedder.encode(QUERIES)
        genre = max(pack.catalog.attribute_values("genre").items(), key=lambda kv: kv[1])[0]
        filt = ItemFilter(include={"genre": [genre]}, year_min=1990)
        plain, filtered, text = [], [], []
        for _ in range(args.repeats):
            for query, vector in zip(QUERIES, vectors, strict=True):
                t0 = time.perf_counter()
                index.query(vector, k=10)
                t1 = time.perf_counter()
                index.query(vector, k=10, where=filt)
                t2 = time.perf_counter()
                index.query(query, k=10)
                t3 = time.perf_counter()
                plain.append(t1 - t0)
                filtered.append(t2 - t1)
                text.append(t3 - t2)

    figures = {
        "catalog": args.catalog,
        "items": cold.items,
        "embedding_items_per_s": round(cold.items_per_second, 1),
        "build_s": round(cold.total_seconds, 2),
        "build_stages_s": {k: round(v, 2) for k, v in cold.stages.items()},
        "rebuild_unchanged_s": round(warm.total_seconds, 2),
        "rebuild_reused": warm.reused,
        "load_pack_eager_s_median": round(statistics.median(load_times), 3),
        "load_pack_cold_process_s_median": round(statistics.median(cold_loads), 3),
        "query_top10_ms_median": round(median_ms(plain), 2),
        "query_top10_filtered_ms_median": round(median_ms(filtered), 2),
        "query_top10_text_incl_embedding_ms_median": round(median_ms(text), 2),
        "filter": filt.model_dump(exclude_defaults=True),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
