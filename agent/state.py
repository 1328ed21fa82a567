"""The agent's typed state: one LangGraph channel per field, with a reducer where it matters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, TypedDict

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

from agent.focus import Focus
from agent.profile import Profile
from agent.reading import Intent
from tools.base import ToolAnswer

DialogueAct = Literal["ask", "recommend", "answer", "explain", "close"]

__all__ = [
    "AgentState",
    "Candidate",
    "DialogueAct",
    "Focus",
    "Profile",
    "ReplyPlan",
    "ToolAnswer",
    "ToolCall",
]


def last_user_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the latest user message."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            content = message.content
            return content if isinstance(content, str) else str(content)
    return ""


class ToolCall(BaseModel):
    """One tool call of a turn, for the UI's collapsible steps and the JSON transcript."""

    tool: str
    input: dict[str, object]
    summary: str
    """A short human-readable account of the result."""
    ms: float
    """Wall-clock duration in milliseconds."""
    error: str | None = None


class Candidate(BaseModel):
    """A candidate item with its provenance: which tools found it, scores, evidence."""

    item_id: str
    title: str
    year: int | None = None
    score: float
    """Fused score (weighted reciprocal-rank fusion)."""
    tools: dict[str, int] = Field(default_factory=dict)
    """Rank of the item in each tool's list (1 = best)."""
    evidence: list[str] = Field(default_factory=list)
    """Rendered explanations, e.g. "shares director Christopher Nolan with Inception"."""


class ReplyPlan(BaseModel):
    """What the reply of a turn must say: the template reply, and the LLM's brief."""

    act: DialogueAct
    template: str
    """The deterministic reply: always correct, used when the LLM is absent or ungrounded."""
    prompt: str | None = None
    """The LLM's brief (rendered from a prompt file); None when the template is the reply."""
    allowed: list[str] = Field(default_factory=list)
    """Item ids the reply may name (the chosen items, and the ones the user liked)."""
    facts: list[str] = Field(default_factory=list)
    """Catalog facts the reply may draw on besides the allowed items (evidence paths, the
    answer, the profile's linked values). Never the user's words: those vouch for nothing."""
    must_name: list[str] = Field(default_factory=list)
    """The reply must name at least one of these item ids (the items it recommends)."""
    name_all: bool = False
    """An LLM reply must name every chosen item (a recommendation covers every card)."""
    must_say: list[str] = Field(default_factory=list)
    """The reply must say at least one of these (the answer to a question)."""
    must_ask: bool = False
    """The reply must ask a question."""
    ask_about: list[str] = Field(default_factory=list)
    """Words one of which the question must use (its topic, the options it offers)."""
    body: str | None = None
    """The template reply without its opening sentence: the LLM's one-sentence lead-in goes
    above it (the ``lead`` way of writing)."""
    lead_prompt: str | None = None
    """The LLM's brief for that lead-in."""


class AgentState(TypedDict, total=False):
    """The state of one conversation (one LangGraph thread)."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The dialogue so far."""
    profile: Profile
    """The user's preferences as understood so far."""
    candidates: list[Candidate]
    """The current candidate pool, best first."""
    recommended: list[Candidate]
    """The items shown in the latest turn (with their evidence)."""
    shown: list[str]
    """Ids of every item shown in this conversation, oldest first."""
    act: DialogueAct
    """The dialogue act chosen for this turn."""
    asked: list[str]
    """Attributes asked about, oldest first (the last one is the open question)."""
    asks_in_row: int
    """Clarifying questions asked since the last recommendation."""
    rejects_in_row: int
    """Recommendations turned down in a row with nothing new said (the agent then asks)."""
    focus: list[str]
    """Items the latest user message is about, named or referred to (for answers and
    explanations)."""
    discussion: Focus
    """The focus of discussion: the items last recommended, explained or asked about, which
    "it", "that one" and "the second one" resolve against (see `agent.focus`)."""
    intent: Intent
    """What the latest user message wants, as read by `understand`."""
    plan: ReplyPlan
    """What this turn's reply must say."""
    answered: ToolAnswer | None
    """An answering tool's answer chosen for this turn by the LLM planner."""
    answerer: str | None
    """The answering plug-in whose declared intents the latest message matches."""
    draft: str | None
    """The LLM's text before the checks (None without an LLM): a lead-in or a whole reply."""
    draft_kind: Literal["lead", "reply"] | None
    """What the draft is."""
    rejected: list[str]
    """Why the LLM's draft was not shown this turn (empty when it was, or there was none)."""
    reply: str
    """The reply of this turn, after the grounding check."""
    reply_source: Literal["llm", "template"]
    """Whether the LLM's reply passed the grounding check or a template replaced it."""
    notice: str | None
    """A notice for the user (e.g. the language model is unavailable)."""
    trace: list[ToolCall]
    """Tool calls of this turn."""
    user: str
    """Whose long-term profile this session reads and updates."""
