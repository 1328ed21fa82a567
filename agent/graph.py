"""The agent's graph: only the wiring. Nodes live in `agent.nodes`."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore

from agent.nodes.acts import ask, close, recommend
from agent.nodes.answer import answer, explain
from agent.nodes.plan import plan, route
from agent.nodes.respond import ground, respond
from agent.nodes.retrieve import retrieve
from agent.nodes.understand import understand
from agent.runtime import AgentContext
from agent.state import AgentState

ACTS = ("ask", "recommend", "answer", "explain", "close")


def build_graph() -> StateGraph[AgentState, AgentContext]:
    """understand -> retrieve -> plan -> (ask | recommend | answer | explain | close) ->
    respond -> ground."""
    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("understand", understand)
    graph.add_node("retrieve", retrieve)
    graph.add_node("plan", plan)
    for name, node in zip(ACTS, (ask, recommend, answer, explain, close), strict=True):
        graph.add_node(name, node)
    graph.add_node("respond", respond)
    graph.add_node("ground", ground)
    graph.add_edge(START, "understand")
    graph.add_edge("understand", "retrieve")
    graph.add_edge("retrieve", "plan")
    graph.add_conditional_edges("plan", route, list(ACTS))
    for name in ACTS:
        graph.add_edge(name, "respond")
    graph.add_edge("respond", "ground")
    graph.add_edge("ground", END)
    return graph


def compile_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None, store: BaseStore | None = None
) -> CompiledStateGraph[AgentState, AgentContext]:
    """Compile the graph with a checkpointer (sessions) and a store (long-term profiles)."""
    return build_graph().compile(checkpointer=checkpointer, store=store)
