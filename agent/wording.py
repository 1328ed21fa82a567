"""Small pieces of wording the reply templates share: which phrasing, and the user's wishes
in words ("comedies with Tom Hanks from the 1990s")."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

from langgraph.config import get_config

from agent.profile import CHILDREN, TOPIC_LEADS, Profile
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


# Genres said as an adjective before "film": "an animated film", not "an animation film".
GENRE_ADJECTIVES = {"animation": "animated", "biography": "biographical", "history": "historical"}


def genre_adjective(genre: str) -> str:
    """``animation`` -> ``animated``; ``comedy`` -> ``comedy`` (as in "a comedy film")."""
    return GENRE_ADJECTIVES.get(genre.lower(), genre)


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


# The genre that heads a blend of two ("a horror comedy", "a sci-fi thriller", "a crime
# drama"), most likely first; the other one says what kind.
BLEND_HEADS = ("comedy", "thriller", "drama", "horror", "western", "musical", "mystery")
BLEND_MODIFIERS = {**GENRE_ADJECTIVES, "romance": "romantic"}


def genre_blend(genres: Sequence[str], *, plural: bool = True) -> str:
    """Two genres asked for as one kind of film, as people say it: ``("comedy", "horror")``
    -> "horror comedies" (or "horror comedy"), ``("romance", "comedy")`` -> "romantic
    comedies"; "" unless two genres, one of which heads such a pair (`BLEND_HEADS`: "an action
    and crime film" stays as it is)."""
    found = [g.lower() for g in genres]
    if len(found) != 2 or not set(found) & set(BLEND_HEADS):
        return ""
    head = min(found, key=lambda g: BLEND_HEADS.index(g) if g in BLEND_HEADS else len(BLEND_HEADS))
    other = found[1] if head == found[0] else found[0]
    kind = BLEND_MODIFIERS.get(other, other)
    if plural:
        return f"{kind} {genre_noun(head)}"
    noun = head if head in BLEND_HEADS and head != "horror" else f"{head} film"
    return f"{kind} {noun}"


def wish_phrase(profile: Profile, label: Callable[[str, str], str] = lambda _, v: v) -> str:
    """The asked-for values and the latest subject as a noun phrase ("zombie comedies",
    "films about sharks with Tom Hanks"; "" when nothing was asked for); ``label`` gives a
    value's display form (``("star", "tom hanks")`` -> ``Tom Hanks``)."""
    genres = profile.wanted.get("genre", [])
    head = (
        genre_noun(genres[0])
        if len(genres) == 1
        else genre_blend(genres)
        if profile.together() == genres
        else f"{' and '.join(genres[:2])} films"
        if genres
        else ""
    )
    # "Pixar animated films", not "animated films by John Lasseter, ...": a studio's people
    # are said by its name.
    studio = list(profile.studios)[-1] if profile.studios else ""
    credited = {(a, v) for t in profile.studios.values() for a, vs in t.items() for v in vs}
    people = {
        role: [label(role, n) for n in profile.wanted.get(role, []) if (role, n) not in credited]
        for role in ("director", "star", "writer")
    }
    if studio:
        head = f"{studio} {head or 'films'}"
    parts = people_phrases(people, several="by")
    if "animation" in genres and set(CHILDREN) & set(profile.avoided.get("genre", [])):
        parts.append("for grown-ups")  # "animated films for grown-ups"
    years = _years(profile)
    if years:
        parts.append(years)
    topic = profile.topics[-1] if profile.topics else ""
    if not head and not parts and not topic and not profile.lesser_known:
        return ""
    if topic.startswith(TOPIC_LEADS):  # "films about sharks"
        parts.insert(0, topic)
    elif topic:  # "zombie comedies", "heist films"
        head = f"{topic} {head or 'films'}"
    lesser = ["lesser-known"] if profile.lesser_known else []
    return " ".join([*lesser, head or "films", *parts])


def topic_noun(topic: str) -> str:
    """Films of a subject: "heist films", "films about sharks"."""
    return f"films {topic}" if topic.startswith(TOPIC_LEADS) else f"{topic} films"


def avoidance_phrase(
    avoided: dict[str, list[str]],
    label: Callable[[str, str], str] = lambda _, v: v,
    topics: Sequence[str] = (),
    *,
    gentle: bool = False,
) -> str:
    """What the user just ruled out, acknowledged ("no horror films, no zombie films,
    nothing with Adam Sandler"); "" when nothing. ``topics``: subjects ruled out;
    ``gentle``: nothing gory (`Profile.gentle`)."""
    parts = ["nothing gory"] if gentle else []
    parts += [f"no {genre_noun(g)}" for g in avoided.get("genre", [])]
    parts += [f"no {topic_noun(t)}" for t in topics]
    people = [label(role, n) for role in ROLE_ORDER for n in avoided.get(role, [])]
    if people:
        parts.append("nothing with " + " or ".join(dict.fromkeys(people)))
    return ", ".join(parts)


def said_back(ruled_out: str, variant: int) -> str:
    """The sentence that says back what a message ruled out (`avoidance_phrase`), before
    the new picks or the next question: "Got it: no war films."; "" when nothing."""
    if not ruled_out:
        return ""
    return (f"Got it: {ruled_out}.", f"Noted: {ruled_out}.", f"OK, {ruled_out}.")[variant % 3]


ROLE_ORDER = ("director", "writer", "star")
ROLE_LEADS = {"director": "directed by", "writer": "written by", "star": "with"}
PARTICIPLES = {"director": "directed", "writer": "written"}
CREW_VERBS = {"director": "directed", "writer": "wrote"}


def people_phrases(by_role: dict[str, list[str]], several: str = "") -> list[str]:
    """People by role in words: ``{"director": ["Christopher Nolan"], "writer":
    ["Christopher Nolan"]}`` -> ``["directed and written by Christopher Nolan"]``, not the
    name once per role; an actor who also wrote or directed is "starring Jim Carrey, who
    also wrote it". With ``several`` ("by"), a person under more than one role is said
    that way instead ("by Christopher Nolan", "with Jim Carrey" for an actor: what the user
    asked for, not what each film has)."""
    roles_of: dict[str, list[str]] = {}
    for role, names in by_role.items():
        for name in names:
            roles_of.setdefault(name, []).append(role)
    rank = {role: n for n, role in enumerate(ROLE_ORDER)}
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, found in roles_of.items():
        key = tuple(sorted(found, key=lambda r: rank.get(r, len(rank))))
        groups.setdefault(key, []).append(name)
    parts = []
    for roles, names in groups.items():
        who = join_names(names)
        if len(roles) == 1:
            parts.append(f"{ROLE_LEADS.get(roles[0], roles[0])} {who}")
        elif several:
            parts.append(f"{'with' if 'star' in roles else several} {who}")
        elif "star" in roles and (crew := [CREW_VERBS[r] for r in roles if r in CREW_VERBS]):
            parts.append(f"starring {who}, who also {' and '.join(crew)} it")
        else:
            done = " and ".join(PARTICIPLES.get(r, r) for r in roles)
            parts.append(f"{done} by {who}")
    return parts


def _years(profile: Profile) -> str:
    low, high = profile.year_min, profile.year_max
    if low and high and high - low == 9 and low % 10 == 0:
        return f"from the {low}s"
    if low and high and low == high:
        return f"from {low}"
    if low and high:
        return f"from {low} to {high}"
    if low:
        return f"from {low} or later"
    if high:
        return f"from before {high + 1}"
    return ""
