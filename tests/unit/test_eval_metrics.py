"""Evaluation metrics, intervals, ReDial-format turn files and the report files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from agent.evaluation.dialogues import load_turns
from agent.evaluation.metrics import TurnScore, recall_curve, summarize
from agent.evaluation.report import write_report
from knowledge.errors import CatalogError
from tests.fixtures.catalogs import small_catalog


def test_turn_score_ranks_each_target() -> None:
    score = TurnScore.of(["a", "b", "c", "d"], ["c", "z", "a"])
    assert score.ranks == (3, None, 1)
    assert score.hits(1) == 1 and score.hits(3) == 2
    assert score.ndcg(10) == pytest.approx(1 / math.log2(4) + 1)
    assert score.reciprocal() == pytest.approx(1 / 3 + 1)


def test_summary_counts_every_target_as_a_sample() -> None:
    scores = [TurnScore((1, None)), TurnScore((20,)), TurnScore((None,))]
    report = summarize(scores)
    assert (report["n"], report["turns"]) == (4, 3)
    assert report["recall@1"] == 0.25 and report["recall@10"] == 0.25
    assert report["recall@50"] == 0.5
    assert report["mrr"] == round((1 + 1 / 20) / 4, 4)
    ci = report["ci95"]
    assert isinstance(ci, dict)
    for metric in ("recall@1", "recall@10", "recall@50", "ndcg@10", "mrr"):
        low, high = ci[metric]
        assert 0 <= low <= report[metric] <= high <= 1, metric
    assert summarize(scores, seed=3) == summarize(scores, seed=3)


def test_recall_curve_is_monotone() -> None:
    curve = recall_curve([TurnScore((2,)), TurnScore((7, None))], max_k=10)
    assert curve[0] == 0 and curve[1] == round(1 / 3, 4) and curve[-1] == round(2 / 3, 4)
    assert curve == sorted(curve)


def write_lines(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) if not isinstance(r, str) else r for r in rows))
    return path


def test_turn_file_keeps_turns_with_catalog_targets(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "d.jsonl",
        [
            {"dialog_id": "1", "turn_id": 2, "context": ["", "hi", "I loved Heat"],
             "rec": ["Inception (2010)", "Nope (1900)"]},
            {"dialog_id": "1", "turn_id": 4, "context": ["x"], "rec": ["Nope (1900)"]},
            {"dialog_id": "2", "turn_id": 2, "context": ["y"], "rec": ["Heat (1995)"]},
        ],
    )  # fmt: skip
    turns = load_turns(path, small_catalog())
    assert [t.key for t in turns.turns] == ["1:2", "2:2"]
    assert turns.turns[0].targets == ["inception"]
    assert turns.counts() == {
        "lines": 3,
        "turns": 2,
        "turns_without_catalog_targets": 1,
        "targets_not_in_catalog": 2,
    }
    assert len(load_turns(path, small_catalog(), limit=1).turns) == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [("{not json", None), ('{"context": "hi", "rec": []}', "context"), ('{"context": []}', "rec")],
)
def test_malformed_turns_name_the_line(tmp_path: Path, line: str, field: str | None) -> None:
    path = write_lines(tmp_path / "d.jsonl", ['{"context": [], "rec": []}', line])
    with pytest.raises(CatalogError) as err:
        load_turns(path, small_catalog())
    assert err.value.line == 2 and err.value.field == field


def test_report_files(tmp_path: Path) -> None:
    fused = summarize([TurnScore((1,)), TurnScore((None,))])
    report = {
        "protocol": "static",
        **fused,
        "ablations": {"retriever_only": summarize([TurnScore((5,)), TurnScore((None,))])},
        "baselines": {"popularity": summarize([TurnScore((None,)), TurnScore((None,))])},
        "curves": {"fused": [0.5] * 50, "popularity": [0.0] * 50},
        "data": {"dialogues": "d.jsonl"},
        "pack": {"path": "p", "manifest": {}},
    }
    files = write_report(report, tmp_path / "out" / "report.json")
    names = sorted(f.name for f in files)
    assert names == ["report-ablations.png", "report-recall.png", "report.json", "report.md"]
    assert all(f.stat().st_size > 0 for f in files)
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["plots"] == ["report-recall.png", "report-ablations.png"]
    text = (tmp_path / "out" / "report.md").read_text()
    assert "beats the popularity baseline" in text and "| retriever_only |" in text


def test_language_figures_count_drafts_shown_and_reasons() -> None:
    from agent.evaluation.interactive import Conversation, language_figures

    def conv(replies: int, drafts: int, shown: int, reasons: dict[str, int]) -> Conversation:
        return Conversation(
            "k", [], None, replies, [], replies=replies, llm_drafts=drafts, llm_shown=shown,
            rejections=reasons,
        )  # fmt: skip

    figures = language_figures(
        [conv(3, 2, 1, {"repeats itself": 1}), conv(2, 2, 0, {"repeats itself": 1, "x": 1})]
    )
    assert figures["replies"] == 5 and figures["llm_drafts"] == 4
    assert figures["llm_draft_share"] == 0.8 and figures["grounded_pass_rate"] == 0.25
    assert list(figures["rejections"].items()) == [("repeats itself", 2), ("x", 1)]
    assert language_figures([conv(2, 0, 0, {})])["grounded_pass_rate"] is None
