"""The LLM planner's wiring, with a scripted tool-calling model in place of a served one.

What a served model does is tested in `tests/integration/test_llm_planner.py`; here the
model's messages are fixed, so each path is checked exactly: the tools it calls run
through the toolbox, their items go through the same ranking as the policy's, and the
policy takes the turn back when the model fails, is slow or asks for a tool that does not
exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from agent.context import AgentSettings
from agent.graph import build_graph
from agent.llm import ChatLLM, NoLLM, OpenAICompatibleLLM
from agent.planner import PLANNED
from agent.runtime import AgentContext
from agent.sessions import serializer
from agent.state import AgentState
from agent.toolbox import Toolbox
from tests.fixtures.sources import SmallSource


class ScriptedModel:
    """Answers each planner call with the next message of a script (or raises it)."""

    def __init__(self, *steps: AIMessage | Exception) -> None:
        self.steps: Iterator[AIMessage | Exception] = iter(steps)
        self.calls = 0

    def invoke(self, messages: Any) -> AIMessage:
        self.calls += 1
        step = next(self.steps, AIMessage(""))
        if isinstance(step, Exception):
            raise step
        return step


def call(name: str, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}])


def turn(
    model: ScriptedModel | None, text: str, llm: ChatLLM | None = None, **settings: Any
) -> AgentState:
    """One turn with ``model`` as the planner's model (``None``: the one ``llm`` gives)."""
    base = AgentSettings(planner="llm", planner_choice="auto")
    ctx = AgentContext(
        Toolbox(SmallSource()), llm=llm or NoLLM(), settings=dataclasses.replace(base, **settings)
    )
    if model is not None:
        ctx.__dict__["planner_model"] = model  # the cached property, already "computed"
    saver = InMemorySaver(serde=serializer())
    graph = build_graph().compile(checkpointer=saver, store=InMemoryStore())
    inputs: AgentState = {"messages": [HumanMessage(text)], "user": "tester"}
    config = {"configurable": {"thread_id": "planner"}}
    return graph.invoke(inputs, config, context=ctx)  # type: ignore[arg-type,return-value]


def planned(state: AgentState) -> list[str]:
    return [c.tool for c in state.get("trace", []) if c.summary.startswith(PLANNED)]


def test_the_tools_the_model_calls_choose_the_items() -> None:
    args = {"text": "space exploration epic", "k": 4}
    state = turn(ScriptedModel(call("retriever", **args)), "Something about space exploration")
    assert planned(state) == ["retriever"]
    assert state["act"] == "recommend"
    toolbox = Toolbox(SmallSource())
    output, _ = toolbox.call("retriever", args)
    asked = [i for i, _ in toolbox.tools["retriever"].ranking(output)]
    pool = [c.item_id for c in state["candidates"]]
    assert pool and all(i in toolbox.source.catalog for i in pool)
    assert set(asked) - {"inception"} <= set(pool)  # the model's call joins the turn's pool


def test_an_unknown_tool_gives_the_turn_to_the_policy() -> None:
    policy = turn(ScriptedModel(), "I loved Inception", planner="policy")
    state = turn(ScriptedModel(call("showtimes", city="Paris")), "I loved Inception")
    assert planned(state) == []
    assert state["act"] == policy["act"] == "recommend"
    assert [c.item_id for c in state["recommended"]] == [c.item_id for c in policy["recommended"]]


@pytest.mark.parametrize("failure", [TimeoutError("read timed out"), ValueError("junk JSON")])
def test_a_failing_model_gives_the_turn_to_the_policy(failure: Exception) -> None:
    model = ScriptedModel(failure)
    state = turn(model, "I loved Inception")
    assert model.calls == 1
    assert state["act"] == "recommend" and state["recommended"]


def test_the_planner_stops_at_its_call_budget() -> None:
    model = ScriptedModel(*(call("retriever", text=f"query {n}") for n in range(10)))
    state = turn(model, "Something about space", planner_calls=2)
    assert model.calls == 2
    assert planned(state) == ["retriever", "retriever"]


def test_the_user_simulator_is_never_the_planners_to_call() -> None:
    state = turn(ScriptedModel(call("user_simulator", targets=["inception"])), "I loved Inception")
    assert planned(state) == []
    assert state["act"] == "recommend"


def test_a_server_that_is_down_leaves_the_turn_to_the_policy() -> None:
    down = OpenAICompatibleLLM("http://127.0.0.1:9/v1", deadline=2.0)  # nothing listens on 9
    state = turn(None, "I loved Inception", llm=down, writing="none")
    assert state["act"] == "recommend" and state["recommended"]


def bounds(node: Any, kind: str, key: str) -> list[int | None]:
    """The ``key`` bound of every ``kind`` node (strings without an enum, arrays)."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == kind and "enum" not in node:
            found.append(node.get(key))
        for value in node.values():
            found += bounds(value, kind, key)
    elif isinstance(node, list):
        for value in node:
            found += bounds(value, kind, key)
    return found


def test_the_model_sees_short_size_limits() -> None:
    from agent.tool_llm import MODEL_MAX_CHARS, MODEL_MAX_ITEMS, for_model
    from tools.langchain import to_langchain

    toolbox = Toolbox(SmallSource())
    for name in ("retriever", "lookup", "kg_paths"):
        spec = for_model(to_langchain(toolbox.tools[name]))
        assert spec["function"]["name"] == name
        schema = spec["function"]["parameters"]
        strings = bounds(schema, "string", "maxLength")
        lists = bounds(schema, "array", "maxItems")
        # llama.cpp unrolls a bounded string into one grammar rule per character and dies on
        # the retriever's 4,000; an unbounded one lets a small model write until the context
        # is full. The tool itself still enforces its own limits.
        assert strings and all(b is not None and b <= MODEL_MAX_CHARS for b in strings)
        assert all(b is not None and b <= MODEL_MAX_ITEMS for b in lists)
    _, call = toolbox.call("retriever", {"text": "x" * 5000})
    assert call.error


def test_the_brief_says_what_the_user_asked_for() -> None:
    from agent.planner import _brief
    from agent.profile import Profile

    ctx = AgentContext(Toolbox(SmallSource()))
    state: AgentState = {
        "messages": [HumanMessage("any hidden gems?")],
        "profile": Profile(lesser_known=True, wanted={"genre": ["comedy"]}),
    }
    brief = _brief(state, ctx)
    assert '"lesser_known_films": true' in brief and '"comedy"' in brief
    assert "user: any hidden gems?" in brief
