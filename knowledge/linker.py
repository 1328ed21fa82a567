"""Entity linking: find catalog titles, people, genres and tags in free text.

Every way of naming an entity (a title, a title without its leading article, the main
title before a colon, a person's full name or surname, a genre's plural or synonym) is a
token sequence in one trie. Linking walks the trie from every token of the text, allowing
a few typos (a token the catalog and its descriptions do not know is corrected to a close
catalog token; a token one edit away from the only way on is accepted), then scores each
match from evidence that separates names from ordinary words: a year after the title,
capital letters, how long and how common the name is. Overlapping matches are resolved
longest first. Titles shared by several items (remakes) give all of them, ranked by
popularity, or by graph degree where the catalog has no popularity.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.graph import KnowledgeGraph, item_node, relation_for, value_node
from knowledge.items import Catalog, Item, split_title_year
from knowledge.lexicon import GENRE_WORDS
from knowledge.text import (
    COMMON_WORDS,
    FUNCTION_WORDS,
    STOPWORDS,
    Token,
    plural,
    respellings,
    singular,
    tokenize,
    words,
)

# How much each way of naming is trusted before the evidence of the text.
BASE = {
    "title": 0.92,
    "bare": 0.92,
    "main": 0.85,
    "alias": 0.85,
    "loose": 0.72,
    "name": 0.92,
    "surname": 0.65,
}
EDIT_COST = 0.15
COMPACT_COST = 0.05
MAX_EDITS = 2
# A name made of ordinary words ("Fan", "Date Night") is mostly ordinary words in chat.
# Penalty for a name whose words are all ordinary, by its number of tokens (1, 2, 3, 4+);
# capital letters keep a share of it (by number of tokens), quotes keep 20 %.
COMMON_PENALTY = (0.6, 0.5, 0.4, 0.2)
CAPITALIZED_SHARE = (0.6, 0.4, 0.3, 0.3)
QUOTED_SHARE = 0.2
SHORT_PENALTY = 0.15  # one token of at most three letters: "Ted", "Ray"
DETERMINER_PENALTY = 0.3  # "a scary movie" is a description, not the title "Scary Movie"
TASTE_SHARE = 0.5  # "I loved Seven": a name right after a verb of taste is more likely a title
PART_OF_NAME = 0.25  # "the Noodle Knights": a capitalised word beside it, the name is longer
COMPACT_CHAT = 0.4  # ordinary words written apart that only make a title written together
# One lowercase word (no verb of taste before it, no quotes) is likely chat.
LOWERCASE_WORD = 0.15
# ... and more so when it is an English word after "of", a determiner or a possessive:
# "a bowl of popcorn", "my psycho neighbour" name no film.
LOWERCASE_ENGLISH = 0.3
BEFORE_A_NOUN = frozenset({"of", "my", "your", "our", "his", "her", "their"})
# One lowercase word before "movies" or "films" says what kind: "I love ghost movies".
DESCRIBES_FILMS = 0.45
YEAR_CONFIRMED = 0.99
YEAR_CONFLICT = 0.25
# Word frequency ranks (0 = most frequent) and how ordinary each band makes a word.
RANK_BANDS = ((2500, 1.0), (6000, 0.6), (12000, 0.3))
DETERMINERS = frozenset(
    {"a", "an", "some", "any", "another", "every", "each", "no", "other", "more", "many", "few"}
    | {"several", "such", "good", "great", "nice", "new", "old", "best"}
)
TASTE_VERBS = frozenset(
    "loved love loves liked like likes enjoyed enjoy adored adore hated hate watched watch saw"
    " seen rewatched".split()
)
FILM_WORDS = frozenset(
    {"movie", "movies", "film", "films", "flick", "flicks", "genre", "genres", "show", "shows"}
)

_YEAR_AFTER = re.compile(
    r"^[!?.]?\s*[(\[]\s*((?:18|19|20)\d\d)\s*[)\]]|^\s*,?\s*((?:18|19|20)\d\d)\b"
)
_QUOTES = "\"'“”‘’«»"
_ARTICLES = frozenset({"the", "a", "an"})
_OWNERS = frozenset({"my", "our", "your", "his", "her", "their", "the", "a", "an", "this", "that"})
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2", "3", "4"})


@dataclass(frozen=True)
class Entity:
    """A linkable thing: an item or an attribute value (a node of the knowledge graph)."""

    entity_id: str
    """Graph node id: ``item:<id>``, ``person:<name>``, ``genre:<name>``, ``tag:<name>``."""
    kind: str
    label: str
    item_id: str | None = None
    year: int | None = None
    rank_key: tuple[float, ...] = ()
    """Sort key for ambiguous names, higher first: (has popularity, popularity, degree)."""
    prior: float = 0.0
    """Popularity when known, else graph degree."""


@dataclass(frozen=True)
class Entry:
    """One way of naming an entity."""

    entity: int
    """Index into `EntityLinker.entities`."""
    variant: str
    """``title``, ``bare`` (without its leading article), ``main`` (the title before its
    colon), ``alias``, ``loose`` (after the colon), ``name`` or ``surname`` (see `BASE`)."""
    n_tokens: int
    commonness: float
    """0 (a rare name) to 1 (ordinary words): how much evidence beyond the words it needs."""
    function_only: bool
    """Made only of function words or digits ("It", "Up", "300"): needs a year or quotes."""
    short: bool


@dataclass
class _Node:
    """A trie node: the tokens that continue a name, and the names that end here."""

    children: dict[str, _Node] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Match:
    """A span of text that names one or more entities, with the confidence of each."""

    start: int
    end: int
    first_token: int
    last_token: int
    scores: dict[int, float] = field(default_factory=dict)
    year_confirmed: bool = False

    @property
    def n_tokens(self) -> int:
        """Tokens covered."""
        return self.last_token - self.first_token + 1

    @property
    def confidence(self) -> float:
        """Confidence of the best entity."""
        return max(self.scores.values(), default=0.0)


@dataclass
class _Hit:
    entry: Entry
    last: int
    edits: int
    compact: bool = False
    respelt: int = 0
    """Tokens written another way ("Se7en" for "Seven"): no typos, but no ordinary words."""


class EntityLinker:
    """Links text to a catalog's items and attribute values (see the module docstring)."""

    def __init__(
        self,
        catalog: Catalog,
        graph: KnowledgeGraph | None = None,
        *,
        word_ranks: Mapping[str, int] | None = None,
    ) -> None:
        self.catalog = catalog
        self._ranks: Mapping[str, int] = word_ranks or {}
        self.entities: list[Entity] = []
        self._by_id: dict[str, int] = {}
        self._trie = _Node()
        self._compact: dict[str, list[Entry]] = {}
        self._title_keys: dict[str, list[int]] = {}
        self._vocab: set[str] = set()
        self._known_words: set[str] = set()
        self._common = set(COMMON_WORDS)
        self._genre_words: set[str] = {singular(w) for w in GENRE_WORDS}
        """The catalog's genres and their aliases, word by word (singular)."""
        self._build(graph)
        self._vocab_list = sorted(self._vocab)
        self._correct = lru_cache(maxsize=20000)(self._corrections)

    # ----------------------------------------------------------------- building
    def _build(self, graph: KnowledgeGraph | None) -> None:
        degree = _degrees(self.catalog, graph)
        self._learn_common_words(self.catalog)
        has_popularity = any(item.popularity is not None for item in self.catalog)
        for item in self.catalog:
            node = item_node(item.item_id)
            deg = degree.get(node, 0)
            pop = item.popularity
            entity = Entity(
                node,
                "item",
                item.display_title,
                item.item_id,
                item.year,
                (1.0 if pop is not None else 0.0, pop or 0.0, float(deg)),
                float(pop) if (has_popularity and pop is not None) else float(deg),
            )
            index = self._add_entity(entity)
            self._add_title(index, item)
        for node, kind, label in _value_nodes(self.catalog, graph):
            deg = degree.get(node, 0)
            index = self._add_entity(
                Entity(node, kind, label, rank_key=(0.0, 0.0, float(deg)), prior=float(deg))
            )
            self._add_value(index, kind, label)
            if kind == "genre":
                self._genre_words.update(singular(w) for w in words(label))
        for alias, targets in GENRE_WORDS.items():
            for target in targets:
                found = self._by_id.get(value_node("genre", target))
                if found is not None:
                    self._add(found, words(alias), "alias")

    def _learn_common_words(self, catalog: Catalog) -> None:
        # Words frequent in descriptions are ordinary language; all words seen there are
        # real words, so a token among them is never "corrected" as a typo.
        df: Counter[str] = Counter()
        n_docs = 0
        for item in catalog:
            if item.description:
                n_docs += 1
                df.update(set(words(item.description)))
        self._known_words = set(df) | set(self._ranks)
        threshold = max(5.0, 0.003 * n_docs)
        self._common.update(w for w, c in df.items() if c >= threshold)

    def _add_entity(self, entity: Entity) -> int:
        existing = self._by_id.get(entity.entity_id)
        if existing is not None:
            return existing
        self.entities.append(entity)
        self._by_id[entity.entity_id] = len(self.entities) - 1
        return len(self.entities) - 1

    def _add_title(self, index: int, item: Item) -> None:
        tokens = words(item.title)
        if not tokens:
            return
        self._title_keys.setdefault(" ".join(tokens), []).append(index)
        self._add(index, tokens, "title")
        for other in _respelt(tokens, self._is_word):
            self._add(index, other, "alias")  # "Ocean's 11", "Seven" for "Se7en"
        parts: list[tuple[str, list[str]]] = []
        if len(tokens) > 1 and tokens[0] in _ARTICLES:
            bare = tokens[1:]
            # "Incredibles" for "The Incredibles" is how people write it; "Thing" for
            # "The Thing" is an ordinary word.
            if any(self.commonness(t) < 0.5 for t in bare) and (len(bare) > 1 or len(bare[0]) >= 5):
                self._add(index, bare, "bare")
        for sep in (":", " - ", " – "):
            if sep in item.title:
                # "Spider-Man: Homecoming" is also called "Spider-Man" (its main title) and
                # "Homecoming".
                for variant, part in zip(("main", "loose"), item.title.split(sep, 1), strict=True):
                    part_tokens = words(part)
                    if 0 < len(part_tokens) < len(tokens):
                        parts.append((variant, part_tokens))
                        if len(part_tokens) > 1 and part_tokens[0] in _ARTICLES:
                            parts.append((variant, part_tokens[1:]))
                break
        for variant, part_tokens in parts:
            # A shortened title made of ordinary words would match chat, not the film.
            distinctive = any(self.commonness(t) < 0.5 for t in part_tokens)
            if distinctive and (len(part_tokens) > 1 or len(part_tokens[0]) >= 5):
                self._add(index, part_tokens, variant)

    def _add_value(self, index: int, kind: str, label: str) -> None:
        tokens = words(label)
        if not tokens:
            return
        if kind == "person":
            self._add(index, tokens, "name")
            named = [t for t in tokens if t not in _NAME_SUFFIXES]
            surname = named[-1] if len(named) > 1 else None
            if (
                surname
                and len(surname) >= 4
                and surname.isalpha()
                and self.commonness(surname) < 0.6
            ):
                self._add(index, [surname], "surname")
            return
        self._add(index, tokens, "title")
        plural_form = [*tokens[:-1], plural(tokens[-1])]
        if plural_form != tokens:
            self._add(index, plural_form, "alias")

    def _add(self, index: int, tokens: Sequence[str], variant: str) -> None:
        tokens = list(tokens)
        if not tokens:
            return
        core = tokens[1:] if len(tokens) > 1 and tokens[0] in _ARTICLES else tokens
        commonness = sum(self.commonness(t) for t in core) / len(core)
        function_only = len(tokens) < 3 and all(
            t in FUNCTION_WORDS or t.isdigit() or len(t) == 1 for t in tokens
        )
        short = len(tokens) == 1 and len(tokens[0]) <= 3
        entry = Entry(index, variant, len(tokens), commonness, function_only, short)
        node = self._trie
        for token in tokens:
            node = node.children.setdefault(token, _Node())
            self._vocab.add(token)
        if not any(e.entity == index and e.variant == variant for e in node.entries):
            node.entries.append(entry)
        key = "".join(tokens)
        if len(key) >= 6:
            self._compact.setdefault(key, []).append(entry)

    def _is_word(self, word: str) -> bool:
        """True for a word of the catalog or of English (a respelling must be one)."""
        return word in self._vocab or word in self._known_words

    def commonness(self, word: str) -> float:
        """How ordinary a word is: 1 for chat and function words, 0 for rare words."""
        if word in self._common or word.isdigit() or len(word) == 1:
            return 1.0
        rank = self._ranks.get(word)
        if rank is None:
            return 0.0
        return next((share for limit, share in RANK_BANDS if rank < limit), 0.0)

    # ------------------------------------------------------------------ linking
    def link(
        self, text: str, *, kinds: Iterable[str] | None = None, min_confidence: float = 0.5
    ) -> list[Match]:
        """Find the entities named in a text; non-overlapping matches in text order."""
        tokens = tokenize(text)
        wanted = set(kinds) if kinds is not None else None
        matches: dict[tuple[int, int], Match] = {}
        for i in range(len(tokens)):
            for hit in self._walk(tokens, i):
                self._score(text, tokens, i, hit, matches, wanted)
        kept = [m for m in matches.values() if m.scores and m.confidence >= min_confidence]
        for m in kept:
            m.scores = {e: s for e, s in m.scores.items() if s >= min_confidence}
        kept.sort(
            key=lambda m: (m.year_confirmed, m.n_tokens, m.confidence, -m.start), reverse=True
        )
        taken: set[int] = set()
        chosen: list[Match] = []
        for m in kept:
            span = set(range(m.first_token, m.last_token + 1))
            if span & taken:
                continue
            taken |= span
            chosen.append(m)
        return sorted(chosen, key=lambda m: m.start)

    def _walk(self, tokens: Sequence[Token], start: int) -> list[_Hit]:
        hits: list[_Hit] = []
        # Exact and typo-tolerant walk through the trie.
        # A frontier state: trie node, edits so far, and how many of them replaced one
        # real word by another ("night" for "knight"), which is only believable inside a
        # long title ("scary movies" is not a misspelt "Scary Movie").
        # long title ("scary movies" is not a misspelt "Scary Movie") or beside a rare word
        # ("Forest Gump"). The last element records whether a rare word matched exactly.
        # The last two elements count respelt tokens ("se7en") and record whether a rare word
        # matched exactly.
        frontier: list[tuple[_Node, int, int, int, bool]] = [(self._trie, 0, 0, 0, False)]
        j = start
        while frontier and j < len(tokens):
            word = tokens[j].text
            following = tokens[j + 1].text if j + 1 < len(tokens) else ""
            advanced: list[tuple[_Node, int, int, int, bool]] = []
            for node, edits, swaps, respelt, rare in frontier:
                for nxt, cost, swap in self._steps(
                    node, word, at_root=node is self._trie, following=following
                ):
                    if edits + cost > MAX_EDITS:
                        continue
                    child = node.children[nxt]
                    now_rare = rare or (cost == 0 and self.commonness(nxt) == 0)
                    now_respelt = respelt + int(cost == 0 and nxt != word)
                    advanced.append((child, edits + cost, swaps + swap, now_respelt, now_rare))
                    for entry in child.entries:
                        if swaps + swap == 0 or entry.n_tokens >= 3 or now_rare:
                            hits.append(_Hit(entry, j, edits + cost, respelt=now_respelt))
            frontier = advanced[:8]
            j += 1
        # Names written with different spacing: "spiderman", "robert deniro", "scifi".
        joined = ""
        for j in range(start, min(start + 4, len(tokens))):
            joined += tokens[j].text
            if len(joined) >= 6:
                for entry in self._compact.get(joined, ()):
                    if entry.n_tokens != j - start + 1:
                        hits.append(_Hit(entry, j, 0, compact=True))
        return hits

    def _steps(
        self, node: _Node, word: str, *, at_root: bool, following: str = ""
    ) -> list[tuple[str, int, int]]:
        """Ways on from a trie node for a word: (next token, edits, real-word swaps)."""
        children = node.children
        if word in children:
            rare_next = following in self._vocab and self.commonness(following) == 0
            if (
                not at_root
                or len(word) < 5
                or not rare_next
                or following in children[word].children
            ):
                return [(word, 0, 0)]
            # "Forest Gump": a real word that leads nowhere the next word goes; a close one may.
            return [(word, 0, 0)] + [
                (w, d, 1)
                for w, d in self._correct(word)
                if d == 1 and w in children and following in children[w].children
            ]
        respelt = [(w, 0, 0) for w in respellings(word) if w in children]
        if respelt:
            return respelt  # "se7en" -> "seven"
        if len(word) < 4 or not word.isalpha():
            return []
        if word not in self._vocab and word not in self._known_words:
            if len(word) < 5:
                # A short unknown word only inside a title, one edit from a way on: the
                # "gril" of "Gone Gril".
                if at_root or len(children) > 64:
                    return []
                return [
                    (w, 1, 0)
                    for w in children
                    if len(w) >= 4 and OSA.distance(word, w, score_cutoff=1) <= 1
                ]
            if word in self._common:
                return []
            return [(w, d, 0) for w, d in self._correct(word) if w in children]
        if at_root:
            # A real word before a rare catalog word may be a misspelt first word:
            # "Forest Gump". Only then is the whole vocabulary searched.
            if len(word) < 5 or following not in self._vocab or self.commonness(following) > 0:
                return []
            return [(w, d, 1) for w, d in self._correct(word) if d == 1 and w in children]
        if len(children) > 64:
            return []
        # A real word one edit from the only ways on: "the dark night rises".
        return [
            (w, 1, 1)
            for w in children
            if w and len(w) >= 4 and OSA.distance(word, w, score_cutoff=1) <= 1
        ]

    def _corrections(self, word: str) -> tuple[tuple[str, int], ...]:
        max_distance = 1 if len(word) <= 7 else 2
        found = process.extract(
            word, self._vocab_list, scorer=OSA.distance, score_cutoff=max_distance, limit=12
        )
        return tuple((w, int(d)) for w, d, _ in found if w[:1] == word[:1])

    def _score(
        self,
        text: str,
        tokens: Sequence[Token],
        first: int,
        hit: _Hit,
        matches: dict[tuple[int, int], Match],
        wanted: set[str] | None,
    ) -> None:
        entry = hit.entry
        entity = self.entities[entry.entity]
        if wanted is not None and entity.kind not in wanted:
            return
        span = tokens[first : hit.last + 1]
        if entry.variant == "surname" and not span[0].capitalized:
            return
        conf = BASE[entry.variant] - EDIT_COST * hit.edits - (COMPACT_COST if hit.compact else 0.0)
        start, end = span[0].start, span[-1].end
        year, year_end = _year_after(text, end)
        confirmed = False
        if entity.kind == "item" and year is not None:
            if entity.year == year:
                conf = max(conf, YEAR_CONFIRMED - 0.1 * hit.edits)
                confirmed = True
                end = year_end
            else:
                conf -= YEAR_CONFLICT
        if not confirmed and entity.kind == "item":
            if _in_longer_name(text, tokens, first, hit.last):
                conf -= PART_OF_NAME
            if hit.compact and all(self.commonness(t.text) >= 0.6 for t in span):
                conf -= COMPACT_CHAT  # "a 9 yr old boy" is no "Oldboy"
            small = (  # written small: no capital, not shouted, not quoted
                not any(t.capitalized for t in span)
                and not text[start:end].isupper()
                and not _quoted(text, start, end)
            )
            # a message that is only the name means the name
            lone = len(span) == 1 and len(tokens) > 1 and small
            after = tokens[hit.last + 1].text if hit.last + 1 < len(tokens) else ""
            # "old school action", "classic comedy": ordinary words written small before a
            # genre word say what kind of film, whatever the title they spell.
            kind_of = (
                len(span) > 1
                and small
                and singular(after) in self._genre_words
                and all(self.commonness(t.text) >= 1.0 for t in span)
            )
            if (lone and after in FILM_WORDS) or kind_of:
                conf -= DESCRIBES_FILMS
            elif lone and not (first > 0 and tokens[first - 1].text in TASTE_VERBS):
                conf -= LOWERCASE_WORD  # "planes, trains or cars", "rent them"
                before = tokens[first - 1].text if first > 0 else ""
                if span[0].text in self._ranks and before in DETERMINERS | BEFORE_A_NOUN:
                    conf -= LOWERCASE_ENGLISH
        if not confirmed and entry.variant != "surname":  # surnames already need capitals
            # A misspelt word is not an ordinary word: only the exact tokens can be chat.
            exact_share = max(0.0, 1.0 - (hit.edits + hit.respelt) / entry.n_tokens)
            conf -= exact_share * self._ordinary_words_penalty(
                text, tokens, first, hit.last, entry, entity.kind
            )
        conf = round(max(0.0, min(1.0, conf)), 4)
        match = matches.get((start, end))
        if match is None:
            match = matches[(start, end)] = Match(start, end, first, hit.last)
        match.year_confirmed = match.year_confirmed or confirmed
        if conf > match.scores.get(entry.entity, -1.0):
            match.scores[entry.entity] = conf

    def _ordinary_words_penalty(
        self, text: str, tokens: Sequence[Token], first: int, last: int, entry: Entry, kind: str
    ) -> float:
        span = tokens[first : last + 1]
        n = min(entry.n_tokens, 4) - 1
        penalty = COMMON_PENALTY[n] * entry.commonness
        if entry.short:
            penalty += SHORT_PENALTY
        if penalty <= 0:
            return 0.0
        start, end = span[0].start, span[-1].end
        quoted = (
            start > 0 and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES
        )
        if quoted:
            return penalty * QUOTED_SHARE
        if kind == "item" and _occasion(tokens, first, last):
            return 1.0  # "a scary movie for Halloween" is for the night, not the film
        if kind not in {"item", "person"}:
            # Genres and tags are category words, ordinary by nature: in a chat about films
            # "comedy" names the genre, and "war movies" surely does, but "my family" does not.
            if _film_word_near(tokens, first, last):
                return penalty * 0.2
            owned = first > 0 and tokens[first - 1].text in _OWNERS
            return penalty * (1.0 if owned else 0.3)
        content = [t for t in span if t.text not in STOPWORDS] or list(span)
        # A word that starts a sentence says nothing by its capital, but the words after it
        # do: "Die Hard is great" is written like a name.
        written = [t.capitalized or (t is span[0] and text[t.start].isupper()) for t in content]
        if not entry.function_only and all(written) and any(t.capitalized for t in content):
            penalty *= CAPITALIZED_SHARE[n]
        elif first > 0 and tokens[first - 1].text in DETERMINERS:
            penalty += DETERMINER_PENALTY
        after_taste = first > 0 and tokens[first - 1].text in TASTE_VERBS
        # "Toy Story and Up", "Heat or Jaws": a name written with capitals beside another
        # across "and" / "or" is one of a list of names.
        genre_list = all(singular(t.text) in self._genre_words for t in span)
        listed = (
            all(t.capitalized for t in span)
            and not genre_list  # "Comedy, Thriller and Action" lists genres, not "The Thriller"
            and _beside_a_name(tokens, first, last)
        )
        if kind == "item" and not entry.function_only and (after_taste or listed):
            penalty *= TASTE_SHARE
        elif (
            kind == "item"
            and entry.function_only
            and len(span) == 1
            and span[0].capitalized
            and (after_taste or listed)
        ):
            # "I loved Up", "I liked It and Us": a title made of a function word, written
            # with a capital where no sentence starts, after a verb of taste or in a list of
            # names, is the film. "up" alone never is.
            penalty *= CAPITALIZED_SHARE[0] * TASTE_SHARE
        return penalty

    # ---------------------------------------------------------------- resolving
    def ranked(self, match: Match) -> list[tuple[Entity, float]]:
        """A match's entities, best first: by confidence, then popularity or degree."""
        pairs = [(self.entities[e], s) for e, s in match.scores.items()]
        if match.year_confirmed:
            pairs = [(e, s) for e, s in pairs if e.kind != "item" or s >= YEAR_CONFIRMED - 0.2]
        pairs.sort(key=lambda p: (p[1], p[0].rank_key), reverse=True)
        return pairs

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with a graph node id, if linkable."""
        index = self._by_id.get(entity_id)
        return None if index is None else self.entities[index]

    def resolve(
        self, name: str, *, kinds: Iterable[str] | None = None
    ) -> list[tuple[Entity, float]]:
        """Resolve a whole name (``"Inception (2010)"``, ``"dune"``, ``"Christopher Nolan"``).

        Returns candidates best first; empty when nothing fits. Exact titles (with the
        year when given) come first, then the best link covering most of the name, then
        the closest title by fuzzy string similarity.
        """
        wanted = set(kinds) if kinds is not None else None
        title, year = split_title_year(name)
        key = " ".join(words(title))
        if wanted is None or "item" in wanted:
            exact = [self.entities[i] for i in self._title_keys.get(key, [])]
            if year is not None:
                exact = [e for e in exact if e.year == year] or []
            if exact:
                exact.sort(key=lambda e: e.rank_key, reverse=True)
                return [(e, YEAR_CONFIRMED if year else 0.95) for e in exact]
        links = self.link(name, kinds=wanted, min_confidence=0.3)
        covering = [m for m in links if (m.end - m.start) >= 0.6 * len(name.strip())]
        if covering:
            best = max(covering, key=lambda m: (m.confidence, m.end - m.start))
            return self.ranked(best)
        if wanted is not None and "item" not in wanted:
            return []
        found = process.extractOne(key, list(self._title_keys), scorer=fuzz.ratio, score_cutoff=85)
        if found is None:
            return []
        candidates = [self.entities[i] for i in self._title_keys[found[0]]]
        if year is not None:
            candidates.sort(key=lambda e: (e.year == year, e.rank_key), reverse=True)
        else:
            candidates.sort(key=lambda e: e.rank_key, reverse=True)
        return [(e, round(found[1] / 100 * 0.8, 4)) for e in candidates]


def _respelt(tokens: Sequence[str], is_word: Callable[[str], bool]) -> list[list[str]]:
    """A title written other ways, one token changed at a time: "Ocean's 11" for "Ocean's
    Eleven", "Seven" for "Se7en" (a letter form only when it is a real word)."""
    found: list[list[str]] = []
    for i, token in enumerate(tokens):
        for other in respellings(token):
            if other.isdigit() or token.isdigit() or is_word(other):
                found.append([*tokens[:i], other, *tokens[i + 1 :]])
    return found[:4]


