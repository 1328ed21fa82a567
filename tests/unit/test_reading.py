"""The deterministic reader: polarity, intent, years and references to shown items."""

from __future__ import annotations

import pytest

from agent.reading import clause_bounds, polarity, read
from knowledge.lexicon import genre_words


def pol(text: str, phrase: str) -> str:
    start = text.index(phrase)
    return polarity(text, start, start + len(phrase))


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("I loved Inception and The Prestige", "Inception", "like"),
        ("I loved Inception and The Prestige", "The Prestige", "like"),
        ("I hate horror", "horror", "dislike"),
        ("I loved Inception but I'm not a fan of horror", "horror", "dislike"),
        ("I loved Inception but I'm not a fan of horror", "Inception", "like"),
        ("nothing animated please", "animated", "dislike"),
        ("I've already seen Heat", "Heat", "seen"),
        ("Titanic was boring", "Titanic", "dislike"),
        ("something with Tom Hanks", "Tom Hanks", "like"),
        # A "no" in an earlier sentence is about the shown items, not what follows it.
        ("No, none of those. I really like films by Stanley Kubrick.", "Stanley Kubrick", "like"),
        ("Not those, sorry. Something with Tom Hanks?", "Tom Hanks", "neutral"),
    ],
)
def test_polarity(text: str, phrase: str, expected: str) -> None:
    assert pol(text, phrase) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hi", "greet"),
        ("Hello!", "greet"),
        ("who directed Heat?", "question"),
        ("what is Inception about?", "question"),
        ("why that one?", "why"),
        ("I've seen it", "seen"),
        ("seen them all", "seen"),
        ("seen the first one, what else?", "seen"),
        ("watched the second one. anything else?", "seen"),
        ("not that one", "reject"),
        ("more like the second one", "more_like"),
        ("something else please", "reject"),
        ("show me more", "more"),
        ("thanks, bye", "close"),
        ("thanks!", "close"),  # thanks alone picks no film
        ("I'll check it out, thanks!", "accept"),
        ("sounds good, I'll watch it", "accept"),
        ("I loved Inception", "statement"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert read(text).intent == intent


@pytest.mark.parametrize(
    ("text", "goes_on"),
    [
        ("thanks. what do you suggest for action movies?", True),
        ("I'll check it out for sure How about something like Bowling for Columbine?", True),
        ("Great thank you. I am searching for a fantasy film", True),
        ("Cool, thanks! Can you recommend a comedy too?", True),
        ("Thank you for all the recommendations", False),
        ("I'll check it out, thanks!", False),
        ("thanks, bye", False),
    ],
)
def test_thanks_then_a_request_goes_on(text: str, goes_on: bool) -> None:
    reading = read(text)
    assert reading.intent in {"accept", "close"}
    assert reading.goes_on == goes_on


def test_thanks_for_all_of_them_picks_none() -> None:
    assert read("Thank you for all these great suggestions.").intent == "close"
    assert read("great, I'll watch all of them").intent == "accept"


@pytest.mark.parametrize(
    ("text", "year_min"),
    [
        ("a recent comedy", 2015),  # an era said of a genre word, with no "movie"
        ("some modern horror", 2015),
        ("any good movies from the last few years?", 2015),
        ("something from the last year", 2017),
        ("a comedy released this year", 2018),
        ("films from the past decade", 2008),
        ("anything from the last 5 years", 2013),
        ("newer, from the last couple of years", 2016),
        ("What are some good films that are out now.", 2017),
        ("anything good in theaters?", 2017),
        ("a comedy that just came out", 2017),
        ("I saw Inception last year, loved it", None),  # when they saw it, not which films
        ("a new comedy", None),  # new to them: "new" alone is no era
    ],
)
def test_recent_counts_back_from_the_catalogs_present(text: str, year_min: int | None) -> None:
    reading = read(text, genres={"comedy": ("comedy",), "horror": ("horror",)}, now_year=2018)
    assert (reading.year_min, reading.year_max) == (year_min, None)
    assert "newer" not in reading.critiques


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("What's a good movie from 2017?", (2017, 2017)),  # was 2017 or later
        ("something released in 2015", (2015, 2015)),
        ("a 2012 film", (2012, 2012)),
        ("movies from 2010 onwards", (2010, None)),
        ("anything from 2010 or later", (2010, None)),
        ("something from 2000 to 2010", (2000, 2010)),
        ("movies between 1995 and 2005", (1995, 2005)),
        ("I saw it in 2015", (None, None)),  # when, not what
    ],
)
def test_a_year_said_is_that_year(text: str, years: tuple[int | None, int | None]) -> None:
    reading = read(text)
    assert (reading.year_min, reading.year_max) == years


def test_years_and_references() -> None:
    assert (read("a comedy from the 90s").year_min, read("a comedy from the 90s").year_max) == (
        1990,
        1999,
    )
    assert read("anything after 2005").year_min == 2005
    assert read("made before 1980").year_max == 1979 + 1
    assert read("something recent", now_year=2018).year_min == 2015
    assert read("the second one").positions == [1]
    assert read("the last one").positions == [-1]
    assert read("#3").positions == [2]
    assert read("I love Top Gun").positions == []
    assert read("seen them all").refers_to_all


