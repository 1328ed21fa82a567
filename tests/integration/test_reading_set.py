"""The reading test set (bench/reading): the deterministic reader's floor on the ReDial pack."""

from __future__ import annotations

from pathlib import Path

from agent.evaluation.reading import Titles, load_cases, run
from agent.runtime import AgentContext
from agent.toolbox import Toolbox
from knowledge.pack import Pack

SETS = Path(__file__).resolve().parents[2] / "bench" / "reading"


def test_the_written_turns_are_read_well(redial_pack: Pack) -> None:
    ctx = AgentContext(Toolbox(redial_pack))
    cases = load_cases([SETS / "written.jsonl"])
    tallies, skipped, errors, _ = run(ctx, cases, Titles(redial_pack.catalog))
    figures = tallies["written"].summary()
    assert not skipped and figures["cases"] == len(cases) >= 200
    assert figures["intent_accuracy"] >= 0.9, errors
    assert figures["linking_recall"] >= 0.9, errors
    assert figures["questions_left_profile_alone"] >= 0.9, errors


def test_the_seeker_turns_are_all_scored(redial_pack: Pack) -> None:
    ctx = AgentContext(Toolbox(redial_pack))
    cases = load_cases([SETS / "redial.jsonl"])
    tallies, skipped, _, _ = run(ctx, cases, Titles(redial_pack.catalog))
    assert not skipped and tallies["redial"].cases == len(cases) >= 100
