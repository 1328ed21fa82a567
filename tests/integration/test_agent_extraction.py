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
