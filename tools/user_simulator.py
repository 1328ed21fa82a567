"""The ``user_simulator`` tool: a user with hidden target items, for offline evaluation.

The persona knows its targets' attributes (genres, people, era) but never says a
target's title. Every utterance passes a leak guard (exact and fuzzy title matching)
before it leaves the simulator; what the guard removes is counted.

Three modes:

* ``attr``: answers the recommender's attribute questions with the targets' values (the
  attribute protocol of iEvaLM); a recommendation that misses is turned down without a hint.
* ``agenda``: deterministic; reveals one constraint per turn and turns down a miss with a
  reason (the next constraint, or the one the shown items break).
* ``free``: a language model plays the persona; a leaking draft is regenerated, and after
  three tries the agenda utterance is used instead.

The simulator is stateless: the caller passes back ``revealed`` and ``turn`` each time, so
one instance serves any number of conversations.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from knowledge.items import Item, normalize_text, split_title_year
from knowledge.text import split_sentences
from prompts import render
from tools.base import ItemRef, Tool, ToolInputError

SimulatorMode = Literal["attr", "agenda", "free"]

Writer = Callable[[list[dict[str, str]]], str]
"""Chat messages in, text out: how the ``free`` mode reaches a language model."""

ARTICLES = frozenset({"the", "a", "an"})
FUZZY_MIN_CHARS = 8
"""Titles shorter than this are matched exactly only (fuzzy matching would flag ordinary words)."""
FUZZY_THRESHOLD = 90.0
FREE_TRIES = 3

# Which attribute a recommender's question is about, by its wording.
_QUESTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("director", re.compile(r"\b(director|directed|filmmaker)s?\b", re.I)),
    ("star", re.compile(r"\b(actor|actress|actors|actresses|star|stars|starring|cast)\b", re.I)),
    ("writer", re.compile(r"\b(writer|written|screenwriter)s?\b", re.I)),
    (
        "era",
        re.compile(r"\b(recent|older|old|new|era|decade|decades|year|years|classic)\b", re.I),
    ),
    ("genre", re.compile(r"\b(genre|genres|kind|type|sort|mood)\b", re.I)),
)
# Drafts where a small model slips into the assistant's role ("I'm an AI", "happy to help").
_OUT_OF_CHARACTER = re.compile(
    r"\b(an? (?:ai|assistant|chatbot|language model)|as an ai|happy to help|i can help|"
    r"recommend(?:ation)?s? for you|the person's|role-?play)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"\?\s*$|\?\s|\b(what|which|who|any|do you|would you)\b", re.I)


@dataclass(frozen=True)
class Constraint:
    """One thing the persona wants, e.g. ``genre`` = horror, thriller."""

    attribute: str
    values: tuple[str, ...]

    @property
    def key(self) -> str:
        """A stable name, carried between turns in ``revealed``."""
        return f"{self.attribute}:{'|'.join(self.values)}"

    def phrase(self) -> str:
        """How the persona says it."""
        joined = " or ".join(self.values)
        if self.attribute == "genre":
            return f"I'm in the mood for a {joined} movie."
        if self.attribute == "era":
            return f"Something from the {joined}, ideally."
        if self.attribute == "director":
            return f"I really like films directed by {joined}."
        if self.attribute == "writer":
            return f"I like films written by {joined}."
        return f"I'd love something starring {joined}."


class LeakGuard:
    """Finds target titles in a text: whole-word exact matches, and fuzzy ones for long titles.

    Leading articles and the year are ignored ("the shining", "Shining (1980)" both match
    *The Shining*). Fuzzy matching compares every window of the title's length and catches
    misspellings ("Inceptoin") without flagging common words for one-word titles.
    """

    def __init__(self, titles: Sequence[str]) -> None:
        self.keys: list[tuple[str, list[str]]] = []
        for title in titles:
            bare, _ = split_title_year(title)
            tokens = normalize_text(bare).split()
            while len(tokens) > 1 and tokens[0] in ARTICLES:
                tokens = tokens[1:]
            if tokens:
                self.keys.append((title, tokens))

    def find(self, text: str) -> list[str]:
        """The titles the text names (each at most once)."""
        words = normalize_text(text).split()
        found: list[str] = []
        for title, tokens in self.keys:
            n = len(tokens)
            windows = [words[i : i + n] for i in range(max(0, len(words) - n + 1))]
            if any(w == tokens for w in windows):
                found.append(title)
                continue
            target = " ".join(tokens)
            if len(target) < FUZZY_MIN_CHARS:
                continue
            if any(fuzz.ratio(" ".join(w), target) >= FUZZY_THRESHOLD for w in windows if w) or any(
                fuzz.ratio(" ".join(words[i : i + n + d]), target) >= FUZZY_THRESHOLD
                for d in (-1, 1)
                for i in range(max(0, len(words) - n - d + 1))
                if n + d > 0
            ):
                found.append(title)
        return found

    def redact(self, text: str) -> tuple[str, int]:
        """The text with every sentence that names a target removed, and how many went."""
        sentences = split_sentences(text)
        kept = [s for s in sentences if not self.find(s)]
        return " ".join(kept), len(sentences) - len(kept)


@dataclass(frozen=True)
class Persona:
    """What the simulated user wants: constraints derived from the hidden targets."""

    target_ids: list[str]
    titles: list[str]
    constraints: list[Constraint]

    @classmethod
    def from_items(cls, items: Sequence[Item], guard: LeakGuard | None = None) -> Persona:
        """Constraints in agenda order: genre, director, era, stars, writer.

        Values shared by several targets come first. A value that would name a target (a
        person called like a film) is left out.
        """
        guard = guard or LeakGuard([i.display_title for i in items])

        def top(attribute: str, n: int) -> tuple[str, ...]:
            counts: Counter[str] = Counter()
            first_seen: dict[str, int] = {}
            for item in items:
                values = (
                    [f"{item.year // 10 * 10}s"] if attribute == "era" and item.year else []
                ) or item.values(attribute)[:3]
                for value in values:
                    counts[value] += 1
                    first_seen.setdefault(value, len(first_seen))
            ordered = sorted(counts, key=lambda v: (-counts[v], first_seen[v]))
            return tuple(v for v in ordered if not guard.find(v))[:n]

        constraints = []
        for attribute, n in (("genre", 2), ("director", 1), ("era", 1), ("star", 2), ("writer", 1)):
            values = top(attribute, n)
            if values:
                constraints.append(Constraint(attribute, values))
        return cls(
            target_ids=[i.item_id for i in items],
            titles=[i.display_title for i in items],
            constraints=constraints,
        )

    def constraint(self, attribute: str) -> Constraint | None:
        """The constraint on an attribute, if the persona has one."""
        return next((c for c in self.constraints if c.attribute == attribute), None)

    def next_unrevealed(self, revealed: Sequence[str]) -> Constraint | None:
        """The first constraint not told yet."""
        return next((c for c in self.constraints if c.key not in revealed), None)


class UserSimulatorInput(BaseModel):
    """The hidden targets, the recommender's last message, and the conversation so far."""

    model_config = ConfigDict(extra="forbid")

    targets: list[str] = Field(min_length=1, description="hidden target item ids or titles")
    mode: SimulatorMode = Field(default="agenda", description="attr, agenda or free")
    agent_reply: str = Field(default="", description="the recommender's last message")
    recommended: list[str] = Field(
        default_factory=list, description="item ids the recommender showed in that message"
    )
    revealed: list[str] = Field(
        default_factory=list, description="constraint keys told so far (from the last output)"
    )
    turn: int = Field(default=0, ge=0, description="simulator turns taken so far")
    max_turns: int = Field(default=5, ge=1, le=50, description="give up after this many turns")
    seed: int = Field(default=0, description="seed for the phrasing choices")


