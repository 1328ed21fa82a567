"""Studios and franchises: the words for them, and the catalog credits they stand for."""

from __future__ import annotations

from agent.profile import Profile
from agent.wording import wish_phrase
from knowledge.items import Catalog, Item
from knowledge.lexicon import studio_spans, studio_words


def _catalog() -> Catalog:
    return Catalog(
        [
            Item(
                item_id="1",
                title="Toy Story",
                year=1995,
                attributes={"director": ["John Lasseter"], "genre": ["animation"]},
            ),
            Item(
                item_id="2",
                title="GoldenEye",
                year=1995,
                attributes={"writer": ["Ian Fleming", "Michael France"], "genre": ["action"]},
            ),
            Item(item_id="3", title="Heat", year=1995, attributes={"genre": ["crime"]}),
        ]
    )


def test_a_studio_stands_for_the_credits_the_catalog_has() -> None:
    words = studio_words(_catalog())
    assert words["pixar"] == ("Pixar", (("director", "John Lasseter"), ("genre", "animation")))
    assert words["007"] == ("James Bond", (("writer", "Ian Fleming"),))
    # None of Marvel's creators or Ghibli's directors is in this catalog: no such words,
    # and a genre alone never makes a studio.
    assert "marvel" not in words and "ghibli" not in words


def test_studio_words_are_found_whole_leftmost_and_longest() -> None:
    words = studio_words(_catalog())
    text = "I love James Bond movies and Pixar's films, not a pixarish one"
    found = [(text[a:b], word) for a, b, word in studio_spans(text, words)]
    assert found == [("James Bond", "james bond"), ("Pixar's", "pixar")]
    assert studio_spans("a bondage thriller", words) == []


def test_the_reply_calls_the_films_by_their_studio() -> None:
    profile = Profile(wanted={"director": ["john lasseter"], "genre": ["animation"]})
    assert wish_phrase(profile) == "animated films directed by john lasseter"
    profile.studios = ["Pixar"]
    assert wish_phrase(profile) == "Pixar animated films"
