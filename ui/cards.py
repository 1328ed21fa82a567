"""HTML for the chat app: recommendation cards, the profile's beliefs, notices, and the CSS.

Every catalog and user string is escaped here: a title or a description is data, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from html import escape

from agent.agent import ShownItem
from agent.profile import Belief, BeliefKind, Profile
from agent.wording import ROLE_LEADS, topic_noun
from knowledge.text import one_line

DESCRIPTION_CHARS = 120
"""A card's description is cut to its first sentence, and to this many characters."""

TOOL_LABELS: Mapping[str, str] = {
    "retriever": "text search",
    "kg_paths": "knowledge graph",
    "popular": "popularity",
    "sid": "semantic IDs",
}
"""Friendlier names for the built-in tools; a plug-in's own name is shown as it is."""

ROLE_LABELS: Mapping[str, tuple[str, str]] = {
    "director": ("Director", "Directors"),
    "star": ("Star", "Stars"),
    "writer": ("Writer", "Writers"),
}

MARK_LABELS: Mapping[str, str] = {
    "liked": "✓ You like this",
    "disliked": "✗ Not for you",
    "seen": "◉ Seen it",
}


def tool_label(name: str) -> str:
    """How a tool is named on a card."""
    return TOOL_LABELS.get(name, name)


def _people(people: Mapping[str, list[str]]) -> str:
    parts = []
    for role, names in people.items():
        if not names:
            continue
        one, many = ROLE_LABELS.get(role, (role.capitalize(), role.capitalize()))
        label = one if len(names) == 1 else many
        parts.append(f"<b>{escape(label)}</b> {escape(', '.join(names))}")
    return " · ".join(parts)


def card_html(item: ShownItem, rank: int, marks: Collection[str] = ()) -> str:
    """One recommendation as a card: title, year, genres, people, description, why, tools."""
    classes = " ".join(["pl-card", *(f"is-{mark}" for mark in sorted(marks))])
    year = f' <span class="pl-year">{item.year}</span>' if item.year else ""
    badges = "".join(
        f'<span class="pl-mark pl-mark-{m}">{escape(MARK_LABELS[m])}</span>'
        for m in sorted(marks)
        if m in MARK_LABELS
    )
    parts = [
        f'<article class="{classes}" data-item-id="{escape(item.item_id)}">',
        '<header class="pl-head">',
        f'<span class="pl-rank">{rank}</span>',
        f'<h3 class="pl-title">{escape(item.title)}{year}</h3>',
        "</header>",
    ]
    if badges:
        parts.append(f'<div class="pl-marks">{badges}</div>')
    if item.genres:
        chips = "".join(f'<span class="pl-chip">{escape(g)}</span>' for g in item.genres)
        parts.append(f'<div class="pl-genres">{chips}</div>')
    people = _people(item.people)
    if people:
        parts.append(f'<p class="pl-people">{people}</p>')
    if item.description:
        parts.append(
            f'<p class="pl-desc" title="{escape(item.description)}">'
            f"{escape(one_line(item.description, DESCRIPTION_CHARS))}</p>"
        )
    if item.evidence:
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in item.evidence)
        parts.append(
            f'<div class="pl-why"><span class="pl-label">Why</span><ul>{reasons}</ul></div>'
        )
    if item.tools:
        tools = "".join(
            f'<span class="pl-tool" title="{escape(t)}">{escape(tool_label(t))}</span>'
            for t in item.tools
        )
        parts.append(f'<div class="pl-tools"><span class="pl-label">Found by</span>{tools}</div>')
    parts.append("</article>")
    return "".join(parts)


@dataclass(frozen=True)
class BeliefRow:
    """One belief of the agent (`agent.profile.Belief`) as the profile panel lists it."""

    group: str
    """The panel section: Liked, Disliked, Seen, Wants, Avoids, Years or Wishes."""
    kind: BeliefKind
    value: str
    """The item id, attribute value or wish ("" for years)."""
    attribute: str | None
    label: str
    """What the user reads."""
    removable: bool = True

    def belief(self) -> Belief:
        """The agent's belief, for `ParleyAgent.forget`."""
        return Belief(kind=self.kind, value=self.value, attribute=self.attribute)


GROUPS = ("Liked", "Disliked", "Seen", "Wants", "Avoids", "Years", "Wishes")
_GROUP_OF: dict[BeliefKind, str] = {
    "liked": "Liked",
    "disliked": "Disliked",
    "seen": "Seen",
    "wanted": "Wants",
    "avoided": "Avoids",
    "years": "Years",
    "lesser_known": "Wants",
    "gentle": "Avoids",
    "topic": "Wants",
    "avoided_topic": "Avoids",
    "studio": "Wants",
    "avoided_studio": "Avoids",
    "note": "Wishes",
}


