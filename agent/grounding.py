"""The grounding check between the LLM and the user.

A reply may name only the items chosen for this turn (and the ones the user liked) and
state only facts the catalog holds about them. The check links the reply back to the
catalog (any other catalog item named is a failure), looks for title-like and name-like
phrases that match nothing it was given (an invented title or person), and checks what
the reply says about each item it names (`agent.claims`): years, genres, people and plots
must be that item's own. What the user typed is never evidence: a title, person or year
that only the user's message holds fails. A reply must also do its job: name a chosen
item when it recommends, give the answer when it answers, ask when it asks. A reply that
fails is replaced by a template reply, so correctness never depends on the LLM.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from agent.claims import (
    YEAR,
    Clause,
    claimed_people,
    clause_at,
    clauses,
    credited,
    invented_plots,
    names,
    title_spans,
    wrong_genres,
    wrong_years,
    years_said,
)
from agent.reading import inside
from knowledge.items import Item, normalize_text
from knowledge.text import split_sentences
from tools.lookup import LookupOutput

_QUOTED = re.compile(r"[\"“«*]([^\"”»*\n]{2,80})[\"”»*]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d+|&")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
# Small capitalized words that may join a title ("Lord of the Rings").
_JOINERS = frozenset({"of", "the", "a", "an", "and", "in", "on", "to", "for", "at", "with", "&"})
COMMON_RANK = 12000
MATCH = 85
SAME_WORD = 0.5
"""A reply of 3+ words more than this share of which is one word says nothing."""


@dataclass
class GroundingResult:
    """The verdict on one reply."""

    problems: list[str] = field(default_factory=list)
    named_items: list[str] = field(default_factory=list)
    """Ids of the allowed items the reply names."""

    @property
    def ok(self) -> bool:
        """True when nothing ungrounded was found."""
        return not self.problems


class GroundingCheck:
    """Checks replies against the chosen items, using the catalog linker and a word list."""

    def __init__(
        self,
        link: Callable[[str], LookupOutput],
        word_ranks: dict[str, int],
        *,
        assistant_names: Iterable[str] = ("Parley",),
        genres: Iterable[str] = (),
    ) -> None:
        self.link = link
        self.word_ranks = word_ranks
        self.assistant_names = {n.lower() for n in assistant_names}
        self.genres = sorted({normalize_text(g) for g in genres if normalize_text(g)}, key=len)
        """The catalog's genre names: a genre claimed about a named item must be one of its own."""

    def check(
        self,
        reply: str,
        allowed: Sequence[Item],
        facts: Sequence[str] = (),
        *,
        must_name: Collection[str] = (),
        must_say: Collection[str] = (),
        must_ask: bool = False,
    ) -> GroundingResult:
        """Check a reply against the ``allowed`` items and the catalog ``facts`` of the brief.

        ``facts`` must come from the catalog (evidence paths, answers, the profile's linked
        values), never from the user's message. The reply must name one of ``must_name``
        (item ids) and say one of ``must_say`` when they are given, and ask a question
        with ``must_ask``.
        """
        result = GroundingResult()
        allowed_ids = {item.item_id for item in allowed}
        allowed_titles = {normalize_text(item.title) for item in allowed}
        vocabulary = _vocabulary(allowed, facts)
        fact_names = _vocabulary((), facts)
        fact_text = f" {normalize_text(' '.join(facts))} "
        found = clauses(reply, allowed)

        titles = title_spans(reply, allowed)
        linked = self.link(reply)
        for mention in linked.mentions:
            best = mention.best
            if inside(mention.start, mention.end, titles):
                continue  # "Mowgli" inside "Adventures of Mowgli": the allowed title itself
            if best.kind == "item":
                ids = {
                    c.item.item_id
                    for c in mention.candidates
                    if c.item and c.score >= best.score - 0.05
                }
                named = ids & allowed_ids
                if named:
                    result.named_items.extend(sorted(named))
                elif normalize_text(best.label.split(" (")[0]) in allowed_titles:
                    continue
                elif f" {normalize_text(mention.text)} " in fact_text:
                    continue  # named in the catalog facts of the brief (an evidence path)
                else:
                    result.problems.append(
                        f"names {mention.text!r} ({best.label}), not a chosen item"
                    )
            elif best.kind == "person":
                clause = clause_at(found, mention.start)
                problem = _misattributed(best.label, clause, vocabulary, fact_names)
                if problem:
                    result.problems.append(problem)
        result.named_items.extend(i.item_id for i in allowed if names(reply, i))

        item_years = {item.year for item in allowed if item.year}
        fact_years = {int(y) for y in YEAR.findall(" ".join(facts))}
        said = years_said(reply, titles)
        for year in dict.fromkeys(year for _, year in said):
            if year not in item_years and year not in fact_years:
                result.problems.append(f"states the year {year}, which the facts do not hold")
        result.problems.extend(wrong_years(said, found, fact_years - item_years))
        result.problems.extend(_wrong_title_years(reply, allowed))
        result.problems.extend(wrong_genres(found, self.genres))
        result.problems.extend(invented_plots(found, facts))
        result.problems.extend(claimed_people(found, allowed, fact_names))
        result.problems.extend(_repetitions(reply))
        result.problems.extend(_says_nothing(reply))

        for phrase in self._name_like_phrases(reply):
            if not self._known(phrase, vocabulary):
                result.problems.append(
                    f"names {phrase!r}, which matches nothing in the catalog facts"
                )

        result.named_items = list(dict.fromkeys(result.named_items))
        if must_name and not set(result.named_items) & set(must_name):
            result.problems.append("names none of the chosen items")
        if must_say and not any(
            f" {normalize_text(p)} " in f" {normalize_text(reply)} " for p in must_say
        ):
            result.problems.append(f"does not give the answer ({'; '.join(list(must_say)[:3])})")
        if must_ask and "?" not in reply:
            result.problems.append("asks nothing, where a question was due")
        return result

    def _known(self, phrase: str, vocabulary: set[str]) -> bool:
        norm = normalize_text(phrase)
        if not norm or norm in vocabulary or norm in self.assistant_names:
            return True
        # "the Joker in Gotham": each name-word is one the facts use.
        words = [w for w in norm.split() if w not in _JOINERS]
        if len(words) > 1 and all(w in vocabulary for w in words):
            return True
        # "I'm Parley": the name without the ordinary words around it.
        core = normalize_text(" ".join(w for w in phrase.split() if not self._common(w)))
        if core and core != norm and (core in vocabulary or core in self.assistant_names):
            return True
        return any(
            fuzz.ratio(norm, v) >= MATCH or (len(norm) > 3 and norm in v) for v in vocabulary
        )

    def _common(self, word: str) -> bool:
        word = word.lower().strip("'’-")
        rank = self.word_ranks.get(word)
        if rank is None and re.search(r"['’]", word):  # "I'm", "you'll": the word before
            rank = self.word_ranks.get(re.split(r"['’]", word)[0])
        return rank is not None and rank < COMMON_RANK

    def _name_like_phrases(self, reply: str) -> list[str]:
        """Quoted phrases, and runs of capitalized words that are not all ordinary words."""
        phrases = [m.group(1).strip() for m in _QUOTED.finditer(reply)]
        words = list(_WORD.finditer(reply))
        run: list[str] = []
        for i, match in enumerate(words):
            word = match.group(0)
            before = reply[words[i - 1].end() : match.start()] if i else ""
            starts_sentence = i == 0 or bool(
                _SENTENCE_END.search(reply[: match.start()].rstrip() + " ")
            )
            if word[0].isupper() and not (starts_sentence and self._common(word) and not run):
                if run and ("," in before or "." in before):
                    phrases.extend(self._keep(run))
                    run = []
                run.append(word)
            elif run and word.lower() in _JOINERS and not ("," in before or "." in before):
                run.append(word)
            else:
                phrases.extend(self._keep(run))
                run = []
        phrases.extend(self._keep(run))
        return phrases

    def _keep(self, run: list[str]) -> list[str]:
        while run and run[-1].lower() in _JOINERS:
            run = run[:-1]
        if not run:
            return []
        if all(self._common(w) or w.lower() in _JOINERS for w in run):
            return []
        if len(run) == 1 and (self._common(run[0]) or len(run[0].strip("'’-")) == 1):
            return []  # an ordinary word, or an initial ("E.T.", "J. R. R.", "D-17")
        return [" ".join(run)]


