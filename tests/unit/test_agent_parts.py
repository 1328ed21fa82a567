"""Agent parts that need no model: fusion, settings, prompts, long-term profiles."""

from __future__ import annotations

from types import SimpleNamespace

import jinja2
import pytest
from langgraph.store.memory import InMemoryStore

from agent.context import AgentSettings
from agent.profile import Belief, Critique
from agent.questions import best_question
from agent.ranking import fuse
from agent.sessions import LongTermProfiles
from agent.state import Candidate, Profile
from knowledge.errors import ParleyError
from knowledge.items import Catalog, Item
from prompts import render, template_names
from tests.fixtures.catalogs import _item


def test_weighted_reciprocal_rank_fusion() -> None:
    fused = fuse({"a": ["x", "y", "z"], "b": ["y", "w"]}, {"a": 1.0, "b": 2.0}, rrf_k=0)
    order = [item for item, _, _ in fused]
    assert order[0] == "y"  # 1/2 + 2/1
    assert dict((i, r) for i, _, r in fused)["y"] == {"a": 2, "b": 1}
    assert set(order) == {"x", "y", "z", "w"}


def test_settings_from_env_convert_types_and_reject_unknown_keys() -> None:
    settings = AgentSettings.from_env(
        {
            "PARLEY_AGENT_ITEMS_PER_TURN": "5",
            "PARLEY_AGENT_LLM_EXTRACTION": "yes",
            "PARLEY_AGENT_FUSION_WEIGHTS": '{"retriever": 0.5, "kg_paths": 2}',
            "UNRELATED": "x",
        }
    )
    assert settings.items_per_turn == 5 and settings.llm_extraction is True
    assert settings.fusion_weights == {"retriever": 0.5, "kg_paths": 2.0}
    with pytest.raises(ParleyError, match="unknown agent setting"):
        AgentSettings.from_env({"PARLEY_AGENT_ITEMS_PER_TRUN": "5"})
    with pytest.raises(ParleyError, match="cannot read"):
        AgentSettings.from_env({"PARLEY_AGENT_ITEMS_PER_TURN": "many"})


def test_prompts_render_strictly() -> None:
    assert {"system", "recommend", "ask", "answer", "replies/recommend"} <= set(template_names())
    with pytest.raises(jinja2.UndefinedError):
        render("ask", question="What genre?")  # 'known' and 'options' are missing
    text = render("ask", known=[], question="What genre?", options=["comedy"])
    assert "What genre?" in text and "comedy" in text


@pytest.mark.parametrize(
    ("liked", "named"),
    [
        (["Inception"], "Inception"),
        (["Inception", "Memento"], "Inception and Memento"),
        (["Inception", "Memento", "Primer"], "Inception, Memento and Primer"),
        (["Up", "Inception", "Memento", "Primer"], "Inception, Memento and Primer"),
    ],
)
def test_recommendation_heading_names_what_was_liked(liked: list[str], named: str) -> None:
    """'I also liked Primer' after two films: the heading named only the last two of three."""
    items = [{"title": "Looper", "year": 2012, "evidence": ["a reason"], "description": ""}]
    for variant in range(3):
        text = render(
            "replies/recommend",
            noted="",
            mood="",
            liked=liked,
            wish="",
            asked=False,
            items=items,
            variant=variant,
        )
        heading = text.split("\n", 1)[0]
        assert named in heading
        assert len(liked) <= 3 or liked[0] not in heading  # the latest three at most


def test_long_term_profile_merges_sessions() -> None:
    profiles = LongTermProfiles(InMemoryStore())
    assert profiles.get("ann") == Profile()
    profiles.remember("ann", Profile(liked=["a"], disliked=["b"], seen=["c"]))
    merged = profiles.remember("ann", Profile(liked=["b"], disliked=["a"]))
    assert merged.liked == ["b"] and merged.disliked == ["a"] and merged.seen == ["c"]
    assert profiles.get("bob") == Profile()


def test_profile_filter_and_blocked() -> None:
    profile = Profile(disliked=["a"], seen=["b"], avoided={"genre": ["horror"]}, year_min=1990)
    assert profile.blocked() == {"a", "b"}
    filt = profile.hard_filter()
    assert filt.exclude == {"genre": ["horror"]} and filt.year_min == 1990


