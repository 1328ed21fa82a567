"""Benchmark saved sessions: turn latency and stored bytes per turn, SQLite against PostgreSQL.

    python bench/sessions.py --pack DIR [--conversations 8]

Runs the same scripted 5-turn conversations (template replies, ``--llm none``) through the agent
with sessions in memory, in a SQLite file and in a PostgreSQL server started for the run
(Debian's ``postgresql``, on 127.0.0.1, default durability: fsync on), each with the
checkpoint retention on (the default, ``history_turns=1``) and off (every checkpoint
kept, as before retention). Prints the median and p95 turn latency, the bytes stored per
turn of those conversations, and what each turn adds to one longer conversation after its
fifth turn; writes them as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.agent import ParleyAgent  # noqa: E402
from agent.context import AgentSettings  # noqa: E402
from agent.sessions import SessionSpec  # noqa: E402
from knowledge.pack import Pack, load_pack  # noqa: E402
from tests.services import postgres  # noqa: E402

SCRIPT = [
    "hi",
    "I loved Inception and The Prestige",
    "I've seen it",
    "more like the second one",
    "why the first one?",
]
KEEP_ALL = 1_000_000
"""``history_turns`` that keeps every checkpoint (no retention)."""


def stored_bytes(spec: SessionSpec) -> int:
    """Bytes of saved checkpoints and pending writes (row payloads, not file pages)."""
    if isinstance(spec, Path):
        with sqlite3.connect(spec) as conn:
            a = conn.execute("SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) "
                             "FROM checkpoints").fetchone()[0]  # fmt: skip
            b = conn.execute("SELECT coalesce(sum(length(value)), 0) FROM writes").fetchone()[0]
        return int(a + b)
    if isinstance(spec, str):
        import psycopg

        with psycopg.connect(spec) as conn:
            total = 0
            for sql in (
                "SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) "
                "FROM checkpoints",
                "SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_blobs",
                "SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes",
            ):
                row = conn.execute(sql).fetchone()
                total += int(row[0]) if row else 0
        return total
    return 0


def run(pack: Pack, spec: SessionSpec, keep: int, conversations: int) -> dict[str, Any]:
    agent = ParleyAgent(pack, sessions=spec, settings=AgentSettings(history_turns=keep))
    agent.toolbox.warm_up()
    agent.turn(agent.new_session(), SCRIPT[1])  # first-use costs out of the figures
    before = stored_bytes(spec)
    latencies = []
    for _ in range(conversations):
        session = agent.new_session()
        for text in SCRIPT:
            started = time.perf_counter()
            agent.turn(session, text)
            latencies.append((time.perf_counter() - started) * 1000)
    turns = len(latencies)
    grown = stored_bytes(spec) - before
    # One long conversation: what each turn adds once the session has some history.
    session = agent.new_session()
    for text in SCRIPT:
        agent.turn(session, text)
    start = stored_bytes(spec)
    for text in SCRIPT * 3:
        agent.turn(session, text)
    steady = (stored_bytes(spec) - start) / (3 * len(SCRIPT))
    agent.close()
    latencies.sort()
    return {
        "turns": turns,
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (turns - 1))], 1),
        "bytes_per_turn": round(grown / turns),
        "bytes_per_conversation": round(grown / conversations),
        "bytes_per_turn_after_5": round(steady),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, required=True, help="a pack, e.g. the demo pack")
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "sessions.json")
    args = parser.parse_args()
    pack = load_pack(args.pack)
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres(durable=True) as server:
        engines: list[tuple[str, SessionSpec]] = [("memory", None)]
        for keep, label in ((1, "retention"), (KEEP_ALL, "keep all")):
            engines.append((f"sqlite, {label}", Path(tmp) / f"{keep}.sqlite"))
            database = f"keep{keep}"
            import psycopg

            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {database}")
            engines.append((f"postgresql, {label}", server.url.rsplit("/", 1)[0] + "/" + database))
        for name, spec in engines:
            keep = KEEP_ALL if "keep all" in name else 1
            rows[name] = run(pack, spec, keep, args.conversations)
            row = rows[name]
            print(
                f"{name:<24} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                f"{row['bytes_per_turn'] / 1024:7.1f} KB/turn, "
                f"{row['bytes_per_turn_after_5'] / 1024:7.1f} KB/turn after turn 5  "
                f"({row['turns']} turns)",
                flush=True,
            )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"engines": rows, "load": load, "pack": str(args.pack)}, indent=2)
    )


if __name__ == "__main__":
    main()
