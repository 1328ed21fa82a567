"""The ``user_simulator`` tool: personas, the three modes, acceptance and the leak guard."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.fixtures.sources import SmallSource
from tests.unit.tools_contract import ToolContract
from tools.base import ToolInputError
from tools.user_simulator import (
    LeakGuard,
    UserSimulatorOutput,
    UserSimulatorTool,
    asked_attribute,
)

QUESTIONS = {
    "genre": "What kind of movie are you in the mood for? For example: drama, comedy.",
    "director": "Is there a director whose films you enjoy?",
    "star": "Any actor or actress you'd like to see?",
    "era": "Do you prefer something recent or an older film?",
}
RECOMMEND = "Here are some picks for you: 1. Heat (1995). Tell me if you've seen any of them."


@pytest.fixture
def simulator() -> UserSimulatorTool:
    return UserSimulatorTool(SmallSource())


def run(simulator: UserSimulatorTool, **data: Any) -> UserSimulatorOutput:
    out = simulator.invoke({"targets": ["interstellar"], **data})
    assert isinstance(out, UserSimulatorOutput)
    return out


class TestUserSimulatorContract(ToolContract):
    @pytest.fixture
    def tool(self, simulator: UserSimulatorTool) -> UserSimulatorTool:
        return simulator

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {"targets": ["interstellar"]},
            {"targets": ["Inception (2010)"], "mode": "attr", "agent_reply": QUESTIONS["genre"]},
            {"targets": ["interstellar"], "agent_reply": RECOMMEND, "recommended": ["heat"]},
            {
                "targets": ["interstellar"],
                "agent_reply": RECOMMEND,
                "recommended": ["interstellar"],
            },
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"targets": []}, "targets"),
            ({"targets": ["interstellar"], "mode": "chatty"}, "mode"),
            ({"targets": ["interstellar"], "turn": -1}, "turn"),
            ({"targets": ["no such film"]}, "targets"),
        ]


@pytest.mark.parametrize(
    ("title", "text", "leaks"),
    [
        ("The Shining (1980)", "I want something like the shining", True),
        ("The Shining (1980)", "I want something like Shining (1980)!", True),
        ("Interstellar (2014)", "maybe interstelar, the space one", True),  # a typo
        ("The Dark Knight (2008)", "something like the dark knigth please", True),
        ("Up (2009)", "what's up? anything upbeat", True),  # the exact word is a leak
        ("Up (2009)", "something upbeat and light", False),
        ("Heat (1995)", "a heated drama", False),  # no fuzzy matching on short titles
        ("Interstellar (2014)", "I'd love something starring Matthew McConaughey", False),
    ],
)
def test_leak_guard(title: str, text: str, leaks: bool) -> None:
    assert bool(LeakGuard([title]).find(text)) is leaks


def test_redact_removes_whole_sentences() -> None:
    guard = LeakGuard(["Inception (2010)"])
    text, removed = guard.redact("I loved Inception (2010). Something with dreams would be nice!")
    assert (text, removed) == ("Something with dreams would be nice!", 1)


@pytest.mark.parametrize(("attribute", "question"), QUESTIONS.items())
def test_questions_are_read(attribute: str, question: str) -> None:
    assert asked_attribute(question) == attribute


def test_recommendation_is_not_a_question() -> None:
    assert asked_attribute(RECOMMEND) is None


def test_attr_mode_answers_with_the_targets_values(simulator: UserSimulatorTool) -> None:
    out = run(simulator, mode="attr", agent_reply=QUESTIONS["director"], turn=1)
    assert "Christopher Nolan" in out.utterance and out.reason == "answer:director"
    out = run(simulator, mode="attr", agent_reply=QUESTIONS["star"], turn=1)
    assert "Matthew McConaughey" in out.utterance
    # A missed recommendation is turned down without a hint in the attribute protocol.
    out = run(simulator, mode="attr", agent_reply=RECOMMEND, recommended=["heat"], turn=2)
    assert out.reason == "reject" and not out.accepted
    assert "Nolan" not in out.utterance and "adventure" not in out.utterance


def test_agenda_reveals_one_constraint_per_turn(simulator: UserSimulatorTool) -> None:
    revealed: list[str] = []
    said = []
    reply = ""
    for turn in range(4):
        out = run(
            simulator, agent_reply=reply, recommended=["heat"] if reply else [],
            revealed=revealed, turn=turn, max_turns=10,
        )  # fmt: skip
        assert len(out.revealed) == len(revealed) + 1, out
        revealed, reply = out.revealed, RECOMMEND
        said.append(out.utterance)
    assert "adventure or drama" in said[0] or "drama or adventure" in said[0]
    assert "Christopher Nolan" in said[1]
    assert "2010s" in said[2]
    assert said[3].startswith(("No", "Not", "Hmm")) and "Matthew McConaughey" in said[3]


def test_agenda_is_deterministic_for_a_seed(simulator: UserSimulatorTool) -> None:
    first = [
        run(simulator, turn=t, seed=7, agent_reply=RECOMMEND, recommended=["heat"])
        for t in range(3)
    ]
    again = [
        run(simulator, turn=t, seed=7, agent_reply=RECOMMEND, recommended=["heat"])
        for t in range(3)
    ]
    assert first == again


def test_accepts_when_a_target_is_shown(simulator: UserSimulatorTool) -> None:
    out = run(simulator, agent_reply=RECOMMEND, recommended=["heat", "interstellar"], turn=2)
    assert out.accepted and out.stop and [r.item_id for r in out.accepted_items] == ["interstellar"]
    assert out.reason == "accept" and "Interstellar" not in out.utterance


def test_stops_after_max_turns(simulator: UserSimulatorTool) -> None:
    out = run(simulator, agent_reply=RECOMMEND, recommended=["heat"], turn=2, max_turns=3)
    assert out.stop and not out.accepted and out.reason == "give_up"
    assert not run(simulator, agent_reply=RECOMMEND, recommended=["heat"], turn=1, max_turns=3).stop


def test_free_mode_needs_a_writer(simulator: UserSimulatorTool) -> None:
    with pytest.raises(ToolInputError) as err:
        run(simulator, mode="free")
    assert err.value.field == "mode"


def test_free_mode_regenerates_a_leaking_draft(simulator: UserSimulatorTool) -> None:
    drafts = iter(["You should show me Interstellar!", "Something set in space, please."])
    prompts: list[str] = []

    def writer(messages: list[dict[str, str]]) -> str:
        prompts.append(messages[-1]["content"])
        return next(drafts)

    out = run(simulator.use_writer(writer), mode="free", agent_reply=QUESTIONS["genre"], turn=1)
    assert out.utterance == "Something set in space, please." and out.redactions == 1
    # The persona's prompt carries the wishes, never a target title.
    assert "Christopher Nolan" in prompts[0] and "Interstellar" not in prompts[0]


def test_free_mode_falls_back_to_the_agenda(simulator: UserSimulatorTool) -> None:
    simulator.use_writer(lambda messages: "I want Interstellar (2014).")
    out = run(simulator, mode="free", agent_reply=QUESTIONS["director"], turn=1)
    assert out.redactions == 3 and "Christopher Nolan" in out.utterance
    simulator.use_writer(lambda messages: (_ for _ in ()).throw(RuntimeError("server down")))
    assert run(simulator, mode="free", agent_reply=QUESTIONS["director"], turn=1).utterance


def test_no_mode_ever_names_a_target(simulator: UserSimulatorTool) -> None:
    """Every target of the small catalog, every mode and reply kind: the title never appears."""
    simulator.use_writer(lambda messages: "Honestly, anything but The Dark Knight.")
    replies = [("", []), (RECOMMEND, ["heat"]), *[(q, []) for q in QUESTIONS.values()]]
    for item, mode, (reply, shown) in itertools.product(
        list(simulator.catalog), ("attr", "agenda", "free"), replies
    ):
        guard = LeakGuard([item.display_title])
        for turn in range(3):
            out = simulator.invoke(
                {"targets": [item.item_id], "mode": mode, "agent_reply": reply,
                 "recommended": shown, "turn": turn}
            )  # fmt: skip
            assert not guard.find(out.utterance), (item.title, mode, out.utterance)


def test_free_mode_drops_drafts_out_of_character(simulator: UserSimulatorTool) -> None:
    drafts = iter(
        ["Sure, I'm happy to help you find a movie!", "Something spacey. With Nolan. Now."]
    )
    simulator.use_writer(lambda messages: next(drafts))
    out = run(simulator, mode="free", agent_reply=QUESTIONS["genre"], turn=1)
    assert out.utterance == "Something spacey. With Nolan."