@pytest.mark.parametrize(
    ("before", "new", "after"),
    [
        ((1980, 1989), (None, 1979), (None, 1979)),  # "the 80s", then "something older"
        ((None, 1979), (1980, 1989), (1980, 1989)),
        ((1990, None), (None, 2000), (1990, 2000)),
        ((None, None), (2005, 1995), (1995, 2005)),
    ],
)
def test_new_year_limits_replace_contradicting_ones(
    before: tuple[int | None, int | None],
    new: tuple[int | None, int | None],
    after: tuple[int | None, int | None],
) -> None:
    profile = Profile(year_min=before[0], year_max=before[1])
    profile.set_years(*new)
    assert (profile.year_min, profile.year_max) == after
    profile.hard_filter()  # always a valid filter


GENRES = ["family", "animation", "comedy", "horror", "war", "crime", "action", "thriller", "drama"]


def test_critiques_replace_what_they_contradict() -> None:
    profile = Profile(wanted={"genre": ["family", "thriller"]})
    profile.critique("adults", genres=GENRES, reference_genres=["animation", "comedy"])
    assert profile.avoided == {"genre": ["family", "animation"]}
    assert profile.wanted == {"genre": ["thriller"]}
    # a thriller asked for stays: lighter means a thriller comedy, not a comedy instead
    profile.critique("lighter", genres=GENRES, reference_genres=["thriller", "crime"])
    assert profile.wanted == {"genre": ["thriller", "comedy"]}
    assert profile.together() == ["thriller", "comedy"]
    assert set(profile.avoided["genre"]) == {"family", "animation", "horror", "crime"}
    # with no dark genre asked for, lighter moves away from the film's dark genres
    seven = Profile()
    seven.critique("lighter", genres=GENRES, reference_genres=["thriller", "crime"])
    assert seven.wanted == {"genre": ["comedy"]} and not seven.together()
    assert set(seven.avoided["genre"]) == {"horror", "thriller", "crime"}
    profile.critique("kids", genres=GENRES)  # asking for family films again undoes "for adults"
    assert "family" in profile.wanted["genre"] and "family" not in profile.avoided["genre"]
    assert "animation" in profile.wanted["genre"]  # a cartoon is often not listed as family
    profile.critique("less_violent", genres=GENRES, reference_genres=["action"])
    assert {"horror", "war", "crime", "action"} <= set(profile.avoided["genre"])
    profile.critique("kids", genres=["comedy"])  # a genre the catalog lacks is never wanted
    assert "unknown" not in profile.wanted


def test_for_adults_after_asking_for_animation_wants_animation_for_adults() -> None:
    profile = Profile(wanted={"genre": ["animation"]})
    profile.critique("adults", genres=GENRES, reference_genres=["animation", "comedy"])
    assert profile.wanted == {"genre": ["animation"]} and profile.avoided == {"genre": ["family"]}
    from agent.wording import wish_phrase

    assert wish_phrase(profile) == "animated films for grown-ups"
    # a cartoon wanted with family films was wanted for the children
    profile = Profile(wanted={"genre": ["family", "animation"]})
    profile.critique("adults", genres=GENRES, reference_genres=["animation", "comedy"])
    assert profile.avoided == {"genre": ["family", "animation"]}


def test_a_critique_keeps_the_genre_asked_for_with_it() -> None:
    # "I like scary movies but nothing too gory": horror films, not gory ones.
    profile = Profile(wanted={"genre": ["horror"]})
    profile.critique("less_violent", genres=GENRES, keep={"horror"})
    assert profile.wanted == {"genre": ["horror"]}
    assert profile.avoided == {"genre": ["war", "crime"]}
    # "A darker comedy" is a comedy still.
    profile = Profile(wanted={"genre": ["comedy"]})
    profile.critique("darker", genres=GENRES, keep={"comedy"})
    assert profile.wanted == {"genre": ["comedy", "thriller"]}
    # Asked for before, it stays too, as under "lighter": "I like thrillers" then "nothing
    # too violent" is thrillers that are not gory, not comedies instead.
    profile = Profile(wanted={"genre": ["thriller"]})
    profile.critique("less_violent", genres=GENRES, reference_genres=["thriller", "crime"])
    assert profile.wanted == {"genre": ["thriller"]} and profile.gentle
    assert set(profile.avoided["genre"]) == {"horror", "war", "crime"}
    # Not asked for, a genre of the film it is said about is what it moves away from.
    profile = Profile()
    profile.critique("less_violent", genres=GENRES, reference_genres=["thriller", "crime"])
    assert "thriller" in profile.avoided["genre"] and not profile.wanted


