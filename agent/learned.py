"""The learned fusion: a LightGBM LambdaRank model over per-candidate features.

Every ranker proposes candidates; the model scores each one from what the rankers said
(rank and score in each list), what the catalog knows (popularity, how much the item
shares with the liked items, how close its description's vector lies to theirs, the
year), what the user asked for (wanted values, how much is known) and what people
recommended in conversations where the seeker said similar things (`knowledge.talks`,
stored with the model). It is trained by ``parley train-ranker`` on the ReDial training
dialogues (each recommender turn is a query; the films the human recommended are the
relevant candidates) and stored in the pack with its feature list. Hard constraints are
never features: they filter the candidates before the model sees them.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from agent.profile import Profile, topic_words
from knowledge.embed import get_embedder
from knowledge.errors import PackError
from knowledge.items import Catalog, Item
from knowledge.lexicon import GRISLY, MOODS, STUDIOS, SUBJECT_WORDS
from knowledge.talks import MEMORY_FILE, TalkMemory, seeker_text
from knowledge.text import STOPWORDS, singular, words
from knowledge.twins import Twins

log = logging.getLogger(__name__)

MODEL_FILE = "ranker.txt"
TAIL_FILE = "ranker-tail.txt"
INFO_FILE = "ranker.json"
RANKERS = ("retriever", "kg_paths", "collab", "sid", "popular")
"""Rankers the model knows by name; any other (a plug-in) enters through `plugin_rrf`."""
PEOPLE = ("director", "writer", "star")
RRF_K = 60
FIRST_PAGE = 10
"""The first places, where lesser-known films get their bonus (`first_page_bonus`)."""
FIRST_CARDS = 3
"""The places the bonus never changes: the cards a turn shows first stay the model's own
best (`first_page_bonus`)."""


def feature_names() -> list[str]:
    """The model's inputs, in column order."""
    names = []
    for tool in RANKERS:
        names += [f"{tool}_rank", f"{tool}_score"]
    names += ["plugin_rrf", "lists", "rrf"]
    names += ["popularity", "log_degree", "liked_popularity", "popularity_gap"]
    names += [f"liked_same_{p}" for p in PEOPLE]
    names += ["liked_genre_overlap", "liked_genre_max", "liked_title_overlap"]
    names += ["liked_text_max", "liked_text_mean"]
    names += ["wanted_matches", "wanted_genre", "wanted_person", "avoided_near"]
    names += ["year", "year_gap", "has_year"]
    names += ["n_liked", "n_wanted", "has_notes"]
    names += ["talks", "talks_share"]
    return names


FEATURES = feature_names()
POPULARITY = FEATURES.index("popularity")


KIN_ROLES = ("director", "writer")
"""The roles whose people make a film what it is (`CatalogIndex.kin`), in either role: Mamoru
Oshii directed *Ghost in the Shell* and wrote *Jin-Roh*. (`agent.ranking.MAKERS`, for how
close a card is to a liked film, leaves the writer out: there the novelist would tie
*The Shining* to *The Shawshank Redemption*.)"""


_SUBTITLE = re.compile(r"\s*(?::| - | – | — ).*$")
_TITLE_LEAD = re.compile(r"^(?:the|a|an)\s+", re.I)
_TITLE_NUMBER = re.compile(r"\s+(?:\d+|[ivx]+)$", re.I)


def title_subject(title: str) -> set[str]:
    """The subject a title names by itself, in the singular: "Heist", "The Witch", "Alien
    3" and "Alien: Covenant" name their subject; "Dog Day Afternoon", "Reservoir Dogs" and
    "Star Wars" use a word of a subject without being about it, so a title of more than
    one telling word names none."""
    main = _TITLE_NUMBER.sub("", _TITLE_LEAD.sub("", _SUBTITLE.sub("", title.strip())))
    telling = [w for w in words(main) if w not in STOPWORDS]
    return {singular(telling[0])} if len(telling) == 1 else set()


