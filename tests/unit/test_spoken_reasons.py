"""A reply says a reason once in full; later picks with the same reason say it briefly."""

from agent.evidence import spoken

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


def test_a_reason_without_a_short_form_stays_whole() -> None:
    thriller = "a thriller, as you asked"
    assert spoken([[thriller], [thriller]]) == [[thriller], [thriller]]
