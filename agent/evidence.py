"""Evidence: why an item fits this user, the strongest real reason first, said as a person would.

Reasons come from what the user said (liked items, asked-for values) and from real data
only: a shared director, writer or star is a two-hop path in the knowledge graph (found
by the `kg_paths` tool); "people who liked X also liked it" is a weight of the
collaborative model, learned from real interactions; "a thriller, as you asked" is an
attribute the item has. A three-hop path through an item the user never mentioned is
never used. Reasons are ranked by how much they say, and the two strongest are kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from agent.profile import TOPIC_LEADS, Profile
from agent.ranking import graph_sources
from agent.runtime import AgentContext
from agent.state import Candidate, ToolCall
from agent.wording import genre_adjective, genre_blend, people_phrases
from knowledge.items import Catalog, Item
from tools.facts import join_names

# How much each kind of reason says (higher first).
STRENGTH = {
    "directed_by": 1.0,
    "written_by": 0.8,
    "collab": 0.75,
    "wanted": 0.7,
    "stars": 0.6,
    "genre": 0.3,
    "popular": 0.1,
}
REASONS_PER_ITEM = 2
POPULAR = "one of the most popular films in the catalog"


@dataclass(frozen=True)
class Reason:
    """One reason and how strong it is."""

    text: str
    strength: float
    people: tuple[str, ...] = ()
    """For a wish met by people alone ("a film with Tom Hanks, as you asked"): their names.
    Such a reason says nothing new beside a stronger one that already names them."""


def evidence_for(
    ctx: AgentContext, profile: Profile, chosen: Sequence[Candidate]
) -> tuple[dict[str, list[str]], ToolCall | None]:
    """The reasons for each chosen item, strongest first, and the graph tool's call."""
    reasons: dict[str, list[Reason]] = {c.item_id: [] for c in chosen}
    call = _graph_reasons(ctx, profile, chosen, reasons)
    liked = [i for i in profile.anchors() if i in ctx.catalog]
    collab = getattr(ctx.toolbox.source, "collab", None)
    popular = ctx.most_popular
    for candidate in chosen:
        item = ctx.catalog[candidate.item_id]
        found = reasons[candidate.item_id]
        if collab is not None and liked:
            fans = [i for i, _ in collab.because(liked, item.item_id)][:2]
            if fans:
                titles = join_names([ctx.catalog[i].display_title for i in fans])
                found.append(Reason(f"people who liked {titles} also liked it", STRENGTH["collab"]))
        subjects = [t for t in profile.topics if item.item_id in ctx.catalog_index.about(t)]
        found.extend(_wanted_reasons(profile, item, subjects))
        if not any(r.strength > STRENGTH["genre"] for r in found):
            found.extend(_genre_reasons(ctx.catalog, liked, item))
        if not found and item.item_id in popular:
            found.append(
                Reason("one of the most popular films in the catalog", STRENGTH["popular"])
            )
    return {item_id: _best(found) for item_id, found in reasons.items()}, call


def attribute_evidence(profile: Profile, item: Item) -> list[str]:
    """Why an item fits without graph or collaborative evidence: the asked-for values it
    has, else what kind of film it is."""
    wanted = [r.text for r in _wanted_reasons(profile, item)]
    if wanted:
        return wanted[:REASONS_PER_ITEM]
    genres = item.values("genre")
    if not genres:
        return []
    when = f" from {item.year}" if item.year else ""
    return [f"{_article(genres[0])} {' and '.join(genres[:2])} film{when}"]


AGAIN = (
    (re.compile(r"^directed by (?P<who>.+), like .+$"), "also directed by {who}"),
    (
        re.compile(r"^directed and written by (?P<who>.+), like .+$"),
        "also directed and written by {who}",
    ),
    (re.compile(r"^written by (?P<who>.+), who also wrote .+$"), "also written by {who}"),
    (re.compile(r"^(?P<who>.+) stars? in it, as in .+$"), "also starring {who}"),
    (re.compile(r"^people who liked .+ also liked it$"), "liked by the same people"),
    (re.compile(r"^(?:a|an) (?P<what>.+), as you asked$"), "another {what}"),
)
"""A reason an earlier pick already gave, said the second time ("also directed by ...")."""


