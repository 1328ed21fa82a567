"""Both evaluation protocols end to end on a subset of the ReDial dev dialogues.

The full dev set runs as a benchmark (see README, "Evaluating Parley"); these checks run the
real commands on the real pack and check the reports' shape and invariants.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.learned import LearnedRanker
from knowledge.pack import Pack
from tools.user_simulator import LeakGuard
from ui.cli import main

pytestmark = pytest.mark.slow

STATIC_KEYS = {"n", "recall@1", "recall@10", "recall@50", "ndcg@10", "mrr", "ci95"}
STATIC_KEYS |= {"ablations", "baselines", "pack", "git", "seed"}
INTERACTIVE_KEYS = {"n", "recall@1", "recall@10", "recall@50", "success_by_turn", "avg_turns"}
INTERACTIVE_KEYS |= {"invalid_item_rate", "repeat_rate", "leak_rate", "pack", "git", "seed"}


@pytest.fixture(scope="module")
def dialogues(redial_dir: Path) -> Path:
    return redial_dir / "dev_dialogues.jsonl"


def run_eval(*args: str) -> dict[str, Any]:
    argv = ["eval", *args]
    assert main(argv) == 0
    out = Path(argv[argv.index("--out") + 1])
    return dict(json.loads(out.read_text()))


def test_static_protocol(redial_pack: Pack, dialogues: Path, tmp_path: Path) -> None:
    out = tmp_path / "static.json"
    report = run_eval(
        "static", "--pack", str(redial_pack.path), "--dialogues", str(dialogues),
        "--out", str(out), "--limit", "120",
    )  # fmt: skip
    assert set(report) >= STATIC_KEYS
    assert report["turns"] >= 100 and report["n"] >= report["turns"]
    assert 0 <= report["recall@1"] <= report["recall@10"] <= report["recall@50"] <= 1
    assert {"retriever_only", "kg_paths_only"} <= set(report["ablations"])
    assert "popularity" in report["baselines"]
    # What the lesser-known films' bonus costs and buys is in every report.
    learned = LearnedRanker.load(redial_pack.path)
    assert learned is not None
    assert ("fused_without_tail_bonus" in report["ablations"]) == learned.lifts_tail
    for name, row in [("fused", report), *report["ablations"].items()]:
        low, high = row["ci95"]["recall@10"]
        assert low <= row["recall@10"] <= high, name
    assert report["pack"]["manifest"]["items"] == len(redial_pack.catalog)
    for name in ("static.md", "static-recall.png", "static-ablations.png"):
        assert (tmp_path / name).stat().st_size > 0
    # The agent's ranking finds more of the human recommendations than popularity does
    # (120 turns: on 40 the two can tie within 50).
    popularity = report["baselines"]["popularity"]
    assert report["recall@10"] > popularity["recall@10"]
    assert report["recall@50"] > popularity["recall@50"]


def check_interactive(report: dict[str, Any], conversations: Path, redial_pack: Pack) -> None:
    assert set(report) >= INTERACTIVE_KEYS
    assert report["invalid_item_rate"] == 0 and report["leak_rate"] == 0
    assert report["repeat_rate"] == 0
    curve = report["success_by_turn"]
    assert len(curve) == report["turns"] and curve == sorted(curve)
    catalog = redial_pack.catalog
    for line in conversations.read_text().splitlines():
        conv = json.loads(line)
        guard = LeakGuard([catalog[t].display_title for t in conv["targets"]])
        for message in conv["transcript"]:
            if message["role"] == "user":
                assert not guard.find(message["text"]), message
            else:
                assert all(i in catalog for i in message["items"])


def test_interactive_attr_and_agenda(redial_pack: Pack, dialogues: Path, tmp_path: Path) -> None:
    reports = {}
    for mode in ("attr", "agenda"):
        out = tmp_path / f"{mode}.json"
        reports[mode] = run_eval(
            "interactive", "--pack", str(redial_pack.path), "--dialogues", str(dialogues),
            "--simulator", mode, "--turns", "3", "--out", str(out), "--limit", "8",
        )  # fmt: skip
        check_interactive(reports[mode], tmp_path / f"{mode}-conversations.jsonl", redial_pack)
        assert (tmp_path / f"{mode}-success.png").stat().st_size > 0
    # The seeded contexts name some targets: those sentences are removed and counted.
    assert reports["attr"]["counts"]["context_utterances_changed"] > 0


def test_interactive_is_the_same_with_worker_processes(
    redial_pack: Pack, dialogues: Path, tmp_path: Path
) -> None:
    runs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.json"
        run_eval(
            "interactive", "--pack", str(redial_pack.path), "--dialogues", str(dialogues),
            "--simulator", "agenda", "--turns", "2", "--out", str(out), "--limit", "4",
            "--workers", workers, "--seed", "3",
        )  # fmt: skip
        runs.append((tmp_path / f"w{workers}-conversations.jsonl").read_text())
    assert runs[0] == runs[1]


def test_interactive_free_simulator_with_the_embedded_llm(
    redial_pack: Pack, dialogues: Path, tmp_path: Path
) -> None:
    out = tmp_path / "free.json"
    report = run_eval(
        "interactive", "--pack", str(redial_pack.path), "--dialogues", str(dialogues),
        "--simulator", "free", "--simulator-llm", "embedded", "--turns", "2",
        "--out", str(out), "--limit", "3",
    )  # fmt: skip
    check_interactive(report, tmp_path / "free-conversations.jsonl", redial_pack)
    assert report["simulator_llm"] == "embedded"
