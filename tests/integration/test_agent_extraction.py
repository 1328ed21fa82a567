"""A capable LLM's structured extraction enters the state only through the catalog linker."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from agent.agent import ParleyAgent
from agent.context import AgentSettings
from agent.llm import ChatMessage, GenerationOptions
from knowledge.pack import Pack


class ScriptedLLM:
    """A stand-in for a capable model: JSON for extraction requests, plain text otherwise."""

    name = "scripted"
    available = True

    def __init__(self, extraction: str) -> None:
        self.extraction = extraction
        self.schemas: list[object] = []

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        if options.json_schema is not None:
            self.schemas.append(options.json_schema)
            yield self.extraction
        else:
            yield "Here you go."


def test_extracted_names_are_linked_and_inventions_dropped(demo_pack: Pack) -> None:
    llm = ScriptedLLM(
        json.dumps(
            {
                "liked": ["The Godfather", "Nonexistent Movie Of Dreams"],
                "disliked": [],
                "genres_wanted": ["crime"],
                "genres_avoided": ["horror", "telenovela"],
                "year_min": None,
                "year_max": None,
            }
        )
    )
    agent = ParleyAgent(demo_pack, llm=llm, settings=AgentSettings(llm_extraction=True))
    session = agent.new_session()
    result = agent.turn(
        session, "my dad's favourite is that mafia film with Brando; nothing spooky"
    )
    profile = agent.profile(session)
    godfather = [i.item_id for i in demo_pack.catalog if i.title == "The Godfather"]
    assert profile.liked == godfather
    assert profile.avoided.get("genre") == ["horror"]
    assert "crime" in profile.wanted.get("genre", [])
    assert llm.schemas and result.act == "recommend"
    assert all(i.item_id in demo_pack.catalog for i in result.items)
    # "Here you go." names no chosen item: the grounding check puts the template reply in.
    assert result.reply_source == "template"


def test_junk_extraction_is_ignored(demo_pack: Pack) -> None:
    agent = ParleyAgent(
        demo_pack, llm=ScriptedLLM("{not json"), settings=AgentSettings(llm_extraction=True)
    )
    session = agent.new_session()
    result = agent.turn(session, "I loved Inception")
    assert agent.profile(session).liked and result.act == "recommend"


class RecordingLLM(ScriptedLLM):
    """A scripted model that keeps the messages of every extraction request."""

    def __init__(self, extraction: str) -> None:
        super().__init__(extraction)
        self.requests: list[str] = []

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[str]:
        if options.json_schema is not None:
            self.requests.append(str(messages[-1]["content"]))
        yield from super().stream(messages, options)


def extraction(**fields: object) -> str:
    empty: dict[str, object] = {
        "question": False,
        "liked": [],
        "disliked": [],
        "seen": [],
        "genres_wanted": [],
        "genres_avoided": [],
        "year_min": None,
        "year_max": None,
    }
    return json.dumps({**empty, **fields})


def test_extraction_sees_the_focus_and_never_changes_the_profile_on_a_question(
    demo_pack: Pack,
) -> None:
    llm = RecordingLLM(extraction(liked=["The Godfather"]))
    agent = ParleyAgent(demo_pack, llm=llm, settings=AgentSettings(llm_extraction=True))
    session = agent.new_session()
    cards = agent.turn(session, "I loved Inception").items
    agent.turn(session, "the second one looks great")
    # The model is told what "the second one" can mean: the cards just shown, in order.
    assert f"2. {cards[1].title}" in llm.requests[-1]
    before = agent.profile(session)
    asked = len(llm.requests)
    result = agent.turn(session, "is Jaws scary?")
    assert result.act == "answer" and agent.profile(session) == before
    assert len(llm.requests) == asked  # a question is not sent for extraction at all


def test_a_message_the_model_reads_as_a_question_adds_nothing(demo_pack: Pack) -> None:
    llm = ScriptedLLM(extraction(question=True, liked=["The Godfather"]))
    agent = ParleyAgent(demo_pack, llm=llm, settings=AgentSettings(llm_extraction=True))
    session = agent.new_session()
    agent.turn(session, "Jaws, scary or not, in your view")
    assert agent.profile(session).liked == []
