"""The dialogue acts that ask, recommend and close: each writes the turn's reply plan (a
template reply and the LLM's brief). Answers and explanations are in `agent.nodes.answer`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence

from langgraph.runtime import Runtime

from agent.evidence import attribute_evidence, evidence_for, spoken
from agent.profile import Profile, topic_words
from agent.questions import ASKABLE, QUESTIONS, TOPICS, best_question
from agent.reading import THANKS, Reading, read
from agent.runtime import AgentContext
from agent.state import AgentState, ReplyPlan, last_user_text
from agent.wording import avoidance_phrase, said_back, variant, wish_phrase
from knowledge.items import Item
from knowledge.lexicon import studio_spans
from prompts import render
from tools.facts import raters_reason


def _profile_facts(profile: Profile) -> list[str]:
    """What the brief says about the user, as catalog values the linker found (never their
    own words): a reply may echo "since you want Al Pacino" or "from the 1990s"."""
    facts = [f"wants {attr} {value}" for attr, vs in profile.wanted.items() for value in vs]
    facts += [f"avoids {attr} {value}" for attr, vs in profile.avoided.items() for value in vs]
    facts += [v for table in (profile.wanted, profile.avoided) for vs in table.values() for v in vs]
    # A studio the reader understood (`knowledge.lexicon.STUDIOS`), by name: "Pixar films".
    facts += [f"wants films from {name}" for name in profile.studios]
    facts += [f"avoids films from {name}" for name in profile.avoided_studios]
    if profile.has_years():
        facts.append(f"years {profile.year_min or ''} to {profile.year_max or ''}")
    return facts


def _known(profile: Profile, ctx: AgentContext) -> list[str]:
    known = [f"liked {ctx.catalog[i].display_title}" for i in profile.liked if i in ctx.catalog]
    known += [f"wants {attr} {', '.join(v)}" for attr, v in profile.wanted.items()]
    known += [f"avoids {attr} {', '.join(v)}" for attr, v in profile.avoided.items()]
    return known


def ask(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Ask one clarifying question: about an unknown title, or the attribute that splits best."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    pool = state.get("candidates", [])
    asked = list(state.get("asked", []))
    intent = state.get("intent")
    ack = ""
    if intent == "unknown_title" and state.get("focus"):
        phrase = state["focus"][0]
        question = (
            f'I don\'t know a movie called "{phrase}" in my catalog. Could you tell me what '
            "it's like, or name another movie you enjoyed?"
        )
        return {
            "plan": ReplyPlan(act="ask", template=question),
            "asks_in_row": state.get("asks_in_row", 0) + 1,
            "recommended": [],
        }
    if intent == "greet" and len(state.get("messages", [])) > 1:
        ack = "glad"  # "hi" ... "I'm good, how are you?": introduced already
    elif intent in {"greet", "reject"}:
        ack = intent
    elif profile.lesser_known and not profile.signals():
        ack = "lesser_known"  # "any hidden gems?": yes, and of what kind?
    # Nothing known of the user's taste ("what should I watch tonight?"): a favourite film
    # or a genre says most; the split of a pool of popular films says little.
    if pool and intent != "greet" and profile.signals():
        # Never ask about what the user already said (a wanted genre, a year range).
        known = [a for a in ASKABLE if profile.wanted.get(a)]
        if profile.has_years():
            known.append("era")
        attribute, options = best_question(ctx, pool, asked + known)
    else:
        attribute, options = (
            "opener",
            [g for g, _ in Counter(ctx.catalog.attribute_values("genre")).most_common(5)],
        )
    question = QUESTIONS[attribute]
    turn = len(state.get("messages", []))
    said = last_user_text(state.get("messages", [])).lower()
    reading = read(said, genres=ctx.genre_words, now_year=ctx.catalog.present_year())
    phrasing = variant(f"ask{turn}")
    # "No anime please" and nothing else yet: said back before the question.
    noted = _ruled_out_now(ctx, profile, said, reading) if ack in {"", "reject"} else ""
    template = render(
        "replies/ask",
        ack=ack,
        noted=said_back(noted, phrasing),
        attribute=attribute,
        options=options,
        variant=phrasing,
    )
    prompt = render("ask", known=_known(profile, ctx), question=question, options=options)
    return {
        "plan": ReplyPlan(
            act="ask",
            template=template,
            prompt=prompt,
            facts=[question, *options, *_profile_facts(profile)],
            allowed=list(profile.liked),
            must_ask=True,
            ask_about=[*TOPICS[attribute], *options],
        ),
        "asked": [*asked, attribute],
        "asks_in_row": state.get("asks_in_row", 0) + 1,
        "recommended": [],
    }


def recommend(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Show the best candidates with path evidence; nothing outside the catalog or the filters."""
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    pool = state.get("candidates", [])
    trace = list(state.get("trace", []))
    chosen = [c.model_copy() for c in pool[: ctx.settings.items_per_turn]]
    if not chosen:
        constraints = [f"no {', '.join(v)}" for v in profile.avoided.values()]
        if profile.year_min or profile.year_max:
            constraints.append(f"years {profile.year_min or '…'}–{profile.year_max or '…'}")
        turn = len(state.get("messages", []))
        template = render("replies/empty", constraints=constraints, variant=variant(f"e{turn}"))
        return {
            "plan": ReplyPlan(act="ask", template=template, facts=_profile_facts(profile)),
            "recommended": [],
            "asks_in_row": 1,
        }
    paths, call = evidence_for(ctx, profile, chosen)
    if call is not None:
        trace.append(call)
    for candidate in chosen:
        item = ctx.catalog[candidate.item_id]
        candidate.evidence = paths.get(candidate.item_id, [])[:2] or attribute_evidence(
            profile, item
        )
        rated = ctx.ratings.get(candidate.item_id)
        if profile.lesser_known and rated and candidate.item_id in ctx.acclaimed:
            # What makes a lesser-known film a gem is a real reason too.
            candidate.evidence = [*candidate.evidence, raters_reason(*rated)]
    rows = [
        {
            "title": c.title,
            "year": c.year,
            "evidence": reasons,
            "description": ctx.catalog[c.item_id].description,
        }
        for c, reasons in zip(chosen, spoken([c.evidence for c in chosen]), strict=True)
    ]
    liked = [ctx.catalog[i].display_title for i in profile.anchors() if i in ctx.catalog]
    intent = state.get("intent", "statement")
    turn = len(state.get("messages", []))
    # The heading says only what every card is ("horror films with Will Ferrell" over three
    # Ferrell comedies would be false); each card's reasons say what it meets.
    wish = wish_phrase(
        shared_wish(
            profile,
            [ctx.catalog[c.item_id] for c in chosen],
            ctx.standing,
            ctx.catalog_index.about,
        ),
        ctx.label,
    )
    said = last_user_text(state.get("messages", [])).lower()
    reading = read(said, genres=ctx.genre_words, now_year=ctx.catalog.present_year())
    unmet = _unmet_now(ctx, profile, said, [ctx.catalog[c.item_id] for c in chosen])
    genres = {g for g, _ in reading.genre_words}
    # A studio is said by its name, not its people's ("seen it; something from Pixar
    # instead" leads with the Pixar films, not with "a few more").
    said_studios = {ctx.studio_words[w][0] for _, _, w in studio_spans(said, ctx.studio_words)}
    studio_now = bool(said_studios & set(profile.studios))
    fresh = studio_now or any(_said_now(profile.wanted, said, genres).values())
    phrasing = variant(f"rec{turn}")
    template = render(
        "replies/recommend",
        noted=" ".join(
            part
            for part in (
                said_back(_ruled_out_now(ctx, profile, said, reading, said_studios), phrasing),
                unmet,
            )
            if part
        ),
        mood="reject"
        if intent == "reject"
        else "more"
        if intent in {"more", "seen"} and not studio_now
        else "",
        liked=[] if fresh and wish else liked,  # a wish said just now leads the reply
        wish=wish,
        asked=bool(profile.wanted or profile.topics or profile.notes),
        items=rows,
        variant=phrasing,
    )
    prompt = render(
        "recommend",
        liked=liked,
        wanted=[v for values in profile.wanted.values() for v in values],
        avoided=[v for values in profile.avoided.values() for v in values],
        items=rows,
    )
    # Catalog facts only: the user's message is no evidence for a title, person or year.
    facts = [e for c in chosen for e in c.evidence] + liked + _profile_facts(profile)
    lead_prompt = render(
        "lead",
        liked=liked[-3:],
        wish=wish,
        titles=[f"{c.title} ({c.year})" if c.year else c.title for c in chosen],
    )
    return {
        "plan": ReplyPlan(
            act="recommend",
            template=template,
            prompt=prompt,
            allowed=[c.item_id for c in chosen] + list(profile.liked),
            facts=facts,
            must_name=[c.item_id for c in chosen],
            name_all=True,
            body=template.split("\n", 1)[1] if "\n" in template else None,
            lead_prompt=lead_prompt,
        ),
        "recommended": chosen,
        "shown": [
            *state.get("shown", []),
            *[c.item_id for c in chosen if c.item_id not in state.get("shown", [])],
        ],
        "asks_in_row": 0,
        "trace": trace,
    }