def _quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES


def _in_longer_name(text: str, tokens: Sequence[Token], first: int, last: int) -> bool:
    """True when a capitalised word right before or after a span continues the name: the
    span is part of a title the catalog may not know ("Captain Spaghetti and the Noodle
    Knights"). A possessive before it is an owner ("Pixar's Up")."""
    before = tokens[first - 1] if first > 0 else None
    after = tokens[last + 1] if last + 1 < len(tokens) else None
    if before is not None and before.capitalized:
        owner = text[before.start : before.end].endswith(("'s", "’s", "s'"))
        if not owner and not text[before.end : tokens[first].start].strip():
            return True
    if after is not None and after.capitalized:
        return not text[tokens[last].end : after.start].strip()
    return False


def _year_after(text: str, end: int) -> tuple[int | None, int]:
    match = _YEAR_AFTER.match(text[end : end + 12])
    if match is None:
        return None, end
    return int(match.group(1) or match.group(2)), end + match.end()


OCCASIONS = frozenset(
    {
        "halloween",
        "christmas",
        "christmas eve",
        "thanksgiving",
        "easter",
        "valentines day",
        "new years eve",
        "new years day",
        "mothers day",
        "fathers day",
        "independence day",
        "date night",
        "game night",
        "movie night",
        "family night",
        "girls night",
    }
)
"""Holidays and evenings that are also film titles: after "for", "on", "this"... they are
when the film is for ("a scary movie for Halloween"), not a film named."""
_OCCASION_CUES = frozenset({"for", "on", "this", "at", "over", "around", "during", "before"})


