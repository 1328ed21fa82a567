"""How a reply words its reasons and the user's wishes: once in full, a person named once."""

from agent.evidence import spoken
from agent.nodes.acts import shared_wish
from agent.profile import Profile
from agent.wording import genre_blend, people_phrases, wish_phrase
from tests.fixtures.catalogs import small_catalog

NOLAN = "directed by Christopher Nolan, like Inception (2010) and The Prestige (2006)"
FANS = "people who liked Inception (2010) also liked it"


def test_a_repeated_reason_is_said_briefly_the_second_time() -> None:
    evidence = [
        [NOLAN, FANS],
        [NOLAN, "Michael Caine stars in it, as in The Prestige (2006)"],
        [NOLAN, FANS],
        ["Michael Caine stars in it, as in The Prestige (2006)"],
        ["written by Jonathan Nolan, who also wrote The Prestige (2006)"],
    ]
    assert spoken(evidence) == [
        [NOLAN, FANS],
        [
            "also directed by Christopher Nolan",
            "Michael Caine stars in it, as in The Prestige (2006)",
        ],
        ["also directed by Christopher Nolan", "liked by the same people"],
        ["also starring Michael Caine"],
        ["written by Jonathan Nolan, who also wrote The Prestige (2006)"],
    ]


def test_a_met_wish_is_said_once_and_a_reason_without_a_short_form_stays() -> None:
    thriller = "a thriller, as you asked"
    assert spoken([[thriller], [thriller]]) == [[thriller], ["another thriller"]]
    odd = "one of the most popular films in the catalog"
    assert spoken([[odd], [odd]]) == [[odd], [odd]]


def test_one_person_in_two_roles_is_named_once() -> None:
    nolan = ["Christopher Nolan"]
    assert people_phrases({"writer": nolan, "director": nolan}) == [
        "directed and written by Christopher Nolan"
    ]
    assert people_phrases({"star": ["Jim Carrey"], "writer": ["Jim Carrey"]}) == [
        "starring Jim Carrey, who also wrote it"
    ]
    assert people_phrases({"star": ["Tom Hanks", "Meg Ryan"]}) == ["with Tom Hanks and Meg Ryan"]


def test_a_wish_for_a_person_in_any_role_reads_by() -> None:
    profile = Profile(wanted={"director": ["christopher nolan"], "writer": ["christopher nolan"]})
    assert wish_phrase(profile, lambda _, name: name.title()) == "films by Christopher Nolan"
    actor = Profile(wanted={"genre": ["comedy"], "star": ["jim carrey"], "writer": ["jim carrey"]})
    assert wish_phrase(actor, lambda _, name: name.title()) == "comedies with Jim Carrey"


def test_one_person_directing_and_writing_is_one_reason_said_briefly_again() -> None:
    both = "directed and written by Christopher Nolan, like Inception (2010)"
    assert spoken([[both], [both]]) == [[both], ["also directed and written by Christopher Nolan"]]


def test_one_person_directing_one_liked_film_and_writing_two_is_said_once_again() -> None:
    first = [
        "directed by Pete Docter, like Up (2009)",
        "written by Pete Docter, who also wrote Toy Story (1995) and Up (2009)",
    ]
    assert spoken([first, first]) == [first, ["also directed and written by Pete Docter"]]


def test_the_heading_claims_only_what_every_card_is() -> None:
    catalog = small_catalog()
    ids = {i.title: i for i in catalog}
    inception, interstellar = ids["Inception"], ids["Interstellar"]
    profile = Profile(wanted={"genre": ["sci-fi", "horror"], "director": ["christopher nolan"]})
    shared = shared_wish(profile, [inception, interstellar])
    # both are Nolan sci-fi films, neither is horror: "horror" leaves the heading
    assert shared.wanted == {"genre": ["sci-fi"], "director": ["christopher nolan"]}
    assert profile.wanted["genre"] == ["sci-fi", "horror"]  # the profile itself is kept
    assert shared_wish(profile, []).wanted == {}


def test_a_subject_leads_the_heading_when_every_card_is_about_it() -> None:
    catalog = small_catalog()
    ids = {i.title: i for i in catalog}
    inception, interstellar = ids["Inception"], ids["Interstellar"]
    about = {"dream": {inception.item_id}, "about space": {inception.item_id, interstellar.item_id}}
    profile = Profile(wanted={"genre": ["sci-fi"]}, topics=["dream", "about space"])
    shared = shared_wish(profile, [inception, interstellar], about=lambda t: about[t])
    assert shared.topics == ["about space"]
    assert wish_phrase(shared) == "sci-fi films about space"
    assert wish_phrase(Profile(topics=["zombie"], wanted={"genre": ["comedy"]})) == (
        "zombie comedies"
    )
    assert wish_phrase(Profile(topics=["heist"])) == "heist films"
    # without a way to tell what a film is about, no subject is claimed
    assert shared_wish(profile, [inception]).topics == []


def test_genres_asked_for_together_are_said_as_one_kind_of_film() -> None:
    assert genre_blend(["comedy", "horror"]) == "horror comedies"
    assert genre_blend(["romance", "comedy"], plural=False) == "romantic comedy"
    assert genre_blend(["sci-fi", "thriller"]) == "sci-fi thrillers"
    assert genre_blend(["sci-fi", "horror"], plural=False) == "sci-fi horror film"
    assert genre_blend(["action", "crime"]) == ""  # no head: "action and crime films"
    assert genre_blend(["animation", "comedy"]) == "animated comedies"
    assert genre_blend(["comedy"]) == ""
    profile = Profile(wanted={"genre": ["comedy", "horror"]}, genres_together=["comedy", "horror"])
    assert wish_phrase(profile) == "horror comedies"
    either = Profile(wanted={"genre": ["comedy", "horror"]})  # "horror or comedy"
    assert wish_phrase(either) == "comedy and horror films"