def shared_wish(
    profile: Profile,
    items: Sequence[Item],
    standing: Mapping[str, str] | None = None,
    about: Callable[[str], Collection[str]] | None = None,
) -> Profile:
    """The profile with only the asked-for values, studios and subjects that every one of
    ``items`` has (``about``: the items a subject picks out, `CatalogIndex.about`; without it no
    subject is kept), and the wish for lesser-known films only when none of them is among
    the best known of ``standing``, `AgentContext.standing`."""
    wanted = {
        attribute: kept
        for attribute, values in profile.wanted.items()
        if (
            kept := [
                v
                for v in values
                if items
                and all(v.lower() in {x.lower() for x in i.values(attribute)} for i in items)
            ]
        )
    }
    lesser = profile.lesser_known and all((standing or {}).get(i.item_id) != "head" for i in items)
    topics = [
        t
        for t in profile.topics
        if about is not None and items and all(i.item_id in about(t) for i in items)
    ]
    # A studio when every item is one of its films (has one of its people).
    studios = {
        name: credits
        for name, credits in profile.studios.items()
        if items
        and all(
            any(v in {x.lower() for x in i.values(a)} for a, vs in credits.items() for v in vs)
            for i in items
        )
    }
    return profile.model_copy(
        update={"wanted": wanted, "lesser_known": lesser, "topics": topics, "studios": studios}
    )


