"""The learned fusion's features, its bonus for lesser-known films, and its training out of
fold."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from agent.learned import (
    FEATURES,
    Bag,
    CatalogIndex,
    LearnedRanker,
    candidate_features,
    first_page_bonus,
    lesser_known,
    tail_lift,
)
from agent.profile import Profile
from agent.ranking import Rankings, wanted_order, without
from agent.train_ranker import (
    ACCURACY_BUDGET,
    BONUSES,
    OBJECTIVES,
    PARAMS,
    REACH_BUDGET,
    ROUNDS,
    TAIL_CONFIDENCE,
    TAIL_GRADE,
    Query,
    _resamples,
    _wanted_scores,
    choose_tail_bonus,
    fold_of,
    leaking_rankers,
    out_of_fold,
    recall_at,
    tail_confidence,
    tail_opinions,
)
from tests.fixtures.catalogs import small_catalog


def test_features_say_what_each_ranker_and_the_profile_say() -> None:
    catalog = small_catalog()
    index = CatalogIndex(catalog)
    profile = Profile(liked=["inception"], wanted={"genre": ["sci-fi"]})
    lists = {"kg_paths": [("interstellar", 9.0), ("dark-knight", 3.0)], "mine": [("heat", 1.0)]}
    rows = candidate_features(index, profile, lists, ["interstellar", "heat", "titanic"])
    col = {name: j for j, name in enumerate(FEATURES)}
    assert rows.shape == (3, len(FEATURES))
    assert rows[0, col["kg_paths_rank"]] == 1 and rows[0, col["kg_paths_score"]] == 1.0
    assert np.isnan(rows[1, col["kg_paths_rank"]])  # not listed: unknown, not "last"
    assert rows[1, col["plugin_rrf"]] > 0  # a plug-in's list counts
    assert rows[0, col["liked_same_director"]] == 1  # Nolan, like Inception
    assert rows[0, col["wanted_genre"]] == 1 and rows[2, col["wanted_genre"]] == 0
    assert (rows[:, col["n_liked"]] == 1).all()


def test_features_say_how_well_known_the_liked_films_are() -> None:
    """A user who names little-known films gets candidates measured against them: the
    liked films' mean popularity and each candidate's distance from it."""
    catalog = small_catalog()
    index = CatalogIndex(catalog)
    col = {name: j for j, name in enumerate(FEATURES)}
    popularity = {"inception": 4.0, "heat": 2.0, "interstellar": 5.0, "titanic": 1.0}
    profile = Profile(liked=["inception", "heat"])
    rows = candidate_features(index, profile, {}, ["interstellar", "titanic"], popularity)
    assert (rows[:, col["liked_popularity"]] == 3.0).all()
    assert rows[:, col["popularity_gap"]].tolist() == [2.0, -2.0]
    fresh = candidate_features(index, Profile(), {}, ["interstellar"], popularity)
    assert np.isnan(fresh[0, col["liked_popularity"]]) and np.isnan(fresh[0, col["popularity_gap"]])


def test_features_say_how_close_each_candidate_lies_to_the_liked_films() -> None:
    """Film to film by their vectors: the closest liked film and the mean over them; NaN
    where the catalog has no vectors (or not one per item) or nothing is liked."""
    catalog = small_catalog()
    ids = [item.item_id for item in catalog]
    vectors = np.zeros((len(ids), 3), dtype=np.float32)
    vectors[:, 2] = 1.0  # the rest point one way
    vectors[ids.index("inception")] = [2.0, 0.0, 0.0]  # length does not count
    vectors[ids.index("heat")] = [0.0, 1.0, 0.0]
    vectors[ids.index("interstellar")] = [2.0, 1.0, 0.0]
    col = {name: j for j, name in enumerate(FEATURES)}
    index = CatalogIndex(catalog, vectors=vectors)
    liked = Profile(liked=["inception", "heat"])
    rows = candidate_features(index, liked, {}, ["interstellar", "titanic"])
    closest, mean = rows[:, col["liked_text_max"]], rows[:, col["liked_text_mean"]]
    assert np.allclose(closest, [2 / np.sqrt(5), 0.0])
    assert np.allclose(mean, [1.5 / np.sqrt(5), 0.0])
    one = candidate_features(index, Profile(liked=["heat"]), {}, ["interstellar"])
    assert np.isclose(one[0, col["liked_text_max"]], 1 / np.sqrt(5))
    for unknown in (
        candidate_features(index, Profile(), {}, ["interstellar"]),
        candidate_features(CatalogIndex(catalog), liked, {}, ["interstellar"]),
        candidate_features(CatalogIndex(catalog, vectors=vectors[:3]), liked, {}, ["titanic"]),
    ):
        assert np.isnan(unknown[:, [col["liked_text_max"], col["liked_text_mean"]]]).all()


def test_a_sequel_shares_its_title_with_the_liked_original() -> None:
    from knowledge.items import Catalog, Item

    titles = {
        "mad": "Madagascar",
        "mad2": "Madagascar: Escape 2 Africa",
        "house": "The House",
        "house2": "House of Wax",
        "shrek": "Shrek",
        "party": "House Party",
        "animal": "Animal House",
        "lake": "The Lake House",
    }
    catalog = Catalog([Item(item_id=k, title=t) for k, t in titles.items()])
    index = CatalogIndex(catalog)
    col = FEATURES.index("liked_title_overlap")
    rows = candidate_features(index, Profile(liked=["mad"]), {}, ["mad2", "shrek"])
    assert rows[0, col] > 0.2 and rows[1, col] == 0.0
    # "house" is a word many titles share: it tells less than "Madagascar" does.
    assert index.title_overlap("house", "house2") < index.title_overlap("mad", "mad2")
    assert (candidate_features(index, Profile(), {}, ["mad2"])[:, col] == 0).all()


class _Constant:
    def predict(self, features: np.ndarray, num_threads: int = 1) -> np.ndarray:
        return np.ones(features.shape[0])


class _Fixed:
    def __init__(self, scores: list[float]) -> None:
        self.values = np.array(scores, dtype=float)

    def predict(self, features: np.ndarray, num_threads: int = 1) -> np.ndarray:
        return self.values[: features.shape[0]]


def test_lesser_known_films_gain_a_place_on_the_first_page_only() -> None:
    # Twelve well-known films the model scores 12..1, then two lesser-known ones.
    model = [12.0 - n for n in range(12)] + [1.5, 0.5]
    features = np.zeros((14, len(FEATURES)), dtype=np.float32)
    features[:, FEATURES.index("popularity")] = [5.0] * 12 + [0.2, 0.2]
    ranker = LearnedRanker(_Fixed(model), {}, tail_bonus=3.0, tail_below=1.0)
    order = np.argsort(-ranker.scores(features), kind="stable").tolist()
    # 1.5 + 3 beats the films scored 4..1: the first lesser-known film takes 9th place.
    assert order[:10] == [0, 1, 2, 3, 4, 5, 6, 7, 12, 8]
    # 0.5 + 3 beats the films scored 3..1 too, but comes 11th: below the first page the
    # model's own order stands, and it stays behind them.
    assert order[10:] == [9, 10, 11, 13]
    plain = LearnedRanker(_Fixed(model), {}, tail_below=1.0)
    assert np.argsort(-plain.scores(features), kind="stable").tolist() == [*range(11), 12, 11, 13]


def test_a_film_without_any_signal_is_lesser_known() -> None:
    features = np.zeros((6, len(FEATURES)), dtype=np.float32)
    features[:, FEATURES.index("popularity")] = [5.0, 5.0, 5.0, 5.0, 0.2, np.nan]
    model = [3.0, 3.0, 3.0, 1.0, 0.0, 0.0]
    ranker = LearnedRanker(_Fixed(model), {}, tail_bonus=2.0, tail_below=1.0)
    scores = ranker.scores(features)
    assert scores[4] > scores[3] and scores[5] > scores[3]


def test_the_first_cards_stay_the_models_own() -> None:
    # However large the bonus, the model's first three stay first, in its order.
    features = np.zeros((6, len(FEATURES)), dtype=np.float32)
    features[:, FEATURES.index("popularity")] = [5.0, 5.0, 5.0, 5.0, 0.2, 0.2]
    ranker = LearnedRanker(_Fixed([3.0, 2.0, 1.0, 0.5, 0.0, -1.0]), {}, 50.0, 1.0)
    assert np.argsort(-ranker.scores(features), kind="stable").tolist() == [0, 1, 2, 4, 5, 3]


def _query(scores: list[float], target: int, popular: list[float], dialog: str = "d") -> Query:
    n = len(scores)
    features = np.zeros((n, len(FEATURES)), dtype=np.float32)
    features[:, FEATURES.index("popularity")] = popular
    features[:, FEATURES.index("rrf")] = np.arange(n, 0, -1)  # RRF puts them in id order
    labels = np.zeros(n, dtype=np.float32)
    labels[target] = 1
    ids = [f"i{j}" for j in range(n)]
    query = Query("k", dialog, features, labels, 1, ids, [ids[target]])
    query.tail_below = 1.0
    return query


def test_the_bonus_is_the_smallest_that_keeps_the_tail() -> None:
    # Fourteen candidates; the target is a lesser-known one that RRF ranks 2nd and a model
    # that loves popularity ranks 12th.
    popular = [0.1, 0.1] + [5.0] * 12
    model = [1.6, 1.5] + [2.0] * 10 + [-5.0, -5.0]
    queries = [_query(model, 1, popular)]
    scores = [np.array(model)]
    tiers = {f"i{j}": "tail" if popular[j] < 1 else "head" for j in range(14)}
    chosen, weight, table = choose_tail_bonus(queries, scores, tiers)
    assert table["rrf"]["tail"] == 1.0
    assert table["0/0"]["tail"] == 0.0
    keeping = [row["bonus"] for k, row in table.items() if "/" in k and row["tail"] == 1.0]
    assert chosen > 0 and weight == 0 and table["chosen"]["bonus"] == min(keeping)
    assert recall_at(queries, scores, 10) == 0.0


def test_the_bonus_never_costs_more_than_the_accuracy_budget() -> None:
    # Ten turns whose target is the well-known film the model ranks fourth, just ahead of
    # seven lesser-known ones; one turn whose lesser-known target the model ranks last. A
    # bonus that finds that one loses the ten.
    head_popular = [5.0] * 4 + [0.1] * 7 + [5.0]
    head_model = [3.0, 3.0, 3.0, 1.0] + [0.5] * 7 + [-10.0]
    tail_popular = [0.1, 0.1] + [5.0] * 10
    tail_model = [0.0, 0.0] + [1.0] * 10
    queries = [_query(head_model, 3, head_popular, f"h{n}") for n in range(10)]
    queries.append(_query(tail_model, 1, tail_popular, "t"))
    scores = [np.array(head_model)] * 10 + [np.array(tail_model)]
    tiers = {"i3": "head", "i1": "tail"}
    chosen, _, table = choose_tail_bonus(queries, scores, tiers)
    assert table["rrf"]["tail"] == 1.0 and table["0/1"]["tail"] == 1.0
    assert table["0/1"]["overall"] < table["0/0"]["overall"]
    assert chosen == 0.0


def test_the_tail_is_bought_back_whole_within_the_reach_budget() -> None:
    # Turns the bonus cannot touch (the target is the model's first card), two whose
    # well-known target a bonus pushes off the first page, and one whose lesser-known
    # target only a bonus brings onto it. Reaching fusion's tail costs one hit in
    # ``safe + 2``: taken within `REACH_BUDGET` (8 %), never beyond it, and never a
    # bonus that costs the hit without reaching the tail.
    head_popular = [5.0] * 4 + [0.1] * 7 + [5.0]
    safe_model = [9.0, 3.0, 3.0, 1.0] + [0.5] * 7 + [-10.0]
    fragile_model = [3.0, 3.0, 3.0, 1.0] + [0.5] * 7 + [-10.0]
    tail_popular = [0.1, 0.1] + [5.0] * 10
    tail_model = [0.0, 0.0] + [1.0] * 10
    tiers = {"i0": "head", "i3": "head", "i1": "tail"}
    for safe, reached in ((25, True), (10, False)):
        queries = [_query(safe_model, 0, head_popular, f"s{n}") for n in range(safe)]
        queries += [_query(fragile_model, 3, head_popular, f"f{n}") for n in range(2)]
        queries.append(_query(tail_model, 1, tail_popular, "t"))
        scores = [np.array(q) for q in [safe_model] * safe + [fragile_model] * 2 + [tail_model]]
        chosen, _, table = choose_tail_bonus(queries, scores, tiers)
        assert table["rrf"]["tail"] == 1.0
        best = table["0/0"]["overall"]
        assert table["chosen"]["tail"] == (1.0 if reached else 0.0), (safe, table["chosen"])
        assert (chosen > 0) == reached
        budget = REACH_BUDGET if reached else ACCURACY_BUDGET
        assert table["chosen"]["overall"] >= (1 - budget) * best


def test_the_tail_must_beat_fusions_with_confidence() -> None:
    # Sixty turns with one tail target each. Fusion finds ten of them. A ranking that finds
    # ten others (the same tail recall, by chance) is not sure to be as good on new turns;
    # one that finds the same ten and five more is.
    draws = _resamples(60)
    reference = np.array([[1.0, 1.0]] * 10 + [[0.0, 1.0]] * 50)
    others = np.array([[0.0, 1.0]] * 10 + [[1.0, 1.0]] * 10 + [[0.0, 1.0]] * 40)
    more = np.array([[1.0, 1.0]] * 15 + [[0.0, 1.0]] * 45)
    assert tail_confidence(reference, reference, draws) == 1.0
    assert 0.3 < tail_confidence(others, reference, draws) < 0.7 < TAIL_CONFIDENCE
    assert tail_confidence(more, reference, draws) == 1.0
    # Without tail targets nothing is said for the ranking.
    none = np.zeros((60, 2))
    assert tail_confidence(none, none, draws) == 0.0
    # The resamples are seeded: a training chooses the same way twice.
    assert (draws == _resamples(60)).all() and draws.sum(axis=1).tolist() == [60] * len(draws)


def test_a_tail_equal_by_chance_is_not_bought() -> None:
    # Ten turns whose lesser-known target only a bonus brings onto the first page, ten
    # whose lesser-known target fusion finds and the model never does, eleven whose
    # well-known target a bonus pushes off it and 39 it cannot touch. With the bonus the
    # tail recall equals fusion's, on other turns, at 2 % of Recall@10: a tie by chance
    # is no reason to pay more than `ACCURACY_BUDGET`.
    lesser_after = [5.0] * 10 + [0.1] * 5
    found_by_bonus = [10.0 - n for n in range(10)] + [0.5, 0.4, 0.9, 0.3, 0.2]
    fragile = [10.0 - n for n in range(10)] + [0.9] * 5
    buried = [5.0, 0.1] + [5.0] * 13
    never = [10.0, -100.0] + [9.0 - n for n in range(13)]
    kinds = [(found_by_bonus, 12, lesser_after, 10), (never, 1, buried, 10)]
    kinds += [(fragile, 9, lesser_after, 11), (fragile, 0, lesser_after, 39)]
    queries, scores = [], []
    for model, target, popular, count in kinds:
        for n in range(count):
            queries.append(_query(model, target, popular, f"q{target}-{n}"))
            scores.append(np.array(model))
    tiers = {"i0": "head", "i9": "head"}
    chosen, _, table = choose_tail_bonus(queries, scores, tiers)
    tie = table["0/0.1"]
    assert tie["tail"] == table["rrf"]["tail"] == 0.5
    assert tie["confidence"] < TAIL_CONFIDENCE
    assert ACCURACY_BUDGET < 1 - tie["overall"] / table["0/0"]["overall"] < REACH_BUDGET
    assert chosen == 0.0 and table["chosen"]["tail"] == 0.0


def test_the_tail_is_judged_by_the_popularity_the_query_saw() -> None:
    # The target is well known only because its own dialogue mentions it: the catalog's
    # buckets call it head, the cross-fitted popularity of its query calls it tail, and the
    # tail recall goes by the query's.
    popular = [0.1, 0.1] + [5.0] * 12
    model = [1.6, 1.5] + [2.0] * 10 + [-5.0, -5.0]
    query = _query(model, 1, popular)
    scores = [np.array(model)]
    catalog_tiers = {"i1": "head"}
    _, _, leaky = choose_tail_bonus([query], scores, catalog_tiers)
    assert leaky["rrf"] == {"head": 1.0, "torso": 0.0, "tail": 0.0}
    query.target_tiers = ["tail"]
    _, _, table = choose_tail_bonus([query], scores, catalog_tiers)
    assert table["rrf"]["tail"] == 1.0 and table["0/0"]["tail"] == 0.0


def test_the_tail_model_picks_which_lesser_known_film_gains_a_place() -> None:
    # Ten well-known films the model scores 12..3, then ten lesser-known ones it scores
    # alike; the target is the last of them, which only the tail model recognises. The
    # bonus alone lifts the first lesser-known films, the tail model's opinion the right one.
    popular = [5.0] * 10 + [0.1] * 10
    model = [12.0 - n for n in range(10)] + [1.0] * 10
    opinion = np.array([0.0] * 10 + [-1.0] * 9 + [3.0])
    queries = [_query(model, 19, popular, f"d{n}") for n in range(5)]
    scores = [np.array(model)] * 5
    tiers = {"i19": "tail"}
    _, _, alone = choose_tail_bonus(queries, scores, tiers)
    assert alone["chosen"]["tail"] == 0.0
    assert set(alone) == {f"0/{b:g}" for b in BONUSES} | {"rrf", "chosen"}
    bonus, weight, table = choose_tail_bonus(queries, scores, tiers, opinions=[opinion] * 5)
    assert weight > 0 and table["chosen"]["tail"] == 1.0
    lesser = lesser_known(queries[0].features, 1.0)
    lifted = first_page_bonus(tail_lift(scores[0], opinion, lesser, weight), lesser, bonus)
    assert 19 in np.argsort(-lifted, kind="stable")[:10]
    # Well-known candidates keep their order; with one lesser-known film nothing moves.
    moved = tail_lift(scores[0], opinion, lesser, 1.0)
    assert [j for j in np.argsort(-moved, kind="stable") if j < 10] == list(range(10))
    assert (moved[3:10] == scores[0][3:10]).all()
    # The first cards stay the model's, however strongly the tail model disagrees.
    close = np.array([3.0, 2.0, 1.0, 0.9, 0.8])
    mixed = np.array([False, True, False, True, True])
    lifted = tail_lift(close, np.array([0.0, -5.0, 0.0, 5.0, 0.0]), mixed, 10.0)
    assert np.argsort(-lifted, kind="stable").tolist()[:3] == [0, 1, 2]
    assert lifted[3] > lifted[4]
    one = np.zeros(20, dtype=bool)
    one[19] = True
    assert (tail_lift(scores[0], opinion, one, 1.0) == scores[0]).all()


def test_the_tail_model_learns_from_lesser_known_candidates_out_of_fold() -> None:
    """Each turn's lesser-known candidates are scored by a tail model that never saw its
    fold; the well-known ones get no opinion; the model finds the signal that only
    matters among lesser-known films."""
    rng = np.random.default_rng(0)
    queries = []
    for d in range(120):
        n = 16
        features = rng.normal(size=(n, len(FEATURES))).astype(np.float32)
        features[:, FEATURES.index("popularity")] = [5.0] * 8 + [0.1] * 8
        target = 8 + int(rng.integers(8))
        features[target, FEATURES.index("year_gap")] = 9.0  # the signal
        labels = np.zeros(n, dtype=np.float32)
        labels[target] = TAIL_GRADE
        ids = [f"i{j}" for j in range(n)]
        query = Query(f"{d}:1", str(d), features, labels, 1, ids, [ids[target]])
        query.tail_below = 1.0
        queries.append(query)
    params = {**PARAMS, "seed": 0, "verbosity": -1, "num_threads": 1}
    opinions = tail_opinions(queries, queries, params)
    assert all((o[:8] == 0).all() for o in opinions)
    top = [int(np.argmax(np.where(np.arange(16) >= 8, o, -np.inf))) for o in opinions]
    assert np.mean([t == int(np.argmax(q.labels)) for t, q in zip(top, queries, strict=True)]) > 0.9


def test_a_tail_target_weighs_more_in_training_but_counts_once_in_recall() -> None:
    popular = [0.1] + [0.1] + [5.0] * 10
    query = _query([0.0] * 12, 1, popular)
    query.labels[1] = TAIL_GRADE
    scores = [np.arange(12, 0, -1, dtype=float)]
    assert TAIL_GRADE > 1 and PARAMS["label_gain"][TAIL_GRADE] > PARAMS["label_gain"][1]
    assert recall_at([query], scores, 10) == 1.0


def test_folds_are_stable() -> None:
    ids = [str(n) for n in range(2000)]
    assert [fold_of(i) for i in ids] == [fold_of(i) for i in ids]
    assert {fold_of(i) for i in ids} == set(range(5))
    shares = [sum(fold_of(i) == f for i in ids) / len(ids) for f in range(5)]
    assert all(0.15 < share < 0.25 for share in shares)


def test_a_generator_trained_on_the_rankers_dialogues_is_left_out(tmp_path: Path) -> None:
    dialogues = tmp_path / "train_dialogues.jsonl"
    dialogues.write_text("")
    specs = ["movielens:/ml", f"dialogues:{dialogues}"]
    leaking = SimpleNamespace(manifest={"sid": {"specs": specs}})
    assert set(leaking_rankers(leaking, dialogues)) == {"sid"}  # type: ignore[arg-type]
    # A folder of dialogue files holds the file too.
    folder = SimpleNamespace(manifest={"sid": {"specs": [f"dialogues:{tmp_path}"]}})
    assert set(leaking_rankers(folder, dialogues)) == {"sid"}  # type: ignore[arg-type]
    clean = SimpleNamespace(manifest={"sid": {"specs": ["movielens:/ml"]}})
    assert leaking_rankers(clean, dialogues) == {}  # type: ignore[arg-type]
    assert leaking_rankers(SimpleNamespace(manifest={}), dialogues) == {}  # type: ignore[arg-type]


def test_left_out_rankers_leave_the_learned_pool_and_features() -> None:
    rankings = Rankings({"collab": [("a", 1.0)], "sid": [("b", 1.0)]})
    assert set(without(rankings, {"sid"}).lists) == {"collab"}
    assert without(rankings, set()) is rankings
    ranker = LearnedRanker(_Constant(), {"left_out": ["sid"]})
    assert ranker.left_out == {"sid"}


def test_asked_for_values_move_only_the_cards_shown_first() -> None:
    # met: asked-for attributes each item of the model's order meets
    met = [0, 1, 0, 2, 0, 0, 2, 1]
    assert wanted_order(met) == [3, 6, 1, 7, 0, 2, 4, 5]  # the whole list
    # a window of 4 holds one best match; it widens to the second one, so the two cards
    # shown meet the most asked-for attributes the pool can meet; the rest keep their order
    assert wanted_order(met, window=4, keep=2) == [3, 6, 0, 1, 2, 4, 5, 7]
    assert wanted_order([0, 0, 1, 1, 0, 1], window=3, keep=1) == [2, 0, 1, 3, 4, 5]
    assert wanted_order([], window=3) == []


def test_wanted_scores_mirror_the_live_reordering() -> None:
    column = FEATURES.index("wanted_matches")
    features = np.zeros((5, len(FEATURES)), dtype=np.float32)
    features[:, column] = [0, 0, 0, 1, 1]
    query = Query("k", "d", features, np.zeros(5, dtype=np.float32), 1)
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    order = np.argsort(-_wanted_scores(query, scores, 2, keep=1), kind="stable")
    assert order.tolist() == [3, 0, 1, 2, 4]  # window 2 widened to the first match
    order = np.argsort(-_wanted_scores(query, scores, None), kind="stable")
    assert order.tolist() == [3, 4, 0, 1, 2]


def test_a_bag_of_boosters_saves_loads_and_scores_as_their_mean(tmp_path: Path) -> None:
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + rng.normal(scale=0.5, size=400) > 0).astype(float)
    params = {"objective": "lambdarank", "verbosity": -1, "bagging_fraction": 0.7}
    boosters = [
        lgb.train({**params, "seed": s, "bagging_freq": 1}, lgb.Dataset(x, y, group=[40] * 10), 5)
        for s in range(3)
    ]
    bag = Bag(boosters)
    expected = np.mean([b.predict(x[:7]) for b in boosters], axis=0)
    assert np.allclose(bag.predict(x[:7]), expected)
    LearnedRanker(bag, {"features": FEATURES}).save(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("ranker*.txt")) == [
        "ranker-2.txt",
        "ranker-3.txt",
        "ranker.txt",
    ]
    loaded = LearnedRanker.load(tmp_path)
    assert loaded is not None and np.allclose(loaded.scores(x[:7]), expected)
    # one booster saved over a bag leaves no stale member behind
    LearnedRanker(boosters[0], {"features": FEATURES}).save(tmp_path)
    assert [p.name for p in tmp_path.glob("ranker*.txt")] == ["ranker.txt"]
    again = LearnedRanker.load(tmp_path)
    assert again is not None and np.allclose(again.scores(x[:7]), boosters[0].predict(x[:7]))


def test_a_tail_model_saves_loads_and_moves_only_lesser_known_films(tmp_path: Path) -> None:
    import lightgbm as lgb

    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, len(FEATURES)))
    x[:, FEATURES.index("popularity")] = np.where(np.arange(400) % 2, 5.0, 0.1)
    y = (x[:, 1] > 0).astype(float)
    params = {"objective": "binary", "verbosity": -1}
    main = lgb.train({**params, "seed": 0}, lgb.Dataset(x, (x[:, 0] > 0).astype(float)), 5)
    tail = [lgb.train({**params, "seed": s}, lgb.Dataset(x, y), 5) for s in range(2)]
    ranker = LearnedRanker(
        main, {"features": FEATURES}, 0.0, 1.0, tail_model=Bag(tail), tail_weight=2.0
    )
    assert ranker.lifts_tail
    ranker.save(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("ranker*.txt")) == [
        "ranker-tail-2.txt",
        "ranker-tail.txt",
        "ranker.txt",
    ]
    loaded = LearnedRanker.load(tmp_path)
    assert loaded is not None and loaded.tail_weight == 2.0 and loaded.lifts_tail
    rows = x[:20]
    lesser = lesser_known(rows, 1.0)
    plain = main.predict(rows)  # a lone booster scores as LightGBM predicts
    opinion = np.zeros(len(rows))
    opinion[lesser] = np.mean([b.predict(rows[lesser], raw_score=True) for b in tail], axis=0)
    assert np.allclose(loaded.scores(rows), tail_lift(plain, opinion, lesser, 2.0))
    assert np.allclose(loaded.scores(rows, tail_bonus=False), plain)
    # Saved again without it, no tail model file is left behind.
    LearnedRanker(main, {"features": FEATURES}).save(tmp_path)
    assert [p.name for p in tmp_path.glob("ranker*.txt")] == ["ranker.txt"]
    bare = LearnedRanker.load(tmp_path)
    assert bare is not None and bare.tail_model is None and not bare.lifts_tail


def test_rounds_are_chosen_out_of_fold_on_every_turn() -> None:
    """Each fold is scored by a booster that never learned from it, every turn is scored,
    and the model learns the one feature that says which candidate is the target."""
    rng = np.random.default_rng(0)
    queries = []
    for d in range(200):
        n = 20
        features = rng.normal(size=(n, len(FEATURES))).astype(np.float32)
        target = int(rng.integers(n))
        features[:, FEATURES.index("talks")] = rng.uniform(0, 0.5, n)
        features[target, FEATURES.index("talks")] = 1.0  # the signal
        labels = np.zeros(n, dtype=np.float32)
        labels[target] = 1
        ids = [f"i{j}" for j in range(n)]
        queries.append(Query(f"{d}:1", str(d), features, labels, 1, ids, [ids[target]]))
    params = {**PARAMS, "seed": 0, "verbosity": -1, "min_data_in_leaf": 5, "num_threads": 1}
    rounds, scored, scores = out_of_fold(queries, params)
    assert 1 <= rounds <= ROUNDS
    assert sorted(q.key for q in scored) == sorted(q.key for q in queries)
    assert recall_at(scored, scores, 1) > 0.9


def test_what_a_film_is_about_and_how_the_catalog_spells_it() -> None:
    from knowledge.items import Catalog
    from tests.fixtures.catalogs import _item

    catalog = Catalog(
        [
            _item("1", "The Job", 2001, "Four thieves plan a heist in Vietnam."),
            _item("2", "Heists", 2002, "A crew of robbers and their last heists."),
            _item("3", "Quiet", 2003, "A nurse remembers Vietnam after the war."),
            _item("4", "Dogs", 2004, "Two dogs and a heist gone wrong at Christmas."),
        ]
    )
    index = CatalogIndex(catalog)
    # every word of the subject, in the title or the description, plurals in the singular
    assert index.about("heist") == {"1", "2", "4"}
    assert index.about("about a heist in vietnam") == {"1"}
    assert index.about("about dogs") == {"4"} and index.about("zombie") == frozenset()
    assert index.about("about the") == frozenset()  # no word of it says anything
    # a subject a plot tells in other words (`knowledge.lexicon.SUBJECT_WORDS`)
    cars = Catalog(
        [
            _item("5", "Fast", 2001, "An undercover cop joins a crew of street racers."),
            _item("6", "Baby", 2017, "A young getaway driver is forced into a heist."),
            _item("7", "Race", 2016, "Jesse Owens and the race for gold in Berlin."),
        ]
    )
    assert CatalogIndex(cars).about("car") == {"5", "6"}
    # as the descriptions spell them: names capitalized, other words not
    assert index.spell("set in vietnam") == "set in Vietnam"
    assert index.spell("christmas heist") == "Christmas heist"


def test_boosters_of_different_objectives_score_on_one_scale(tmp_path: Path) -> None:
    """A bag of a LambdaRank and a binary booster: each booster's scores of a turn's
    candidates are standardized before their mean, and the bag loads as it was saved."""
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + rng.normal(scale=0.5, size=400) > 0).astype(float)
    data = lgb.Dataset(x, y, group=[40] * 10)
    boosters = [
        lgb.train({"objective": objective, "verbosity": -1}, data, 5)
        for objective in ("lambdarank", "binary")
    ]
    bag = Bag(boosters, standardize=True)
    raw = [b.predict(x[:7], raw_score=True) for b in boosters]
    expected = np.mean([(r - r.mean()) / r.std() for r in raw], axis=0)
    assert np.allclose(bag.predict(x[:7]), expected)
    LearnedRanker(bag, {"features": FEATURES}).save(tmp_path)
    loaded = LearnedRanker.load(tmp_path)
    assert loaded is not None and np.allclose(loaded.scores(x[:7]), expected)
    # one candidate (or equal scores): centred, not divided by zero
    assert np.allclose(bag.predict(x[:1]), 0.0)


def test_a_binary_booster_picks_its_rounds_out_of_fold() -> None:
    rng = np.random.default_rng(1)
    queries = []
    for d in range(100):
        features = rng.normal(size=(20, len(FEATURES))).astype(np.float32)
        target = int(rng.integers(20))
        features[target, FEATURES.index("talks")] = 5.0
        labels = np.zeros(20, dtype=np.float32)
        labels[target] = 2  # a tail target's grade: still one positive for the binary model
        ids = [f"i{j}" for j in range(20)]
        queries.append(Query(f"{d}:1", str(d), features, labels, 1, ids, [ids[target]]))
    params = {**PARAMS, **OBJECTIVES["binary"], "seed": 0, "verbosity": -1}
    params |= {"min_data_in_leaf": 5, "num_threads": 1}
    rounds, scored, scores = out_of_fold(queries, params)
    assert 1 <= rounds <= ROUNDS and len(scored) == len(queries)
    assert recall_at(scored, scores, 1) > 0.9
