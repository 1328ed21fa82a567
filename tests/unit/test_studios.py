"""Studios and franchises: the words for them, and the catalog credits they stand for."""

from __future__ import annotations

from agent.nodes.acts import shared_wish
from agent.profile import Belief, Profile
from agent.wording import wish_phrase
from knowledge.items import Catalog, Item
from knowledge.lexicon import japanese_directors, japanese_name, studio_spans, studio_words


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
    profile.studios = {"Pixar": {"director": ["john lasseter"]}}
    assert wish_phrase(profile) == "Pixar animated films"
    profile.want("star", "tom hanks")  # asked for apart from the studio: still said
    assert wish_phrase(profile) == "Pixar animated films with tom hanks"


def test_the_heading_names_a_studio_only_when_every_card_is_one_of_its_films() -> None:
    catalog = _catalog()
    profile = Profile()
    profile.want_studio("Pixar", (("director", "John Lasseter"),))
    assert shared_wish(profile, [catalog["1"]]).studios == profile.studios
    assert shared_wish(profile, [catalog["1"], catalog["3"]]).studios == {}


PIXAR = (("director", "John Lasseter"), ("director", "Pete Docter"), ("genre", "animation"))


def test_a_studio_is_one_belief_and_goes_with_its_people() -> None:
    profile = Profile()
    profile.want("director", "Pete Docter")  # asked for by name as well
    profile.want_studio("Pixar", PIXAR)
    assert profile.wanted == {"director": ["pete docter", "john lasseter"], "genre": ["animation"]}
    kinds = [(b.kind, b.value) for b in profile.beliefs()]
    assert ("studio", "Pixar") in kinds and ("wanted", "john lasseter") not in kinds
    assert ("wanted", "animation") in kinds  # a genre stays a genre
    profile.forget(Belief(kind="studio", value="Pixar"))
    assert profile.studios == {} and profile.wanted == {"genre": ["animation"]}


def test_ruling_a_studio_out_spares_its_genres() -> None:
    profile = Profile()
    profile.want_studio("Pixar", PIXAR)
    profile.avoid_studio("Pixar", PIXAR)
    assert profile.studios == {} and set(profile.avoided) == {"director"}
    assert profile.wanted == {"genre": ["animation"]}
    assert [(b.kind, b.value) for b in profile.beliefs()][-1] == ("avoided_studio", "Pixar")
    profile.want_studio("Pixar", PIXAR)
    assert profile.avoided == {} and profile.avoided_studios == {}


def _film(item_id: str, title: str, director: str, others: list[str], genre: str) -> Item:
    return Item(
        item_id=item_id,
        title=title,
        attributes={"director": [director], "star": others, "genre": [genre]},
    )


def test_japanese_films_are_known_by_their_credits() -> None:
    catalog = Catalog(
        [
            _film("a", "Akira", "Katsuhiro Ôtomo", ["Mitsuo Iwata", "Nozomu Sasaki"], "animation"),
            _film("b", "Ju-On", "Takashi Shimizu", ["Megumi Okina", "Misaki Itô"], "horror"),
            # A name in the same syllables, among others that are not: no Japanese film.
            _film("c", "Gremlins", "Joe Dante", ["Zach Galligan", "Phoebe Cates"], "comedy"),
            # One Japanese-looking film of three makes no Japanese director.
            _film("d", "Boy", "Taika Waititi", ["Tearepa Kahi", "Te Aho Eketone"], "comedy"),
            _film("e", "Thor: Ragnarok", "Taika Waititi", ["Chris Hemsworth"], "action"),
            _film("f", "Jojo Rabbit", "Taika Waititi", ["Roman Griffin Davis"], "comedy"),
        ]
    )
    assert japanese_name("Shin'ichirô Watanabe") and japanese_name("Hayao Miyazaki")
    assert not japanese_name("Miyazaki") and not japanese_name("Tom Hanks")
    assert japanese_directors(catalog) == ("Katsuhiro Ôtomo", "Takashi Shimizu")
    words = studio_words(catalog)
    assert (
        words["anime"]
        == words["japanese"]
        == (
            "Japanese",
            (("director", "Katsuhiro Ôtomo"), ("director", "Takashi Shimizu")),
        )
    )
