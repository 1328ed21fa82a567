"""Structured preference extraction by a capable LLM (JSON schema), linked before use.

The deterministic reader always runs; this adds what a capable model understands beyond
it. Nothing the model says enters the state unless it links to a catalog entity.
"""

from __future__ import annotations

import json
import logging

from pydantic import BaseModel, Field, ValidationError

from agent.llm import ChatLLM, GenerationOptions, LLMUnavailable, complete
from prompts import render

log = logging.getLogger(__name__)


class Extraction(BaseModel):
    """What the LLM read in one message."""

    liked: list[str] = Field(default_factory=list, max_length=10)
    disliked: list[str] = Field(default_factory=list, max_length=10)
    genres_wanted: list[str] = Field(default_factory=list, max_length=10)
    genres_avoided: list[str] = Field(default_factory=list, max_length=10)
    year_min: int | None = Field(default=None, ge=1850, le=2100)
    year_max: int | None = Field(default=None, ge=1850, le=2100)


SCHEMA = {
    "type": "object",
    "properties": {
        "liked": {"type": "array", "items": {"type": "string"}},
        "disliked": {"type": "array", "items": {"type": "string"}},
        "genres_wanted": {"type": "array", "items": {"type": "string"}},
        "genres_avoided": {"type": "array", "items": {"type": "string"}},
        "year_min": {"type": ["integer", "null"]},
        "year_max": {"type": ["integer", "null"]},
    },
    "required": ["liked", "disliked", "genres_wanted", "genres_avoided", "year_min", "year_max"],
    "additionalProperties": False,
}


def extract(llm: ChatLLM, message: str, *, max_tokens: int = 200) -> Extraction | None:
    """Ask the LLM for the preferences in a message; ``None`` when it cannot or writes junk."""
    if not llm.available:
        return None
    # The instructions are a fixed system message, so a server's prefix cache reuses them.
    instructions = render("extract")
    try:
        text = complete(
            llm,
            [
                {"role": "system", "content": instructions},
                {"role": "user", "content": f'Message: "{message[:2000]}"'},
            ],
            GenerationOptions(max_tokens=max_tokens, temperature=0.0, json_schema=SCHEMA),
        )
        return Extraction.model_validate(json.loads(text))
    except (LLMUnavailable, ValueError, ValidationError) as exc:
        log.info("LLM extraction unusable, keeping the deterministic reading: %s", exc)
        return None
