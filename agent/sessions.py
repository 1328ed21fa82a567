"""Persistence: conversations in a LangGraph SQLite checkpointer, long-term profiles in a store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import BaseStore
from langgraph.store.sqlite import SqliteStore

from agent.state import Profile

# State classes a checkpoint may contain: deserialized explicitly, nothing else.
STATE_TYPES = [
    ("agent.state", "Profile"),
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
        old = self.get(user_id)
        kept = Profile(
            liked=[i for i in old.liked if i != item_id],
            disliked=[i for i in old.disliked if i != item_id],
            seen=[i for i in old.seen if i != item_id],
        )
        self.store.put((*self.NAMESPACE, user_id), self.KEY, kept.model_dump(mode="json"))

    def remember(self, user_id: str, session: Profile) -> Profile:
        """Merge a session's item likes and dislikes into the long-term profile."""
        old = self.get(user_id)
        disliked = _merge(old.disliked, session.disliked)
        liked = [i for i in _merge(old.liked, session.liked) if i not in set(session.disliked)]
        seen = _merge(old.seen, session.seen)
        merged = Profile(
            liked=liked, disliked=[i for i in disliked if i not in set(session.liked)], seen=seen
        )
        self.store.put((*self.NAMESPACE, user_id), self.KEY, merged.model_dump(mode="json"))
        return merged


def _merge(old: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))