def test_genre_words_carry_polarity() -> None:
    genres = genre_words(["comedy", "horror", "drama"])
    assert read("something funny, nothing scary", genres=genres).genre_words == [
        ("comedy", "like"),
        ("horror", "dislike"),
    ]


def test_clauses() -> None:
    text = "I loved Heat, but hated Alien. Also fine"
    assert [text[a:b].strip() for a, b in clause_bounds(text)] == [
        "I loved Heat",
        "hated Alien",
        "Also fine",
    ]


# --- questions, references and critiques (issue 17) -----------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "asks"),
    [
        ("who directed it?", "question", "director"),
        ("is Jaws scary?", "question", "trait"),
        ("can you recommend a family movie like Frozen (2013)", "statement", None),
        ("could you suggest something scary?", "statement", None),
        ("tell me more about the first one", "question", "description"),
        ("what year did it come out?", "question", "year"),
        ("who's in the second one?", "question", "star"),
        ("Is Jim Carrey in that?", "question", "star"),
        ("what else has Tom Hanks been in?", "question", "filmography"),
        ("what else has David Fincher done?", "question", "filmography"),
        ("What would you recommend? Is that appropriate for kids?", "question", "trait"),
        # Requests whose words look like questions: only an item makes them questions.
        ("is there anything scary?", "question", "trait"),
        ("what about comedies?", "statement", None),
        ("saw it when it first came out and loved it", "seen", None),
        # Questions about a film's worth: not a liking of it.
        ("is Casablanca any good?", "question", "opinion"),
        ("what about Gigli, is it any good?", "question", "opinion"),
        ("should I watch Jaws?", "question", "opinion"),
        ("would I like Heat?", "question", "opinion"),
        ("Is it worth watching?", "question", "opinion"),
        ("is it good for kids?", "question", "trait"),
        ("is there a good comedy?", "statement", None),
        ("what is a good movie like Heat?", "statement", None),
        ("what is Heat?", "question", "description"),
        ("I think it was good.", "statement", None),
    ],
)
def test_questions(text: str, intent: str, asks: str | None) -> None:
    reading = read(text)
    assert (reading.intent, reading.asks) == (intent, asks)


def test_a_question_that_needs_an_item_knows_what_it_is_otherwise() -> None:
    reading = read("tell me about a good comedy")
    assert reading.asks_need_an_item and reading.otherwise == "statement"
    reading = read("should I watch something funny?")
    assert reading.asks == "opinion" and reading.asks_need_an_item


@pytest.mark.parametrize(
    ("text", "one", "positions"),
    [
        ("I loved it", True, []),
        ("that one was boring", True, []),
        ("make it funny", False, []),  # "it" of a wish, not an item
        ("not that one", True, []),
        ("I've seen the second one", False, [1]),
        ("The new It (2017) was awesome", False, []),  # the film, not a pronoun
        ("I've seen the first two", False, [0, 1]),
        ("the last 2 look good", False, [-2, -1]),
        ("the first two minutes were slow", False, [0]),  # no run of cards
        ("No Airplane! or anything like it please", False, []),  # a likeness, no verdict
        ("movies like that", False, []),
    ],
)
def test_references(text: str, one: bool, positions: list[int]) -> None:
    reading = read(text)
    assert (reading.refers_to_one, reading.positions) == (one, positions)


@pytest.mark.parametrize(
    ("text", "critiques"),
    [
        ("something like Toy Story but for adults", ["adults"]),
        ("something for my kids", ["kids"]),
        ("an animated movie that isn't for kids", ["adults"]),  # was "kids"
        ("cartoons that aren't just for kids", ["adults"]),
        ("less violent please", ["less_violent"]),
        ("something scary but not gory", ["less_violent"]),
        ("a thriller without the gore", ["less_violent"]),
        ("horror, without too much blood", ["less_violent"]),
        ("nothing very violent", ["less_violent"]),
        ("I think any thing but a Western would be good", []),
        ("something lighter", ["lighter"]),
        ("something more feel-good", ["lighter"]),
        ("a feel-good movie", []),  # a mood (heartwarming), read as a subject is
        ("darker", ["darker"]),
        ("something older", ["older"]),
        ("anything more recent?", ["newer"]),
        ("my older brother likes it", []),
        ("I liked Mad Max: Fury Road, the newer one", []),  # a description, not a wish
        ("any hidden gems?", ["lesser_known"]),
        ("something less mainstream please", ["lesser_known"]),
        ("nothing too popular", ["lesser_known"]),
        ("I want some underrated sci-fi movies", ["lesser_known"]),
        ("Hi there, I'm looking for a good rare horror", ["lesser_known"]),
        ("some cult sci-fi", ["lesser_known"]),
        ("Heat is so underrated", []),  # praise of a film, not a wish
        ("I haven't heard of it", []),
        ("something more popular", ["well_known"]),
        ("the usual blockbusters are fine", ["well_known"]),
        ("Vee decides to join Nerve, a popular online game", []),  # a plot, not a wish
    ],
)
def test_critiques(text: str, critiques: list[str]) -> None:
    assert read(text).critiques == critiques


