"""`ParleyAgent`: the compiled graph with its sessions, as the CLI and the UI use it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.store.base import BaseStore
from langgraph.types import StateSnapshot
from pydantic import BaseModel

from agent.context import AgentSettings
from agent.graph import compile_graph
from agent.llm import ChatLLM, NoLLM
from agent.profile import Belief, Profile
from agent.ranking import rank
from agent.runtime import AgentContext
from agent.sessions import LongTermProfiles, SessionBusy, SessionSpec, open_sessions
from agent.state import AgentState, Candidate, ToolCall
from agent.toolbox import Toolbox
from knowledge.items import Catalog, normalize_text
from knowledge.pack import Pack
from tools.registry import ToolRegistry

log = logging.getLogger(__name__)

Feedback = Literal["like", "dislike", "seen"]
"""A card button: the polarity it gives the item."""


class ShownItem(BaseModel):
    """A recommended item as the CLI and the UI show it."""

    item_id: str
    title: str
    year: int | None = None
    genres: list[str] = []
    people: dict[str, list[str]] = {}
    description: str = ""
    tools: list[str] = []
    evidence: list[str] = []


class TurnResult(BaseModel):
    """One turn: what the user said, what Parley answered, and what it showed."""

    user: str
    reply: str
    act: str
    items: list[ShownItem] = []
    trace: list[ToolCall] = []
    notice: str | None = None
    reply_source: str = "template"
    rejected: list[str] = []
    """Why the LLM's text was not shown this turn (empty when it was, or there was none)."""


@dataclass
class StreamEvent:
    """A piece of a turn: ``token``, ``reset`` (drop what was streamed so far) or ``done``."""

    type: Literal["token", "reset", "done"]
    text: str = ""
    result: TurnResult | None = None


class ChatAgent(Protocol):
    """What a front end (the browser app, a test's fake) needs from the agent."""

    @property
    def catalog(self) -> Catalog:
        """The catalog the agent recommends from."""
        ...

    @property
    def llm(self) -> ChatLLM:
        """The language model that phrases replies."""
        ...

    def new_session(self, user: str | None = None, session: str | None = None) -> str:
        """A fresh session id owned by ``user`` (``session``: this id, for a replayable run)."""
        ...

    def owner(self, session: str) -> str | None:
        """The user a session was issued to; ``None`` for an id never issued."""
        ...

    def fork(self, session: str, user: str) -> str:
        """A new session of ``user`` that continues another user's conversation."""
        ...

    def messages(self, session: str) -> list[BaseMessage]:
        """The dialogue of a session so far."""
        ...

    def profile(self, session: str) -> Profile:
        """What the agent believes about the user in a session."""
        ...

    def label(self, attribute: str, value: str) -> str:
        """How the catalog writes an attribute value ("Jim Carrey" for "jim carrey")."""
        ...

    def last_turn(self, session: str, text: str = "") -> TurnResult:
        """The latest turn of a session."""
        ...

    def stream(self, session: str, text: str) -> Iterator[StreamEvent]:
        """Run one turn, streaming its reply."""
        ...

    def feedback(self, session: str, item_id: str, kind: Feedback) -> Profile:
        """Record a card button's feedback on an item."""
        ...

    def forget(self, session: str, belief: Belief) -> Profile:
        """Drop one belief."""
        ...


