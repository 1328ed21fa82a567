"""Persistence: conversations in a LangGraph SQLite checkpointer, long-term profiles in a store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import BaseStore
from langgraph.store.sqlite import SqliteStore

from agent.profile import Profile

# State classes a checkpoint may contain: deserialized explicitly, nothing else.
STATE_TYPES = [
    ("agent.profile", "Profile"),
    ("agent.focus", "Focus"),
    ("agent.state", "Profile"),  # sessions saved before the profile had its own module
    ("agent.state", "Candidate"),
    ("agent.state", "ToolCall"),
    ("agent.state", "ReplyPlan"),
]


def serializer() -> JsonPlusSerializer:
    """The checkpoint serializer, allowing exactly Parley's state types."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


def _connect(path: Path | str) -> sqlite3.Connection:
    if str(path) != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def open_checkpointer(path: Path | str) -> SqliteSaver:
    """A SQLite checkpointer: every turn is saved, so a conversation survives a restart."""
    saver = SqliteSaver(_connect(path), serde=serializer())
    saver.setup()
    return saver


def open_store(path: Path | str) -> SqliteStore:
    """A SQLite store for data that outlives one conversation (users' long-term profiles)."""
    store = SqliteStore(_connect(path))
    store.setup()
    return store


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