def test_nothing_gory_is_one_belief_that_rules_out_grisly_stories() -> None:
    from agent.learned import CatalogIndex
    from knowledge.items import Item

    profile = Profile(wanted={"genre": ["horror"]})
    profile.critique("less_violent", genres=GENRES, keep={"horror"})
    assert profile.gentle and Belief(kind="gentle") in profile.beliefs()
    profile.forget(Belief(kind="gentle"))
    assert not profile.gentle
    profile.critique("less_violent", genres=GENRES)
    profile.critique("darker", genres=GENRES)  # "actually, something darker" undoes it
    assert not profile.gentle
    stories = {
        "saw": ("Saw", "Two men wake in the lair of a serial killer."),
        "tcm": ("The Texas Chainsaw Massacre", "Friends meet a family."),
        "others": ("The Others", "A woman believes her house is haunted."),
    }
    catalog = Catalog([Item(item_id=i, title=t, description=d) for i, (t, d) in stories.items()])
    assert CatalogIndex(catalog).grisly == {"saw", "tcm"}


def test_a_wish_for_lesser_known_films() -> None:
    from agent.ranking import lesser_known_first
    from agent.state import Candidate
    from agent.wording import wish_phrase

    profile = Profile(wanted={"genre": ["comedy"]})
    profile.critique("lesser_known", genres=GENRES)
    assert profile.lesser_known and Belief(kind="lesser_known") in profile.beliefs()
    assert wish_phrase(profile) == "lesser-known comedies"
    assert wish_phrase(Profile(lesser_known=True)) == "lesser-known films"
    profile.critique("well_known", genres=GENRES)  # "something more popular" undoes it
    assert not profile.lesser_known
    profile.lesser_known = True
    profile.forget(Belief(kind="lesser_known"))
    assert not profile.lesser_known

    def cand(item_id: str) -> Candidate:
        return Candidate(item_id=item_id, title=item_id, score=0.0, tools={})

    standing = {
        "blockbuster": "head",
        "known": "torso",
        "gem": "tail",
        "gem2": "tail",
        "unrated": "unknown",
    }
    ranked = [cand(i) for i in ("blockbuster", "unrated", "gem", "known", "gem2")]
    found = [c.item_id for c in lesser_known_first(ranked, standing)]
    # The least known first, each tier in the fused order; a film nobody mentioned or
    # rated comes after every known one: no evidence that anyone loves it.
    assert found == ["gem", "gem2", "known", "blockbuster", "unrated"]
    # Films its raters loved come before the rest of the lesser-known ones.
    found = [c.item_id for c in lesser_known_first(ranked, standing, {"known", "gem2"})]
    assert found == ["known", "gem2", "gem", "blockbuster", "unrated"]
    assert lesser_known_first(ranked, {}) == ranked  # a pack without popularity


@pytest.mark.parametrize(
    ("reference", "wanted"),
    [
        (["adventure", "family", "fantasy"], []),  # like Harry Potter but darker: no thriller
        (["crime", "comedy"], ["crime"]),  # a darker film of its dark side
        ([], ["thriller"]),  # nothing to go by: the dark genres
    ],
)
def test_darker_is_a_darker_film_of_the_kind_said_about(
    reference: list[str], wanted: list[str]
) -> None:
    profile = Profile(wanted={"genre": ["comedy"]})
    profile.critique("darker", genres=[*GENRES, "adventure", "fantasy"], reference_genres=reference)
    assert profile.wanted.get("genre", []) == wanted
    assert profile.avoided == {"genre": ["family"]}


@pytest.mark.parametrize(
    ("before", "critique", "years", "named", "after"),
    [
        ((1990, 1999), "older", [], False, (1980, 1989)),  # the asked-for range moves back
        ((1990, 1999), "newer", [], False, (2000, 2009)),
        # older or newer than most of the films shown
        ((None, None), "older", [2006, 2008, 2014], False, (None, 2007)),
        ((None, None), "newer", [1972, 1990, 1995], False, (1991, None)),
        ((None, None), "newer", [1976, 1986, 2017], False, (1987, None)),
        ((1990, 1999), "older", [1995], True, (1990, 1994)),  # "like Heat but older"
        ((None, None), "older", [], False, (None, 1979)),  # nothing to go by: classics
        ((None, None), "newer", [], False, (2015, None)),  # recent: the last three years
    ],
)
def test_older_and_newer(
    before: tuple[int | None, int | None],
    critique: Critique,
    years: list[int],
    named: bool,
    after: tuple[int | None, int | None],
) -> None:
    profile = Profile(year_min=before[0], year_max=before[1])
    profile.critique(critique, genres=GENRES, reference_years=years, named=named, now_year=2018)
    assert (profile.year_min, profile.year_max) == after


