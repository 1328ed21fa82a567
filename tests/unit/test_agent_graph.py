"""Whole conversations through the compiled LangGraph graph, fast: a small catalog, an
in-memory checkpointer and store, no embedding model and no LLM.

These drive the real nodes (understand -> retrieve -> plan -> act -> respond -> ground) on
one thread per conversation, the way `ParleyAgent` does, and check what each turn decided.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.graph import build_graph
from agent.offline import rank_context
from agent.profile import Profile
from agent.ranking import rank
from agent.runtime import AgentContext
from agent.sessions import serializer
from agent.state import AgentState
from agent.toolbox import Toolbox
from tests.fixtures.sources import SmallSource


class Conversation:
    """One thread of the compiled graph."""

    def __init__(self, ctx: AgentContext, thread: str) -> None:
        self.ctx = ctx
        self.graph = build_graph().compile(
            checkpointer=InMemorySaver(serde=serializer()), store=InMemoryStore()
        )
        self.config = {"configurable": {"thread_id": thread}}

    def say(self, text: str) -> AgentState:
        """One user turn; the state the turn ended in."""
        inputs: AgentState = {"messages": [HumanMessage(text)], "user": "tester"}
        return self.graph.invoke(inputs, self.config, context=self.ctx)  # type: ignore[arg-type,return-value]


@pytest.fixture(scope="module")
def ctx() -> AgentContext:
    return AgentContext(Toolbox(SmallSource()))


@pytest.fixture()
def chat(ctx: AgentContext, request: pytest.FixtureRequest) -> Iterator[Conversation]:
    yield Conversation(ctx, request.node.name)


def shown(state: AgentState) -> list[str]:
    return [c.item_id for c in state.get("recommended", [])]


def test_graph_wires_retrieve_between_understand_and_plan() -> None:
    edges = {(e.source, e.target) for e in build_graph().compile().get_graph().edges}
    assert ("understand", "retrieve") in edges and ("retrieve", "plan") in edges
    assert ("understand", "plan") not in edges


def test_a_liked_film_gets_recommendations_with_evidence(chat: Conversation) -> None:
    state = chat.say("I loved Inception")
    assert state["act"] == "recommend"
    assert "inception" in state["profile"].liked
    assert shown(state) and "inception" not in shown(state)
    # Another Nolan film, explained by the shared director.
    assert {"interstellar", "dark-knight", "dark-knight-rises"} & set(shown(state))
    assert any("Christopher Nolan" in e for c in state["recommended"] for e in c.evidence)
    assert state["reply_source"] == "template" and state["reply"]


def test_feedback_then_more_never_repeats_or_shows_rejected(chat: Conversation) -> None:
    first = shown(chat.say("I loved Inception"))
    second = chat.say("not the first one, something else")
    assert first[0] in second["profile"].disliked
    assert second["act"] == "recommend"
    assert not set(shown(second)) & set(first)


def test_questions_are_answered_and_change_nothing(chat: Conversation) -> None:
    before = chat.say("I loved Inception")["profile"]
    state = chat.say("Who directed Heat (1995)?")
    assert state["act"] == "answer"
    assert "Michael Mann" in state["reply"]
    assert state["profile"] == before


def test_hard_constraints_hold_for_every_shown_item(ctx: AgentContext, chat: Conversation) -> None:
    state = chat.say("I loved Inception but I hate sci-fi")
    assert state["profile"].avoided == {"genre": ["sci-fi"]}
    for item_id in shown(state):
        assert "sci-fi" not in ctx.catalog[item_id].values("genre")


def test_greeting_is_answered_with_an_opening_question(chat: Conversation) -> None:
    state = chat.say("hi")
    assert state["act"] == "ask" and "?" in state["reply"]
    assert not shown(state)


def test_live_turns_and_the_static_evaluation_rank_alike(ctx: AgentContext) -> None:
    """The offline evaluation scores exactly what a live turn shows, hard filter included."""
    utterances = ["I loved Inception but no sci-fi please"]
    offline = rank_context(ctx, utterances)
    live, _ = rank(ctx, offline.profile, offline.mentioned)
    assert offline.profile.avoided == {"genre": ["sci-fi"]}
    assert [c.item_id for c in live][:50] == offline.ordered(ctx)
    assert all("sci-fi" not in ctx.catalog[i].values("genre") for i in offline.ordered(ctx))


def test_rankers_are_the_tools_that_declare_the_role(ctx: AgentContext) -> None:
    rankers = ctx.toolbox.rankers()
    assert {"retriever", "kg_paths", "popular"} <= set(rankers)
    assert "lookup" not in rankers and "user_simulator" not in rankers
    # Each ranker takes from the request only what it can use.
    from agent.ranking import request_for

    empty = request_for(ctx, Profile(), [])
    assert ctx.toolbox.tools["kg_paths"].rank_input(empty) is None  # no sources
    assert ctx.toolbox.tools["retriever"].rank_input(empty) is None  # no text
    assert ctx.toolbox.tools["popular"].rank_input(empty) == {
        "k": 100,
        "filters": empty.filters.model_dump(),
    }
