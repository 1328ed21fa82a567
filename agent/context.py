"""The agent's settings: one keyword-only dataclass, typed, with environment overrides."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_type_hints

from knowledge.errors import ParleyError

ENV_PREFIX = "PARLEY_AGENT_"


def _default_weights() -> dict[str, float]:
    # Tuned for Recall@10 on even-numbered ReDial dev dialogues (bench/tune_fusion.py, first
    # 600 turns): kg_paths 2 : retriever 1 gave held-out R@10 0.096 against 0.062 for equal
    # weights. Popularity only breaks ties (it is the whole ranking when nothing is known).
    # sid, scanned alone with the others fixed (bench/tune_fusion.py --tune sid, all 2,716
    # turns, SID model trained on MovieLens only): tuning-half R@10 is flat at 0.101 for
    # 0.3-0.8 (0.099 without sid); 0.6 gives held-out R@10 0.103 against 0.096 without it.
    return {"kg_paths": 1.0, "retriever": 0.5, "sid": 0.6, "popular": 0.05}


@dataclass(frozen=True, kw_only=True)
class AgentSettings:
    """How the agent decides and phrases. Every field can be set by ``PARLEY_AGENT_<NAME>``."""

    items_per_turn: int = 3
    """Items shown in one recommendation."""
    pool_size: int = 100
    """Candidates each ranking tool proposes before fusion (the learned model is trained with
    the same number)."""
    fusion_weights: dict[str, float] = field(default_factory=_default_weights)
    """Weight of each tool's ranking in reciprocal-rank fusion (missing tools count 0)."""
    rrf_k: int = 60
    """The rank offset of reciprocal-rank fusion: 1 / (rrf_k + rank)."""
    fusion: Literal["learned", "rrf"] = "learned"
    """How the rankers' lists become one: the pack's learned model (when it has one), or
    weighted reciprocal-rank fusion."""
    prefer_wanted: bool = True
    """With reciprocal-rank fusion: rank items that meet more of the asked-for attribute
    values first (soft constraints)."""
    prefer_wanted_learned: bool = True
    """The same with the learned fusion, within `wanted_window`. The model sees the
    asked-for values as features, but it learned from dialogues where people rarely ask for
    a person or a decade; what a user asks for explicitly comes first."""
    wanted_window: int = 20
    """With the learned fusion, the asked-for values move only the `items_per_turn` cards
    shown first: the candidates meeting the most asked-for attributes among the model's
    first this many (a window widened until it holds `items_per_turn` of those meeting the
    most any candidate meets, so the cards shown always do when the pool has them); every
    other candidate keeps the model's order. 0 reorders the whole list. Out of fold on the
    training dialogues this costs 0.001 Recall@10; reordering the whole window cost 0.007,
    the whole list 0.011 Recall@10 and 0.021 Recall@50 (README, "How Parley ranks")."""
    planner: Literal["policy", "llm"] = "policy"
    """Who chooses the tools of a turn: the deterministic policy, or (for a capable served
    LLM that supports tool calls) the LLM, with the policy as the fallback."""
    planner_choice: Literal["auto", "pick"] = "auto"
    """How the LLM planner calls tools: ``auto``, the model sees every tool and calls what it
    wants (capable models, vLLM with a tool parser); ``pick``, it names one tool in guided
    JSON and then fills that tool's arguments under a grammar (small models)."""
    planner_calls: int = 3
    """Tool-calling rounds the LLM planner may take in one turn."""
    planner_seconds: float = 20.0
    """Time budget of the LLM planner in one turn (then the policy decides)."""
    max_asks_in_row: int = 2
    """Clarifying questions allowed before the agent must recommend."""
    rejects_before_asking: int = 1
    """Recommendations turned down whole ("none of those") in a row, with nothing new said,
    before the agent asks instead of recommending again."""
    min_signals_to_recommend: int = 1
    """Known preferences (liked items, wanted values, wishes) needed before recommending."""
    question: Literal["narrow", "split"] = "narrow"
    """Which attribute a clarifying question is about: ``narrow``, the one whose answer
    leaves the fewest of the top candidates (a star or a director, usually); ``split``, the
    one whose recurring values spread them most evenly (an era or a genre, usually). On
    600 training turns with the attribute simulator, ``narrow`` showed a target within five
    turns in 0.95 of the conversations against 0.85 (README, "How Parley asks")."""
    genre_split_ratio: float = 0.5
    """Ask about genre when the top candidates' most common genre covers less than this share."""
    writing: Literal["auto", "reply", "lead", "none"] = "auto"
    """What the LLM writes: the whole ``reply``; a one-sentence ``lead``-in above the
    templated list (recommendations; other acts keep their templates); or ``none`` (the
    templates only). ``auto`` is ``none`` for the embedded model (its drafts almost never
    pass the checks) and ``reply`` for a served one (see README, "What each language model
    tier gives")."""
    max_tokens: int = 160
    """Token limit of every LLM reply."""
    temperature: float = 0.3
    """Sampling temperature of LLM replies."""
    llm_deadline: float = 30.0
    """Seconds one LLM call may take in all (queueing for the embedded model, retries,
    streaming); past it the turn gets the template reply."""
    llm_cooldown: float = 30.0
    """Seconds an LLM server that failed is left alone (turns get template replies at
    once) before it is tried again."""
    llm_extraction: bool = False
    """Let a capable LLM add structured preference extraction (off for the tiny embedded model)."""
    max_message_chars: int = 4000
    """Longer user messages are refused."""
    history_turns: int = 1
    """Turns whose step-by-step checkpoints a saved session keeps; older checkpoints are
    deleted after each turn, so a session's size stays bounded (0: only the latest state)."""
    session_wait_s: float = 30.0
    """How long a turn waits for another turn of the same session (another tab, terminal or
    replica) to finish before it is refused with "please resend"."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> AgentSettings:
        """Build settings from a mapping of field names; unknown names are an error."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ParleyError(
                f"unknown agent setting(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        hints = get_type_hints(cls)
        converted = {name: _convert(name, value, hints[name]) for name, value in values.items()}
        return cls(**converted)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AgentSettings:
        """Read ``PARLEY_AGENT_*`` variables, converted to the field types; reject unknown ones."""
        environ = os.environ if environ is None else environ
        values = {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX)
        }
        return cls.from_mapping(values)


def _convert(name: str, value: Any, hint: Any) -> Any:
    if getattr(hint, "__origin__", None) is Literal:
        if value not in hint.__args__:
            choices = ", ".join(map(str, hint.__args__))
            raise ParleyError(f"agent setting {name}: {value!r} is not one of {choices}")
        return value
    if not isinstance(value, str):
        return value
    try:
        if hint is bool:
            lowered = value.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(value)
            return lowered in {"1", "true", "yes", "on"}
        if hint is int:
            return int(value)
        if hint is float:
            return float(value)
        if getattr(hint, "__origin__", None) is dict:
            parsed = json.loads(value)
            if not isinstance(parsed, dict):
                raise ValueError(value)
            return {str(k): float(v) for k, v in parsed.items()}
    except (ValueError, TypeError) as exc:
        raise ParleyError(f"agent setting {name}: cannot read {value!r} as {hint}") from exc
    return value