def _beside_a_name(tokens: Sequence[Token], first: int, last: int) -> bool:
    """True when "and" / "or" joins the span to a capitalised word on either side."""
    before = (
        first >= 2 and tokens[first - 1].text in {"and", "or"} and tokens[first - 2].capitalized
    )
    after = (
        last + 2 < len(tokens)
        and tokens[last + 1].text in {"and", "or"}
        and tokens[last + 2].capitalized
    )
    return before or after


def _occasion(tokens: Sequence[Token], first: int, last: int) -> bool:
    words = " ".join(t.text for t in tokens[first : last + 1])
    return words in OCCASIONS and first > 0 and tokens[first - 1].text in _OCCASION_CUES


def names_occasion(text: str) -> bool:
    """True when the text says what the film is for ("something fun for Christmas")."""
    tokens = tokenize(text)
    return any(
        _occasion(tokens, first, last)
        for first in range(1, len(tokens))
        for last in range(first, min(first + 3, len(tokens)))
    )


def _film_word_near(tokens: Sequence[Token], first: int, last: int) -> bool:
    before = tokens[first - 1].text if first > 0 else ""
    after = tokens[last + 1].text if last + 1 < len(tokens) else ""
    return after in FILM_WORDS or singular(after) in FILM_WORDS or before in {"genre", "genres"}


def _degrees(catalog: Catalog, graph: KnowledgeGraph | None) -> dict[str, int]:
    if graph is not None:
        return {str(n): int(d) for n, d in graph.graph.degree()}
    counts: Counter[str] = Counter()
    for item in catalog:
        for name, values in item.attributes.items():
            kind = relation_for(name).node_kind
            counts[item_node(item.item_id)] += len(values)
            counts.update(value_node(kind, v) for v in values)
    return dict(counts)


def _value_nodes(catalog: Catalog, graph: KnowledgeGraph | None) -> list[tuple[str, str, str]]:
    if graph is not None:
        return [
            (str(node), str(data.get("kind")), str(data.get("label")))
            for node, data in graph.graph.nodes(data=True)
            if data.get("kind") != "item"
        ]
    seen: dict[str, tuple[str, str, str]] = {}
    for item in catalog:
        for name, values in item.attributes.items():
            kind = relation_for(name).node_kind
            for v in values:
                node = value_node(kind, v)
                seen.setdefault(node, (node, kind, v))
    return list(seen.values())
