"""The grounding check: chosen items pass; other catalog items, invented titles and people fail."""

from __future__ import annotations

from agent.grounding import GroundingCheck
from knowledge.items import Catalog, Item
from tools.base import ItemRef
from tools.lookup import Candidate, LookupOutput, Mention

WORDS = {
    w: i
    for i, w in enumerate(
        "the a and is of you it this film movie great watch enjoy if liked since might here "
        "are some picks for about thief who plant idea dreams directed by also stars happy "
        "watching "
        "sure think would love".split()
    )
}


def fake_linker(catalog: Catalog):
    """Link exact titles and the one person name the tests use (a stand-in for `lookup`)."""

    def link(text: str) -> LookupOutput:
        mentions = []
        for item in catalog:
            start = text.find(item.title)
            if start >= 0:
                cand = Candidate(
                    entity_id=f"item:{item.item_id}",
                    kind="item",
                    label=item.display_title,
                    score=0.95,
                    prior=0.0,
                    item=ItemRef.of(item),
                )
                mentions.append(
                    Mention(
                        text=item.title,
                        start=start,
                        end=start + len(item.title),
                        confidence=0.95,
                        ambiguous=False,
                        candidates=[cand],
                    )
                )
        for person in ("Christopher Nolan", "David Lynch"):
            start = text.find(person)
            if start >= 0:
                cand = Candidate(
                    entity_id=f"person:{person.lower()}",
                    kind="person",
                    label=person,
                    score=0.9,
                    prior=1.0,
                )
                mentions.append(
                    Mention(
                        text=person,
                        start=start,
                        end=start + len(person),
                        confidence=0.9,
                        ambiguous=False,
                        candidates=[cand],
                    )
                )
        return LookupOutput(mentions=mentions)

    return link


