"""The embedded LLM (SmolLM2-135M through llama.cpp): real generation, always grounded."""

from __future__ import annotations

import pytest

from agent.agent import ParleyAgent
from agent.context import AgentSettings
from agent.llm import EmbeddedLLM, GenerationOptions, complete, embedded_model_path
from knowledge.pack import Pack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm() -> EmbeddedLLM:
    return EmbeddedLLM()


def test_model_ships_in_a_package() -> None:
    path = embedded_model_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


def test_generation_respects_max_tokens(llm: EmbeddedLLM) -> None:
    messages = [{"role": "user", "content": "Name a colour."}]
    text = complete(llm, messages, GenerationOptions(max_tokens=8, temperature=0.0))
    assert text.strip()
    assert len(text.split()) <= 12


def test_agent_replies_stay_grounded_with_the_tiny_model(demo_pack: Pack, llm: EmbeddedLLM) -> None:
    # The model writes whole replies here (by default it writes nothing: README, tiers).
    agent = ParleyAgent(demo_pack, llm=llm, settings=AgentSettings(writing="reply"))
    session = agent.new_session()
    sources = []
    for line in [
        "I loved Inception and The Prestige",
        "I've seen it",
        "who directed Jaws?",
        "something else",
    ]:
        result = agent.turn(session, line)
        sources.append(result.reply_source)
        assert result.reply.strip()
        assert all(item.item_id in demo_pack.catalog for item in result.items)
        if result.reply_source == "llm":
            # What the model wrote passed the check; check it again from the saved plan.
            plan = agent.snapshot(session).values["plan"]
            allowed = [demo_pack.catalog[i] for i in plan.allowed]
            verdict = agent.context.grounding.check(
                result.reply,
                allowed,
                plan.facts,
                must_name=plan.must_name,
                must_say=plan.must_say,
                must_ask=plan.must_ask,
            )
            assert verdict.ok, verdict.problems
    assert set(sources) <= {"llm", "template"}
