"""Structured preference extraction by a capable LLM (JSON schema), linked before use.

The deterministic reader always runs; this adds what a capable model understands beyond
it. Nothing the model says enters the state unless it links to a catalog entity.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError

from agent.llm import ChatLLM, GenerationOptions, LLMUnavailable, complete
from prompts import render

log = logging.getLogger(__name__)


class Extraction(BaseModel):
    """What the LLM read in one message."""

    question: bool = False
    """The message asks about a movie rather than saying what the user likes."""
    liked: list[str] = Field(default_factory=list, max_length=10)
    disliked: list[str] = Field(default_factory=list, max_length=10)
    seen: list[str] = Field(default_factory=list, max_length=10)
    genres_wanted: list[str] = Field(default_factory=list, max_length=10)
    genres_avoided: list[str] = Field(default_factory=list, max_length=10)
    year_min: int | None = Field(default=None, ge=1850, le=2100)
    year_max: int | None = Field(default=None, ge=1850, le=2100)


SCHEMA = {
    "type": "object",
    "properties": {
        "question": {"type": "boolean"},
        "liked": {"type": "array", "items": {"type": "string"}},
        "disliked": {"type": "array", "items": {"type": "string"}},
        "seen": {"type": "array", "items": {"type": "string"}},
        "genres_wanted": {"type": "array", "items": {"type": "string"}},
        "genres_avoided": {"type": "array", "items": {"type": "string"}},
        "year_min": {"type": ["integer", "null"]},
        "year_max": {"type": ["integer", "null"]},
    },
    "required": [
        "question",
        "liked",
        "disliked",
        "seen",
        "genres_wanted",
        "genres_avoided",
        "year_min",
        "year_max",
    ],
    "additionalProperties": False,
}


def extract(
    llm: ChatLLM,
    message: str,
    *,
    shown: Sequence[str] = (),
    current: str | None = None,
    max_tokens: int = 200,
) -> Extraction | None:
    """Ask the LLM for the preferences in a message; ``None`` when it cannot or writes junk.

    ``shown`` are the titles under discussion (the cards last shown, in order) and
    ``current`` the one "it" means, so the model can name what a reference points at.
    """
    if not llm.available:
        return None
    # The instructions are a fixed system message, so a server's prefix cache reuses them;
    # the focus of discussion goes with the message.
    instructions = render("extract")
    context = ""
    if shown:
        context += "Movies just shown: " + "; ".join(
            f"{n}. {title}" for n, title in enumerate(shown, 1)
        )
        context += "\n"
    if current:
        context += f'"It" and "that one" mean: {current}\n'
    try:
        text = complete(
            llm,
            [
                {"role": "system", "content": instructions},
                {"role": "user", "content": f'{context}Message: "{message[:2000]}"'},
            ],
            GenerationOptions(max_tokens=max_tokens, temperature=0.0, json_schema=SCHEMA),
        )
        return Extraction.model_validate(json.loads(text))
    except (LLMUnavailable, ValueError, ValidationError) as exc:
        log.info("LLM extraction unusable, keeping the deterministic reading: %s", exc)
        return None
