"""Whole conversations through the real graph, real tools and real packs (template replies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.agent import ParleyAgent, TurnResult
from agent.llm import OpenAICompatibleLLM
from agent.profile import Belief, Profile
from knowledge.pack import Pack


@pytest.fixture(scope="module")
def demo_agent(demo_pack: Pack) -> ParleyAgent:
    agent = ParleyAgent(demo_pack)
    agent.toolbox.warm_up()
    return agent


def in_catalog(pack: Pack, result: TurnResult) -> bool:
    return all(item.item_id in pack.catalog for item in result.items)


def test_first_message_without_preferences_gets_a_question(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    result = demo_agent.turn(session, "hi")
    assert result.act == "ask" and result.items == []
    assert "?" in result.reply


def test_nolan_fan_gets_connected_items_with_paths(
    demo_agent: ParleyAgent, demo_pack: Pack
) -> None:
    session = demo_agent.new_session()
    result = demo_agent.turn(session, "I loved Inception and The Prestige")
    assert result.act == "recommend" and len(result.items) == 3
    assert in_catalog(demo_pack, result)
    titles = {i.title for i in result.items}
    assert not titles & {"Inception", "The Prestige"}, "liked items are not recommended back"
    nolan = [
        i
        for i in result.items
        if "Christopher Nolan" in demo_pack.catalog[i.item_id].values("director")
    ]
    assert nolan, f"expected a Nolan film among {titles}"
    assert any("Christopher Nolan" in e for i in nolan for e in i.evidence)
    assert all(item.title in result.reply for item in result.items)


def test_hard_constraints_and_feedback_hold_for_the_session(
    demo_agent: ParleyAgent, demo_pack: Pack
) -> None:
    session = demo_agent.new_session()
    demo_agent.turn(session, "I love scary movies like The Shining and Halloween")
    result = demo_agent.turn(session, "actually I hate horror")
    assert demo_agent.profile(session).avoided == {"genre": ["horror"]}
    for _ in range(3):
        for item in result.items:
            assert "horror" not in demo_pack.catalog[item.item_id].values("genre")
        first = result.items[0].item_id
        result = demo_agent.turn(session, "I've seen it")
        assert first in demo_agent.profile(session).seen
        assert first not in {i.item_id for i in result.items}
    shown_so_far = set()
    for _ in range(3):
        result = demo_agent.turn(session, "something else")
        ids = {i.item_id for i in result.items}
        assert not ids & demo_agent.profile(session).blocked()
        assert not ids & shown_so_far
        shown_so_far |= ids


def test_unknown_title_gets_a_question_not_an_invention(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    result = demo_agent.turn(session, "I loved Zorblax Moon Raiders")
    assert result.act == "ask" and result.items == []
    assert "Zorblax Moon Raiders" in result.reply


def test_questions_are_answered_from_the_catalog(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    result = demo_agent.turn(session, "who directed Jurassic Park?")
    assert result.act == "answer" and "Steven Spielberg" in result.reply
    demo_agent.turn(session, "I loved Interstellar")
    why = demo_agent.turn(session, "why the first one?")
    assert why.act == "explain" and why.reply


def test_more_like_the_second_one(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    first = demo_agent.turn(session, "I enjoyed Toy Story")
    second_id = first.items[1].item_id
    demo_agent.turn(session, "more like the second one")
    assert second_id in demo_agent.profile(session).liked


def test_empty_and_huge_messages(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    assert demo_agent.turn(session, "   ").act == "none"
    huge = demo_agent.turn(session, "x" * 5000)
    assert huge.act == "refuse" and "too long" in huge.reply
    assert demo_agent.messages(session) == []


def test_card_feedback_and_forgetting(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    result = demo_agent.turn(session, "I loved The Matrix")
    disliked = result.items[0].item_id
    demo_agent.feedback(session, disliked, "dislike")
    again = demo_agent.turn(session, "show me more")
    assert disliked not in {i.item_id for i in again.items}
    demo_agent.forget(session, Belief(kind="liked", value=demo_agent.profile(session).liked[0]))
    assert demo_agent.profile(session).liked == []


def test_session_survives_a_restart(demo_pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    first = ParleyAgent(demo_pack, sessions=path)
    session = first.new_session()
    first.turn(session, "I loved Inception but I hate horror")
    shown = first.turn(session, "show me more").items
    del first  # the process "dies"; nothing but the SQLite file remains
    second = ParleyAgent(demo_pack, sessions=path)
    profile = second.profile(session)
    assert profile.avoided == {"genre": ["horror"]} and profile.liked
    assert len(second.messages(session)) == 4
    result = second.turn(session, "something else")
    assert not {i.item_id for i in result.items} & {i.item_id for i in shown}
    # A new session of the same user keeps long-term dislikes.
    second.feedback(session, result.items[0].item_id, "dislike")
    fresh = ParleyAgent(demo_pack, sessions=path)
    assert result.items[0].item_id in fresh.profile(fresh.new_session()).disliked


def test_llm_server_down_falls_back_to_templates(demo_pack: Pack) -> None:
    agent = ParleyAgent(
        demo_pack, llm=OpenAICompatibleLLM("http://127.0.0.1:9/v1", model="m", retries=0, timeout=2)
    )
    session = agent.new_session()
    result = agent.turn(session, "I loved Inception")
    assert result.act == "recommend" and result.reply_source == "template"
    assert result.notice and "unavailable" in result.notice
    assert in_catalog(demo_pack, result)


def test_streaming_yields_the_reply(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session()
    events = list(demo_agent.stream(session, "I loved Alien"))
    tokens = "".join(e.text for e in events if e.type == "token")
    done = events[-1]
    assert done.type == "done" and done.result is not None
    assert tokens.strip() == done.result.reply.strip()
    assert sum(e.type == "token" for e in events) > 5


def test_a_failing_turn_costs_one_reply_not_the_session(
    demo_agent: ParleyAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.nodes.retrieve as retrieve_module

    session = demo_agent.new_session()
    demo_agent.turn(session, "I loved Inception")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(retrieve_module, "rank", broken)
    failed = demo_agent.turn(session, "show me more")
    assert failed.act == "error" and "went wrong" in failed.reply
    monkeypatch.undo()
    recovered = demo_agent.turn(session, "show me more")
    assert recovered.act == "recommend" and recovered.items
    assert demo_agent.profile(session).liked


def test_long_term_memory_is_per_user(demo_pack: Pack) -> None:
    agent = ParleyAgent(demo_pack)
    ann = agent.new_session(user="ann")
    disliked = agent.turn(ann, "I loved Inception").items[0].item_id
    agent.feedback(ann, disliked, "dislike")
    assert disliked in agent.profile(agent.new_session(user="ann")).disliked
    assert agent.profile(agent.new_session(user="bob")).disliked == []
    agent.forget(ann, Belief(kind="disliked", value=disliked))
    assert agent.profile(agent.new_session(user="ann")).disliked == []


def test_a_bare_rejection_makes_it_ask_then_it_uses_the_answer(
    demo_agent: ParleyAgent, demo_pack: Pack
) -> None:
    session = demo_agent.new_session()
    assert demo_agent.turn(session, "I loved Toy Story").act == "recommend"
    # Feedback on one item is answered with new items.
    assert demo_agent.turn(session, "not that one").act == "recommend"
    asked = demo_agent.turn(session, "hmm, no, none of those")
    assert asked.act == "ask" and "?" in asked.reply and asked.items == []
    # An answer is news: the next turn recommends again, within it.
    result = demo_agent.turn(session, "I'm in the mood for a comedy movie.")
    assert result.act == "recommend"
    assert all("comedy" in demo_pack.catalog[i.item_id].values("genre") for i in result.items[:1])
    # A rejection that says something new is not a bare one: no question.
    follow = demo_agent.turn(session, "No, not those. Something from the 1990s.")
    assert follow.act == "recommend"


# --- conversations about items (issue 17): each failure that made the agent look dumb ------


def test_who_directed_it_and_tell_me_more_about_the_first_one(
    demo_agent: ParleyAgent, demo_pack: Pack
) -> None:
    session = demo_agent.new_session(user="focus")
    demo_agent.turn(session, "what is Mulan about?")
    result = demo_agent.turn(session, "who directed it?")
    assert result.act == "answer" and "Tony Bancroft" in result.reply and "Mulan" in result.reply
    cards = demo_agent.turn(session, "I loved Toy Story").items
    more = demo_agent.turn(session, "tell me more about the first one")
    assert more.act == "answer" and more.items == []
    assert cards[0].title in more.reply
    assert demo_pack.catalog[cards[0].item_id].description in more.reply
    # "it" now means that first card.
    director = demo_pack.catalog[cards[0].item_id].values("director")[0]
    assert director in demo_agent.turn(session, "who directed it?").reply


def test_is_jaws_scary_is_answered_and_wants_nothing(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session(user="scary")
    result = demo_agent.turn(session, "is Jaws scary?")
    assert result.act == "answer" and result.items == []
    assert "Jaws (1975)" in result.reply and "horror" in result.reply
    assert demo_agent.profile(session) == Profile()


def test_like_toy_story_but_for_adults(demo_agent: ParleyAgent, demo_pack: Pack) -> None:
    session = demo_agent.new_session(user="adults")
    result = demo_agent.turn(session, "something like Toy Story but for adults")
    profile = demo_agent.profile(session)
    assert {"family", "animation"} <= set(profile.avoided["genre"])
    assert "family" not in profile.wanted.get("genre", [])
    assert result.act == "recommend" and result.items
    for item in result.items:
        genres = demo_pack.catalog[item.item_id].values("genre")
        assert "family" not in genres and "animation" not in genres


def test_not_that_one_means_the_one_talked_about(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session(user="not-that-one")
    cards = [i.item_id for i in demo_agent.turn(session, "I loved Inception").items]
    demo_agent.turn(session, "tell me about the second one")
    result = demo_agent.turn(session, "not that one")
    disliked = demo_agent.profile(session).disliked
    assert cards[1] in disliked and cards[0] not in disliked
    assert result.act == "recommend" and cards[1] not in {i.item_id for i in result.items}


def test_respelt_and_misspelt_titles_link(demo_agent: ParleyAgent, demo_pack: Pack) -> None:
    session = demo_agent.new_session(user="spelling")
    result = demo_agent.turn(session, "I loved Se7en and Gone Gril")
    liked = {demo_pack.catalog[i].title for i in demo_agent.profile(session).liked}
    assert liked == {"Se7en", "Gone Girl"} and result.act == "recommend"
    demo_agent.turn(session, "I loved Finding Nemmo and Incredibels. Inceptoin was great too")
    liked = {demo_pack.catalog[i].title for i in demo_agent.profile(session).liked}
    assert {"Finding Nemo", "The Incredibles", "Inception"} <= liked
    other = demo_agent.new_session(user="spelling-2")
    demo_agent.turn(other, "I loved Seven")  # the demo catalog writes it "Se7en"
    assert [demo_pack.catalog[i].title for i in demo_agent.profile(other).liked] == ["Se7en"]


def test_an_unknown_title_is_quoted_as_written(demo_agent: ParleyAgent) -> None:
    session = demo_agent.new_session(user="unknown")
    result = demo_agent.turn(session, "I loved Zorblax Moon and the Quantum Llamas")
    assert result.act == "ask" and '"Zorblax Moon and the Quantum Llamas"' in result.reply
