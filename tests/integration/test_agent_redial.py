"""The agent issue's acceptance conversations on the ReDial catalog (template replies)."""

from __future__ import annotations

import pytest

from agent.agent import ParleyAgent
from knowledge.pack import Pack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent(redial_pack: Pack) -> ParleyAgent:
    return ParleyAgent(redial_pack)


def test_inception_and_prestige(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session()
    result = agent.turn(session, "I loved Inception and The Prestige")
    assert result.act == "recommend"
    directors = [redial_pack.catalog[i.item_id].values("director") for i in result.items]
    assert any("Christopher Nolan" in d for d in directors), [i.title for i in result.items]
    assert any(e.startswith("shares") for i in result.items for e in i.evidence)


def test_no_horror_after_i_hate_horror_and_seen_items_never_return(
    agent: ParleyAgent, redial_pack: Pack
) -> None:
    session = agent.new_session()
    agent.turn(session, "I loved The Shining and Alien")
    result = agent.turn(session, "I hate horror")
    seen: set[str] = set()
    for _ in range(4):
        for item in result.items:
            assert "horror" not in redial_pack.catalog[item.item_id].values("genre")
            assert item.item_id not in seen
        seen.add(result.items[0].item_id)
        result = agent.turn(session, "I've seen it")


def test_unknown_title_is_asked_about(agent: ParleyAgent) -> None:
    result = agent.turn(agent.new_session(), "I really liked Quantum Llama Detective")
    assert result.act == "ask" and result.items == []
