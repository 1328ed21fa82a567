"""The grounding check between the LLM and the user.

A reply may name only the items chosen for this turn and state only facts the catalog
holds about them. The check links the reply back to the catalog (any other catalog item
named is a failure), looks for title-like and name-like phrases that match nothing it was
given (an invented title or person), and checks every year. A reply that fails is replaced
by a template reply, so correctness never depends on the LLM.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge.items import Item, normalize_text
from knowledge.text import split_sentences
from tools.lookup import LookupOutput

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_QUOTED = re.compile(r"[\"“«*]([^\"”»*\n]{2,80})[\"”»*]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d+")
_CLAUSE = re.compile(r"[.!?;:,\n]+\s*|\s+(?:but|while|whereas)\s+")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
# Small capitalized words that may join a title ("Lord of the Rings").
_JOINERS = frozenset({"of", "the", "a", "an", "and", "in", "on", "to", "for", "at", "with", "&"})
COMMON_RANK = 12000
MATCH = 85


@dataclass
class GroundingResult:
    """The verdict on one reply."""

    problems: list[str] = field(default_factory=list)
    named_items: list[str] = field(default_factory=list)
    """Ids of the chosen items the reply names."""

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
        must_name_one: bool = False,
    ) -> GroundingResult:
        """Check a reply; ``facts`` are the other texts it may draw on (evidence, user words)."""
        result = GroundingResult()
        allowed_ids = {item.item_id for item in allowed}
        allowed_titles = {normalize_text(item.title) for item in allowed}
        vocabulary = _vocabulary(allowed, facts)
        fact_text = normalize_text(" ".join(facts))

        linked = self.link(reply)
        for mention in linked.mentions:
            best = mention.best
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
                elif normalize_text(mention.text) in fact_text:
                    continue  # the user's own words, quoted back
                else:
                    result.problems.append(
                        f"names {mention.text!r} ({best.label}), not a chosen item"
                    )
            elif best.kind == "person" and normalize_text(best.label) not in vocabulary:
                result.problems.append(
                    f"mentions {best.label!r}, who is not in the chosen items' facts"
                )

        for year in _YEAR.findall(reply):
            if not any(item.year == int(year) for item in allowed) and year not in fact_text:
                result.problems.append(f"states the year {year}, which the facts do not hold")

        result.problems.extend(_repetitions(reply))
        result.problems.extend(_wrong_title_years(reply, allowed))
        result.problems.extend(self._wrong_genres(reply, allowed))

        for phrase in self._name_like_phrases(reply):
            if not self._known(phrase, vocabulary):
                result.problems.append(
                    f"names {phrase!r}, which matches nothing in the catalog facts"
                )

        if must_name_one and not result.named_items:
            result.problems.append("names none of the chosen items")
        result.named_items = list(dict.fromkeys(result.named_items))
        return result

    def _wrong_genres(self, reply: str, allowed: Sequence[Item]) -> list[str]:
        """Genres a sentence claims for the chosen items it names that none of them has.

        "Inception is a classic horror movie" fails when Inception is not horror; a clause
        naming no chosen item (the user's wish, "since you like horror, ...") is not checked.
        """
        problems = []
        for sentence in _CLAUSE.split(reply):
            norm = f" {normalize_text(sentence)} "
            named = [i for i in allowed if f" {normalize_text(i.title)} " in norm]
            if not named:
                continue
            own = {normalize_text(g) for item in named for g in item.values("genre")}
            for genre in self.genres:
                if f" {genre} " in norm and genre not in own:
                    problems.append(f"calls {named[0].title!r} {genre!r}, not one of its genres")
        return problems

    def _known(self, phrase: str, vocabulary: set[str]) -> bool:
        norm = normalize_text(phrase)
        if not norm or norm in vocabulary or norm in self.assistant_names:
            return True
        return any(
            fuzz.ratio(norm, v) >= MATCH or (len(norm) > 3 and norm in v) for v in vocabulary
        )

    def _common(self, word: str) -> bool:
        rank = self.word_ranks.get(word.lower().strip("'’-"))
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
            elif run and word.lower() in _JOINERS:
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
        if len(run) == 1 and self._common(run[0]):
            return []
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
    """A chosen item written as ``Title (YEAR)`` with a year that is not its own."""
    problems = []
    for item in allowed:
        pattern = re.compile(rf"\b{re.escape(item.title)}\s*\((\d{{4}})\)", re.IGNORECASE)
        for match in pattern.finditer(reply):
            if item.year is not None and int(match.group(1)) != item.year:
                problems.append(
                    f"dates {item.title!r} {match.group(1)}; the catalog says {item.year}"
                )
    return problems


def _vocabulary(allowed: Sequence[Item], facts: Sequence[str]) -> set[str]:
    """Normalized names the reply may use: titles, attribute values, and words of the facts."""
    names: set[str] = set()
    for item in allowed:
        names.add(normalize_text(item.title))
        names.add(normalize_text(item.display_title))
        for values in item.attributes.values():
            for value in values:
                norm = normalize_text(value)
                names.add(norm)
                names.update(part for part in norm.split() if len(part) > 2)
        names.update(w for w in normalize_text(item.description).split() if len(w) > 2)
    for fact in facts:
        norm = normalize_text(fact)
        names.add(norm)
        names.update(w for w in norm.split() if len(w) > 2)
    return {n for n in names if n}