@dataclass
class ParleyAgent:
    """The conversational recommender over one knowledge pack.

    Sessions (threads) live in the checkpointer: in a SQLite file or a PostgreSQL database
    when ``sessions`` names one (see ``agent.sessions.open_sessions``), so a conversation
    survives a restart; in memory otherwise.
    """

    pack: Pack
    llm: ChatLLM = field(default_factory=NoLLM)
    settings: AgentSettings = field(default_factory=AgentSettings)
    sessions: SessionSpec = None
    registry: ToolRegistry | None = None
    user_id: str = "local"

    def __post_init__(self) -> None:
        self.toolbox = Toolbox(self.pack, self.registry)
        self.backend = open_sessions(self.sessions)
        self.checkpointer: Any = self.backend.checkpointer
        self.store: BaseStore = self.backend.store
        self.graph = compile_graph(self.checkpointer, self.store)
        self.context = AgentContext(self.toolbox, self.llm, self.settings, self.user_id)

    def close(self) -> None:
        """Release the sessions database's connections."""
        self.backend.close()

    SESSIONS = ("sessions",)

    @property
    def catalog(self) -> Catalog:
        """The catalog of the pack."""
        return self.pack.catalog

    def new_session(self, user: str | None = None, session: str | None = None) -> str:
        """A fresh session id, owned by ``user`` (whose long-term profile it reads and updates).

        Every issued id is recorded with its owner: an id the server never issued opens
        nobody's memory (see `owner`). ``session`` chooses the id (an evaluation names its
        conversations, so that a rerun words every reply the same way); otherwise it is a
        random 128-bit value.
        """
        session = session or uuid.uuid4().hex
        self.store.put(self.SESSIONS, session, {"user": user or self.user_id})
        return session

    def owner(self, session: str) -> str | None:
        """The user a session was issued to; ``None`` for an id this server never issued.

        Sessions saved before owners were recorded for the default user belong to it.
        """
        found = self.store.get(self.SESSIONS, session)
        user = found.value.get("user") if found else None
        if isinstance(user, str) and user:
            return user
        return self.user_id if self.snapshot(session).values else None

    def user_of(self, session: str) -> str:
        """The user who owns a session (the agent's default user for an unknown id)."""
        return self.owner(session) or self.user_id

    FORK_DROPS = ("candidates", "trace", "draft", "profile", "user")
    """State a forked session does not copy: what was computed from the first user's memory
    (the candidate pool, the tool calls with their excluded ids) and whose it is."""

    def fork(self, session: str, user: str) -> str:
        """A new session of ``user`` continuing ``session``'s conversation (a shared link).

        The dialogue and the shown items are copied; the profile keeps what the conversation
        itself says and starts from ``user``'s long-term memory, never the first owner's.
        """
        values = self.snapshot(session).values
        fork = self.new_session(user)
        if not values:
            return fork
        said = " ".join(str(m.content) for m in values.get("messages", []))
        visible = set(values.get("shown", [])) | _named_in(said, self.pack.catalog)
        profile = (values.get("profile") or Profile()).handed_over(
            visible, self._seed_profile(user)
        )
        copied = {k: v for k, v in values.items() if k not in self.FORK_DROPS}
        self.graph.update_state(
            self._config(fork), {**copied, "profile": profile, "user": user}, as_node="ground"
        )
        return fork

    def _config(self, session: str) -> RunnableConfig:
        return {"configurable": {"thread_id": session}}

    def snapshot(self, session: str) -> StateSnapshot:
        """The saved state of a session."""
        return self.graph.get_state(self._config(session))

    def profile(self, session: str) -> Profile:
        """What the agent believes about the user in this session."""
        values = self.snapshot(session).values
        profile = values.get("profile")
        if profile is None:
            profile = self._seed_profile(self.user_of(session))
        return profile

    def label(self, attribute: str, value: str) -> str:
        """How the catalog writes an attribute value (profiles keep values lowercase)."""
        return self.context.label(attribute, value)

    def messages(self, session: str) -> list[BaseMessage]:
        """The dialogue of a session so far."""
        return list(self.snapshot(session).values.get("messages", []))

    def _seed_profile(self, user: str) -> Profile:
        """A new session starts from the user's long-term dislikes and seen items."""
        return LongTermProfiles(self.store).get(user).session_start()

    def warm_up(self) -> None:
        """Load every model and index now (linker, graph, vector index, embedding model,
        the LLM when a turn will call it), so that the first turn is as quick as the next."""
        self.toolbox.warm_up()
        # A throwaway ranking pages in the vector index and runs the embedding model once.
        rank(self.context, Profile(notes=["a film to warm up the index"]), [])
        # The learned model's tables, the liked films' titles too (nothing is liked above).
        self.context.catalog_index.warm_up()
        if self.context.uses_llm:
            self.llm.warm_up()

    def stream(self, session: str, text: str) -> Iterator[StreamEvent]:
        """Run one turn, yielding reply pieces as they are produced, then the result."""
        text = text.strip()
        if not text:
            return
        limit = self.settings.max_message_chars
        if len(text) > limit:
            reply = (
                f"That message is too long ({len(text):,} characters); "
                f"please keep it under {limit:,}."
            )
            yield StreamEvent("token", reply)
            yield StreamEvent(
                "done", result=TurnResult(user=text[:200] + "…", reply=reply, act="refuse")
            )
            return
        streamed = False
        try:
            # One turn of a session at a time, across threads, processes and replicas.
            with self.backend.lock(session, self.settings.session_wait_s):
                user = self.user_of(session)
                inputs: AgentState = {"messages": [HumanMessage(text)], "user": user}
                before = self.snapshot(session)
                start = before.config["configurable"].get("checkpoint_id")
                for event in self._run(session, text, inputs):
                    if event.result is not None:
                        self._saved(session, start, event.result)
                    streamed = streamed or event.type == "token"
                    yield event
        except SessionBusy as exc:
            yield from self._apology(text, f"Sorry, {exc}.", "busy", reset=False)
        except Exception as exc:  # a bug must cost one reply, never the session or the process
            if self.backend.outage(exc):
                log.warning("sessions database unavailable in session %s: %s", session, exc)
                reply = (
                    "Sorry, I cannot reach the conversation store right now, so this message "
                    "was not saved. Please send it again in a moment."
                )
                yield from self._apology(text, reply, "error", reset=streamed)
                return
            log.exception("turn failed in session %s", session)
            reply = "Sorry, something went wrong on my side. Please try again or rephrase."
            yield from self._apology(text, reply, "error", reset=streamed)

    def _apology(self, text: str, reply: str, act: str, *, reset: bool) -> Iterator[StreamEvent]:
        if reset:
            yield StreamEvent("reset")
        yield StreamEvent("token", reply)
        yield StreamEvent("done", result=TurnResult(user=text, reply=reply, act=act))

    def _saved(self, session: str, start: str | None, result: TurnResult) -> None:
        """After a turn: check that it extends the state it started from, then prune.

        Turns hold the session's lock, so nothing else should have written; a writer that
        bypassed it would fork the session, and then the user is told instead of one of
        the two turns vanishing silently. The turn is saved by now: a database error here
        only postpones the pruning to the next turn.
        """
        try:
            self._check_and_prune(session, start, result)
        except Exception as exc:
            if not self.backend.outage(exc):
                raise
            log.warning("session %s: saved, not pruned: %s", session, exc)

    def _check_and_prune(self, session: str, start: str | None, result: TurnResult) -> None:
        rows = self.backend.lineage(session, start)
        parents = dict(rows)
        chain, at = set(), max(parents, default=None)
        while at is not None and at in parents and at not in chain:
            chain.add(at)
            at = parents[at]
        if set(parents) - chain:
            log.warning("session %s was written elsewhere during a turn", session)
            result.notice = (
                "This conversation was changed elsewhere while this reply was written; "
                "if your message is missing from it, please resend."
            )
            return
        self.backend.prune(session, self.settings.history_turns)

    def _run(self, session: str, text: str, inputs: AgentState) -> Iterator[StreamEvent]:
        final: dict[str, Any] = {}
        for mode, chunk in self.graph.stream(
            inputs,
            self._config(session),
            context=self.context,
            stream_mode=["custom", "values"],
        ):
            if mode == "values" and isinstance(chunk, dict):
                final = chunk  # the state after the latest step; the last one is the turn's
            elif mode == "custom" and isinstance(chunk, dict):
                kind = chunk.get("type")
                if kind == "token":
                    yield StreamEvent("token", str(chunk.get("text", "")))
                elif kind == "reset":
                    yield StreamEvent("reset")
        yield StreamEvent("done", result=self._result(final, text))

    def turn(self, session: str, text: str) -> TurnResult:
        """Run one turn and return its result (empty messages are ignored: act ``none``)."""
        result = None
        for event in self.stream(session, text):
            if event.type == "done":
                result = event.result
        return result or TurnResult(user=text, reply="", act="none")

    def last_turn(self, session: str, text: str = "") -> TurnResult:
        """The latest turn of a session, read back from its saved state."""
        return self._result(self.snapshot(session).values, text)

    def _result(self, values: dict[str, Any], text: str) -> TurnResult:
        """A turn's result from the session state it ended in."""
        messages = values.get("messages", [])
        reply = messages[-1].content if messages and isinstance(messages[-1], AIMessage) else ""
        plan = values.get("plan")
        items = (
            [self._shown(c) for c in values.get("recommended", [])]
            if plan and plan.act == "recommend"
            else []
        )
        return TurnResult(
            user=text,
            reply=str(reply),
            act=plan.act if plan else "none",
            items=items,
            trace=values.get("trace", []),
            notice=values.get("notice"),
            reply_source=values.get("reply_source", "template"),
            rejected=list(values.get("rejected") or []),
        )

    def _shown(self, candidate: Candidate) -> ShownItem:
        item = self.pack.catalog[candidate.item_id]
        people = {k: item.values(k)[:3] for k in ("director", "star") if item.values(k)}
        return ShownItem(
            item_id=item.item_id,
            title=item.title,
            year=item.year,
            genres=item.values("genre"),
            people=people,
            description=item.description,
            tools=sorted(candidate.tools),
            evidence=candidate.evidence,
        )

    def feedback(self, session: str, item_id: str, kind: Feedback) -> Profile:
        """Record a like, dislike or "seen it" on an item (the UI's card buttons)."""
        if item_id not in self.pack.catalog:
            raise KeyError(f"no item {item_id!r} in the catalog")
        with self.backend.lock(session, self.settings.session_wait_s):
            return self._feedback(session, item_id, kind)

    def _feedback(self, session: str, item_id: str, kind: Feedback) -> Profile:
        profile = self.profile(session).model_copy(deep=True)
        profile.apply_item(item_id, kind)
        self.graph.update_state(self._config(session), {"profile": profile}, as_node="ground")
        LongTermProfiles(self.store).remember(self.user_of(session), profile)
        return profile

    def forget(self, session: str, belief: Belief) -> Profile:
        """Remove one belief (the profile panel's ✕); a forgotten item is also dropped from
        the user's long-term memory."""
        with self.backend.lock(session, self.settings.session_wait_s):
            return self._forget(session, belief)

    def _forget(self, session: str, belief: Belief) -> Profile:
        profile = self.profile(session).model_copy(deep=True)
        profile.forget(belief)
        if belief.kind in {"liked", "disliked", "seen"}:
            LongTermProfiles(self.store).forget(self.user_of(session), belief.value)
        self.graph.update_state(self._config(session), {"profile": profile}, as_node="ground")
        return profile


def _named_in(text: str, catalog: Catalog) -> set[str]:
    """Items a text names by title (titles under 4 letters, "It", "Up", only with their year)."""
    norm = f" {normalize_text(text)} "
    found = set()
    for item in catalog:
        title = item.title if len(item.title) >= 4 else item.display_title
        if f" {normalize_text(title)} " in norm:
            found.add(item.item_id)
    return found
