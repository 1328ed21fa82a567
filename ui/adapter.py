"""`ChatAdapter`: the agent's facade as the page needs it, as plain data (chat messages,
cards, beliefs). No recommendation logic lives here: every decision is the agent's."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from agent.agent import ChatAgent, ShownItem
from agent.profile import Belief
from ui.browser import SESSION_ID, Stored
from ui.cards import BeliefRow, beliefs, item_marks
from ui.transcript import (
    ChatMessage,
    assistant_message,
    history,
    session_label,
    thinking_message,
    tool_steps,
    user_message,
)

log = logging.getLogger(__name__)

Kind = Literal["like", "dislike", "seen"]
BUCKET: dict[Kind, Literal["liked", "disliked", "seen"]] = {
    "like": "liked",
    "dislike": "disliked",
    "seen": "seen",
}
"""The profile list each card button's feedback lands in."""

ERROR_REPLY = "Sorry, something went wrong on my side ({error}). Please try again."
UNKNOWN_SESSION = "That conversation link is not one this app made, so this is a new conversation."
FORKED_SESSION = (
    "This conversation was started in another browser: you are continuing your own copy, "
    "with your own likes and dislikes."
)


@dataclass
class PageView:
    """Everything the page shows for one session."""

    session: str
    history: list[ChatMessage]
    cards: list[dict[str, Any]]
    beliefs: list[dict[str, Any]]
    notice: str


@dataclass
class TurnUpdate:
    """One step of a streamed turn; ``None`` fields leave the page as it is."""

    history: list[ChatMessage]
    cards: list[dict[str, Any]] | None = None
    beliefs: list[dict[str, Any]] | None = None
    notice: str | None = None
    textbox: str | None = None
    done: bool = False


MAX_LABELS = 10_000
"""Remembered past-conversation labels, all browsers together (forgotten all at once)."""


