"""Who a session belongs to: ids the server never issued open nobody's memory, and another
user's conversation continues as a copy that carries none of its owner's long-term profile."""

from __future__ import annotations

import pytest

from agent.agent import ParleyAgent
from agent.profile import Profile
from agent.sessions import LongTermProfiles
from tests.fixtures.sources import SmallSource


@pytest.fixture()
def agent() -> ParleyAgent:
    return ParleyAgent(SmallSource())  # type: ignore[arg-type]


def _ann_with_memory(agent: ParleyAgent) -> str:
    """Ann disliked Titanic in an earlier conversation; her new one is about Forrest Gump."""
    earlier = agent.new_session("ann")
    agent.turn(earlier, "I loved Inception")
    agent.feedback(earlier, "titanic", "dislike")
    agent.feedback(earlier, "notebook", "seen")
    session = agent.new_session("ann")
    agent.turn(session, "I loved Forrest Gump")
    profile = agent.profile(session)
    assert "titanic" in profile.disliked and "notebook" in profile.seen  # her memory
    return session


def test_issued_sessions_have_owners_and_made_up_ones_none(agent: ParleyAgent) -> None:
    assert agent.owner(agent.new_session("ann")) == "ann"
    assert agent.owner(agent.new_session()) == "local"
    assert agent.owner("bob-made-up-session-22") is None  # the app opens a new one instead


def test_a_fork_carries_the_conversation_not_the_owners_memory(agent: ParleyAgent) -> None:
    ann = _ann_with_memory(agent)
    bob = agent.fork(ann, "bob")
    assert bob != ann and agent.owner(bob) == "bob"
    assert [m.content for m in agent.messages(bob)] == [m.content for m in agent.messages(ann)]
    profile = agent.profile(bob)
    assert profile.liked == ["forrest-gump"]  # said in the conversation
    assert "titanic" not in profile.disliked and "notebook" not in profile.seen
    assert agent.last_turn(bob).items == agent.last_turn(ann).items  # the cards
    assert agent.last_turn(bob).trace == []  # the tool calls listed Ann's excluded items
    # Bob's turns change Bob's memory and his copy, never Ann's.
    agent.feedback(bob, "toy-story", "dislike")
    agent.turn(bob, "something else")
    assert "toy-story" not in agent.profile(ann).disliked
    assert "toy-story" not in LongTermProfiles(agent.store).get("ann").disliked
    assert "toy-story" in LongTermProfiles(agent.store).get("bob").disliked
    assert len(agent.messages(ann)) == 2


def test_a_fork_starts_from_the_new_owners_memory(agent: ParleyAgent) -> None:
    mine = agent.new_session("bob")
    agent.turn(mine, "I loved Up")
    agent.feedback(mine, "it", "dislike")
    bob = agent.fork(_ann_with_memory(agent), "bob")
    assert "it" in agent.profile(bob).disliked


def test_what_the_conversation_shows_is_kept() -> None:
    profile = Profile(liked=["heat"], disliked=["titanic", "shown"], seen=["named"])
    start = Profile(disliked=["mine"])
    handed = profile.handed_over({"shown", "named"}, start)
    assert handed.liked == ["heat"]
    assert handed.disliked == ["shown", "mine"] and handed.seen == ["named"]