def test_relative_years_are_not_absolute() -> None:
    assert (read("something older").year_min, read("something older").year_max) == (None, None)
    assert read("an old movie").year_max == 1979
    assert read("Back to the Future is a classic").year_max is None  # praise, not an era


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("I haven't seen Knocked Up", "Knocked Up", "neutral"),
        ("No, I don't mind an animated movie", "animated", "like"),
        ("something newer than Jaws", "Jaws", "neutral"),
        ("did you see Titanic?", "Titanic", "neutral"),
        ("recommend one for my son, he has seen Toy Story", "Toy Story", "seen"),
        ("I don't really like Titanic", "Titanic", "dislike"),
        ("less scary please", "scary", "dislike"),
    ],
)
def test_more_polarity(text: str, phrase: str, expected: str) -> None:
    assert pol(text, phrase) == expected


def test_genres_side_by_side_are_one_kind_of_film() -> None:
    genres = genre_words(["comedy", "horror", "crime", "documentary", "romance", "western"])
    assert read("a horror comedy please", genres=genres).genres_together == ["horror", "comedy"]
    assert read("true crime documentaries", genres=genres).genres_together == [
        "crime",
        "documentary",
    ]
    assert read("any romantic comedies?", genres=genres).genres_together == [
        "romance",
        "comedy",
    ]
    assert read("I like horror and comedy", genres=genres).genres_together == []
    assert read("a comedy, not horror", genres=genres).genres_together == []
    # One word for two genres: a blend is one kind ("rom-com"); "mind-bending" is either.
    genres = genre_words(["comedy", "romance", "sci-fi", "thriller"])
    assert set(read("a rom-com please", genres=genres).genres_together) == {"romance", "comedy"}
    assert read("something mind-bending", genres=genres).genres_together == []
    assert set(read("I enjoy Rom coms!", genres=genres).genres_together) == {"romance", "comedy"}
    # A date night is a romantic comedy ("help me pick out a date night movie").
    date = read("Can you help me pick out a date night movie?", genres=genres)
    assert set(date.genres_together) == {"romance", "comedy"} and date.intent != "question"


def test_anything_other_than_a_genre_rules_it_out() -> None:
    genres = genre_words(["horror", "comedy"])
    assert read("I am looking for anything other than horror.", genres=genres).genre_words == [
        ("horror", "dislike")
    ]
    assert read("other than that, I like horror", genres=genres).genre_words == [("horror", "like")]
    assert read("a comedy newer than Jaws", genres=genres).year_min is None  # a comparison
    # A comma and a new wish end the "other than": the comedy is wanted.
    assert read("anything other than horror, a comedy", genres=genres).genre_words == [
        ("horror", "dislike"),
        ("comedy", "like"),
    ]


@pytest.mark.parametrize(
    ("text", "kids"),
    [
        ("can you help me find some movies for a 9 year old boy", True),
        ("a funny movie for my 7-year-old", True),
        ("something for our six year olds", True),
        ("something for my 16-year-old", False),
        ("I'm 30 years old and like action", False),
    ],
)
def test_a_childs_age_asks_for_a_childrens_film(text: str, kids: bool) -> None:
    genres = genre_words(["family", "animation", "action", "comedy"])
    found = {g for g, pol in read(text, genres=genres).genre_words if pol == "like"}
    assert ({"family", "animation"} <= found) is kids


def test_a_genre_said_of_a_film_is_no_wish() -> None:
    genres = genre_words(["comedy", "documentary"])
    said = read("I love documentaries. Also Rushmore (1998). It's a comedy.", genres=genres)
    assert said.genre_words == [("documentary", "like")]
    assert read("that was a really funny one", genres=genres).genre_words == []
    assert read("is it a comedy?", genres=genres).genre_words == [("comedy", "neutral")]
    assert read("something funny, it's for a date", genres=genres).genre_words == [
        ("comedy", "like")
    ]


def test_a_classic_genre_is_an_old_film() -> None:
    genres = genre_words(["western", "horror"])
    assert read("I want a classic western", genres=genres).year_max == 1979
    assert read("any old horror?", genres=genres).year_max == 1979
    assert read("I love westerns", genres=genres).year_max is None


@pytest.mark.parametrize(
    ("text", "small_talk"),
    [
        ("Im fine thanks for asking", True),
        ("Hello! not bad, and yours?", True),
        ("I am good, how are you?", True),
        ("Hi! I am doing well. How are you?", True),
        ("good, I love horror movies", False),
        ("good movie!", False),
        ("thanks, that was great", False),
    ],
)
def test_small_talk(text: str, small_talk: bool) -> None:
    assert read(text).pleasantry is small_talk


@pytest.mark.parametrize(
    ("text", "unlike"),
    [
        ("No Airplane! or anything like it please", True),
        ("nothing like that please", True),
        ("not Twilight and nothing similar to it", True),
        ("something like it please", False),  # more of the kind, asked for
        ("I loved Airplane!", False),
    ],
)
def test_anything_like_it_goes_with_the_film_ruled_out(text: str, unlike: bool) -> None:
    assert read(text).unlike is unlike