def test_a_question_about_a_person_narrows_more_than_one_about_an_era() -> None:
    # Six thrillers of the 1990s, each by another director with another star.
    films = [
        _item(f"f{i}", f"Film {i}", 1990 + i, genre=["thriller"], director=[f"Director {i}"],
              star=[f"Star {i}", "Star 0" if i % 2 else "Star 9"])
        for i in range(6)
    ]  # fmt: skip
    pool = [Candidate(item_id=f.item_id, title=f.title, year=f.year, score=1.0) for f in films]

    def ask(question: str) -> str:
        ctx = SimpleNamespace(catalog=Catalog(films), settings=AgentSettings(question=question))
        attribute, options = best_question(ctx, pool, [])  # type: ignore[arg-type]
        assert options
        return attribute

    # Any answer about the era keeps all six; a director keeps one, a star three or one.
    assert ask("narrow") == "director"
    assert ask("split") == "star"  # the only attribute with recurring values


def test_a_subject_is_a_belief_the_user_can_take_back() -> None:
    profile = Profile()
    for topic in ("heist", "Zombie", "heist", "about time travel"):
        profile.want_topic(topic)
    # the latest two, each once, in lower case
    assert profile.topics == ["heist", "about time travel"]
    assert profile.signals() == 2 and not profile.is_empty()
    assert Belief(kind="topic", value="heist") in profile.beliefs()
    profile.forget(Belief(kind="topic", value="heist"))
    assert profile.topics == ["about time travel"]
    profile.avoid_topic("about time travel")  # "no time travel movies"
    assert profile.topics == [] and profile.avoided_topics == ["about time travel"]
    profile.want_topic("about time travel")
    assert profile.avoided_topics == [] and profile.topics == ["about time travel"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("any good zombie movies?", [("zombie", True)]),
        ("I want a heist movie", [("heist", True)]),
        ("Hi! Do you know a time travel film?", [("time travel", True)]),
        ("a movie about time travel", [("about time travel", True)]),
        ("something about a heist", [("about a heist", True)]),
        ("I love heist movies, especially ones about a heist", [("heist", True)]),  # twice
        ("a good movie for tonight", []),  # quality and time, not a subject
        ("an old classic film", []),
        ("a well made movie, better than the original film", []),
        ("something my son enjoys: spy movies", [("spy", True)]),
        ("no zombie movies please", [("zombie", False)]),  # ruled out
        ("I hate zombie movies, I want a heist movie", [("zombie", False), ("heist", True)]),
        ("I've seen all the heist movies", []),  # neither asked for nor ruled out
        ("I love people movies", []),  # in too many stories to be a theme
        ("any pixar movies?", []),  # in too few: a name the stories do not spell
    ],
)
def test_subjects_of_a_request(text: str, expected: list[tuple[str, bool]]) -> None:
    from agent.nodes.understand import topics
    from agent.profile import topic_words

    stories = {"zombie": 21, "heist": 44, "time travel": 19, "people": 400, "pixar": 1, "spy": 40}

    def about(topic: str) -> set[str]:
        n = stories.get(" ".join(topic_words(topic)), 0)
        return {str(i) for i in range(n)}

    assert topics(text, [], {}, about, size=6500) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is your favorite weird movie?", [("weird", True)]),
        ("something really surreal", [("weird", True)]),
        ("that's weird, I thought I'd seen it", []),  # about the talk, not the film
        ("Do you know a movie with a good twist?", [("with a twist", True)]),
        ("a mind-bending sci-fi film", [("mind-bending", True)]),
        ("something that makes you think", [("mind-bending", True)]),
        ("a dark comedy", [("darkly funny", True)]),
        ("nothing weird please", [("weird", False)]),
        ("I don't want anything too weird", [("weird", False)]),
        ("I hate twist endings", [("with a twist", False)]),
        ("a quirky comedy", []),  # a mood no film of this catalog has
        ("Are there any good movies that will make me cry?", [("sad", True)]),
        ("I know it's really sad, I loved him", []),  # what a film was, no wish
        ("a good movie based on a true story", [("based on a true story", True)]),
        ("I want a movie with a strong female lead", [("with a strong female lead", True)]),
        ("any good action movies with a female lead?", [("with a strong female lead", True)]),
        ("something with a kick-ass heroine", [("with a strong female lead", True)]),
        ("any good courtroom dramas?", [("courtroom", True)]),
        ("I love legal thrillers", [("courtroom", True)]),
        ("a movie with a great soundtrack", [("with a great soundtrack", True)]),
        ("a classic black and white film", [("black-and-white", True)]),
        ("I want a coming of age movie", [("coming-of-age", True)]),
        ("Something set in space please", [("set in space", True)]),
        ("Can you find me movies about space?", [("set in space", True)]),
        ("any good space adventures?", [("set in space", True)]),
        ("I want a film with great cinematography", [("beautifully shot", True)]),
        ("something visually stunning", [("beautifully shot", True)]),
        ("I need a feel-good movie", [("heartwarming", True)]),
        ("I spaced out", []),
    ],
)
def test_moods_of_a_request(text: str, expected: list[tuple[str, bool]]) -> None:
    """Moods the genres and plots do not say, read from their own words (the genre table
    reads "mind-bending" and "comedy" as genres too) and kept when viewers' tags pick out
    enough films."""
    from agent.nodes.understand import topics

    tagged = {"weird": 25, "with a twist": 22, "mind-bending": 37, "darkly funny": 20}
    tagged |= {"sad": 30, "based on a true story": 40, "with a strong female lead": 200}
    tagged |= {"courtroom": 23, "with a great soundtrack": 14, "black-and-white": 5}
    tagged |= {"coming-of-age": 150, "set in space": 90, "beautifully shot": 40}
    tagged |= {"heartwarming": 30}
    tagged |= {"white": 60}  # "white" is a subject of many plots, and no wish here

    def about(topic: str) -> set[str]:
        return {str(i) for i in range(tagged.get(topic, 0))}

    table = {"mind-bending": ("sci-fi",), "comedy": ("comedy",), "sci-fi": ("sci-fi",)}
    assert topics(text, [], table, about, size=6500) == expected


