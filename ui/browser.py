"""What a browser keeps of its own: its user id and its sessions (in its local storage).

Everything here is untrusted input from the page: ids are checked against `SESSION_ID`
before the server uses them.
"""

from __future__ import annotations

import re
import uuid
from typing import TypedDict

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
"""What a session id from a URL or the browser's storage must look like."""

MAX_RECENT = 20
"""How many of a browser's past sessions the "past conversations" list keeps."""


class Stored(TypedDict):
    """What the browser keeps in its local storage: its user id, current and past session ids."""

    user: str
    """A random id per browser: whose long-term likes and dislikes new sessions start from."""
    current: str
    recent: list[str]


def clean_stored(value: object) -> Stored:
    """The browser's stored value, validated (it may be missing, old or tampered with)."""
    current, recent, user = "", [], ""
    if isinstance(value, dict):
        if isinstance(value.get("user"), str) and SESSION_ID.match(value["user"]):
            user = value["user"]
        if isinstance(value.get("current"), str) and SESSION_ID.match(value["current"]):
            current = value["current"]
        if isinstance(value.get("recent"), list):
            recent = [s for s in value["recent"] if isinstance(s, str) and SESSION_ID.match(s)]
    return {"user": user or uuid.uuid4().hex, "current": current, "recent": recent[:MAX_RECENT]}


def remember(stored: Stored, session: str) -> Stored:
    """Make ``session`` the browser's current one, first in its recent list."""
    recent = [session, *(s for s in stored["recent"] if s != session)][:MAX_RECENT]
    return {"user": stored["user"], "current": session, "recent": recent}
