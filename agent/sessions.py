"""Persistence: conversations in a LangGraph checkpointer, long-term profiles in a store.

``open_sessions(spec)`` picks the engine from one setting: nothing (in memory), a SQLite
file (the embedded default) or a ``postgresql://`` URL (several app replicas on one
database). Each engine also serializes the turns of one session across threads and
processes (``lock``) and deletes old checkpoints (``prune``), so two writers never lose a
turn and a session's size stays bounded.
"""

from __future__ import annotations

import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from agent.profile import Profile
from knowledge.errors import ParleyError
from knowledge.paths import parley_home

# State classes a checkpoint may contain: deserialized explicitly, nothing else.
STATE_TYPES = [
    ("agent.profile", "Profile"),
    ("agent.focus", "Focus"),
    ("agent.state", "Profile"),  # sessions saved before the profile had its own module
    ("agent.state", "Candidate"),
    ("agent.state", "ToolCall"),
    ("agent.state", "ReplyPlan"),
    ("tools.base", "ToolAnswer"),
    ("tools.base", "ItemRef"),
]

SessionSpec = str | Path | None
"""``None`` (in memory), a SQLite file, or a ``postgresql://`` URL."""

ENV_VAR = "PARLEY_SESSIONS"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
LOCK_STRIPES = 256
"""Sessions hash onto this many locks: two sessions on one stripe only wait for each other."""
POLL_S = 0.05
"""How often a waiting turn tries a polled lock again."""
COURTESY_S = 2 * POLL_S
"""A process waits this long before it takes a session it just released (see taking_turns)."""


def serializer() -> JsonPlusSerializer:
    """The checkpoint serializer, allowing exactly Parley's state types."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


class SessionBusy(ParleyError):
    """Another turn of the same session (another tab, terminal or replica) is still running."""


def stripe(session: str) -> int:
    """The lock stripe of a session: stable across processes and machines."""
    return zlib.crc32(session.encode()) % LOCK_STRIPES


class Sessions:
    """Where conversations and users' memory live; in memory, for tests and evaluation."""

    name = "memory"

    def __init__(self) -> None:
        self.checkpointer: Any = InMemorySaver(serde=serializer())
        self.store: BaseStore = InMemoryStore()
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._released: dict[int, float] = {}

    @contextmanager
    def lock(self, session: str, wait: float) -> Iterator[None]:
        """Hold the session while a turn runs: other writers wait up to ``wait`` seconds."""
        lock = self._stripes[stripe(session)]
        with self.taking_turns(session):
            if not lock.acquire(timeout=max(wait, 0.0)):
                raise busy(wait)
            try:
                yield
            finally:
                lock.release()

    @contextmanager
    def taking_turns(self, session: str) -> Iterator[None]:
        """Let others in between two turns of this process on one session.

        Locks that are polled (files) or not queued (threads) go to whoever asks first, so
        a process sending turns back to back would keep the lock and starve a waiter: it
        pauses for longer than the waiters' poll interval before taking the lock again.
        """
        key = stripe(session)
        pause = COURTESY_S - (time.monotonic() - self._released.get(key, -COURTESY_S))
        if pause > 0:
            time.sleep(pause)
        try:
            yield
        finally:
            self._released[key] = time.monotonic()

    def lineage(self, session: str, since: str | None) -> list[tuple[str, str | None]]:
        """``(checkpoint id, parent id)`` of the session's checkpoints newer than ``since``."""
        config: Any = {"configurable": {"thread_id": session}}
        rows = []
        for saved in self.checkpointer.list(config):
            checkpoint_id = saved.config["configurable"]["checkpoint_id"]
            if since is not None and checkpoint_id <= since:
                break
            parent = (
                saved.parent_config["configurable"]["checkpoint_id"]
                if saved.parent_config
                else None
            )
            rows.append((checkpoint_id, parent))
        return rows

    def prune(self, session: str, keep_turns: int) -> int:
        """Delete checkpoints older than the latest ``keep_turns`` turns (none in memory)."""
        return 0

    def outage(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the database could not be reached (not a bug)."""
        return False

    def close(self) -> None:
        """Release connections (idempotent)."""


def busy(wait: float) -> SessionBusy:
    return SessionBusy(
        f"this conversation is busy with another message (another tab, terminal or server) "
        f"for more than {wait:.0f} s; please resend in a moment"
    )


def poll_lock(try_lock: Any, wait: float, every: float = POLL_S) -> bool:
    """Call ``try_lock()`` until it returns true or ``wait`` seconds have passed."""
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        if try_lock():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def resolve_spec(value: str | Path | None = None) -> str | Path:
    """The sessions setting: ``value``, else ``$PARLEY_SESSIONS``, else the SQLite default."""
    chosen = value or os.environ.get(ENV_VAR) or parley_home() / "sessions.sqlite"
    if isinstance(chosen, str) and chosen.startswith(POSTGRES_SCHEMES):
        return chosen
    return Path(chosen).expanduser()


def open_sessions(spec: SessionSpec) -> Sessions:
    """Open (and on first use, set up) the sessions engine that ``spec`` names."""
    if spec is None:
        return Sessions()
    if isinstance(spec, str) and spec.startswith(POSTGRES_SCHEMES):
        from agent.sessions_postgres import PostgresSessions

        return PostgresSessions(spec)
    from agent.sessions_sqlite import SqliteSessions

    return SqliteSessions(Path(spec))


class LongTermProfiles:
    """Likes and dislikes of a user across sessions, kept in a LangGraph store."""

    NAMESPACE = ("users",)
    KEY = "profile"

    def __init__(self, store: BaseStore) -> None:
        self.store = store

    def get(self, user_id: str) -> Profile:
        """The user's long-term profile (empty for a new user)."""
        found = self.store.get((*self.NAMESPACE, user_id), self.KEY)
        return Profile.model_validate(found.value) if found else Profile()

    def forget(self, user_id: str, item_id: str) -> None:
        """Drop an item from the user's long-term likes, dislikes and seen items."""
        self._put(user_id, self.get(user_id).without_item(item_id))

    def remember(self, user_id: str, session: Profile) -> Profile:
        """Merge a session's item likes and dislikes into the long-term profile."""
        merged = self.get(user_id).remembered(session)
        self._put(user_id, merged)
        return merged

    def _put(self, user_id: str, profile: Profile) -> None:
        self.store.put((*self.NAMESPACE, user_id), self.KEY, profile.model_dump(mode="json"))
