"""Sessions in SQLite files: the embedded default, shared by processes of one machine.

Turns of one session are serialized across processes (a terminal and the app on one file)
with ``flock`` on lock files beside the database: a lock belongs to one open file, so it
also keeps two threads of one process apart, and the kernel drops it when a process dies.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.sqlite import SqliteStore

from agent.sessions import Sessions, busy, poll_lock, serializer, stripe

# The first checkpoint kept: the start ('input') of the Nth latest turn, or the latest
# checkpoint when no turn's steps are kept. Checkpoint ids sort by time.
CUTOFF_SQL = """
SELECT checkpoint_id FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = ''
AND (? OR json_extract(CAST(metadata AS TEXT), '$.source') = 'input')
ORDER BY checkpoint_id DESC LIMIT 1 OFFSET ?
"""
PRUNE_WRITES_SQL = "DELETE FROM writes WHERE thread_id = ? AND checkpoint_id < ?"
PRUNE_CHECKPOINTS_SQL = "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id < ?"
# The oldest kept checkpoint no longer has a parent (as in LangGraph's own Postgres prune).
PRUNE_PARENTS_SQL = (
    "UPDATE checkpoints SET parent_checkpoint_id = NULL "
    "WHERE thread_id = ? AND parent_checkpoint_id < ?"
)


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection for LangGraph's SQLite classes (autocommit, WAL, shared by threads)."""
    if str(path) != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def open_checkpointer(path: Path | str) -> SqliteSaver:
    """A SQLite checkpointer: every turn is saved, so a conversation survives a restart."""
    saver = SqliteSaver(connect(path), serde=serializer())
    saver.setup()
    return saver


def open_store(path: Path | str) -> SqliteStore:
    """A SQLite store for data that outlives one conversation (users' long-term profiles)."""
    store = SqliteStore(connect(path))
    store.setup()
    return store


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class SqliteSessions(Sessions):
    """Conversations in ``path``, long-term profiles in ``path.store.sqlite`` beside it."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        path = path.expanduser()
        self.path = path
        self._released: dict[int, float] = {}
        self.locks = path.with_name(path.name + ".locks")
        self.locks.mkdir(parents=True, exist_ok=True)
        # Two processes starting at once on a new file would both run the migrations.
        with (self.locks / "setup").open("w") as setup:
            fcntl.flock(setup, fcntl.LOCK_EX)
            self.checkpointer: SqliteSaver = open_checkpointer(path)
            self.store: SqliteStore = open_store(path.with_suffix(".store.sqlite"))

    @contextmanager
    def lock(self, session: str, wait: float) -> Iterator[None]:
        with self.taking_turns(session):
            fd = os.open(self.locks / f"{stripe(session):03d}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if not poll_lock(lambda: _try_flock(fd), wait):
                    raise busy(wait)
                yield
            finally:
                os.close(fd)  # releases the lock

    def lineage(self, session: str, since: str | None) -> list[tuple[str, str | None]]:
        with self.checkpointer.cursor(transaction=False) as cur:
            rows = cur.execute(
                "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints "
                "WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id > ?",
                (session, since or ""),
            ).fetchall()
        return [(str(a), b) for a, b in rows]

    def prune(self, session: str, keep_turns: int) -> int:
        with self.checkpointer.cursor(transaction=False) as cur:
            found = cur.execute(
                CUTOFF_SQL, (session, keep_turns <= 0, max(keep_turns - 1, 0))
            ).fetchone()
            if found is None:
                return 0
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute(PRUNE_WRITES_SQL, (session, found[0]))
                deleted = cur.execute(PRUNE_CHECKPOINTS_SQL, (session, found[0])).rowcount
                cur.execute(PRUNE_PARENTS_SQL, (session, found[0]))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return deleted

    def outage(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError)

    def close(self) -> None:
        self.checkpointer.conn.close()
        self.store.conn.close()
