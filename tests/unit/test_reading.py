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
        ("not that one", "reject"),
        ("more like the second one", "more_like"),
        ("something else please", "reject"),
        ("show me more", "more"),
        ("thanks, bye", "close"),
        ("sounds good, I'll watch it", "accept"),
        ("I loved Inception", "statement"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert read(text).intent == intent


def test_years_and_references() -> None:
    assert (read("a comedy from the 90s").year_min, read("a comedy from the 90s").year_max) == (
        1990,
        1999,
    )
    assert read("anything after 2005").year_min == 2005
    assert read("made before 1980").year_max == 1979 + 1
    assert read("something recent", now_year=2026).year_min == 2018
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
