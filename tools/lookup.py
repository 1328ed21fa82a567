"""The ``lookup`` tool: link titles, people, genres and tags in text; give item facts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from knowledge.linker import EntityLinker, Match
from tools.base import ItemRef, Tool, ToolAnswer, ToolInputError, linker_of
from tools.facts import (
    Answer,
    ItemFacts,
    answer_about_item,
    answer_about_value,
    detect_question,
    item_facts,
)

AMBIGUITY_MARGIN = 0.05
QUESTION_RELIEF = 0.2
QUESTION_MIN_CONFIDENCE = 0.4
QUESTION_MAX_CHARS = 200


class LookupInput(BaseModel):
    """Text to link to the catalog."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=20000, description="a user turn, a title or a question"
    )
    kinds: list[str] | None = Field(
        default=None,
        description="only link these kinds of entity: item, person, genre, tag... (default: all)",
    )
    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0, description="drop weaker links")
    max_candidates: int = Field(default=5, ge=1, le=50, description="candidates kept per mention")
    facts: bool = Field(default=True, description="add the facts of each linked item")


class Candidate(BaseModel):
    """An entity a mention may refer to."""

    entity_id: str = Field(description="knowledge-graph node id, e.g. item:123 or person:tom hanks")
    kind: str = Field(description="item, person, genre, tag...")
    label: str
    score: float = Field(description="confidence that the mention means this entity, 0..1")
    prior: float = Field(description="popularity when known, else graph degree")
    item: ItemRef | None = Field(default=None, description="the item, for kind 'item'")


class Mention(BaseModel):
    """A span of the text that names catalog entities."""

    text: str
    start: int = Field(description="character offset of the span in the input text")
    end: int
    confidence: float = Field(description="score of the best candidate")
    ambiguous: bool = Field(description="several candidates fit about as well (e.g. remakes)")
    candidates: list[Candidate] = Field(description="best first")

    @property
    def best(self) -> Candidate:
        """The best candidate."""
        return self.candidates[0]


class LookupOutput(BaseModel):
    """Linked mentions, facts of the linked items, and a direct answer when asked."""

    mentions: list[Mention] = Field(default_factory=list)
    facts: list[ItemFacts] = Field(default_factory=list)
    answer: Answer | None = None


class LookupTool(Tool[LookupInput, LookupOutput]):
    """Link text to catalog entities and answer simple questions about items."""

    name = "lookup"
    description = (
        "Find the catalog items (titles, with or without year, typos allowed), people, genres "
        "and tags named in a text, with a confidence for each; ambiguous titles list every "
        "candidate, most popular first. Also returns the facts of linked items and answers "
        "questions such as 'who directed X' or 'what is X about'."
    )
    Input = LookupInput
    Output = LookupOutput
    roles = frozenset({"link", "answer"})

    linker: EntityLinker
    _popular: list[str]

    def setup(self) -> None:
        """Index every title, name and attribute value of the catalog."""
        self.linker = linker_of(self.source)
        ranked = sorted(
            (e for e in self.linker.entities if e.item_id), key=lambda e: e.rank_key, reverse=True
        )
        self._popular = [e.item_id for e in ranked if e.item_id]

    def run(self, data: LookupInput) -> LookupOutput:
        """Link the text; add facts and a direct answer."""
        kinds = self._check_kinds(data.kinds)
        matches = self.linker.link(data.text, kinds=kinds, min_confidence=data.min_confidence)
        mentions = [self._mention(data.text, m, data.max_candidates) for m in matches]
        answer = self._answer(data.text, mentions)
        if answer is None and self._may_relax(data, kinds, mentions):
            # A short question about an item is evidence that a weak title match is meant:
            # "who is in Heat?" names the film although "heat" is an ordinary word.
            weaker = max(QUESTION_MIN_CONFIDENCE, data.min_confidence - QUESTION_RELIEF)
            extra = [
                self._mention(data.text, m, data.max_candidates)
                for m in self.linker.link(data.text, kinds=["item"], min_confidence=weaker)
                if not any(m.start < x.end and x.start < m.end for x in mentions)
            ]
            if extra:
                best = max(extra, key=lambda x: x.confidence)
                answer = self._answer(data.text, [best])
                if answer is not None:
                    mentions = sorted([*mentions, best], key=lambda x: x.start)
        facts = self._facts(mentions) if data.facts else []
        return LookupOutput(mentions=mentions, facts=facts, answer=answer)

    @staticmethod
    def _may_relax(data: LookupInput, kinds: list[str] | None, mentions: list[Mention]) -> bool:
        if kinds is not None and "item" not in kinds:
            return False
        if len(data.text) > QUESTION_MAX_CHARS or any(m.best.kind == "item" for m in mentions):
            return False
        return detect_question(data.text) not in {None, "filmography"}

    def _facts(self, mentions: list[Mention]) -> list[ItemFacts]:
        facts: list[ItemFacts] = []
        seen: set[str] = set()
        for mention in mentions:
            best = mention.best
            if best.item is not None and best.item.item_id not in seen:
                seen.add(best.item.item_id)
                facts.append(item_facts(self.catalog[best.item.item_id]))
        return facts

    def _check_kinds(self, kinds: list[str] | None) -> list[str] | None:
        if kinds is None:
            return None
        known = sorted({e.kind for e in self.linker.entities})
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise ToolInputError(
                self.name,
                f"field 'kinds': unknown kind {unknown[0]!r}; known: {', '.join(known)}",
                "kinds",
            )
        return kinds

    def _mention(self, text: str, match: Match, limit: int) -> Mention:
        ranked = self.linker.ranked(match)[:limit]
        candidates = [
            Candidate(
                entity_id=e.entity_id,
                kind=e.kind,
                label=e.label,
                score=score,
                prior=e.prior,
                item=ItemRef.of(self.catalog[e.item_id]) if e.item_id else None,
            )
            for e, score in ranked
        ]
        top = candidates[0].score
        close = [c for c in candidates if c.score >= top - AMBIGUITY_MARGIN]
        return Mention(
            text=text[match.start : match.end],
            start=match.start,
            end=match.end,
            confidence=top,
            ambiguous=len(close) > 1,
            candidates=candidates,
        )

    def _answer(self, text: str, mentions: list[Mention]) -> Answer | None:
        asks = detect_question(text)
        if asks is None or not mentions:
            return None
        if asks == "filmography":
            people = [m.best for m in mentions if m.best.kind != "item"]
            if not people:
                return None
            who = max(people, key=lambda c: c.score)
            return answer_about_value(text, who.entity_id, who.label, self.catalog, self._popular)
        items = [m.best for m in mentions if m.best.item is not None]
        if not items:
            return None
        best = max(items, key=lambda c: c.score)
        assert best.item is not None
        return answer_about_item(asks, self.catalog[best.item.item_id], text)

    def answer(self, output: LookupOutput) -> ToolAnswer | None:
        """The direct answer to a question, when the text asked one."""
        if output.answer is None:
            return None
        return ToolAnswer(text=output.answer.sentence, items=output.answer.items, tool=self.name)

    def summarize(self, output: LookupOutput) -> str:
        """One line per mention, then the answer."""
        lines = []
        for m in output.mentions:
            shown = "; ".join(f"{c.label} [{c.entity_id}] {c.score:.2f}" for c in m.candidates[:3])
            flag = " (ambiguous)" if m.ambiguous else ""
            lines.append(f"'{m.text}' -> {shown}{flag}")
        if output.answer is not None:
            lines.append(f"Answer: {output.answer.sentence}")
        return "\n".join(lines) or "No catalog entity found in the text."
