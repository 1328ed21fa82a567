"""The agent issue's acceptance conversations on the ReDial catalog (template replies)."""

from __future__ import annotations

import pytest

from agent.agent import ParleyAgent
from agent.profile import Profile
from agent.ranking import unshowable
from knowledge.lexicon import MOODS, STUDIOS
from knowledge.pack import Pack
from knowledge.twins import folded_title

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent(redial_pack: Pack) -> ParleyAgent:
    return ParleyAgent(redial_pack)


def test_inception_and_prestige(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session()
    result = agent.turn(session, "I loved Inception and The Prestige")
    assert result.act == "recommend" and len(result.items) == 3
    # Every pick is there because of the two films: a shared director, writer or star, or
    # people who liked them also liked it; none of them is an obscure file-order pick.
    for item in result.items:
        assert any("Inception" in e or "The Prestige" in e for e in item.evidence), item
    # Well known: in the top tenth of the pack's popularity, which weighs a mention in a
    # ReDial dialogue most, or of MovieLens raters' likes (The Dark Knight Rises is rarely
    # named in ReDial, and liked by 55 of MovieLens's 610 raters).
    popularity = sorted((i.popularity or 0.0 for i in redial_pack.catalog), reverse=True)
    top_tenth = popularity[len(popularity) // 10]
    raters = redial_pack.counts.get("movielens", {})
    liked_by = sorted(raters.values(), reverse=True)
    raters_tenth = liked_by[len(popularity) // 10] if len(liked_by) > len(popularity) // 10 else 0
    obscure = [
        f"{i.title} ({redial_pack.catalog[i.item_id].popularity}, {raters.get(i.item_id, 0)})"
        for i in result.items
        if (redial_pack.catalog[i.item_id].popularity or 0.0) < top_tenth
        and raters.get(i.item_id, 0) < max(raters_tenth, 1)
    ]
    assert not obscure, (
        f"obscure picks (the top tenth starts at {top_tenth}, {raters_tenth} raters): {obscure}"
    )


def test_hidden_gems_are_lesser_known_films(agent: ParleyAgent, redial_pack: Pack) -> None:
    # How well known a film is goes by every source the pack learned from.
    assert {"movielens", "dialogues", "redial-liked"} <= set(redial_pack.counts)
    session = agent.new_session(user="gems")
    first = agent.turn(session, "I loved Inception and The Prestige")
    result = agent.turn(session, "any hidden gems like those?")
    assert result.act == "recommend" and len(result.items) == 3
    assert "lesser-known" in result.reply
    standing = agent.context.standing
    # None of the most popular third of the catalog, each one its raters liked clearly
    # more than most films, and still films for this user.
    assert all(standing.get(i.item_id) != "head" for i in result.items), result.items
    assert all(i.item_id in agent.context.acclaimed for i in result.items), result.items
    assert all(any("raters gave it" in e for e in i.evidence) for i in result.items)
    assert not {i.item_id for i in first.items} & {i.item_id for i in result.items}
    for item in result.items:
        assert any("Inception" in e or "The Prestige" in e for e in item.evidence), item
    result = agent.turn(session, "hmm, something more popular")
    assert not agent.profile(session).lesser_known
    assert any(standing.get(i.item_id) == "head" for i in result.items), result.items


def test_is_it_any_good_says_how_its_raters_found_it(agent: ParleyAgent, redial_pack: Pack) -> None:
    # 4,037 films have MovieLens ratings; a film's records share them ("Jaws" is Jaws).
    rated = redial_pack.manifest["ratings"]
    assert rated["films"] > 4000 and 0 < rated["acclaimed"] < rated["films"] / 2, rated
    jaws = [i.item_id for i in redial_pack.catalog if folded_title(i.title) == "jaws"]
    assert len(jaws) > 1 and len({redial_pack.ratings.get(i) for i in jaws}) == 1, jaws
    assert redial_pack.ratings[jaws[0]][1] > 10
    # The agent's acclaimed films are the build's, film by film, with every record of each.
    acclaimed = agent.context.acclaimed
    assert len({redial_pack.twins.canonical(i) for i in acclaimed}) == rated["acclaimed"]
    assert acclaimed == redial_pack.twins.expand(acclaimed)
    reply = agent.turn(agent.new_session(), "is Moon any good?").reply
    # MovieLens ratings through the IMDb id: 22 of Moon's 32 are 4 stars or more.
    assert "Moon (2009)" in reply and "22 of the 32 people who rated it" in reply, reply
    assert "more than most films get" in reply
    reply = agent.turn(agent.new_session(), "is Transformers: Dark of the Moon any good?").reply
    assert "1 of the 11 people who rated it gave it 4 stars or more." in reply, reply


def test_a_subject_is_what_the_films_are_about(agent: ParleyAgent, redial_pack: Pack) -> None:
    about = agent.context.catalog_index.about
    session = agent.new_session()
    result = agent.turn(session, "I want a heist movie")
    # A subject is a request: the agent recommends rather than asking for a genre.
    assert result.act == "recommend" and len(result.items) == 3, result.reply
    assert agent.profile(session).topics == ["heist"]
    assert "heist films" in result.reply.splitlines()[0], result.reply
    assert all(i.item_id in about("heist") for i in result.items), result.items
    assert "a heist film, as you asked" in result.items[0].evidence, result.items[0]
    ocean = next(i for i in redial_pack.catalog if i.display_title == "Ocean's Eleven (2001)")
    result = agent.turn(session, "I've seen Ocean's Eleven already")
    assert ocean.item_id in agent.profile(session).seen
    assert all(i.item_id in about("heist") for i in result.items), result.items
    # Zombies before horror in general, time travel before popular films.
    result = agent.turn(agent.new_session(), "any good zombie movies?")
    assert all(i.item_id in about("zombie") for i in result.items), result.items
    result = agent.turn(agent.new_session(), "a movie about time travel")
    assert all(i.item_id in about("about time travel") for i in result.items), result.items
    assert "a film about time travel, as you asked" in result.items[0].evidence
    # Ruled out, no film about it is shown, and the reply says so.
    session = agent.new_session()
    result = agent.turn(session, "no zombie movies please. something funny")
    assert agent.profile(session).avoided_topics == ["zombie"]
    assert result.reply.startswith(("Got it: no zombie films", "Noted: no zombie", "OK, no zombie"))
    assert not {i.item_id for i in result.items} & about("zombie"), result.items
    # Picking out no theme ("Marvel" is in three obscure records' stories), a subject is
    # not asked for.
    session = agent.new_session()
    agent.turn(session, "I love Marvel movies")
    assert agent.profile(session).topics == []


def test_no_horror_after_i_hate_horror_and_seen_items_never_return(
    agent: ParleyAgent, redial_pack: Pack
) -> None:
    session = agent.new_session()
    agent.turn(session, "I loved The Shining and Alien")
    result = agent.turn(session, "I hate horror")
    seen: set[str] = set()
    for _ in range(4):
        for item in result.items:
            assert "horror" not in redial_pack.catalog[item.item_id].values("genre")
            assert item.item_id not in seen
        seen.add(result.items[0].item_id)
        result = agent.turn(session, "I've seen it")


def test_unknown_title_is_asked_about(agent: ParleyAgent) -> None:
    result = agent.turn(agent.new_session(), "I really liked Quantum Llama Detective")
    assert result.act == "ask" and result.items == []


@pytest.mark.parametrize(
    ("message", "echoes"),
    [
        ("I loved Superbad and The Hangover", "The Hangover"),
        ("I loved The Conjuring and Insidious", "Conjuring"),
        ("I loved The Lion King and Aladdin", "Lion King"),
    ],
)
def test_never_recommends_the_film_just_named(
    agent: ParleyAgent, redial_pack: Pack, message: str, echoes: str
) -> None:
    """The catalog lists some films twice ("The Conjuring", "Conjuring", "The Conjuring
    (2013)"), and remakes share a title: none of them comes back as a recommendation."""
    session = agent.new_session()
    shown = []
    for text in (message, "something else", "more please"):
        shown += agent.turn(session, text).items
    assert shown
    titles = [i.title for i in shown]
    # Sequels are fine ("The Hangover Part II"); the same title is an echo.
    assert not [t for t in titles if folded_title(t) == folded_title(echoes)], titles
    liked = agent.profile(session).liked
    assert not set(redial_pack.twins.expand(liked)) & {i.item_id for i in shown}


# --- conversations about items (issue 17) on the big catalog --------------------------------


def test_who_directed_it_and_tell_me_more(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session(user="focus")
    agent.turn(session, "what is Mulan about?")
    result = agent.turn(session, "who directed it?")
    assert result.act == "answer" and "Tony Bancroft" in result.reply
    cards = agent.turn(session, "I loved Toy Story").items
    more = agent.turn(session, "tell me more about the first one")
    assert more.act == "answer" and more.items == [] and cards[0].title in more.reply
    assert agent.profile(session).liked == [
        i.item_id for i in redial_pack.catalog if i.display_title == "Toy Story (1995)"
    ]


def test_is_jaws_scary_is_answered_and_wants_nothing(agent: ParleyAgent) -> None:
    session = agent.new_session(user="scary")
    result = agent.turn(session, "is Jaws scary?")
    assert result.act == "answer" and result.items == []
    # ReDial lists Jaws as adventure and thriller: the answer says so, and what it cannot know.
    assert "Jaws (1975)" in result.reply and "does not record" in result.reply
    assert agent.profile(session) == Profile()


def test_is_casablanca_any_good_relates_it_to_what_the_user_loved(agent: ParleyAgent) -> None:
    session = agent.new_session(user="opinion")
    agent.turn(session, "I loved La La Land")
    liked = agent.profile(session).liked
    result = agent.turn(session, "is Casablanca any good?")
    assert result.act == "answer" and result.items == []
    assert agent.profile(session).liked == liked  # a question, not a liking
    assert "Casablanca (1942)" in result.reply and "Michael Curtiz" in result.reply
    # What its fans also liked, and that fans of La La Land liked it (the collab model).
    assert "People who liked it also liked" in result.reply
    assert "People who liked La La Land (2016) liked it too" in result.reply


def test_like_toy_story_but_for_adults(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session(user="adults")
    result = agent.turn(session, "something like Toy Story but for adults")
    assert {"family", "animation"} <= set(agent.profile(session).avoided["genre"])
    assert result.act == "recommend" and result.items
    for item in result.items:
        genres = redial_pack.catalog[item.item_id].values("genre")
        assert "family" not in genres and "animation" not in genres


def test_an_animated_film_for_adults(agent: ParleyAgent, redial_pack: Pack) -> None:
    # ReDial lists Moana, Coco and Frozen as animation, adventure and comedy, as it lists
    # Sausage Party; MovieLens's genres and the family studios tell them apart.
    assert redial_pack.manifest["for_children"] > 300
    children = agent.context.for_children
    titles = {redial_pack.catalog[i].title for i in children}
    assert {"Moana", "Coco", "Frozen", "Toy Story", "Trolls"} <= titles
    assert not {"Akira", "Anomalisa", "Grave of the Fireflies"} & titles
    session = agent.new_session(user="adult-animation")
    result = agent.turn(session, "Can you recommend an animated movie for adults?")
    assert result.act == "recommend" and len(result.items) == 3
    assert "animated films for grown-ups" in result.reply
    for item in result.items:
        assert "animation" in redial_pack.catalog[item.item_id].values("genre"), item
        assert item.item_id not in children, item
    # after asking for cartoons, "for grown-ups" still wants cartoons
    session = agent.new_session(user="grown-up-animation")
    agent.turn(session, "I want animated movies")
    result = agent.turn(session, "something for grown-ups")
    assert result.items and all(i.item_id not in children for i in result.items)
    assert all("animation" in redial_pack.catalog[i.item_id].values("genre") for i in result.items)


def test_not_that_one_means_the_one_talked_about(agent: ParleyAgent) -> None:
    session = agent.new_session(user="not-that-one")
    cards = [i.item_id for i in agent.turn(session, "I loved Inception").items]
    agent.turn(session, "what is the second one about?")
    agent.turn(session, "not that one")
    disliked = agent.profile(session).disliked
    assert cards[1] in disliked and cards[0] not in disliked


def test_se7en_and_gone_gril_link(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session(user="spelling")
    result = agent.turn(session, "I loved Se7en and Gone Gril")
    liked = {redial_pack.catalog[i].display_title for i in agent.profile(session).liked}
    assert liked == {"Seven (1995)", "Gone Girl (2014)"}
    assert result.act == "recommend" and "Se7en a" not in result.reply
    unknown = agent.turn(agent.new_session(user="x"), "I loved Zorblax Moon and Quantum Llamas")
    assert '"Zorblax Moon and Quantum Llamas"' in unknown.reply


def test_an_ordinal_inside_a_title_is_the_title(agent: ParleyAgent) -> None:
    """ "first" in "50 First Dates" is no "the first one" (found by bench/load.py)."""
    session = agent.new_session(user="ordinal")
    agent.turn(session, "I loved 50 First Dates (2004)")
    agent.turn(session, "not the first one, something else")
    result = agent.turn(session, "Who directed 50 First Dates (2004)?")
    assert result.act == "answer" and "Peter Segal" in result.reply, result.reply


def test_films_are_close_by_what_they_are_about(agent: ParleyAgent, redial_pack: Pack) -> None:
    """The learned ranking sees how close a candidate's description lies to the liked
    films': on the pack's own vectors, a sequel is closer than a film of another kind."""
    from agent.learned import FEATURES, candidate_features

    by_title = {i.display_title: i.item_id for i in redial_pack.catalog}
    toy, sequel, saw = (
        by_title[t] for t in ("Toy Story (1995)", "Toy Story 2 (1999)", "Saw (2004)")
    )
    index = agent.context.catalog_index
    rows = candidate_features(index, Profile(liked=[toy]), {}, [sequel, saw])
    closest = rows[:, FEATURES.index("liked_text_max")]
    assert closest[0] > closest[1] + 0.2, closest


# --- studios and franchises -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "studio"),
    [
        ("any good Pixar movies?", "Pixar"),
        ("a Studio Ghibli film please", "Studio Ghibli"),
        ("I love James Bond movies", "James Bond"),
        ("any good Marvel movies?", "Marvel"),
    ],
)
def test_a_studio_is_the_films_its_people_made(
    agent: ParleyAgent, redial_pack: Pack, message: str, studio: str
) -> None:
    """The catalog records no studio: "Pixar" is understood as the films of its directors,
    the reply says it by name, and the title "James Bond" (2015) is no liked film."""
    session = agent.new_session()
    result = agent.turn(session, message)
    assert result.act == "recommend" and len(result.items) == 3, result.reply
    assert studio in result.reply
    people = {(a, v) for a, vs in STUDIOS[studio].items() if a != "genre" for v in vs}
    for item in result.items:
        film = redial_pack.catalog[item.item_id]
        assert any(v in film.values(a) for a, v in people), item.title
    assert agent.profile(session).liked == []


def test_no_studio_avoids_its_films(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session()
    agent.turn(session, "I loved Toy Story and Shrek")
    result = agent.turn(session, "more like those, but nothing from Pixar")
    assert result.items
    pixar = set(STUDIOS["Pixar"]["director"])
    for item in result.items:
        assert not set(redial_pack.catalog[item.item_id].values("director")) & pixar, item.title


def test_a_studio_said_in_other_words_leads_the_reply(agent: ParleyAgent) -> None:
    """ "ghibli films" names Studio Ghibli as "Studio Ghibli" does: after "I've seen" the
    reply leads with the studio's films, not with "a few more"."""
    session = agent.new_session()
    agent.turn(session, "Any Studio Ghibli movies?")
    result = agent.turn(session, "I've seen Spirited Away. any other ghibli films?")
    assert result.act == "recommend" and "Studio Ghibli" in result.reply, result.reply


def test_a_studio_and_an_era_give_way_to_each_other(agent: ParleyAgent, redial_pack: Pack) -> None:
    """A studio is one wish, met by any of its people, when a new wish meets an old one:
    the 1970s make no Pixar film, so Pixar goes; Pixar made no classic western, so the
    years go (they are a hard filter that would hide every Pixar film)."""
    session = agent.new_session()
    agent.turn(session, "any classic westerns?")
    result = agent.turn(session, "I loved Toy Story. Any other Pixar movies?")
    assert agent.profile(session).year_max is None
    pixar = set(STUDIOS["Pixar"]["director"])
    for item in result.items:
        assert set(redial_pack.catalog[item.item_id].values("director")) & pixar, item.title
    session = agent.new_session()
    agent.turn(session, "Any good Pixar movies?")
    agent.turn(session, "anything from the 1970s?")
    profile = agent.profile(session)
    assert profile.studios == {} and "director" not in profile.wanted


def test_a_horror_comedy_is_a_film_of_both(agent: ParleyAgent, redial_pack: Pack) -> None:
    """Genres side by side are one kind of film: the best-known horror comedies, not the
    best-known horror films nor the obscure ones whose plot says "comedy"."""
    expected = {
        "Shaun of the Dead",
        "Zombieland",
        "Tucker & Dale vs. Evil",
        "What We Do in the Shadows",
        "The Rocky Horror Picture Show",
        "Evil Dead II",
        "Army of Darkness",
        "Gremlins",
        "Beetlejuice",
        "Scary Movie",
        "The Cabin in the Woods",
        "Happy Death Day",
        "Little Shop of Horrors",
        "An American Werewolf in London",
        "Young Frankenstein",
        "Warm Bodies",
        "Tremors",
        "Drag Me to Hell",
    }
    result = agent.turn(agent.new_session(), "a horror comedy please")
    assert len(result.items) == 3, result.reply
    for item in result.items:
        assert {"horror", "comedy"} <= set(redial_pack.catalog[item.item_id].values("genre"))
    assert sum(item.title in expected for item in result.items) >= 2, result.items


def test_scary_but_not_gory_shows_no_gory_film(agent: ParleyAgent, redial_pack: Pack) -> None:
    session = agent.new_session()
    result = agent.turn(session, "something scary but not gory")
    assert len(result.items) == 3 and "nothing gory" in result.reply, result.reply
    grisly = agent.context.catalog_index.grisly
    for item in result.items:
        assert "horror" in redial_pack.catalog[item.item_id].values("genre"), item.title
        assert item.item_id not in grisly, item.title
    assert agent.profile(session).gentle
    # Said in other words, and kept while the talk goes on.
    more = agent.turn(session, "more please")
    assert more.items and not {i.item_id for i in more.items} & grisly


def test_anime_is_japanese_animation(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "Anime" is Japanese animation, not *Frozen* and *Coco*: the catalog records no
    country, and the credits tell it (`knowledge.lexicon.japanese_directors`)."""
    expected = {
        "Spirited Away",
        "Akira",
        "Ghost in the Shell",
        "Princess Mononoke",
        "My Neighbor Totoro",
        "Your Name",
        "Howl's Moving Castle",
        "Kiki's Delivery Service",
        "Castle in the Sky",
        "Paprika",
        "Perfect Blue",
        "Grave of the Fireflies",
        "Ponyo",
        "Wolf Children",
        "A Silent Voice",
        "Summer Wars",
        "Cowboy Bebop: The Movie",
        "Ninja Scroll",
        "Porco Rosso",
        "Nausicaä of the Valley of the Wind",
        "The Girl Who Leapt Through Time",
    }
    # a user of its own: what earlier tests' users have seen stays theirs
    session = agent.new_session(user="anime")
    result = agent.turn(session, "Can you recommend some good anime?")
    assert len(result.items) == 3 and "Japanese" in result.reply, result.reply
    more = agent.turn(session, "more please")
    shown = [*result.items, *more.items]
    for item in shown:
        assert "animation" in redial_pack.catalog[item.item_id].values("genre"), item.title
    # The classics come in the first two replies. Which of them lead depends on the
    # trained ranker: two builds of the same code led with Akira and Cowboy Bebop, and
    # with Ghost in the Shell: Arise and My Neighbor Totoro.
    assert sum(item.title in expected for item in shown) >= 3, shown


def test_a_recent_comedy_is_recent_for_the_catalog(agent: ParleyAgent, redial_pack: Pack) -> None:
    """The ReDial catalog ends in 2018: "recent" counts back from there, whatever today's
    date, and an era said of a genre word is read."""
    result = agent.turn(agent.new_session(), "a recent comedy")
    assert len(result.items) == 3, result.reply
    for item in result.items:
        film = redial_pack.catalog[item.item_id]
        assert "comedy" in film.values("genre") and (film.year or 0) >= 2015, item.title


def test_a_film_named_is_not_recommended_back(agent: ParleyAgent, redial_pack: Pack) -> None:
    """A seeker of the ReDial training set: the film they ask about is one they know, and
    "It's a comedy" says what Rushmore is, not what they want."""
    result = agent.turn(
        agent.new_session(),
        "I love documentaries. Have you seen This Film Is Not Yet Rated (2006) ? It's really "
        "good. Also Rushmore (1998) . It's a comedy.",
    )
    assert len(result.items) == 3, result.reply
    for item in result.items:
        assert item.title not in {"This Film Is Not Yet Rated", "Rushmore"}
        assert "documentary" in redial_pack.catalog[item.item_id].values("genre"), item.title


def test_spooky_films_for_children(agent: ParleyAgent, redial_pack: Pack) -> None:
    """A ReDial training seeker asked for "Kid friendly spooky movies" and got *It*, *The
    Conjuring* and *The Exorcist*: now every card is a family or animated film, one at
    least of a set written down from general knowledge."""
    expected = {
        "The Nightmare Before Christmas",
        "Coraline",
        "Hotel Transylvania",
        "Hotel Transylvania 2",
        "Monster House",
        "ParaNorman",
        "Casper",
        "Hocus Pocus",
        "Goosebumps",
        "Frankenweenie",
        "Corpse Bride",
        "Scooby-Doo",
        "The Addams Family",
        "Halloweentown",
        "Monsters, Inc.",
        "The Witches",
        "Spirited Away",
    }
    result = agent.turn(agent.new_session(), "Kid friendly spooky movies")
    assert len(result.items) == 3, result.reply
    for item in result.items:
        genres = set(redial_pack.catalog[item.item_id].values("genre"))
        assert genres & {"family", "animation"}, item.title
    assert any(item.title in expected for item in result.items), result.items


def test_anything_other_than_anime_drops_the_wish(agent: ParleyAgent) -> None:
    """ "Anything other than anime, a comedy" after anime wants comedies, no Japanese film
    and no animated one: the comedy is wanted, the studio goes with the genre."""
    session = agent.new_session()
    agent.turn(session, "Can you recommend some good anime?")
    agent.turn(session, "anything other than anime, a comedy")
    profile = agent.profile(session)
    assert profile.studios == {} and "animation" in profile.avoided.get("genre", [])
    assert profile.wanted.get("genre") == ["comedy"]


def test_moods_are_the_films_viewers_tagged_so(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "A movie with a good twist" and "something weird" are in no genre and seldom in a
    plot: the pack keeps MovieLens's tags, and a mood is the films tagged with one of its
    tags. Before, both got the best-known films (*It*, *Die Hard*, *Black Panther*)."""
    assert redial_pack.manifest["tagged"] > 900
    tags = redial_pack.tags
    twists = {"twist ending", "plot twist", "twist", "twists & turns", "surprise ending"}
    for text, mood in [
        ("Do you know a movie with a good twist?", "with a twist"),
        ("What is your favorite weird movie?", "weird"),
        ("Are there any good movies that will make me cry?", "sad"),
    ]:
        session = agent.new_session(user=f"mood-{mood}")
        result = agent.turn(session, text)
        assert agent.profile(session).topics == [mood]
        assert result.act == "recommend" and len(result.items) == 3
        for item in result.items:
            found = tags.get(item.item_id, frozenset())
            assert found & set(MOODS[mood].tags), item
    # ruled out, and said back
    session = agent.new_session(user="no-twist")
    result = agent.turn(session, "I loved Heat, but I hate twist endings")
    assert agent.profile(session).avoided_topics == ["with a twist"]
    assert "no films with a twist" in result.reply
    assert not any(tags.get(i.item_id, frozenset()) & twists for i in result.items)
    # Asked for, and no film meets it and the rest: the reply owns up to it, and says back
    # every genre ruled out ("no thrillers" was lost to its plural).
    session = agent.new_session(user="twist-comedy")
    result = agent.turn(session, "I like comedies. No thrillers, no mysteries and no crime films")
    assert "no thrillers, no mysteries, no crime films" in result.reply, result.reply
    result = agent.turn(session, "Something with a twist")
    # (Of the films tagged with a twist, the one comedy, Burn After Reading, is a crime film.)
    assert not {i.item_id for i in result.items} & agent.context.catalog_index.about("with a twist")
    assert "couldn't find any comedies with a twist" in result.reply, result.reply


def test_a_strong_female_lead(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "Action movies with a female lead" is no genre and no tag of this pack: the plot
    says whose story a film is. Before, the reply was the best-known action films
    (*Black Panther*, *Die Hard*). The expected films were written down from general
    knowledge before looking at Parley's answer."""
    expected = {
        "Wonder Woman", "Mad Max: Fury Road", "Kill Bill: Volume 1", "Kill Bill: Volume 2",
        "Kill Bill", "The Hunger Games", "Salt", "Lucy", "Red Sparrow", "Atomic Blonde",
        "Tomb Raider", "Lara Croft: Tomb Raider", "Alien", "Aliens", "Ghost in the Shell",
        "Resident Evil", "Underworld", "Captain Marvel", "Hanna", "Divergent", "Colombiana",
        "Terminator 2: Judgment Day", "Haywire", "Peppermint", "Mulan", "Sucker Punch",
    }  # fmt: skip
    session = agent.new_session(user="female-lead")
    result = agent.turn(session, "Any good action movies with a female lead?")
    assert agent.profile(session).topics == ["with a strong female lead"]
    assert result.act == "recommend" and len(result.items) == 3
    mood = agent.context.catalog_index.about("with a strong female lead")
    for item in result.items:
        assert item.item_id in mood, item
        assert "action" in redial_pack.catalog[item.item_id].values("genre"), item
    assert sum(item.title in expected for item in result.items) >= 2, result.items
    assert "with a strong female lead" in result.reply


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("any good courtroom dramas?", "courtroom"),
        ("a movie with a great soundtrack", "with a great soundtrack"),
        ("any black and white movies?", "black-and-white"),
    ],
)
def test_moods_of_trials_music_and_film_stock(agent: ParleyAgent, text: str, mood: str) -> None:
    """Before, "any good courtroom dramas?" got *Dunkirk*, *The Sixth Sense* and *Logan*
    (any drama), "a movie with a great soundtrack" a question back, and "any black and
    white movies?" films about white (*Snow White*, *White Christmas*)."""
    session = agent.new_session(user=f"mood-{mood}")
    result = agent.turn(session, text)
    assert agent.profile(session).topics == [mood]
    assert result.act == "recommend" and result.items
    films = agent.context.catalog_index.about(mood)
    assert all(item.item_id in films for item in result.items[:2]), result.items
    assert "white" not in " ".join(i.title.lower() for i in result.items)


# Films a person would name for each mood, written down from general knowledge (the
# coming-of-age and space sets before looking at Parley's answers).
_GROWING_UP = {
    "Stand by Me", "The Breakfast Club", "Lady Bird", "Boyhood", "Superbad", "Juno",
    "The Perks of Being a Wallflower", "Dazed and Confused", "Almost Famous", "Moonlight",
    "Sixteen Candles", "Ferris Bueller's Day Off", "The Sandlot", "Call Me by Your Name",
    "Eighth Grade", "American Graffiti", "Napoleon Dynamite", "Rushmore", "Easy A",
    "Mean Girls", "Clueless", "The Edge of Seventeen", "Submarine", "Dead Poets Society",
    "American Pie", "10 Things I Hate About You", "Me and Earl and the Dying Girl",
    "The Way Way Back", "Fast Times at Ridgemont High", "Good Will Hunting",
}  # fmt: skip
_IN_SPACE = {
    "Interstellar", "Gravity", "The Martian", "Apollo 13", "2001: A Space Odyssey", "Alien",
    "Aliens", "Star Wars", "The Empire Strikes Back", "Star Trek", "Star Trek Into Darkness",
    "Guardians of the Galaxy", "Sunshine", "Moon", "Passengers", "Event Horizon", "Serenity",
    "Prometheus", "Pandorum", "Armageddon", "Solaris", "WALL·E", "Galaxy Quest", "Spaceballs",
    "Mission to Mars", "Red Planet", "Rogue One: A Star Wars Story", "The Right Stuff",
    "Life", "Elysium", "Alien: Covenant", "Lost in Space", "Europa Report",
}  # fmt: skip
_BEAUTIFULLY_SHOT = {
    "Blade Runner 2049", "Blade Runner", "Lawrence of Arabia", "The Revenant", "Days of Heaven",
    "2001: A Space Odyssey", "Barry Lyndon", "In the Mood for Love", "Mad Max: Fury Road",
    "The Tree of Life", "Amélie", "Life of Pi", "Hero", "Skyfall", "The Grand Budapest Hotel",
    "Apocalypse Now", "Children of Men", "There Will Be Blood", "No Country for Old Men",
    "Inception", "Arrival", "Moonlight", "La La Land", "Avatar", "Gravity", "Sicario",
    "Dunkirk", "Baraka", "The Fall", "Her",
}  # fmt: skip
_FEEL_GOOD = {
    "Forrest Gump", "Up", "Paddington", "Paddington 2", "The Intouchables", "Amélie",
    "Little Miss Sunshine", "The Princess Bride", "Ratatouille", "Finding Nemo", "Toy Story",
    "The Sound of Music", "Mamma Mia!", "Mrs. Doubtfire", "School of Rock", "Chef", "Elf",
    "The Secret Life of Walter Mitty", "Big", "Groundhog Day", "Life Is Beautiful",
    "The Greatest Showman", "Sing Street", "Singin' in the Rain", "Moana", "Tangled", "Coco",
    "Inside Out", "Zootopia", "The Blind Side", "Pitch Perfect", "Hairspray", "About Time",
    "Love Actually", "Mary and Max", "WALL·E", "Wonder", "The Pursuit of Happyness",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "mood", "expected"),
    [
        ("I want a coming of age movie", "coming-of-age", _GROWING_UP),
        ("Something set in space please", "set in space", _IN_SPACE),
        ("Can you find me movies about space?", "set in space", _IN_SPACE),
        ("I want a film with great cinematography", "beautifully shot", _BEAUTIFULLY_SHOT),
        ("I need a feel-good movie, had a rough day", "heartwarming", _FEEL_GOOD),
    ],
)
def test_moods_of_growing_up_space_pictures_and_comfort(
    agent: ParleyAgent, text: str, mood: str, expected: set[str]
) -> None:
    """Before, "a coming of age movie" and "a film with great cinematography" got a
    question back, "something set in space" got *Inception* and *The Matrix* (any sci-fi),
    and "a feel-good movie" got *Jumanji* and *The Hangover* (any comedy). ReDial's own
    recommenders answered "movies about space" with *Gravity*, *The Martian* and *Apollo
    13*, and "a feel good movie" with *Tangled* and *The Help*."""
    session = agent.new_session(user=f"mood-{mood}")
    result = agent.turn(session, text)
    assert agent.profile(session).topics == [mood]
    assert result.act == "recommend" and len(result.items) == 3
    films = agent.context.catalog_index.about(mood)
    assert all(item.item_id in films for item in result.items), result.items
    assert sum(item.title in expected for item in result.items) >= 2, result.items


def test_a_subject_in_a_title_is_not_enough(agent: ParleyAgent) -> None:
    """ "A movie about a dog" got *Dog Day Afternoon*, a bank robbery, because its title
    says "dog". A title counts for a subject only when it names nothing else ("Heist",
    "The Witch", "Alien 3")."""
    index = agent.context.catalog_index
    titles = {agent.catalog[i].title for i in index.about("about a dog")}
    assert "A Dog's Purpose" in titles and "Marley & Me" in titles
    assert not titles & {"Dog Day Afternoon", "Reservoir Dogs", "Ghost Dog: The Way of the Samurai"}
    assert {"Heist", "Alien 3"} <= {agent.catalog[i].title for i in index.about("heist")} | {
        agent.catalog[i].title for i in index.about("alien")
    }
    session = agent.new_session(user="dog")
    result = agent.turn(session, "A movie about a dog")
    assert result.items and all("Dog Day" not in i.title for i in result.items)


def test_no_superhero_films_and_nothing_short(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "I hate superhero movies. Recommend an action movie" got *Black Panther* and *Thor:
    Ragnarok* after "Noted: no superhero films": no tag of theirs said superhero. Comic-book
    credits and the heroes' worlds in a plot (Wakanda, Asgard) say it now. "Something short
    and funny" got silent shorts of 1913 and 1914."""
    heroes = agent.context.catalog_index.about("superhero")
    titles = {redial_pack.catalog[i].title for i in heroes}
    assert {"Black Panther", "Thor: Ragnarok", "Spider-Man", "The Dark Knight"} <= titles
    session = agent.new_session(user="no-heroes")
    result = agent.turn(session, "I hate superhero movies. Recommend an action movie")
    assert agent.profile(session).avoided_topics == ["superhero"]
    assert "action" not in agent.profile(session).avoided.get("genre", [])
    assert result.items and not {i.item_id for i in result.items} & heroes, result.items
    session = agent.new_session(user="short")
    result = agent.turn(session, "I want something short and funny")
    assert result.items and all(
        "short" not in redial_pack.catalog[i.item_id].values("genre") for i in result.items
    ), result.items


def test_an_animated_film_not_for_kids(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "An animated movie that isn't for kids" got *Coco*, *The Lion King* and *Moana*:
    "for kids" was read as a wish for family films, "isn't" unread."""
    session = agent.new_session(user="not-for-kids")
    result = agent.turn(session, "I'm looking for an animated movie that isn't for kids")
    profile = agent.profile(session)
    assert "family" in profile.avoided.get("genre", []), profile
    assert result.items and not {i.item_id for i in result.items} & agent.context.for_children
    assert all("animation" in redial_pack.catalog[i.item_id].values("genre") for i in result.items)


def test_no_film_or_anything_like_it(agent: ParleyAgent, redial_pack: Pack) -> None:
    """ "No Ghost in the Shell or anything like it" after "I loved Akira" was followed by its
    sequel: its close kin go with it now (*Innocence*, by its director; *Jin-Roh*, which
    he wrote)."""
    session = agent.new_session(user="unlike")
    agent.turn(session, "I loved Akira")
    result = agent.turn(session, "No Ghost in the Shell or anything like it please")
    assert "nothing like Ghost in the Shell" in result.reply
    never = unshowable(agent.context, agent.profile(session), [])
    titles = {redial_pack.catalog[i].title for i in never}
    assert {"Ghost in the Shell 2: Innocence", "Jin-Roh: The Wolf Brigade"} <= titles
    assert not any(
        "Ghost in the Shell" in redial_pack.catalog[i.item_id].title for i in result.items
    )