@dataclass
class CatalogIndex:
    """Per-item attribute sets and figures, computed once per catalog."""

    catalog: Catalog
    degree: Mapping[str, int] = field(default_factory=dict)
    vectors: np.ndarray | None = None
    """The pack's item vectors (row i = ``catalog.items[i]``), for how close a candidate's
    description lies to the liked films' (`text_closeness`); ``None``: unknown."""
    tags: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Per item, the words viewers tagged it with (the pack's ``tags.json``): what the
    moods of `knowledge.lexicon.MOODS` pick out."""
    _kin: dict[tuple[str, float], frozenset[str]] = field(default_factory=dict, repr=False)

    @cached_property
    def unit_vectors(self) -> tuple[dict[str, int], np.ndarray] | None:
        """Item id -> row, and the item vectors scaled to length 1 (``None`` without
        vectors, or when they do not match the catalog)."""
        if self.vectors is None or len(self.vectors) != len(self.catalog.items):
            return None
        found = np.asarray(self.vectors, dtype=np.float32)
        found = found / np.maximum(np.linalg.norm(found, axis=1, keepdims=True), 1e-9)
        return {item.item_id: r for r, item in enumerate(self.catalog.items)}, found

    def text_closeness(self, candidates: Sequence[str], liked: Sequence[str]) -> np.ndarray:
        """``(len(candidates), 2)``: each candidate's greatest and mean cosine similarity
        to the liked items' vectors (NaN when either is unknown).

        The retriever matches the words of the request; this matches film to film, and a
        lesser-known film is found by what it is about, not by how many people rated it.
        With these two columns `parley train-ranker`'s out-of-fold Recall@10 on the ReDial
        training turns rose from 0.215 to 0.221 (a fresh pack without ``sid``, commit
        873c2b8), and they were the fourth and sixth strongest features by gain.
        """
        out = np.full((len(candidates), 2), np.nan, dtype=np.float32)
        table = self.unit_vectors
        if table is None or not liked:
            return out
        rows, unit = table
        anchors = [rows[i] for i in liked if i in rows]
        known = [(r, rows[c]) for r, c in enumerate(candidates) if c in rows]
        if not anchors or not known:
            return out
        at, where = zip(*known, strict=True)
        close = unit[list(where)] @ unit[anchors].T
        out[list(at), 0] = close.max(axis=1)
        out[list(at), 1] = close.mean(axis=1)
        return out

    @cached_property
    def people(self) -> dict[str, dict[str, frozenset[str]]]:
        """Role -> item -> lowercase names."""
        return {
            role: {i.item_id: frozenset(v.lower() for v in i.values(role)) for i in self.catalog}
            for role in PEOPLE
        }

    @cached_property
    def genres(self) -> dict[str, frozenset[str]]:
        """Item -> lowercase genres."""
        return {i.item_id: frozenset(v.lower() for v in i.values("genre")) for i in self.catalog}

    @cached_property
    def title_words(self) -> dict[str, dict[str, float]]:
        """Item -> the telling words of its title, each weighted by how rare it is among
        the catalog's titles (inverse document frequency): "Madagascar" weighs far more
        than "house"."""
        found = {
            i.item_id: {w for w in words(i.title) if len(w) > 1 and w not in STOPWORDS}
            for i in self.catalog
        }
        counts = Counter(w for ws in found.values() for w in ws)
        n = max(1, len(found))
        return {item_id: {w: math.log(n / counts[w]) for w in ws} for item_id, ws in found.items()}

    @cached_property
    def story_words(self) -> dict[str, frozenset[str]]:
        """Word (in the singular) -> the items whose description has it, or whose title is
        the word alone (`title_subject`)."""
        found: dict[str, set[str]] = {}
        for item in self.catalog:
            told = {singular(w) for w in words(item.description)} | title_subject(item.title)
            for word in told - STOPWORDS:
                found.setdefault(word, set()).add(item.item_id)
        return {word: frozenset(ids) for word, ids in found.items()}

    @cached_property
    def spellings(self) -> dict[str, str]:
        """Word (lower case) -> how the catalog's descriptions usually spell it: "Vietnam",
        "Christmas", but "heist" (capitalized at least two times in three, else lower
        case; titles left out, where every word is capitalized)."""
        forms: dict[str, Counter[str]] = {}
        for item in self.catalog:
            for word in re.findall(r"[^\W\d_]+", item.description):
                forms.setdefault(word.lower(), Counter())[word] += 1
        spelled = {}
        for word, counts in forms.items():
            upper = sum(n for form, n in counts.items() if form[:1].isupper())
            if 3 * upper >= 2 * sum(counts.values()):
                spelled[word] = word.capitalize()
        return spelled

    def spell(self, text: str) -> str:
        """A subject as the catalog spells its words ("set in vietnam" -> "set in
        Vietnam")."""
        return " ".join(self.spellings.get(w.lower(), w) for w in text.split())

    def about(self, topic: str) -> frozenset[str]:
        """The items whose title or description has every word of a subject ("heist", "about
        time travel": `topic_words`), or a word that tells it (`_told`), and those tagged
        with the subject (`tagged`); for a mood
        (`knowledge.lexicon.MOODS`: "weird", "with a twist"), the items tagged with one of
        its tags."""
        if topic in MOODS:
            return self.moods.get(topic, frozenset())
        terms = topic_words(topic)
        if not terms:
            return frozenset()
        found = self._told(terms[0])
        for term in terms[1:]:
            found = found & self._told(term)
        return found | self.tagged.get(" ".join(terms), frozenset())

    def _told(self, term: str) -> frozenset[str]:
        """The items whose title or description has the word or one of its
        `knowledge.lexicon.SUBJECT_WORDS`."""
        found = self.story_words.get(term, frozenset())
        for other in SUBJECT_WORDS.get(term, ()):
            found = found | self.story_words.get(other, frozenset())
        return found

    @cached_property
    def moods(self) -> dict[str, frozenset[str]]:
        """Mood -> the items tagged with one of its tags (`knowledge.lexicon.MOODS`)."""
        found: dict[str, set[str]] = {}
        for item_id, tagged in self.tags.items():
            if item_id not in self.catalog:
                continue
            for name, mood in MOODS.items():
                if any(t in tagged for t in mood.tags):
                    found.setdefault(name, set()).add(item_id)
        if self.tags:  # a plot says only a few moods, and a pack without tags reads none
            for name, mood in MOODS.items():
                if mood.plot_says:
                    found.setdefault(name, set()).update(
                        i.item_id
                        for i in self.catalog
                        if mood.told_in(i.description, i.values("genre"))
                    )
                credits = [
                    (role, {n.lower() for n in names})
                    for studio in mood.studios
                    for role, names in STUDIOS[studio].items()
                ]
                if credits:
                    found.setdefault(name, set()).update(
                        i.item_id
                        for i in self.catalog
                        if any(
                            names & {v.lower() for v in i.values(role)} for role, names in credits
                        )
                    )
        return {mood: frozenset(ids) for mood, ids in found.items()}

    @cached_property
    def tagged(self) -> dict[str, frozenset[str]]:
        """Tag (its words in the singular) -> the items tagged with it: a subject's films
        that no plot names it in (*Ocean's Eleven* is tagged "heist")."""
        found: dict[str, set[str]] = {}
        for item_id, tags in self.tags.items():
            for tag in tags:
                key = " ".join(singular(w) for w in words(tag) if w not in STOPWORDS)
                if key and item_id in self.catalog:
                    found.setdefault(key, set()).add(item_id)
        return {tag: frozenset(ids) for tag, ids in found.items()}

    @cached_property
    def grisly(self) -> frozenset[str]:
        """The items whose title or description has a word of `knowledge.lexicon.GRISLY`
        (*The Texas Chain Saw Massacre* by its title)."""
        found: set[str] = set()
        for word in GRISLY:
            found |= self.about(word)
        grisly = {singular(w) for w in GRISLY}
        found.update(
            i.item_id for i in self.catalog if grisly & {singular(w) for w in words(i.title)}
        )
        return frozenset(found)

    def warm_up(self) -> None:
        """Build every table now rather than in the first turn that needs it."""
        _ = (self.people, self.genres, self.title_words, self.story_words, self.spellings)
        _ = self.unit_vectors

    def kin(self, item_id: str, title_share: float) -> frozenset[str]:
        """The item's close kin: the films by its director or writer that share a genre
        with it, and its sequels and remakes (``title_share`` of the title or more, a person
        and a genre in common). What "no Ghost in the Shell or anything like it" rules out
        with it: *Innocence* and *Jin-Roh*, which Mamoru Oshii wrote."""
        found = self._kin.get((item_id, title_share))
        if found is not None:
            return found
        genres = self.genres.get(item_id, frozenset())
        own = {role: table.get(item_id, frozenset()) for role, table in self.people.items()}
        made = self.makers.get(item_id, frozenset())
        kin = set()
        for other in self.catalog:
            j = other.item_id
            if j == item_id or not genres & self.genres.get(j, frozenset()):
                continue
            shared = any(names & self.people[r].get(j, frozenset()) for r, names in own.items())
            if made & self.makers.get(j, frozenset()) or (
                shared and self.title_overlap(item_id, j) >= title_share
            ):
                kin.add(j)
        self._kin[item_id, title_share] = found = frozenset(kin)
        return found

    @cached_property
    def makers(self) -> dict[str, frozenset[str]]:
        """Item -> the lowercase names of its directors and writers (`KIN_ROLES`)."""
        return {
            i.item_id: frozenset().union(*(self.people[r][i.item_id] for r in KIN_ROLES))
            for i in self.catalog
        }

    def title_overlap(self, a: str, b: str) -> float:
        """How much two titles share, 0 to 1: the weight of their common words over the
        weight of all their words. A sequel and its original share the most."""
        wa, wb = self.title_words.get(a, {}), self.title_words.get(b, {})
        common = wa.keys() & wb.keys()
        if not common:
            return 0.0
        total = sum(wa.values()) + sum(w for k, w in wb.items() if k not in wa)
        return sum(wa[k] for k in common) / total if total else 0.0


def candidate_features(
    index: CatalogIndex,
    profile: Profile,
    lists: Mapping[str, Sequence[tuple[str, float]]],
    candidates: Sequence[str],
    popularity: Mapping[str, float] | None = None,
    talks: Mapping[str, float] | None = None,
) -> np.ndarray:
    """The feature matrix ``(len(candidates), len(FEATURES))``; NaN where a value is unknown
    (an item a ranker did not list), which LightGBM learns to route. ``popularity``
    replaces the catalog's figures (training leaves out the dialogues it learns from).
    ``talks`` is what people recommended in conversations like this one, per item id
    (`talk_scores`); ``None`` where the model has no such memory."""
    catalog = index.catalog
    n = len(candidates)
    out = np.full((n, len(FEATURES)), np.nan, dtype=np.float32)
    column = {name: j for j, name in enumerate(FEATURES)}
    row = {item_id: r for r, item_id in enumerate(candidates)}

    rrf = np.zeros(n, dtype=np.float32)
    plugin = np.zeros(n, dtype=np.float32)
    lists_in = np.zeros(n, dtype=np.float32)
    for tool, ranked in lists.items():
        if not ranked:
            continue
        top = max(abs(s) for _, s in ranked) or 1.0
        for rank, (item_id, score) in enumerate(ranked, start=1):
            r = row.get(item_id)
            if r is None:
                continue
            lists_in[r] += 1
            rrf[r] += 1.0 / (RRF_K + rank)
            if tool in RANKERS:
                out[r, column[f"{tool}_rank"]] = rank
                out[r, column[f"{tool}_score"]] = score / top
            else:
                plugin[r] += 1.0 / (RRF_K + rank)
    out[:, column["plugin_rrf"]] = plugin
    out[:, column["lists"]] = lists_in
    out[:, column["rrf"]] = rrf

    liked = [i for i in profile.anchors() if i in catalog]
    liked_years = [y for y in (catalog[i].year for i in liked) if y is not None]

    def popularity_of(item_id: str) -> float:
        if popularity is not None:
            return popularity.get(item_id, 0.0)
        return catalog[item_id].popularity or 0.0

    liked_popularity = sum(popularity_of(i) for i in liked) / len(liked) if liked else float("nan")
    out[:, column["liked_popularity"]] = liked_popularity
    mean_year = sum(liked_years) / len(liked_years) if liked_years else None
    wanted_genres = {v.lower() for v in profile.wanted.get("genre", [])}
    wanted_people = {v.lower() for p in PEOPLE for v in profile.wanted.get(p, [])}
    avoided = {v.lower() for vs in profile.avoided.values() for v in vs}
    n_wanted = sum(len(v) for v in profile.wanted.values())
    for r, item_id in enumerate(candidates):
        item: Item = catalog[item_id]
        out[r, column["popularity"]] = popularity_of(item_id)
        out[r, column["popularity_gap"]] = popularity_of(item_id) - liked_popularity
        out[r, column["log_degree"]] = math.log1p(index.degree.get(item_id, 0))
        for role in PEOPLE:
            mine = index.people[role][item_id]
            out[r, column[f"liked_same_{role}"]] = sum(
                1 for i in liked if mine & index.people[role][i]
            )
        genres = index.genres[item_id]
        overlaps = [_jaccard(genres, index.genres[i]) for i in liked]
        out[r, column["liked_genre_overlap"]] = sum(overlaps) / len(overlaps) if overlaps else 0
        out[r, column["liked_genre_max"]] = max(overlaps, default=0.0)
        out[r, column["liked_title_overlap"]] = max(
            (index.title_overlap(item_id, i) for i in liked), default=0.0
        )
        out[r, column["wanted_matches"]] = wanted_matches(profile, item)
        out[r, column["wanted_genre"]] = len(genres & wanted_genres)
        people = set().union(*(index.people[p][item_id] for p in PEOPLE))
        out[r, column["wanted_person"]] = len(people & wanted_people)
        out[r, column["avoided_near"]] = len((genres | people) & avoided)
        if item.year:
            out[r, column["year"]] = item.year
            if mean_year is not None:
                out[r, column["year_gap"]] = abs(item.year - mean_year)
        out[r, column["has_year"]] = float(item.year is not None)
    out[:, [column["liked_text_max"], column["liked_text_mean"]]] = index.text_closeness(
        candidates, liked
    )
    out[:, column["n_liked"]] = len(liked)
    out[:, column["n_wanted"]] = n_wanted
    out[:, column["has_notes"]] = float(bool(profile.notes))
    if talks is not None:
        out[:, [column["talks"], column["talks_share"]]] = talk_columns(candidates, talks)
    return out


def talk_columns(candidates: Sequence[str], talks: Mapping[str, float]) -> np.ndarray:
    """The `talks` and `talks_share` columns: each candidate's vote from similar
    conversations, raw and as a share of the best-voted film's."""
    found = np.array([talks.get(i, 0.0) for i in candidates], dtype=np.float32)
    share = found / (max(talks.values(), default=0.0) or 1.0)
    return np.stack([found, share], axis=1).reshape(len(candidates), 2)


def talk_scores(
    memory: TalkMemory | None,
    profile: Profile,
    twins: Twins,
    leave_out: int | None = None,
) -> dict[str, float] | None:
    """What people recommended in conversations whose seekers said what this user said,
    for every record of each film (twins share a score); ``None`` without a memory, empty
    when the user has said nothing about their taste yet."""
    if memory is None:
        return None
    text = seeker_text(profile.said)
    if not text:
        return {}
    vector = get_embedder().encode([text])[0]
    found = memory.scores(vector, leave_out=leave_out)
    return {twin: score for item_id, score in found.items() for twin in twins.of(item_id)}


def wanted_matches(profile: Profile, item: Item) -> int:
    """How many of the attributes the user asked for (genre, director, ...) the item meets:
    the model's feature, and what `agent.ranking.wanted_first` orders by."""
    met = 0
    for attribute, values in profile.wanted.items():
        have = {v.lower() for v in item.values(attribute)}
        if have & {v.lower() for v in values}:
            met += 1
    return met


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass
class Bag:
    """Boosters trained on the same queries, scoring by their mean. LightGBM's row and
    feature sampling make one model's order depend on its seed, and on a few thousand
    training turns that spread is as large as most changes one would test; boosters
    trained to different objectives (`agent.train_ranker.OBJECTIVES`) err differently too.
    """

    boosters: list[Any]
    standardize: bool = False
    """Put each booster's scores of the rows (one turn's candidates) on one scale, mean 0
    and deviation 1, before the mean: boosters trained to different objectives score on
    different scales (a log-odds, a listwise score)."""

    def predict(self, features: np.ndarray, num_threads: int = 1) -> np.ndarray:
        """The boosters' mean score of each row."""
        scores = [
            np.asarray(
                b.predict(features, num_threads=num_threads, raw_score=True), dtype=np.float64
            )
            for b in self.boosters
        ]
        if self.standardize:
            scores = [standardized(s) for s in scores]
        return np.mean(scores, axis=0)

    def feature_importance(self, importance_type: str = "gain") -> np.ndarray:
        """The boosters' mean importance of each feature."""
        return np.mean(
            [b.feature_importance(importance_type=importance_type) for b in self.boosters],
            axis=0,
        )


def standardized(scores: np.ndarray) -> np.ndarray:
    """Scores shifted to mean 0 and scaled to deviation 1 (only shifted when all equal)."""
    if not len(scores):
        return scores
    centred = scores - scores.mean()
    spread = float(centred.std())
    return centred / spread if spread > 0 else centred


def _model_files(folder: Path, count: int, first: str = MODEL_FILE) -> list[Path]:
    """The files of a bag of ``count`` boosters: ``ranker.txt``, ``ranker-2.txt``, ...
    (``ranker-tail.txt``, ``ranker-tail-2.txt``, ... for the tail model)."""
    if count < 1:
        return []
    stem, suffix = first.rsplit(".", 1)
    return [folder / first] + [folder / f"{stem}-{k}.{suffix}" for k in range(2, count + 1)]


@dataclass
class LearnedRanker:
    """A trained model and what it was trained on."""

    booster: Any
    info: dict[str, Any]
    tail_bonus: float = 0.0
    """Score a lesser-known film gains in the race for the first `FIRST_PAGE` places (chosen
    at training so that the out-of-fold tail recall is not below reciprocal-rank fusion's;
    see `agent.train_ranker` and `first_page_bonus`)."""
    tail_below: float = 0.0
    """The popularity under which a film is lesser known: the tail third of the catalog's
    popularity mass (`agent.evaluation.beyond.tail_below`), films without any signal too."""
    memory: TalkMemory | None = None
    """The conversations its `talks` features look in (`knowledge.talks`), saved with it."""
    tail_model: Any = None
    """The tail model: boosters trained on the lesser-known candidates of each training turn
    only, which learn what makes an obscure film the right one (`agent.train_ranker`,
    `TAIL_OBJECTIVE`); ``None`` in packs trained before it."""
    tail_weight: float = 0.0
    """How much the tail model's opinion (its scores standardized among the turn's
    lesser-known candidates) moves those candidates' scores (`tail_lift`)."""

    @property
    def lifts_tail(self) -> bool:
        """Whether anything lifts lesser-known films: the bonus or the tail model."""
        return self.tail_bonus > 0 or (self.tail_model is not None and self.tail_weight > 0)

    @property
    def left_out(self) -> frozenset[str]:
        """Rankers whose lists the model never saw (see `leaking_rankers`): left out of
        its pool and features live too, so that it scores what it was trained on."""
        return frozenset(self.info.get("left_out", []))

    def scores(self, features: np.ndarray, *, tail_bonus: bool = True) -> np.ndarray:
        """One score per candidate row, higher is better; ``tail_bonus=False`` leaves out
        what lifts lesser-known films, the tail model and the bonus (an ablation)."""
        if features.shape[0] == 0:
            return np.zeros(0)
        raw = np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)
        if not tail_bonus:
            return raw
        lesser = lesser_known(features, self.tail_below)
        if self.tail_model is not None and self.tail_weight > 0 and lesser.any():
            opinion = np.zeros(len(raw))
            opinion[lesser] = self.tail_model.predict(features[lesser], num_threads=1)
            raw = tail_lift(raw, opinion, lesser, self.tail_weight)
        return first_page_bonus(raw, lesser, self.tail_bonus)

    def save(self, folder: Path) -> None:
        """Write the model and its description into a pack folder."""
        boosters = self.booster.boosters if isinstance(self.booster, Bag) else [self.booster]
        stem = MODEL_FILE.rsplit(".", 1)[0]
        for stale in folder.glob(f"{stem}-*.txt"):
            stale.unlink()
        for booster, path in zip(boosters, _model_files(folder, len(boosters)), strict=True):
            booster.save_model(str(path))
        tail = self.tail_model.boosters if isinstance(self.tail_model, Bag) else []
        for booster, path in zip(tail, _model_files(folder, len(tail), TAIL_FILE), strict=True):
            booster.save_model(str(path))
        info = {
            **self.info,
            "bag": len(boosters),
            "standardized": isinstance(self.booster, Bag) and self.booster.standardize,
            "tail_bonus": self.tail_bonus,
            "tail_below": self.tail_below,
            "tail_model": len(tail),
            "tail_weight": self.tail_weight if tail else 0.0,
        }
        (folder / INFO_FILE).write_text(json.dumps(info, indent=2, ensure_ascii=False))
        if self.memory is not None:
            self.memory.save(folder)
        else:
            (folder / MEMORY_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> LearnedRanker | None:
        """The pack's model, or ``None`` when it has none; an unusable one is an error."""
        if not (folder / MODEL_FILE).exists():
            return None
        try:
            import lightgbm as lgb
        except ImportError as exc:
            raise PackError(
                f"{folder} has a learned ranker, which needs lightgbm: pip install lightgbm"
            ) from exc
        try:
            info = json.loads((folder / INFO_FILE).read_text())
            boosters = [
                lgb.Booster(model_file=str(path))
                for path in _model_files(folder, int(info.get("bag", 1)))
            ]
            tail = [
                lgb.Booster(model_file=str(path))
                for path in _model_files(folder, int(info.get("tail_model", 0)), TAIL_FILE)
            ]
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise PackError(f"{folder}: the learned ranker is unreadable ({exc})") from exc
        if info.get("features") != FEATURES:
            raise PackError(
                f"{folder}: the learned ranker was trained on other features than this "
                "Parley computes; retrain it with `parley train-ranker`"
            )
        standardize = bool(info.get("standardized", False))
        return cls(
            boosters[0] if len(boosters) == 1 and not standardize else Bag(boosters, standardize),
            info,
            float(info.get("tail_bonus", 0.0)),
            float(info.get("tail_below", 0.0)),
            TalkMemory.load(folder),
            Bag(tail) if tail else None,
            float(info.get("tail_weight", 0.0)) if tail else 0.0,
        )


def lesser_known(features: np.ndarray, tail_below: float) -> np.ndarray:
    """Which candidate rows are lesser-known films: popularity (NaN or 0 when a film has
    no signal) under ``tail_below``."""
    return np.nan_to_num(features[:, POPULARITY]) < tail_below


def tail_lift(
    scores: np.ndarray,
    opinion: np.ndarray,
    lesser: np.ndarray,
    weight: float,
    keep: int = FIRST_CARDS,
) -> np.ndarray:
    """Scores with the lesser-known candidates moved by the tail model's ``opinion`` of
    them: standardized among those candidates (mean 0, deviation 1), times ``weight``.
    The first ``keep`` candidates by ``scores`` stay first, in their order, unmoved.

    The main model ranks lesser-known films among themselves by what it learned from all
    films, well-known ones first; a model that saw only lesser-known films learned what
    makes one of them the film a person recommends. On the ReDial training turns, out of
    fold, the two together find more of the tail at the same Recall@10 than the main
    model's order with the bonus alone (see `agent.train_ranker.choose_tail_bonus`). The
    well-known candidates keep their scores, and the first cards stay the main model's
    surest picks, as they do under the bonus (`first_page_bonus`)."""
    if weight <= 0 or int(lesser.sum()) < 2:
        return scores
    out = np.array(scores, dtype=np.float64)
    kept = np.argsort(-out, kind="stable")[:keep]
    moved = np.array(lesser, dtype=bool)
    moved[kept] = False
    if not moved.any():
        return out
    lift = weight * standardized(np.asarray(opinion, dtype=np.float64)[lesser])
    out[moved] += lift[moved[lesser]]
    rest = np.ones(len(out), dtype=bool)
    rest[kept] = False
    if len(kept) and rest.any():
        out[kept] += max(0.0, out[rest].max() - out[kept].min()) + 1e-3
    return out


def first_page_bonus(
    scores: np.ndarray,
    lesser: np.ndarray,
    bonus: float,
    page: int = FIRST_PAGE,
    keep: int = FIRST_CARDS,
) -> np.ndarray:
    """Scores whose order keeps the model's first ``keep`` candidates first, gives the rest
    of the first ``page`` places to the best candidates once the lesser-known ones gain
    ``bonus``, and keeps the model's own order below them.

    A model that learned "people recommend well-known films" is right on average and
    still buries the little-known film that fits: the bonus gives such films a fair share
    of the places a person looks at. The first cards a turn shows stay the model's surest
    picks, and below the first page a bonus would only push the films the model rates
    higher out of reach, so there too the model's order stands.
    """
    if bonus <= 0 or not len(scores):
        return scores
    out = np.array(scores, dtype=np.float64)
    kept = np.argsort(-out, kind="stable")[:keep]
    boosted = out + bonus * lesser
    boosted[kept] = np.inf
    first = np.argsort(-boosted, kind="stable")[:page]
    won = first[~np.isin(first, kept)]
    out[won] = boosted[won]
    if len(won) and len(kept):
        # The kept ones above every other place of the first page, in their own order.
        out[kept] += max(0.0, out[won].max() - out[kept].min()) + 1e-3
    rest = np.ones(len(out), dtype=bool)
    rest[first] = False
    if rest.any():
        # Below the lowest of the first page, by a margin that survives rounding.
        out[rest] -= max(0.0, out[rest].max() - out[first].min()) + 1e-3
    return out