@pytest.mark.parametrize(
    ("plot", "hers"),
    [
        (
            "After awakening from a four-year coma, a former assassin wreaks vengeance on the "
            "team of assassins who betrayed her.",
            True,
        ),
        (
            "In a post-apocalyptic wasteland, a woman rebels against a tyrannical ruler in "
            "search for her homeland with the aid of a group of female prisoners.",
            True,
        ),
        (
            "An unemployed single mother becomes a legal assistant and almost single-handedly "
            "brings down a California power company.",
            True,
        ),
        # a woman someone else protects, late in the plot
        (
            "After an attempted assassination on Ambassador Han, Lee and Carter head to Paris "
            "to protect a French woman with knowledge of the Triads' secret leaders.",
            False,
        ),
        # her story, but "him" too: no lead by the words alone
        (
            "A lawyer decides that she's used too much like a nanny by her boss, so she walks "
            "out on him.",
            False,
        ),
        ("Two Boston area detectives investigate a little girl's kidnapping.", False),
        # hers, but nothing she does
        ("A young woman spends a summer by the sea with her grandmother.", False),
    ],
)
def test_a_plot_led_by_a_woman(plot: str, hers: bool) -> None:
    from knowledge.lexicon import led_by_a_woman

    assert led_by_a_woman(plot) is hers