def spoken(evidence: Sequence[Sequence[str]]) -> list[list[str]]:
    """The picks' reasons as a reply lists them: a reason an earlier pick already gave in
    full is said briefly ("also directed by Christopher Nolan"), as a person would, instead
    of the same sentence three times. Cards keep every reason in full."""
    said: set[str] = set()
    out = []
    for reasons in evidence:
        row = []
        for text in reasons:
            short = None
            if text in said:
                short = next(
                    (a.format(**m.groupdict()) for rx, a in AGAIN if (m := rx.match(text))),
                    None,
                )
            row.append(short or text)
        said.update(reasons)
        out.append(_one_person_once(row))
    return out


def _one_person_once(row: list[str]) -> list[str]:
    """ "also directed by X" and "also written by X" in one row say "also directed and
    written by X" (the full reasons differ when X directed one liked film and wrote two)."""
    directed = {
        r.removeprefix("also directed by ") for r in row if r.startswith("also directed by ")
    }
    both = {r.removeprefix("also written by ") for r in row if r.startswith("also written by ")}
    both &= directed
    if not both:
        return row
    out = []
    for r in row:
        if r.startswith("also written by ") and r.removeprefix("also written by ") in both:
            continue
        if r.startswith("also directed by ") and r.removeprefix("also directed by ") in both:
            r = "also directed and written by " + r.removeprefix("also directed by ")
        out.append(r)
    return out


def _graph_reasons(
    ctx: AgentContext,
    profile: Profile,
    chosen: Sequence[Candidate],
    reasons: dict[str, list[Reason]],
) -> ToolCall | None:
    """Shared directors, writers and stars with the liked items (two-hop graph paths)."""
    sources = [s for s in graph_sources(profile) if s.startswith("item:")]
    if not sources or not chosen or not ctx.toolbox.has("kg_paths"):
        return None
    output, call = ctx.toolbox.call(
        "kg_paths",
        {
            "sources": sources,
            "targets": [c.item_id for c in chosen],
            "max_hops": 2,
            "paths_per_target": 6,
        },
    )
    if not isinstance(output, BaseModel):
        return call
    shared: dict[tuple[str, str, str], list[str]] = {}  # (item, relation, name): liked titles
    for connection in getattr(output, "results", []):
        item = connection.entity.item
        if item is None or item.item_id not in reasons:
            continue
        for path in connection.paths:
            steps = path.steps
            if len(steps) != 2 or steps[0].relation != steps[1].relation:
                continue
            relation = steps[0].relation
            if relation not in {"directed_by", "written_by", "stars"}:
                continue
            liked = ctx.catalog.get(path.source.removeprefix("item:"))
            if liked is None:
                continue
            name = _label(ctx, steps[0].target)
            titles = shared.setdefault((item.item_id, relation, name), [])
            if liked.display_title not in titles:
                titles.append(liked.display_title)
    # People who share a role with the same liked films make one reason ("written by Evan
    # Goldberg and Seth Rogen, who also wrote Superbad"), not one each.
    together: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for (item_id, relation, name), titles in shared.items():
        together.setdefault((item_id, relation, tuple(titles[:2])), []).append(name)
    # The same people directing and writing make one reason too ("directed and written by
    # Christopher Nolan, like Inception"), not a director reason and a writer reason.
    roles: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for (item_id, relation, liked_titles), names in together.items():
        roles.setdefault((item_id, liked_titles, tuple(names[:2])), []).append(relation)
    for (item_id, liked_titles, people), relations in roles.items():
        if {"directed_by", "written_by"} <= set(relations):
            relations = ["directed_and_written_by", *(r for r in relations if r == "stars")]
        for relation in relations:
            text = _shared(relation, list(people), join_names(list(liked_titles)))
            base = STRENGTH.get(relation, STRENGTH["directed_by"] + 0.1)
            strength = base + 0.05 * (len(liked_titles) - 1) + 0.02 * (len(people) - 1)
            reasons[item_id].append(Reason(text, strength))
    return call


