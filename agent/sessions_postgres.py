"""Sessions in PostgreSQL: LangGraph's ``PostgresSaver`` and ``PostgresStore`` on one pool.

Several app replicas share one database. Turns of one session are serialized across them
with a PostgreSQL advisory lock held for the turn (waiters are served in order, and the
server drops the lock when a replica dies). Connections are checked before use, so a
database that restarts costs the turns that ran while it was down, and the next turn
reconnects.
"""

from __future__ import annotations

import atexit
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from agent.sessions import Sessions, busy, poll_lock, serializer, stripe
from knowledge.errors import ParleyError

POOL_MIN, POOL_MAX = 1, 20
"""Connections per process: a running turn holds one for its lock, reads and writes take one."""
CONNECT_TIMEOUT_S = 10
"""How long start-up waits for the database."""
WAIT_S = 5
"""How long a turn waits for a connection before it apologizes (the database is down)."""
SETUP_LOCK = zlib.crc32(b"parley:setup")
SETUP_WAIT_S = 120
"""Advisory lock that keeps two replicas starting at once from migrating together."""
LOCK_SPACE = zlib.crc32(b"parley:sessions") & 0x7FFFFFFF
"""First key of the two-key advisory locks on sessions (the second is the session's stripe)."""

CUTOFF_SQL = """
SELECT checkpoint_id FROM checkpoints
WHERE thread_id = %s AND checkpoint_ns = '' AND (%s OR metadata ->> 'source' = 'input')
ORDER BY checkpoint_id DESC LIMIT 1 OFFSET %s
"""
PRUNE_WRITES_SQL = "DELETE FROM checkpoint_writes WHERE thread_id = %(t)s AND checkpoint_id < %(c)s"
PRUNE_CHECKPOINTS_SQL = "DELETE FROM checkpoints WHERE thread_id = %(t)s AND checkpoint_id < %(c)s"
PRUNE_PARENTS_SQL = (
    "UPDATE checkpoints SET parent_checkpoint_id = NULL "
    "WHERE thread_id = %(t)s AND parent_checkpoint_id < %(c)s"
)
# Channel values that no kept checkpoint refers to (LangGraph stores each version once).
PRUNE_BLOBS_SQL = """
DELETE FROM checkpoint_blobs b WHERE b.thread_id = %(t)s AND NOT EXISTS (
    SELECT 1 FROM checkpoints c
    WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
    AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)
"""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _try_lock(conn: Any, *key: int) -> bool:
    """Take a session-level advisory lock on ``key`` if it is free."""
    marks = ", ".join(["%s"] * len(key))
    row = conn.execute(f"SELECT pg_try_advisory_lock({marks}) AS ok", key).fetchone()
    return bool(row and row["ok"])


class PostgresSessions(Sessions):
    """Conversations and long-term profiles in the PostgreSQL database at ``url``."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._setup()
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=POOL_MIN,
            max_size=POOL_MAX,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            check=ConnectionPool.check_connection,
            timeout=WAIT_S,
            open=True,
            name="parley-sessions",
        )
        atexit.register(self.close)
        self.checkpointer = PostgresSaver(self.pool, serde=serializer())
        self.store = PostgresStore(self.pool)

    def _setup(self) -> None:
        """Connect once (a clear error when the database is down) and run the migrations."""
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,
                prepare_threshold=0,
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT_S,
            )
        except psycopg.Error as exc:
            raise ParleyError(
                f"cannot reach the sessions database {redact(self.url)}: "
                f"{str(exc).strip() or type(exc).__name__}"
            ) from None
        with conn:
            # Polled, not waited for: the migrations create indexes CONCURRENTLY, which wait
            # for every open statement, a blocked pg_advisory_lock() included (a deadlock).
            if not poll_lock(lambda: _try_lock(conn, SETUP_LOCK), SETUP_WAIT_S, every=0.2):
                raise ParleyError(
                    f"the sessions database {redact(self.url)} is being set up by another "
                    f"process for more than {SETUP_WAIT_S} s"
                )
            try:
                PostgresSaver(conn, serde=serializer()).setup()
                PostgresStore(conn).setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))

    @contextmanager
    def lock(self, session: str, wait: float) -> Iterator[None]:
        key = (LOCK_SPACE, stripe(session))
        with self.pool.connection() as conn:
            # Waited for in the server, not polled: PostgreSQL queues waiters in order, so a
            # process sending turns back to back cannot starve another one.
            timeout = f"{max(1, round(wait * 1000))}ms"
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (timeout,))
            try:
                conn.execute("SELECT pg_advisory_lock(%s, %s)", key)
            except psycopg.errors.LockNotAvailable:
                raise busy(wait) from None
            finally:
                conn.execute("SELECT set_config('lock_timeout', '0', false)")
            try:
                yield
            finally:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s, %s)", key)
                except psycopg.Error:
                    conn.close()  # the server drops a closed connection's locks

    def lineage(self, session: str, since: str | None) -> list[tuple[str, str | None]]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints "
                "WHERE thread_id = %s AND checkpoint_ns = '' AND checkpoint_id > %s",
                (session, since or ""),
            ).fetchall()
        return [(r["checkpoint_id"], r["parent_checkpoint_id"]) for r in rows]

    def prune(self, session: str, keep_turns: int) -> int:
        with self.pool.connection() as conn:
            found = conn.execute(
                CUTOFF_SQL, (session, keep_turns <= 0, max(keep_turns - 1, 0))
            ).fetchone()
            if found is None:
                return 0
            params = {"t": session, "c": found["checkpoint_id"]}
            with conn.transaction():
                conn.execute(PRUNE_WRITES_SQL, params)
                deleted = conn.execute(PRUNE_CHECKPOINTS_SQL, params).rowcount
                conn.execute(PRUNE_PARENTS_SQL, params)
                conn.execute(PRUNE_BLOBS_SQL, params)
        return deleted

    def outage(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.OperationalError)

    def close(self) -> None:
        if not self.pool.closed:
            self.pool.close()