def _ruled_out_now(
    ctx: AgentContext,
    profile: Profile,
    said: str,
    reading: Reading,
    studios: Collection[str] = (),
) -> str:
    """What the message just ruled out, in words ("no horror films"), to be said back
    before the new picks or the next question; "" when nothing. A genre is said back when
    the message names it as its own word or rules it out in words of its own ("no anime"
    for animation), in the singular or the plural ("no thrillers"); "more, no war films" after
    "no horror" says only "no war films"."""
    disliked = {
        g
        for (g, pol), (a, b) in zip(reading.genre_words, reading.genre_spans, strict=True)
        if pol == "dislike" and not said[a:b].startswith(g)
    }
    ruled_out = _said_now(profile.avoided, said, disliked)
    subjects = [t for t in profile.avoided_topics if _topic_said(t, said)]
    subjects += [s for s in profile.avoided_studios if s in studios]
    gentle = profile.gentle and "less_violent" in reading.critiques
    said_back = avoidance_phrase(ruled_out, ctx.label, subjects, gentle=gentle)
    if reading.unlike:  # "no Ghost in the Shell or anything like it"
        unlike = [
            ctx.catalog[i].title
            for i in profile.unlike
            if i in ctx.catalog and ctx.catalog[i].title.lower() in said
        ]
        if unlike:
            kin = f"nothing like {' or '.join(unlike)}"
            said_back = f"{said_back}, {kin}" if said_back else kin
    return said_back


def _unmet_now(ctx: AgentContext, profile: Profile, said: str, items: Sequence[Item]) -> str:
    """The sentence that owns up to a subject the message asked for and no pick has ("I
    couldn't find any comedies with a twist that fit everything else you asked."); "" when
    every subject asked for just now is met by a pick. The picks then keep the rest of the
    wish, and the reply must not pass them off as what was asked."""
    about = ctx.catalog_index.about
    missing = [
        t
        for t in profile.topics
        if _topic_said(t, said) and not any(i.item_id in about(t) for i in items)
    ]
    if not missing:
        return ""
    asked = wish_phrase(profile.model_copy(update={"topics": missing[-1:]}), ctx.label)
    rest = "everything else you asked" if profile.avoided or len(profile.wanted) > 1 else ""
    return f"I couldn't find any {asked}" + (f" that fit {rest}." if rest else ".")


def _topic_said(topic: str, said: str) -> bool:
    """Whether the message (lowercase) has every word of a subject: it asked for it (or
    ruled it out) just now."""
    return all(w in said for w in topic_words(topic))


def _said_now(
    table: dict[str, list[str]], said: str, genres: Collection[str] = ()
) -> dict[str, list[str]]:
    """The values of a profile table (wanted, avoided) that the message names: as words, or
    as the genres its genre words stand for (``genres``, "scary" for horror, as the reader
    reads them). The table is already updated by the message, so a genre of the table that
    the message names is one it asked for (or ruled out)."""
    return {
        a: [
            v
            for v in vs
            if re.search(rf"\b{re.escape(v)}(?:s|es)?\b", said) or (a == "genre" and v in genres)
        ]
        for a, vs in table.items()
    }


def close(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, object]:
    """Wrap up; the session's likes and dislikes are kept for next time.

    A film is named ("Enjoy Heat!") only when this turn took a pick: after "thanks, bye"
    the last liked film may be an old favourite the user has seen many times.
    """
    ctx = runtime.context
    profile = state.get("profile") or Profile()
    picked = state.get("intent") == "accept" and profile.liked
    liked = (
        ctx.catalog[profile.liked[-1]].title if picked and profile.liked[-1] in ctx.catalog else ""
    )
    turn = len(state.get("messages", []))
    thanked = bool(THANKS.search(last_user_text(state.get("messages", []))))
    template = render(
        "replies/close", liked=liked, thanked=thanked, variant=variant(f"close{turn}")
    )
    return {
        "plan": ReplyPlan(act="close", template=template, allowed=profile.liked[-1:]),
        "asks_in_row": 0,
    }