def beliefs(
    profile: Profile,
    title_of: Callable[[str], str],
    name_of: Callable[[str, str], str] = lambda attribute, value: value,
) -> list[BeliefRow]:
    """The profile as rows of the panel, in panel order. ``name_of(attribute, value)``
    spells a value as the catalog does (the profile keeps it in lower case; the agent's
    ``label``)."""
    rows: list[BeliefRow] = []
    for b in profile.beliefs():
        if b.kind in {"liked", "disliked", "seen"}:
            label = title_of(b.value)
            if b.kind == "disliked" and b.value in profile.unlike:
                label += " and anything like it"  # its close kin go too
        elif b.kind in {"wanted", "avoided"}:
            label = value_label(b.attribute or "", name_of(b.attribute or "", b.value))
        elif b.kind == "years":
            label = year_range(profile.year_min, profile.year_max)
        elif b.kind == "lesser_known":
            label = "lesser-known films"
        elif b.kind == "gentle":
            label = "gory or brutal films"
        elif b.kind in {"topic", "avoided_topic"}:
            label = topic_noun(b.value)
        elif b.kind in {"studio", "avoided_studio"}:
            label = f"{b.value} films"
        else:
            label = b.value
        rows.append(
            BeliefRow(_GROUP_OF[b.kind], b.kind, b.value, b.attribute, label, b.kind != "note")
        )
    return rows


def value_label(attribute: str, value: str) -> str:
    """An asked-for or avoided value in words: "comedy", "directed by Christopher Nolan",
    "with Jim Carrey", "language: French"."""
    if attribute == "genre":
        return value
    if attribute in ROLE_LEADS:
        return f"{ROLE_LEADS[attribute]} {value}"
    return f"{attribute}: {value}"


def year_range(year_min: int | None, year_max: int | None) -> str:
    """A year constraint in words ("" when there is none)."""
    if year_min and year_max and year_min == year_max:
        return str(year_min)
    if year_min and year_max:
        return f"{year_min}–{year_max}"
    if year_min:
        return f"{year_min} or later"
    if year_max:
        return f"up to {year_max}"
    return ""


def item_marks(found: list[BeliefRow]) -> dict[str, set[str]]:
    """Item id → the feedback the user gave on it (``liked``, ``disliked``, ``seen``)."""
    marks: dict[str, set[str]] = {}
    for belief in found:
        if belief.kind in {"liked", "disliked", "seen"}:
            marks.setdefault(belief.value, set()).add(belief.kind)
    return marks


def notice_html(text: str | None) -> str:
    """A visible notice above the chat (empty when there is nothing to say)."""
    if not text:
        return ""
    return f'<div class="pl-notice" role="status">⚠ {escape(text)}</div>'


def header_html(catalog_name: str, items: int, llm_name: str, llm_available: bool) -> str:
    """The app's title line: what catalog Parley recommends from and which model talks."""
    model = (
        f"language model <code>{escape(llm_name)}</code>"
        if llm_available
        else "no language model: replies come from templates"
    )
    return (
        '<div class="pl-header"><h1>Parley</h1>'
        f"<p>Recommends from <b>{escape(catalog_name)}</b> ({items:,} items) · {model}</p></div>"
    )


CSS = """
.pl-header h1 { margin: 0; font-size: 1.6rem; }
.pl-header p { margin: 2px 0 0; opacity: .75; font-size: .9rem; }
.pl-notice {
  border: 1px solid #d97706; background: rgba(245, 158, 11, .15); color: inherit;
  border-radius: 8px; padding: 8px 12px; font-size: .95rem;
}
.pl-card-col {
  border: 1px solid var(--border-color-primary); border-radius: 12px;
  padding: 10px 12px !important; background: var(--block-background-fill);
}
.pl-card-col.is-disliked, .pl-card-col.is-seen { opacity: .6; }
.pl-card { font-size: .9rem; line-height: 1.35; }
.pl-head { display: flex; gap: 8px; align-items: baseline; }
.pl-rank {
  flex: none; width: 1.6em; height: 1.6em; border-radius: 50%; text-align: center;
  line-height: 1.6em; font-weight: 700; font-size: .8rem;
  background: var(--color-accent-soft); color: var(--color-accent);
}
.pl-title { margin: 0 !important; font-size: 1.05rem !important; }
.pl-year { font-weight: 400; opacity: .7; }
.pl-marks { margin-top: 4px; }
.pl-mark { font-size: .8rem; font-weight: 600; margin-right: 6px; }
.pl-genres { margin: 6px 0 4px; display: flex; flex-wrap: wrap; gap: 4px; }
.pl-chip, .pl-tool {
  border-radius: 999px; padding: 1px 8px; font-size: .75rem;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
}
.pl-people, .pl-desc { margin: 4px 0 !important; }
.pl-desc { opacity: .85; }
.pl-why { margin-top: 6px; }
.pl-why ul { margin: 2px 0 0 1.1em !important; padding: 0 !important; }
.pl-why li { margin: 0 !important; }
.pl-label {
  font-size: .7rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em;
  opacity: .65; margin-right: 6px;
}
.pl-tools { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.pl-actions { gap: 6px !important; margin-top: auto !important; }
.pl-actions button { min-width: 0 !important; }
.pl-profile-group { font-size: .8rem; font-weight: 700; margin: 8px 0 2px; opacity: .75; }
.pl-belief {
  justify-content: flex-start !important; text-align: left; border-radius: 999px !important;
}
.pl-wish { font-size: .85rem; font-style: italic; margin: 2px 0; }
.pl-empty { opacity: .7; font-size: .9rem; }
.pl-session { font-size: .8rem; opacity: .75; word-break: break-all; }
"""
"""The app's stylesheet; theme variables keep it readable in light and dark mode."""
