"""The agent issue's acceptance conversations on the ReDial catalog (template replies)."""

from __future__ import annotations

import pytest

from agent.agent import ParleyAgent
from knowledge.pack import Pack
from knowledge.twins import folded_title

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
    assert any("Christopher Nolan" in e for i in result.items for e in i.evidence)


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


@pytest.mark.parametrize(
    ("message", "echoes"),
    [
        ("I loved Superbad and The Hangover", "The Hangover"),
        ("I loved The Conjuring and Insidious", "Conjuring"),
        ("I loved The Lion King and Aladdin", "Lion King"),
    ],
)
def test_never_recommends_the_film_just_named(
    agent: ParleyAgent, redial_pack: Pack, message: str, echoes: str
) -> None:
    """The catalog lists some films twice ("The Conjuring", "Conjuring", "The Conjuring
    (2013)"), and remakes share a title: none of them comes back as a recommendation."""
    session = agent.new_session()
    shown = []
    for text in (message, "something else", "more please"):
        shown += agent.turn(session, text).items
    assert shown
    titles = [i.title for i in shown]
    # Sequels are fine ("The Hangover Part II"); the same title is an echo.
    assert not [t for t in titles if folded_title(t) == folded_title(echoes)], titles
    liked = agent.profile(session).liked
    assert not set(redial_pack.twins.expand(liked)) & {i.item_id for i in shown}