def _shared(relation: str, names: list[str], liked: str) -> str:
    who = join_names(names)
    if relation == "directed_and_written_by":
        return f"directed and written by {who}, like {liked}"
    if relation == "directed_by":
        return f"directed by {who}, like {liked}"
    if relation == "written_by":
        return f"written by {who}, who also wrote {liked}"
    return f"{who} {'star' if len(names) > 1 else 'stars'} in it, as in {liked}"


def _wanted_reasons(profile: Profile, item: Item, subjects: Sequence[str] = ()) -> list[Reason]:
    """The asked-for values and ``subjects`` (the subjects asked for that the item is
    about) in one reason: "a comedy with Tom Hanks, as you asked", "a heist comedy film, as
    you asked", "a film about sharks, as you asked" (the more it meets, the stronger)."""
    met: dict[str, list[str]] = {}
    for attribute, values in profile.wanted.items():
        have = {v.lower(): v for v in item.values(attribute)}
        found = [have[v] for v in values if v in have]
        if found:
            met[attribute] = found
    if not met and not subjects:
        return []
    met_genres = met.pop("genre", [])
    genres = [genre_adjective(g) for g in met_genres]
    if {"animated", "family"} <= set(genres):  # "an animated family film"
        genres = [g for g in genres if g not in {"animated", "family"}] + ["animated family"]
    together = profile.together()
    blend = (
        genre_blend(together, plural=False)
        if len(together) == 2 and {g.lower() for g in met_genres} >= set(together)
        else ""
    )
    bare = [t for t in subjects if not t.startswith(TOPIC_LEADS)][:1]  # "a heist film"
    lead = [t for t in subjects if t.startswith(TOPIC_LEADS)][:1]  # "a film about sharks"
    # "a Pixar animated film directed by Pete Docter": the studio asked for, by its name.
    credited = {(a, v.lower()) for a, names in met.items() for v in names}
    studio = [
        name
        for name, table in profile.studios.items()
        if any((a, v) in credited for a, values in table.items() for v in values)
    ][-1:]
    if blend:  # "a horror comedy", not "a comedy and horror film"
        kind = " ".join([*bare, *studio, blend])
        head = f"{_article(kind)} {kind}"
    else:
        kind = " ".join([*bare, *studio, " and ".join(genres[:2])]).strip()
        head = f"{_article(kind)} {kind} film" if kind else ""
    parts = people_phrases(met)
    text = " ".join([head or "a film", *lead, *parts])
    strength = STRENGTH["wanted"] + 0.05 * (len(met) + bool(genres) + len(bare) + len(lead))
    people = (
        ()
        if genres or subjects
        else tuple(dict.fromkeys(n for names in met.values() for n in names))
    )
    return [Reason(f"{text}, as you asked", strength, people)]


def _genre_reasons(catalog: Catalog, liked: Sequence[str], item: Item) -> list[Reason]:
    """The genres the item shares with a liked item: "a sci-fi thriller like Inception"."""
    mine = item.values("genre")
    best: tuple[int, str, list[str]] | None = None
    for liked_id in liked:
        shared = [
            g for g in mine if g.lower() in {v.lower() for v in catalog[liked_id].values("genre")}
        ]
        if shared and (best is None or len(shared) > best[0]):
            best = (len(shared), liked_id, shared)
    if best is None:
        return []
    _, liked_id, shared = best
    kind = " and ".join(shared[:2])
    text = f"{_article(shared[0])} {kind} film like {catalog[liked_id].display_title}"
    return [Reason(text, STRENGTH["genre"])]


def _best(found: list[Reason]) -> list[str]:
    """The strongest reasons, one per text, none that only repeats the people of a stronger
    one."""
    out: list[str] = []
    for reason in sorted(found, key=lambda r: -r.strength):
        if reason.people and any(
            all(n in other.text for n in reason.people) for other in found if other != reason
        ):
            # "directed by Nolan, like Inception" already says "by Nolan, as asked", and
            # "Sigourney Weaver stars in it, as in Alien" says "with Sigourney Weaver".
            continue
        if reason.text not in out:
            out.append(reason.text)
        if len(out) == REASONS_PER_ITEM:
            break
    return out


def _label(ctx: AgentContext, node: str) -> str:
    graph = ctx.toolbox.source.graph.graph
    return str(graph.nodes[node].get("label", node)) if node in graph else node


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