@dataclass
class ChatAdapter:
    """The agent's facade as the page needs it; safe to share between browser sessions."""

    agent: ChatAgent
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _labels: dict[str, str] = field(default_factory=dict, repr=False)
    """Past conversations' labels, so that listing them reads only the one that changed."""

    # --- sessions -------------------------------------------------------------------------

    def _lock(self, session: str) -> threading.Lock:
        """One turn at a time per session (two tabs may share one)."""
        with self._guard:
            return self._locks.setdefault(session, threading.Lock())

    def choose_session(self, stored: Stored, requested: str | None) -> tuple[str, str]:
        """The session to open, and a note for the page ("" when there is nothing to say).

        The URL's session when this browser owns it; another browser's (a shared link) as
        this browser's own copy, which never carries the other user's memory; for an id
        the server never issued, a new session. Else the browser's current session, else
        a new one.
        """
        user = stored["user"]
        if requested and SESSION_ID.match(requested):
            owner = self.agent.owner(requested)
            if owner == user:
                return requested, ""
            if owner is None:
                return self.agent.new_session(user=user), UNKNOWN_SESSION
            return self.agent.fork(requested, user), FORKED_SESSION
        if self.owns(stored, stored["current"]):
            return stored["current"], ""
        return self.agent.new_session(user=user), ""

    def owns(self, stored: Stored, session: str | None) -> bool:
        """True when ``session`` was issued to this browser's user."""
        if not session or not SESSION_ID.match(session):
            return False
        return self.agent.owner(session) == stored["user"]

    def new_session(self, stored: Stored) -> str:
        """A new session owned by this browser's user."""
        return self.agent.new_session(user=stored["user"])

    def past_sessions(self, stored: Stored, fresh: str | None = None) -> list[tuple[str, str]]:
        """(label, id) of this browser's conversations that have messages, latest first.

        A label ("I loved Dune · 3 turns") is read from the session once and remembered;
        ``fresh`` names the session that just had a turn, whose label is read again.
        """
        choices = []
        for session in stored["recent"]:
            if not self.owns(stored, session):
                continue  # the browser's storage is not to be trusted with other ids
            label = None if session == fresh else self._labels.get(session)
            if label is None:
                messages = self.agent.messages(session)
                if not messages:
                    continue
                label = session_label(messages)
                with self._guard:
                    if len(self._labels) >= MAX_LABELS:
                        self._labels.clear()
                    self._labels[session] = label
            choices.append((label, session))
        return choices

    # --- what the page shows --------------------------------------------------------------

    def title_of(self, item_id: str) -> str:
        """An item's title with its year (its id when the pack no longer has it)."""
        item = self.agent.catalog.get(item_id)
        return item.display_title if item is not None else item_id

    def beliefs(self, session: str) -> list[dict[str, Any]]:
        """The session's profile as the profile panel lists it."""
        profile = self.agent.profile(session)
        return [asdict(b) for b in beliefs(profile, self.title_of, self.agent.label)]

    @staticmethod
    def cards(items: list[ShownItem]) -> list[dict[str, Any]]:
        """Recommended items as the cards' state."""
        return [item.model_dump() for item in items]

    def view(self, session: str, note: str = "") -> PageView:
        """A session as a reloaded page shows it: dialogue, latest cards, profile, notice."""
        last = self.agent.last_turn(session)
        return PageView(
            session=session,
            history=history(self.agent.messages(session), last.trace),
            cards=self.cards(last.items),
            beliefs=self.beliefs(session),
            notice=note or last.notice or "",
        )

    # --- actions --------------------------------------------------------------------------

    def turn(self, session: str, text: str, shown: list[ChatMessage]) -> Iterator[TurnUpdate]:
        """Run one turn, yielding the chat as the reply streams in; empty text does nothing.

        Nothing happens either before the page has its session (the text stays in the box).
        """
        if not text.strip() or not SESSION_ID.match(session):
            return
        key = f"t{len(shown)}"
        asked = [*shown, user_message(text)]
        thinking = thinking_message(f"{key}-thinking")
        yield TurnUpdate([*asked, thinking], textbox="")
        reply = ""
        with self._lock(session):
            try:
                for event in self.agent.stream(session, text):
                    if event.type == "token":
                        reply += event.text
                    elif event.type == "reset":
                        reply = ""
                    elif event.result is not None:
                        result = event.result
                        final = [
                            *asked,
                            *tool_steps(result.trace, key=f"{key}-steps"),
                            assistant_message(result.reply),
                        ]
                        yield TurnUpdate(
                            final,
                            cards=self.cards(result.items) if result.act == "recommend" else None,
                            beliefs=self.beliefs(session),
                            notice=result.notice or "",
                            # A refused message stays in the box, to be shortened.
                            textbox=text if result.act == "refuse" else None,
                            done=True,
                        )
                        return
                    yield TurnUpdate([*asked, thinking, assistant_message(reply)])
            except Exception as exc:  # the page must survive any failure of a turn
                log.exception("turn failed in session %s", session)
                error = ERROR_REPLY.format(error=type(exc).__name__)
                yield TurnUpdate([*asked, assistant_message(error)], textbox=text, done=True)

    def toggle_feedback(self, session: str, item_id: str, kind: Kind) -> str:
        """Record a card's feedback, or withdraw it when it is already set; says what it did.

        A click during a turn waits for the turn to end, so the two never race on the profile.
        """
        bucket = BUCKET[kind]
        title = self.title_of(item_id)
        with self._lock(session):
            marks = item_marks([BeliefRow(**b) for b in self.beliefs(session)]).get(item_id, set())
            if bucket in marks:
                self.agent.forget(session, Belief(kind=bucket, value=item_id))
                return f"Withdrawn: {title} is no longer marked as {bucket}."
            self.agent.feedback(session, item_id, kind)
        return {
            "like": f"Noted: you like {title}. Parley will look for more like it.",
            "dislike": f"Noted: {title} is not for you. It won't be recommended again.",
            "seen": f"Noted: you've seen {title}. It won't be recommended again.",
        }[kind]

    def forget(self, session: str, belief: Belief) -> None:
        """Remove one wrong belief from the session's profile."""
        with self._lock(session):
            self.agent.forget(session, belief)
