"""Saved sessions on SQLite and on a real PostgreSQL: retention, locks, outages, users."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from agent.agent import ParleyAgent
from agent.context import AgentSettings
from agent.sessions import SessionSpec, stripe
from knowledge.errors import ParleyError
from knowledge.pack import Pack
from tests.fixtures.transcripts import substance
from tests.services import free_port, postgres

SCRIPT = [
    "hi",
    "I loved Inception and The Prestige",
    "I've seen it",
    "more like the second one",
    "why the first one?",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> SessionSpec:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "sessions.sqlite"


@pytest.fixture()
def agents(demo_pack: Pack, spec: SessionSpec) -> Iterator[list[ParleyAgent]]:
    """Opened agents, closed after the test."""
    opened: list[ParleyAgent] = []
    yield opened
    for agent in opened:
        agent.close()


def open_agent(
    agents: list[ParleyAgent], pack: Pack, spec: SessionSpec, **settings: object
) -> ParleyAgent:
    agent = ParleyAgent(pack, sessions=spec, settings=AgentSettings.from_mapping(settings))
    agents.append(agent)
    return agent


def checkpoints(agent: ParleyAgent, session: str) -> list[dict[str, object]]:
    config = {"configurable": {"thread_id": session}}
    return [dict(saved.metadata or {}) for saved in agent.checkpointer.list(config)]


def test_two_agents_on_one_database_continue_each_others_turns(
    demo_pack: Pack, spec: SessionSpec, agents: list[ParleyAgent]
) -> None:
    alone = ParleyAgent(demo_pack)  # in memory, one process: the reference transcript
    reference = alone.new_session(user="ann")
    left, right = open_agent(agents, demo_pack, spec), open_agent(agents, demo_pack, spec)
    session = left.new_session(user="ann")
    for number, text in enumerate(SCRIPT):
        alone.turn(reference, text)
        (left if number % 2 == 0 else right).turn(session, text)
    # Another session words its replies otherwise (`agent.wording.variant`); the same.
    assert substance(right, session) == substance(alone, reference)
    assert right.user_of(session) == "ann"


def test_retention_keeps_the_latest_turn_and_bounds_the_size(
    demo_pack: Pack, spec: SessionSpec, agents: list[ParleyAgent]
) -> None:
    agent = open_agent(agents, demo_pack, spec)
    session = agent.new_session()
    sizes = []
    for text in SCRIPT:
        agent.turn(session, text)
        sizes.append(len(checkpoints(agent, session)))
    saved = checkpoints(agent, session)
    # Only the latest turn's steps are left: it starts with its 'input' checkpoint.
    assert [m["source"] for m in saved].count("input") == 1 and saved[-1]["source"] == "input"
    assert max(sizes) <= 8, f"checkpoints per session stay bounded: {sizes}"
    assert len(agent.messages(session)) == 2 * len(SCRIPT)
    # The state is whole: a new agent continues it.
    again = open_agent(agents, demo_pack, spec)
    assert again.turn(session, "something else").act == "recommend"
    assert again.profile(session).liked
    # history_turns=0 keeps the latest state alone.
    latest = open_agent(agents, demo_pack, spec, history_turns=0)
    latest.turn(session, "show me more")
    assert len(checkpoints(latest, session)) == 1
    assert len(latest.messages(session)) == 2 * len(SCRIPT) + 4


def test_a_busy_session_is_refused_with_a_clear_reply(
    demo_pack: Pack, spec: SessionSpec, agents: list[ParleyAgent]
) -> None:
    holder = open_agent(agents, demo_pack, spec)
    waiter = open_agent(agents, demo_pack, spec, session_wait_s=0.3)
    session = holder.new_session()
    elsewhere = next(s for s in (f"other-{i}" for i in range(9)) if stripe(s) != stripe(session))
    with holder.backend.lock(session, wait=1):
        result = waiter.turn(session, "I loved Inception")
        other = waiter.turn(elsewhere, "I loved Inception")
    assert result.act == "busy" and "please resend" in result.reply
    assert waiter.messages(session) == []
    assert other.act == "recommend", "other sessions do not wait"
    assert waiter.turn(session, "I loved Inception").act == "recommend"


def test_a_write_that_bypasses_the_lock_is_reported(
    demo_pack: Pack, spec: SessionSpec, agents: list[ParleyAgent]
) -> None:
    agent, other = open_agent(agents, demo_pack, spec), open_agent(agents, demo_pack, spec)
    session = agent.new_session()
    agent.turn(session, "hi")
    events = agent.stream(session, "I loved Inception")
    next(events)  # the turn is running: its reply has started
    other.graph.update_state(
        {"configurable": {"thread_id": session}},
        {"messages": [HumanMessage("written elsewhere")]},
        as_node="ground",
    )
    done = next(e for e in events if e.type == "done")
    assert done.result is not None and done.result.notice
    assert "changed elsewhere" in done.result.notice


def test_users_memory_stays_with_each_user(
    demo_pack: Pack, spec: SessionSpec, agents: list[ParleyAgent]
) -> None:
    left, right = open_agent(agents, demo_pack, spec), open_agent(agents, demo_pack, spec)
    ann = left.new_session(user="ann")
    shown = left.turn(ann, "I loved Inception").items[0].item_id
    left.feedback(ann, shown, "dislike")
    assert shown in right.profile(right.new_session(user="ann")).disliked
    assert shown not in right.profile(right.new_session(user="bob")).disliked


def test_sqlite_bytes_per_turn_stay_bounded(demo_pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    agent = ParleyAgent(demo_pack, sessions=path)
    session = agent.new_session()
    stored = []
    for text in SCRIPT * 2:
        agent.turn(session, text)
        with sqlite3.connect(path) as conn:
            row = conn.execute(
                "SELECT sum(length(checkpoint) + length(metadata)) FROM checkpoints"
            ).fetchone()
        stored.append(int(row[0]))
    agent.close()
    # Before retention every turn added ~200 KB; now only the latest turn's steps are kept.
    assert stored[-1] < 1.5 * stored[len(SCRIPT) - 1]


def test_postgres_down_at_start_is_a_clear_error(demo_pack: Pack) -> None:
    url = f"postgresql://parley:secret@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(ParleyError, match="cannot reach the sessions database") as raised:
        ParleyAgent(demo_pack, sessions=url)
    assert "secret" not in str(raised.value) and "parley:***@" in str(raised.value)


@pytest.mark.slow
def test_postgres_restart_mid_conversation_costs_one_turn(demo_pack: Pack) -> None:
    with postgres() as server:
        agent = ParleyAgent(demo_pack, sessions=server.url)
        session = agent.new_session()
        agent.turn(session, "I loved Inception")
        server.stop()
        lost = agent.turn(session, "show me more")
        assert lost.act == "error" and "not saved" in lost.reply
        server.start()
        assert agent.turn(session, "show me more").act == "recommend"
        assert [m.content for m in agent.messages(session) if m.type == "human"] == [
            "I loved Inception",
            "show me more",
        ]
        agent.close()
