"""Small pieces of wording the reply templates share: which phrasing, and the user's wishes
in words ("comedies with Tom Hanks from the 1990s")."""

from __future__ import annotations

import zlib
from collections.abc import Callable

from langgraph.config import get_config

from agent.profile import Profile
from tools.facts import join_names

# Genres whose plural reads better than "<genre> films".
GENRE_NOUNS = {
    "comedy": "comedies",
    "drama": "dramas",
    "thriller": "thrillers",
    "western": "westerns",
    "musical": "musicals",
    "documentary": "documentaries",
    "mystery": "mysteries",
    "romance": "romances",
    "animation": "animated films",
    "horror": "horror films",
    "war": "war films",
}


def variant(salt: str) -> int:
    """A number fixed for this session and ``salt``: replies vary between sessions and turns,
    and a session replayed gives the same replies."""
    try:
        thread = str(get_config().get("configurable", {}).get("thread_id", ""))
    except RuntimeError:  # outside a graph run (offline evaluation reads): no session
        thread = ""
    return zlib.crc32(f"{thread}:{salt}".encode())


def genre_noun(genre: str) -> str:
    """``comedy`` -> ``comedies``; ``sci-fi`` -> ``sci-fi films``."""
    return GENRE_NOUNS.get(genre.lower(), f"{genre.lower()} films")


def wish_phrase(profile: Profile, label: Callable[[str, str], str] = lambda _, v: v) -> str:
    """The asked-for values as a noun phrase ("" when nothing was asked for); ``label``
    gives a value's display form (``("star", "tom hanks")`` -> ``Tom Hanks``)."""
    genres = profile.wanted.get("genre", [])
    head = (
        genre_noun(genres[0])
        if len(genres) == 1
        else f"{' and '.join(genres[:2])} films"
        if genres
        else ""
    )
    parts = []
    for role, lead in (("director", "directed by"), ("star", "with"), ("writer", "written by")):
        names = profile.wanted.get(role, [])
        if names:
            parts.append(f"{lead} {join_names([label(role, n) for n in names])}")
    years = _years(profile)
    if years:
        parts.append(years)
    if not head and not parts:
        return ""
    return " ".join([head or "films", *parts])


def _years(profile: Profile) -> str:
    low, high = profile.year_min, profile.year_max
    if low and high and high - low == 9 and low % 10 == 0:
        return f"from the {low}s"
    if low and high:
        return f"from {low} to {high}"
    if low:
        return f"from {low} or later"
    if high:
        return f"from before {high + 1}"
    return ""