def test_reply_about_chosen_items_passes(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"], tiny_catalog["interstellar"]]
    reply = (
        "Since you liked dreams, you might enjoy Inception (2010), directed by Christopher Nolan. "
        "Interstellar is also great. Happy watching!"
    )
    result = check.check(reply, chosen, must_name=["interstellar"])
    assert result.ok, result.problems
    assert result.named_items == ["inception", "interstellar"]


def test_other_catalog_items_fail(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    result = check.check("You might enjoy Inception and The Shining.", [tiny_catalog["inception"]])
    assert not result.ok
    assert any("The Shining" in p for p in result.problems)


def test_invented_titles_people_and_years_fail(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"]]
    assert not check.check('Try "Dream Raiders Forever" tonight.', chosen).ok
    assert not check.check("Inception stars Gwendolyn Marchetti.", chosen).ok
    assert not check.check("Inception came out in 1997.", chosen).ok
    assert not check.check("Inception was directed by David Lynch.", chosen).ok
    assert check.check("Inception came out in 2010.", chosen).ok


def test_must_name_a_chosen_item(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    liked, chosen = tiny_catalog["inception"], tiny_catalog["interstellar"]
    assert not check.check("Here are some picks for you!", [chosen], must_name=["interstellar"]).ok
    # Naming only the liked item is no recommendation.
    only_liked = check.check("Inception is great.", [chosen, liked], must_name=["interstellar"])
    assert not only_liked.ok and "names none of the chosen items" in only_liked.problems


def test_the_users_words_vouch_for_nothing(tiny_catalog: Catalog) -> None:
    """Facts are the catalog's: a title, person or year only the user typed fails."""
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"]]
    for reply in (
        "As you asked, I recommend Totally Fake Film (2031), and Inception.",
        "Inception stars Jane Nobody.",
    ):
        assert not check.check(reply, chosen).ok, reply


def test_contentless_replies_fail(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"]]
    nolan = ["Christopher Nolan"]
    assert not check.check("word word word", chosen).ok
    assert not check.check("Happy to help with that.", chosen, must_say=nolan).ok
    assert not check.check("Happy to help with that.", chosen, must_ask=True).ok
    assert check.check("Inception was directed by Christopher Nolan.", chosen, must_say=nolan).ok


def test_claims_about_a_named_item_must_be_its_own(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    liked, chosen = tiny_catalog["inception"], tiny_catalog["interstellar"]
    allowed = [chosen, liked]
    # A year of another allowed item, said of this one.
    assert not check.check("Interstellar (2014) is a 2010 film.", allowed).ok
    assert not check.check("You might enjoy Interstellar, from 2010.", allowed).ok
    assert check.check("Since you liked Inception (2010), try Interstellar (2014).", allowed).ok
    # A person credited on another item (or on none).
    assert not check.check("Interstellar, starring Leonardo DiCaprio.", allowed).ok
    assert not check.check("Interstellar was written by Howard Stern.", allowed).ok
    assert check.check("Interstellar, starring Matthew McConaughey.", allowed).ok
    assert check.check(
        "Since you liked Inception, with Leonardo DiCaprio, try Interstellar.", allowed
    ).ok
    # A wanted star from the brief may be echoed where no item is named.
    wants = ["wants star Leonardo DiCaprio"]
    assert check.check("Since you want Leonardo DiCaprio, try Interstellar.", allowed, wants).ok
    # A plot the item's description does not hold.
    assert not check.check("Interstellar is about a talking dog who becomes president.", allowed).ok
    assert check.check(
        "Interstellar follows astronauts who travel through a wormhole to find a new home.",
        allowed,
    ).ok


def test_a_chosen_title_with_the_wrong_year_fails(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"]]
    # 2014 is a year the facts hold (another item's), but not Inception's.
    result = check.check("You might enjoy Inception (2014).", chosen, ["Interstellar (2014)"])
    assert not result.ok and any("the catalog says 2010" in p for p in result.problems)
    assert check.check("You might enjoy Inception (2010).", chosen).ok


def test_genre_claims_must_be_the_items_own(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS, genres=["horror", "sci-fi", "drama"])
    chosen = [tiny_catalog["inception"]]
    assert not check.check("Inception is a classic horror movie.", chosen).ok
    assert check.check("Inception is a sci-fi film.", chosen).ok
    # The user's wish, in a sentence that names no chosen item, is not a claim about it.
    assert check.check("Since you liked horror, you might enjoy Inception.", chosen).ok


def test_a_looping_reply_fails(tiny_catalog: Catalog) -> None:
    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    line = "You might enjoy Inception, directed by Christopher Nolan. "
    result = check.check(line * 3, [tiny_catalog["inception"]])
    assert not result.ok and any(p.startswith("repeats") for p in result.problems)
    assert check.check(line, [tiny_catalog["inception"]]).ok


def test_titles_that_look_like_claims_are_titles() -> None:
    """Template replies over real catalogs: a title with a year, a stop, a comma, a dash,
    initials, a title inside another, remakes."""
    items = [
        Item(item_id="ts", title="Toy Story", year=1995),
        Item(item_id="ts3", title="Toy Story 3", year=2010),
        Item(item_id="inc", title="Monsters, Inc.", year=2001),
        Item(item_id="comet", title="The Great Comet of 1812"),
        Item(item_id="mowgli", title="Mowgli", year=2019),
        Item(item_id="adv", title="Adventures of Mowgli"),
        Item(item_id="d17", title="D-17", year=2008),
        Item(item_id="et", title="E.T. the Extra-Terrestrial", year=1982),
        Item(item_id="dune84", title="Dune", year=1984),
        Item(item_id="dune21", title="Dune", year=2021),
    ]
    catalog = Catalog(items, name="titles")
    check = GroundingCheck(fake_linker(catalog), WORDS)
    allowed = [i for i in items if i.item_id != "mowgli"]
    reply = (
        "Since you liked Toy Story (1995), you might enjoy:\n"
        "1. Toy Story 3 (2010)\n"
        "2. Monsters, Inc. (2001): who also wrote Toy Story (1995)\n"
        "3. Adventures of Mowgli\n"
        "4. The Great Comet of 1812\n"
        "5. D-17 (2008)\n"
        "6. E.T. the Extra-Terrestrial (1982)\n"
        "7. Dune (1984) and Dune (2021)"
    )
    result = check.check(reply, allowed, must_name=["ts3"])
    assert result.ok, result.problems
    assert not check.check("Toy Story 3 (2010) is a 1995 film.", allowed).ok


def test_a_studio_the_reader_understood_may_be_named(tiny_catalog: Catalog) -> None:
    from agent.nodes.acts import _profile_facts
    from agent.profile import Profile

    check = GroundingCheck(fake_linker(tiny_catalog), WORDS)
    chosen = [tiny_catalog["inception"]]
    reply = "Here are some Warner films: Inception (2010)."
    assert not check.check(reply, chosen).ok  # a name nothing in the brief holds
    profile = Profile()
    profile.want_studio("Warner", (("director", "Christopher Nolan"),))
    assert check.check(reply, chosen, _profile_facts(profile)).ok
