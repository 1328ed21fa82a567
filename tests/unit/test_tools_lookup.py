"""The lookup tool: entity linking and item facts on a small catalog."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.items import Catalog, Item
from knowledge.linker import names_occasion
from tests.fixtures.catalogs import _item, discussion_catalog, small_items
from tests.fixtures.sources import SmallSource
from tests.unit.tools_contract import ToolContract
from tools.lookup import LookupOutput, LookupTool


@pytest.fixture(scope="module")
def lookup() -> LookupTool:
    tool = LookupTool(SmallSource())
    tool.ensure_ready()
    return tool


def best_items(output: LookupOutput) -> list[str]:
    return [m.best.item.item_id for m in output.mentions if m.best.item is not None]


class TestLookupContract(ToolContract):
    @pytest.fixture
    def tool(self, lookup: LookupTool) -> LookupTool:
        return lookup

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        return [
            {"text": "I loved Inception (2010) and Heat"},
            {"text": "who directed the dark knight?"},
            {"text": "anything with Tom Hanks", "kinds": ["person"]},
            {"text": "Dune", "max_candidates": 1, "facts": False},
        ]

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[Any, str]]:
        return [
            ({}, "text"),
            ({"text": ""}, "text"),
            ({"text": "x", "min_confidence": 2}, "min_confidence"),
            ({"text": "x", "kinds": ["movie"]}, "kinds"),
            ({"text": "x", "max_candidates": 0}, "max_candidates"),
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inception (2010)", "inception"),
        ("inception", "inception"),
        ("INCEPTION!", "inception"),
        ("I loved inceptoin", "inception"),
        ("the dark knight rises was long", "dark-knight-rises"),
        ("I liked The Dark Night Rises", "dark-knight-rises"),
        ("have you seen the dark knight?", "dark-knight"),
        ("Forest Gump made me cry", "forrest-gump"),
        ("what about Toy Story", "toy-story"),
    ],
)
def test_titles_link_loosely(lookup: LookupTool, text: str, expected: str) -> None:
    assert best_items(lookup.invoke({"text": text})) == [expected]


def test_year_picks_one_remake_and_no_year_lists_all_by_popularity(lookup: LookupTool) -> None:
    with_year = lookup.invoke({"text": "Dune (1984) is a cult film"}).mentions
    assert [c.entity_id for c in with_year[0].candidates] == ["item:dune-1984"]
    assert not with_year[0].ambiguous
    bare = lookup.invoke({"text": "I want to watch Dune"}).mentions[0]
    assert bare.ambiguous
    assert [c.entity_id for c in bare.candidates] == ["item:dune-2021", "item:dune-1984"]


def test_remakes_fall_back_to_graph_degree_without_popularity() -> None:
    items = [i.model_copy(update={"popularity": None}) for i in small_items()]
    richer = items[4].model_copy(
        update={"attributes": {**items[4].attributes, "writer": ["David Lynch"]}}
    )
    items[4] = richer  # Dune (1984) now has more graph edges than Dune (2021)
    tool = LookupTool(SmallSource(Catalog(items)))
    mention = tool.invoke({"text": "Dune"}).mentions[0]
    assert [c.entity_id for c in mention.candidates] == ["item:dune-1984", "item:dune-2021"]


def test_common_words_are_not_titles(lookup: LookupTool) -> None:
    for text in ["It was great, I love it", "pick me up at eight", "it is a heat wave"]:
        assert best_items(lookup.invoke({"text": text})) == [], text
    # ...unless the text gives the evidence: a year or quotes.
    assert best_items(lookup.invoke({"text": "It (2017) scared me"})) == ["it"]
    assert best_items(lookup.invoke({"text": 'I watched "Up" again'})) == ["up"]


def test_people_genres_and_tags_link(lookup: LookupTool) -> None:
    output = lookup.invoke(
        {"text": "I love Robert Deniro and Nolan, and scary or romantic movies with toys"}
    )
    found = {(m.best.kind, m.best.label) for m in output.mentions}
    assert ("person", "Robert De Niro") in found
    assert ("person", "Christopher Nolan") in found
    assert ("genre", "horror") in found
    assert ("genre", "romance") in found
    assert ("tag", "toys") in found


def test_spans_point_into_the_text(lookup: LookupTool) -> None:
    text = "Have you seen Interstellar (2014) or Heat?"
    for mention in lookup.invoke({"text": text}).mentions:
        assert text[mention.start : mention.end] == mention.text
    assert lookup.invoke({"text": text}).mentions[0].text == "Interstellar (2014)"


def test_kinds_restrict_the_links(lookup: LookupTool) -> None:
    output = lookup.invoke({"text": "Tom Hanks in Cast Away", "kinds": ["item"]})
    assert {m.best.kind for m in output.mentions} == {"item"}


@pytest.mark.parametrize(
    ("question", "asks", "needle"),
    [
        ("who directed Inception?", "director", "was directed by Christopher Nolan"),
        ("Who is in Heat?", "star", "Al Pacino and Robert De Niro"),
        ("what is The Notebook about?", "description", "fall in love"),
        ("when did Titanic come out", "year", "1997"),
        ("what genre is Cast Away", "genre", "adventure and drama"),
        ("What did Christopher Nolan direct?", "filmography", "The Dark Knight (2008)"),
    ],
)
def test_questions_get_grounded_answers(
    lookup: LookupTool, question: str, asks: str, needle: str
) -> None:
    answer = lookup.invoke({"text": question}).answer
    assert answer is not None and answer.asks == asks
    assert needle in answer.sentence


def test_facts_of_linked_items(lookup: LookupTool) -> None:
    facts = lookup.invoke({"text": "Heat (1995)"}).facts
    assert facts[0].item.item_id == "heat"
    assert facts[0].attributes["director"] == ["Michael Mann"]
    assert "thieves" in facts[0].description


def test_genre_words_link_unless_they_are_ordinary_nouns(lookup: LookupTool) -> None:
    def genres(text: str) -> set[str]:
        output = lookup.invoke({"text": text, "kinds": ["genre"]})
        return {m.best.label for m in output.mentions}

    assert genres("I like comedy and crime") == {"comedy", "crime"}
    assert genres("any good dramas?") == {"drama"}
    assert genres("my drama teacher") == set()


@pytest.fixture(scope="module")
def wide_lookup() -> LookupTool:
    tool = LookupTool(SmallSource(discussion_catalog()))
    tool.ensure_ready()
    return tool


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I loved Se7en", ["seven"]),  # a numeral for a letter
        ("I loved Seven", ["seven"]),  # the word, right after a verb of taste
        ("I loved Se7en and Gone Gril", ["seven", "gone-girl"]),  # a short typo in a title
        ("i liked gone girl", ["gone-girl"]),
        ("we watched Dark Knight Rises", ["dark-knight-rises"]),  # without its article
        # A title made of a function word links only where it is written as a name.
        ("I loved Up", ["up"]),
        ("I loved Toy Story and Up", ["toy-story", "up"]),
        ("I liked It and Up", ["it", "up"]),
        ("pick me up something fun", []),
        ("I loved it", []),
        ("I gave Up on it", []),
        ("my favourites are Comedy, Horror and Up", ["up"]),  # no title links as "Horror"
        ("What's Up with that", []),
    ],
)
def test_titles_written_other_ways_link(
    wide_lookup: LookupTool, text: str, expected: list[str]
) -> None:
    assert best_items(wide_lookup.invoke({"text": text})) == expected


def _lookup_with(*films: Item) -> LookupTool:
    """A lookup over the small catalog and ``films``."""
    tool = LookupTool(SmallSource(Catalog(small_items() + list(films), name="extra")))
    tool.ensure_ready()
    return tool


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a scary movie for Halloween", []),
        ("anything good to watch on Christmas Eve?", []),
        ("I loved Halloween", ["halloween"]),
        ("Halloween (1978) for Halloween", ["halloween"]),
        ("I loved Date Night", ["date-night"]),
        ("a comedy for date night", []),
    ],
)
def test_a_holiday_a_film_is_for_is_no_title(text: str, expected: list[str]) -> None:
    tool = _lookup_with(
        _item("halloween", "Halloween", 1978, genre=["horror"]),
        _item("christmas-eve", "Christmas Eve", 2015, genre=["comedy"]),
        _item("date-night", "Date Night", 2010, genre=["comedy"]),
    )
    assert best_items(tool.invoke({"text": text})) == expected
    assert names_occasion(text) == (expected == [] or text.endswith("for Halloween"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("that would be perfect with a bowl of popcorn", []),
        ("my psycho neighbour kept me up", []),
        ("I loved Popcorn", ["popcorn"]),
        ("something like psycho", ["psycho"]),
        ("I love ghost movies", []),  # what kind of film, not the title
        ("I loved Ghost", ["ghost"]),
    ],
)
def test_a_rare_english_word_after_of_or_a_possessive_is_no_title(
    text: str, expected: list[str]
) -> None:
    tool = _lookup_with(
        _item("popcorn", "Popcorn", 1991, genre=["horror"]),
        _item("psycho", "Psycho", 1960, genre=["horror"]),
        _item("ghost", "Ghost", 1990, genre=["romance"]),
    )
    assert best_items(tool.invoke({"text": text})) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I like old school action", []),  # what kind of film: a ReDial seeker's words
        ("I like good old school horror", []),
        ("I loved Old School", ["old-school"]),
        ("i loved old school", ["old-school"]),
        ("I loved Old School comedy", ["old-school"]),
        ("i love star wars action", ["star-wars"]),  # "wars" is no ordinary word
    ],
)
def test_ordinary_words_before_a_genre_say_what_kind(text: str, expected: list[str]) -> None:
    tool = _lookup_with(
        _item("old-school", "Old School", 2003, genre=["comedy"]),
        _item("star-wars", "Star Wars", 1977, genre=["sci-fi", "action"]),
    )
    assert best_items(tool.invoke({"text": text})) == expected


@pytest.mark.parametrize(
    "text",
    [
        "seven days of rain",  # an ordinary number word
        "I enjoyed Captain Spaghetti and the Noodle Heat",  # part of a longer unknown name
        "anything with planes, trains or cars",
    ],
)
def test_ordinary_words_stay_ordinary(wide_lookup: LookupTool, text: str) -> None:
    assert best_items(wide_lookup.invoke({"text": text})) == []


@pytest.mark.parametrize(
    ("question", "item", "needle"),
    [
        ("is it scary?", "jaws", "It might be. Jaws (1975) is not listed under horror"),
        ("is it scary?", "it", "Yes: It (2017) is listed under horror."),
        ("is it funny?", "up", "Yes: Up (2009) is listed under animation"),
        ("is it for kids?", "mulan", "Yes: Mulan (1998) is listed under"),
        ("is it ok for my kids?", "it", "Probably not: It (2017) is listed under horror."),
        ("is it violent?", "saving-private-ryan", "Yes"),
        ("is it romantic?", "heat", "Probably not: Heat (1995) is listed under crime and drama"),
        ("is it long?", "heat", "I can't tell: the catalog does not record running times."),
        ("how long is it?", "heat", "Heat (1995) is listed under crime and drama."),
    ],
)
def test_questions_about_qualities_say_what_the_catalog_knows(
    question: str, item: str, needle: str
) -> None:
    from tools.facts import answer_about_item

    catalog = discussion_catalog()
    found = answer_about_item("trait", catalog[item], question)
    assert found is not None and needle in found.sentence
    if not found.sentence.startswith("Yes"):
        assert "does not record" in found.sentence or "Probably not" in found.sentence


def test_tell_me_more_gives_kind_people_and_description() -> None:
    from tools.facts import answer_about_item

    found = answer_about_item("description", discussion_catalog()["jaws"], "tell me more")
    assert found is not None
    assert found.sentence == (
        "Jaws (1975) is an adventure and thriller film directed by Steven Spielberg, starring "
        "Roy Scheider. A killer shark terrorizes a beach town."
    )


def test_is_it_any_good_says_how_many_of_its_raters_liked_it() -> None:
    from tools.facts import opinion_sentence

    moon = _item("moon", "Moon", 2009, "An astronaut nears the end of his stint.", genre=["sci-fi"])
    found = opinion_sentence(moon, "torso", rated=(22, 32), acclaimed=True)
    assert found.startswith("Moon (2009) is fairly well known")
    assert "22 of the 32 people who rated it gave it 4 stars or more, more than most" in found
    assert "None of the 5 people who rated it gave it 4 stars" in opinion_sentence(
        moon, "tail", rated=(0, 5)
    )
    assert "Both people who rated it gave it" in opinion_sentence(moon, "tail", rated=(2, 2))
    assert "All 7 people who rated it gave it" in opinion_sentence(moon, "tail", rated=(7, 7))
    one = opinion_sentence(moon, "tail", rated=(0, 1))
    assert "The one person who rated it did not give it 4 stars or more." in one
    # A hidden gem's card says the same briefly.
    from tools.facts import raters_reason

    assert raters_reason(22, 31) == "22 of its 31 raters gave it 4 stars or more"
    assert raters_reason(2, 2) == "both its raters gave it 4 stars or more"
    assert raters_reason(9, 9) == "all 9 of its raters gave it 4 stars or more"
    # Without ratings, nothing is said of them.
    assert "rated it" not in opinion_sentence(moon, "unknown")