class UserSimulatorOutput(BaseModel):
    """The simulated user's next message and the state to pass back next turn."""

    utterance: str
    accepted: bool = Field(description="a target was among the recommended items")
    accepted_items: list[ItemRef] = Field(
        default_factory=list, description="the targets among the recommended items"
    )
    stop: bool = Field(description="the conversation ends: success or out of turns")
    revealed: list[str] = Field(default_factory=list)
    redactions: int = Field(default=0, description="leaks the guard caught and removed")
    reason: str = Field(description="open, answer:ATTR, reject, accept, give_up")


ACCEPT = (
    "Yes, that's exactly what I was looking for, thanks!",
    "Perfect, that one is just what I wanted. Thank you!",
    "Great pick, I'll watch that one. Thanks!",
)
REJECT = (
    "No, none of those are what I'm looking for.",
    "Not those, sorry. None of them is what I want.",
    "Hmm, no, none of those.",
)
OPENERS = (
    "Hi! Can you recommend a movie?",
    "Hello, I'm looking for a movie to watch tonight.",
    "Hi there, I need a movie suggestion.",
)
NO_MORE = "I don't really mind about that. What would you suggest?"


class UserSimulatorTool(Tool[UserSimulatorInput, UserSimulatorOutput]):
    """A simulated user with hidden target items (see the module docstring)."""

    name = "user_simulator"
    description = (
        "Play a user who wants hidden target items: given the recommender's last message and "
        "the items it showed, write the user's next message, accept when a target was shown, "
        "and stop at success or after max_turns. Never states a target's title."
    )
    Input = UserSimulatorInput
    Output = UserSimulatorOutput
    roles = frozenset({"simulate"})

    writer: Writer | None = None
    """Set by the caller to use the ``free`` mode (a chat-completion function)."""

    def use_writer(self, writer: Writer | None) -> UserSimulatorTool:
        """Give the ``free`` mode its language model; returns the tool."""
        self.writer = writer
        return self

    _by_title: dict[str, Item]

    def setup(self) -> None:
        """Index the catalog by ``"Title (Year)"`` (personas are built per call)."""
        self._by_title = {}
        for item in self.catalog:
            self._by_title.setdefault(item.display_title, item)

    def persona(self, targets: Sequence[str]) -> Persona:
        """The persona for target ids or ``"Title (Year)"`` titles."""
        self.ensure_ready()
        items = []
        for ref in targets:
            item = self.catalog.get(ref) or self._by_title.get(ref)
            if item is None:
                raise ToolInputError(
                    self.name, f"targets: no catalog item has the id or title {ref!r}", "targets"
                )
            items.append(item)
        return Persona.from_items(items)

    def run(self, data: UserSimulatorInput) -> UserSimulatorOutput:
        """The next user message."""
        persona = self.persona(data.targets)
        guard = LeakGuard(persona.titles)
        rng = random.Random(f"{data.seed}:{data.turn}:{','.join(persona.target_ids)}")
        revealed = list(data.revealed)
        hits = [i for i in data.recommended if i in persona.target_ids]
        turn = data.turn + 1

        if hits:
            return UserSimulatorOutput(
                utterance=rng.choice(ACCEPT),
                accepted=True,
                accepted_items=[ItemRef.of(self.catalog[i]) for i in hits],
                stop=True,
                revealed=revealed,
                reason="accept",
            )
        if data.mode == "free" and self.writer is None:
            raise ToolInputError(
                self.name, "mode: 'free' needs a language model (use_writer)", "mode"
            )

        reason, text = self._scripted(data, persona, revealed, rng)
        redactions = 0
        if data.mode == "free" and self.writer is not None:
            drafted, redactions = self._free(data, persona, guard, text)
            text = drafted or text
        cleaned, removed = guard.redact(text)
        redactions += removed
        if not cleaned:
            cleaned = NO_MORE
        return UserSimulatorOutput(
            utterance=cleaned,
            accepted=False,
            stop=turn >= data.max_turns,
            revealed=revealed,
            redactions=redactions,
            reason=reason if turn < data.max_turns else "give_up",
        )

    def _scripted(
        self,
        data: UserSimulatorInput,
        persona: Persona,
        revealed: list[str],
        rng: random.Random,
    ) -> tuple[str, str]:
        """The attr/agenda reply (also the free mode's brief and fallback); updates ``revealed``."""
        asked = asked_attribute(data.agent_reply)
        if not data.agent_reply.strip():
            first = persona.next_unrevealed(revealed)
            if data.mode == "attr" or first is None:
                return "open", rng.choice(OPENERS)
            revealed.append(first.key)
            return "open", f"{rng.choice(OPENERS)} {first.phrase()}"
        if asked is not None and not data.recommended:
            constraint = persona.constraint(asked)
            if constraint is None:
                if data.mode == "attr":
                    return f"answer:{asked}", NO_MORE
                constraint = persona.next_unrevealed(revealed)
                if constraint is None:
                    return f"answer:{asked}", NO_MORE
            if constraint.key not in revealed:
                revealed.append(constraint.key)
            return f"answer:{asked}", constraint.phrase()
        if data.mode == "attr":
            if data.recommended:
                return "reject", rng.choice(REJECT)
            return "answer", NO_MORE
        # agenda (and free's brief): turn down a miss with a reason, or go on with the agenda.
        constraint = persona.next_unrevealed(revealed) or self._broken(data, persona)
        if constraint is not None and constraint.key not in revealed:
            revealed.append(constraint.key)
        hint = constraint.phrase() if constraint is not None else ""
        if data.recommended:
            return "reject", f"{rng.choice(REJECT)} {hint}".strip()
        return "tell", hint or NO_MORE

    def _broken(self, data: UserSimulatorInput, persona: Persona) -> Constraint | None:
        """A revealed constraint that the shown items do not meet (the reason to reject)."""
        shown = [self.catalog[i] for i in data.recommended if i in self.catalog]
        for constraint in persona.constraints:
            wanted = {v.lower() for v in constraint.values}
            for item in shown:
                values = (
                    [f"{item.year // 10 * 10}s"]
                    if constraint.attribute == "era" and item.year
                    else item.values(constraint.attribute)
                )
                if not wanted & {v.lower() for v in values}:
                    return constraint
        return persona.constraints[0] if persona.constraints else None

    def _free(
        self, data: UserSimulatorInput, persona: Persona, guard: LeakGuard, brief: str
    ) -> tuple[str, int]:
        """An LLM-written message; drafts that name a target are thrown away."""
        assert self.writer is not None
        prompt = render(
            "simulator",
            wants=[c.phrase() for c in persona.constraints],
            agent_reply=data.agent_reply or "(the conversation is starting)",
            shown=[self.catalog[i].display_title for i in data.recommended if i in self.catalog],
            brief=brief,
        )
        messages = [{"role": "user", "content": prompt}]
        caught = 0
        for _ in range(FREE_TRIES):
            try:
                draft = self.writer(messages).strip().strip('"').strip()
            except Exception:  # a failing LLM costs fluency, never the evaluation
                return "", caught
            draft = " ".join(split_sentences(draft.split("\n")[0])[:2])
            if not draft or _OUT_OF_CHARACTER.search(draft):
                continue
            if guard.find(draft):
                caught += 1
                continue
            return draft, caught
        return "", caught

    def summarize(self, output: UserSimulatorOutput) -> str:
        """The utterance and the outcome."""
        state = "accepted" if output.accepted else ("stops" if output.stop else "goes on")
        return f"{output.utterance} ({output.reason}; {state})"


def asked_attribute(text: str) -> str | None:
    """The attribute a recommender's message asks about, if it asks one."""
    questions = [s for s in split_sentences(text) if "?" in s]
    for sentence in questions or ([text] if _QUESTION.search(text) else []):
        for attribute, pattern in _QUESTION_WORDS:
            if pattern.search(sentence):
                return attribute
    return None