def _repetitions(reply: str, min_words: int = 5) -> list[str]:
    """A sentence said twice: small models loop, and a looping reply is not sent."""
    seen: set[str] = set()
    problems = []
    for sentence in split_sentences(reply):
        norm = normalize_text(sentence)
        if len(norm.split()) < min_words:
            continue
        if norm in seen:
            problems.append(f"repeats {sentence.strip()[:60]!r}")
        seen.add(norm)
    return problems


def _wrong_title_years(reply: str, allowed: Sequence[Item]) -> list[str]:
    """An allowed item written as ``Title (YEAR)`` with a year none of that title's items has
    (remakes share a title: "Dune (1984)" and "Dune (2021)" are both right)."""
    years: dict[str, set[int]] = {}
    for item in allowed:
        if item.year is not None:
            years.setdefault(item.title, set()).add(item.year)
    problems = []
    for title, own in years.items():
        pattern = re.compile(rf"\b{re.escape(title)}\s*\((\d{{4}})\)", re.IGNORECASE)
        for match in pattern.finditer(reply):
            if int(match.group(1)) not in own:
                said = ", ".join(map(str, sorted(own)))
                problems.append(f"dates {title!r} {match.group(1)}; the catalog says {said}")
    return problems


def _vocabulary(allowed: Sequence[Item], facts: Sequence[str]) -> set[str]:
    """Normalized names the reply may use: titles, attribute values, and words of the facts."""
    known: set[str] = set()
    for item in allowed:
        known.add(normalize_text(item.title))
        known.add(normalize_text(item.display_title))
        known.update(part for part in normalize_text(item.title).split() if len(part) > 2)
        for values in item.attributes.values():
            for value in values:
                norm = normalize_text(value)
                known.add(norm)
                known.update(part for part in norm.split() if len(part) > 2)
        known.update(w for w in normalize_text(item.description).split() if len(w) > 2)
    for fact in facts:
        norm = normalize_text(fact)
        known.add(norm)
        known.update(w for w in norm.split() if len(w) > 2)
    return {n for n in known if n}


def _misattributed(
    person: str, clause: Clause | None, vocabulary: set[str], fact_names: set[str]
) -> str | None:
    """A person must be credited on the items their clause (else their sentence) names.

    In a clause that names no item, a person the brief's facts name (an evidence path, a
    wanted star) may also appear; in a sentence that names none, any allowed item's person.
    """
    norm = normalize_text(person)
    if clause is not None and clause.items:
        if credited(person, clause.items):
            return None
        return f"credits {person!r} on {clause.items[0].title!r}; the catalog does not"
    if clause is not None and clause.sentence_items:
        if credited(person, clause.sentence_items) or norm in fact_names:
            return None
        return f"credits {person!r} on {clause.sentence_items[0].title!r}; the catalog does not"
    if norm in vocabulary:
        return None
    return f"mentions {person!r}, who is not in the chosen items' facts"


def _says_nothing(reply: str) -> list[str]:
    """A reply that is mostly one word over and over ("word word word") says nothing."""
    words = [w.lower() for w in _WORD.findall(reply)]
    if len(words) < 3:
        return []
    word, count = Counter(words).most_common(1)[0]
    if count > SAME_WORD * len(words):
        return [f"says little but {word!r} over and over"]
    return []