@pytest.mark.parametrize(
    ("plot", "growing_up"),
    [
        ("In 2002, an artistically inclined seventeen-year-old girl comes of age in "
         "Sacramento, California.", True),
        ("Five high school students meet in Saturday detention and discover how they have a "
         "lot more in common than they thought.", True),
        ("The life of Mason, from early childhood to his arrival at college.", True),
        # grown-ups looking back, a parent's story, an adult's age
        ("After their high school basketball coach passes away, five good friends and former "
         "teammates reunite for a Fourth of July holiday weekend.", False),
        ("A depressed uncle is asked to take care of his teenage nephew after the boy's "
         "father dies.", False),
        ("A seventeen-year-old aristocrat falls in love with a kind but poor artist aboard "
         "the luxurious, ill-fated R.M.S. Titanic.", False),
        # the young one comes too late in the plot to be its subject
        ("A retired detective haunted by an old case is drawn back to a small town where, "
         "decades ago, a teenager vanished.", False),
    ],
)  # fmt: skip
def test_a_plot_of_growing_up(plot: str, growing_up: bool) -> None:
    from knowledge.lexicon import comes_of_age

    assert comes_of_age(plot) is growing_up


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("any good short films?", True),
        ("I love shorts", True),
        ("I'm in the mood for a short movie.", True),  # the simulator's words
        ("something short and funny", False),
        ("a short comedy for tonight", False),
    ],
)
def test_a_genre_with_an_everyday_name(text: str, named: bool) -> None:
    """ "Something short and funny" asked for silent shorts of 1914: "short" names the genre
    only as "short films" or "shorts"."""
    from knowledge.lexicon import names_genre

    assert names_genre("short", text) is named
    assert names_genre("comedy", text)


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Heist", {"heist"}),
        ("The Witch", {"witch"}),
        ("Alien 3", {"alien"}),
        ("Alien: Covenant", {"alien"}),
        ("Dog Day Afternoon", set()),
        ("Reservoir Dogs", set()),
        ("Star Wars", set()),
    ],
)
def test_a_title_names_a_subject_only_alone(title: str, subject: set[str]) -> None:
    from agent.learned import title_subject

    assert title_subject(title) == subject


def test_a_mood_picks_out_the_films_tagged_with_its_tags() -> None:
    from agent.learned import CatalogIndex
    from tests.fixtures.catalogs import small_catalog

    tags = {"inception": {"mindfuck", "dreamlike"}, "heat": {"heist"}, "up": {"surreal"}}
    index = CatalogIndex(small_catalog(), tags=tags)
    assert index.about("mind-bending") == {"inception"}
    assert index.about("weird") == {"up"}  # "dreamlike" alone is no weird film
    assert index.about("with a twist") == set()
    assert CatalogIndex(small_catalog()).about("weird") == set()  # a pack without tags
    # a subject's films include those tagged with it that no plot names it in
    assert "heat" in index.about("heist") and "heat" in index.about("heists")
    assert "heat" not in CatalogIndex(small_catalog()).about("heist")
    # a mood a plot can say: "the true story of"
    true = Item(item_id="true", title="True", year=2000, description="The true story of a dog.")
    catalog = Catalog([*small_catalog(), true])
    assert CatalogIndex(catalog, tags=tags).about("based on a true story") == {"true"}


def test_subjects_come_first_among_the_picks() -> None:
    from agent.ranking import wanted_first

    catalog = Catalog([_item(str(i), f"Film {i}", 2000, genre=["comedy"]) for i in range(6)])
    ids = [str(i) for i in range(6)]
    profile = Profile(topics=["heist"])
    heists = {"2", "4"}
    found = wanted_first(catalog, profile, ids, about=lambda t: heists if t == "heist" else set())
    assert found == ["2", "4", "0", "1", "3", "5"]
    # a subject and an asked-for genre both met count twice
    profile = Profile(topics=["heist"], wanted={"genre": ["drama"]})
    catalog = Catalog(
        [
            _item(str(i), f"Film {i}", 2000, genre=["drama" if i in (3, 4) else "comedy"])
            for i in range(6)
        ]
    )
    found = wanted_first(catalog, profile, ids, about=lambda t: heists)
    assert found[:3] == ["4", "2", "3"]
    # without a way to tell what a film is about, the order is the fused one
    assert wanted_first(catalog, Profile(topics=["heist"]), ids) == ids


def test_genres_asked_for_together_come_first_together() -> None:
    from agent.ranking import wanted_first

    genres = [["crime"], ["documentary"], ["crime"], ["crime", "documentary"], ["drama"]]
    catalog = Catalog([_item(str(i), f"Film {i}", 2000, genre=g) for i, g in enumerate(genres)])
    ids = [str(i) for i in range(5)]
    wanted = {"genre": ["crime", "documentary"]}
    # "true crime documentaries": the crime documentary first
    together = Profile(wanted=wanted, genres_together=["crime", "documentary"])
    assert wanted_first(catalog, together, ids) == ["3", "0", "1", "2", "4"]
    # "I like crime and documentaries": either will do, in the fused order
    assert wanted_first(catalog, Profile(wanted=wanted), ids) == ["0", "1", "2", "3", "4"]
