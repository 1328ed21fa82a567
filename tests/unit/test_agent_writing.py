"""What the LLM writes is shown only once it has passed every check (graph wiring, fast).

A scripted model writes loops, echoes of its instructions, cut-off sentences and replies
that leave a film out; the agent must show none of them, stream nothing of them, and fall
back to its template; a good lead-in is shown above the templated list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.context import AgentSettings
from agent.graph import build_graph
from agent.runtime import AgentContext
from agent.sessions import serializer
from agent.toolbox import Toolbox
from agent.wording import genre_adjective
from tests.fixtures.llms import ScriptedLLM
from tests.fixtures.sources import SmallSource

TOOLBOX = Toolbox(SmallSource())


def turn(writer: Callable[[str], str], writing: str, text: str) -> tuple[dict, list[str]]:
    """One turn with a scripted model; the final state and every streamed piece."""
    ctx = AgentContext(
        TOOLBOX, ScriptedLLM(writer), dataclasses.replace(AgentSettings(), writing=writing)
    )
    graph = build_graph().compile(
        checkpointer=InMemorySaver(serde=serializer()), store=InMemoryStore()
    )
    config = {"configurable": {"thread_id": f"{writing}-{text}"}}
    pieces: list[str] = []
    final: dict = {}
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage(text)]},
        config,
        context=ctx,
        stream_mode=["custom", "values"],
    ):
        if mode == "custom":
            assert chunk["type"] == "token", "nothing is ever taken back"
            pieces.append(chunk["text"])
        else:
            final = chunk
    return final, pieces


BAD = {
    "a loop": "Interstellar is great. Interstellar is great. Interstellar is great. "
    "Interstellar is great. Interstellar is great.",
    "an echo of the prompt": "Recommend these movies, in this order: Interstellar.",
    "a cut-off sentence": "You will love Interstellar (2014) and The Dark Knight because",
    "an invented film": "Try Totally Fake Film (2031), a gem.",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_draft_is_never_shown_nor_streamed(name: str) -> None:
    draft = BAD[name]
    state, pieces = turn(lambda _: draft, "reply", "I loved Inception")
    assert state["act"] == "recommend"
    assert state["reply_source"] == "template" and state["rejected"]
    assert "".join(pieces).strip() == state["reply"].strip()
    assert draft not in "".join(pieces)


def test_a_reply_that_leaves_a_card_out_is_not_shown() -> None:
    state, _ = turn(
        lambda _: "You might enjoy Interstellar (2014), a space epic by Christopher Nolan.",
        "reply",
        "I loved Inception",
    )
    shown = [c.title for c in state["recommended"]]
    if len(shown) > 1:
        assert state["reply_source"] == "template"
        assert any("leaves out" in p for p in state["rejected"])


def test_a_good_lead_in_is_shown_above_the_list() -> None:
    lead = "Here are three films for a fan of mind-bending stories."
    state, pieces = turn(lambda _: lead, "lead", "I loved Inception")
    assert state["reply_source"] == "llm", state["rejected"]
    reply = state["reply"]
    assert reply.startswith(lead)
    for candidate in state["recommended"]:  # the templated list follows, every card on it
        assert candidate.title in reply
    assert "".join(pieces).strip() == reply.strip()


def test_a_lead_in_that_names_another_film_is_not_shown() -> None:
    state, _ = turn(
        lambda _: "Fans of Titanic (1997) will love these.", "lead", "I loved Inception"
    )
    assert state["reply_source"] == "template"


def test_templates_only_never_ask_the_model() -> None:
    llm_calls: list[str] = []

    def writer(prompt: str) -> str:
        llm_calls.append(prompt)
        return "unused."

    state, _ = turn(writer, "none", "I loved Inception")
    assert state["reply_source"] == "template" and not llm_calls


def test_an_answer_must_give_the_answer() -> None:
    state, _ = turn(
        lambda _: "Heat (1995) is a great film with a famous score.",
        "reply",
        "Who directed Heat (1995)?",
    )
    assert state["act"] == "answer"
    assert state["reply_source"] == "template" and "Michael Mann" in state["reply"]
    assert any("does not give the answer" in p for p in state["rejected"])


def test_a_genre_said_as_an_adjective_before_film() -> None:
    assert genre_adjective("animation") == "animated"  # "an animated film, as you asked"
    assert genre_adjective("comedy") == "comedy"
