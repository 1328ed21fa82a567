"""The deterministic reader: polarity, intent, years and references to shown items.

It works on any catalog and any LLM (or none). A capable LLM may add structured
extraction on top, but its output only ever enters the state through the catalog linker.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from agent.profile import CLASSIC_UNTIL, RECENT_YEARS, Critique, Polarity
from knowledge.lexicon import blend_kind, is_blend, names_genre
from tools.facts import NEEDS_AN_ITEM, Asks, detect_question

Intent = Literal[
    "greet",
    "close",
    "accept",
    "more",
    "why",
    "question",
    "reject",
    "seen",
    "more_like",
    "statement",
]

# A comma before a new "I ..." also starts a clause: "No, I don't mind cartoons, I loved Up".
_CLAUSE_BREAK = re.compile(
    r"[.;!?\n]+|,\s*(?:but|though|although|however|whereas)\b"
    r"|(?<!anything )(?<!any thing )(?<!nothing )\bbut\b|\bhowever\b"  # "anything but X": one
    r"|,\s*(?=(?:i|i'm|i've|we|my|just|rather|instead|a|an|some|something|maybe)\b)"
    r"|\bplease\b,?",  # "no horror please, a comedy": the "no" ends at "please"
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(less|fewer|hate[sd]?|hating|dislike[sd]?|can'?t stand|cannot stand|not (?:a|really a|much of a|the biggest) fan"
    r"|not into|not in the mood|(?:didn'?t|did not|don'?t|do not|doesn'?t|does not) (?:really |much |particularly )?"
    r"(?:like|want|enjoy|love|care for)|no more|avoid|any ?thing but|except|other than|besides|apart from"
    r"|aside from|excluding|without|nothing|no\b|not\b|never|boring"
    r"|awful|terrible|overrated|worst|sick of|tired of|skip|too (?:scary|violent|long|slow))"
)
_SEEN = re.compile(
    r"\b(seen|watched|already (?:saw|seen|watched)|saw it|saw that|have seen|i'?ve seen)\b"
)
# "I haven't seen it", "never watched that one": not seen, and no verdict either.
_NOT_SEEN = re.compile(
    r"\b(?:haven'?t|have not|havnt|hadn'?t|never|not|didn'?t|did not|not yet)\s+(?:yet\s+|even\s+|really\s+)?"
    r"(?:seen|watched|saw|see|watch|heard of)\b",
    re.I,
)
# "don't mind X", "wouldn't mind X" say yes, whatever their "n't".
_NO_OBJECTION = re.compile(r"\b(?:don'?t|do not|wouldn'?t|would not) mind\b")
# "did you see X?", "have you watched X": a question to the other side, no taste.
_ASKED_BACK = re.compile(
    r"\b(?:did|have|do) you (?:ever )?(?:see|seen|watch|watched|like|heard of)\s*$"
)
_LIKE = re.compile(
    r"\b(lov(?:e|ed|es|ing)|lik(?:e|ed|es|ing)|enjoy(?:ed|s)?|fan of|favou?rite|adore[sd]?|great|amazing"
    r"|awesome|best|into|want|looking for|in the mood|prefer|recommend|fond of|similar to|like|good"
    r"|funny|fun|interesting|cool)\b"
)
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|howdy|good (?:morning|afternoon|evening)|yo)\b"
    r"(?: there| everyone| all| folks| parley)?[\s!.,]*$",
    re.I,
)
# "I'm good, how are you?", "Im fine thanks for asking", "not bad, and yours?": small talk
# after a greeting, the whole message; a greeting, not a goodbye nor a request.
_PLEASANTRY = re.compile(
    r"^\W*(?:(?:hi|hello|hey|howdy|good (?:morning|afternoon|evening))(?: there)?\W+)?"
    r"(?:(?:yes|yeah|oh|well)\W+)?"
    r"(?:(?:i'?m|im|i am|am|doing|all|everything(?:'s| is)?)\s+)?(?:(?:very|pretty|really|so|just"
    r"|quite|doing)\s+)?(?:good|fine|great|well|ok|okay|not bad|alright|all right|wonderful"
    r"|excellent|awesome)"
    r"(?:\W+(?:thanks?(?: you)?|thank u|thx)(?: for asking)?)?"
    r"(?:\W+(?:and|how about|what about)?\s*(?:you|yours|u|yourself)\b"
    r"|\W+how (?:are|r|about) (?:you|u|yourself)(?: doing)?(?: today| tonight)?)?\W*$"
    r"|^\W*(?:(?:hi|hello|hey)\W+)?how (?:are|r) (?:you|u)(?: doing)?(?: today| tonight)?\W*$",
    re.I,
)
_CLOSE = re.compile(
    r"\b(bye|goodbye|that'?s all|that is all|i'?m done|no thanks|thanks,? (?:that'?s|i'?m) (?:it|good|done)"
    r"|see you|good ?night)\b",
    re.I,
)
_ACCEPT = re.compile(
    r"\b(i'?ll (?:watch|take|try|check out|go with)|sounds (?:good|great|perfect)|perfect|that'?s the one"
    r"|exactly what|i'?ll give it a (?:try|shot))\b",
    re.I,
)
# Thanks alone picks no film: "thanks!" after an answer about Heat is no choice of Heat.
THANKS = re.compile(r"\b(thank you|thanks|thank u|thx|cheers)\b", re.I)
# A request after the thanks or the pick: "I'll check it out. How about something like
# Coco?", "thanks. what do you suggest for action movies?", "any other suggestions?".
# "Thanks for all the recommendations" asks for nothing.
_GOES_ON = re.compile(
    r"\b(?:how|what) about (?:a|an|some|something|anything|another|one)\b"
    r"|\b(?:can|could|would|will) you (?:also )?(?:recommend|suggest)\b"
    r"|\bwhat (?:else )?(?:do|would|can|could) you (?:suggest|recommend)\b"
    r"|\b(?:recommend|suggest) (?:me |us )?(?:a|an|some|something|another|more|any|other)\b"
    r"|\b(?:i'?m|i am|am|i was|we'?re) (?:also |now |still )?(?:looking|searching) for\b"
    r"|\b(?:any|some|other) (?:other |more )?(?:suggestions?|recommendations?|ideas|movies|films)\s*\?",
    re.I,
)
# Taking a pick: answered as an acceptance even when it ends with goodbye.
_PICK = re.compile(
    r"\b(?:i'?ll|i will|i'?m going to|i am going to|gonna|going to)\s+(?:\w+\s+)?"
    r"(?:watch|see|rent|try|check (?:it|that|them|this) out|check out|look into|give (?:it|that|them) a)\b",
    re.I,
)
_MORE = re.compile(
    r"\b(something else|anything else|other (?:options|ideas|movies|ones?|suggestions|recommendations|picks)"
    r"|more (?:options|ideas|suggestions|movies|recs?|recommendations)|one more(?: movie)? (?:rec|recommend|suggestion)"
    r"|another (?:one|movie|suggestion)(?! (?:i|that i|we)\b)|different|what else|show me more|more please)\b",
    re.I,
)
WHY = re.compile(r"\b(why|how come|what makes|explain)\b", re.I)
_REJECT = re.compile(
    r"\b(not (?:that|this|those|these) ones?|not (?:that|this|those|these)|no,? not|nope|don'?t like (?:that|this|it|those|them)"
    r"|not interested|not for me|none of (?:these|those|them)|something else"
    r"|not the (?:[\w'’.-]+ ){1,3}?(?:one|movie|film))\b",
    re.I,
)
_SEEN_IT = re.compile(
    r"\b(seen (?:it|that|this|them|those|these|all|both)|i'?ve seen|i have seen|already (?:seen|watched|saw)"
    r"|watched (?:it|that|them|those)|have (?:already )?seen the|saw (?:it|that|this|them)|did see"
    r"|^\W*(?:already )?(?:seen|watched|saw) the (?:first|second|third|last|other)(?: one| two)?)\b",
    re.I,
)
_MORE_LIKE = re.compile(r"\b(more like|similar to|something like|anything like) ", re.I)

_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
    "top": 0,
}
_ORDINAL_RE = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b(?! time)|\b(last|top)(?= one\b)"
    r"|#\s?(\d)\b|\bnumber (\d)\b",
    re.I,
)
# A run of shown items: "the first two", "the last 3".
_RUN_RE = re.compile(
    r"\b(first|top|last)\s+(two|three|four|2|3|4)\b(?!\s*(?:years?|minutes?))", re.I
)
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_ALL_RE = re.compile(r"\b(all|them|those|these|both|any of)\b", re.I)
# One item pointed at without its name: "it", "that one", "who directed that?".
_ONE_RE = re.compile(
    r"\b(?:it|that one|this one|(?:that|this|the) (?:movie|film))\b"
    r"|\b(?:that|this)\b(?=\s*(?:[?!.,]|$))",
    re.I,
)
# In a statement a pronoun is an item only as what the user liked or saw, or judges:
# "I loved it", "that one was boring" (not "make it funny").
_TASTE_REF = re.compile(
    r"\b(?:lov|lik|enjoy|hat|dislik|ador|watch|saw|seen)\w*\s+(?:it|that|this)\b"
    r"|\b(?:it|that one|this one|that movie|this movie) (?:was|is|looks|sounds|seems)\b"
    r"|(?:^|[.!?]\s+)(?:(?:oh|yes|yeah|wow|ah|ok|okay)\W+)?(?:that|this)(?:'s| is| was)\b",
    re.I,
)
# "or anything like it", "movies like that": a likeness, not a verdict on it.
_LIKENESS = re.compile(
    r"\b(?:anything|something|nothing|everything|stuff|films?|movies?|ones?|others?|more)"
    r"\s+(?:quite |just |much )?$",
    re.I,
)
# "No Ghost in the Shell or anything like it": the film and its close kin ruled out.
_UNLIKE = re.compile(
    r"\b(?:or|and|nor) (?:anything|something|stuff|movies?|films?|ones?)(?: else)?"
    r" (?:like|similar to) (?:it|that|this|them|those)\b"
    r"|\bnothing(?: else)? (?:like|similar to) (?:it|that|this|them|those)\b",
    re.I,
)
# "the newer one": a description of an item, not a wish for newer films.
_THE_ONE = re.compile(r"\bthe (?:[\w'’-]+ ){1,3}(?:one|ones|movie|film)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|that|this)\b", re.I)

# Critiques: changes relative to what was shown or wanted ("for adults", "something lighter").
_CRITIQUES: list[tuple[Critique, re.Pattern[str]]] = [
    (
        "adults",
        re.compile(
            r"\bfor (?:adults|grown-?ups|grownups|mature audiences)\b|(?<!young )\b(?:adult|mature"
            r"|grown-?up)\b|\bnot (?:for (?:kids|children)|(?:a )?(?:kids'?|children'?s|family) "
            r"(?:movie|film)s?)\b"
            r"|\b(?:isn[’']?t|is not|aren[’']?t|are not|not|nothing|no)(?: (?:really|just|meant"
            r"|made|only|aimed))? (?:for|at) (?:the )?(?:kids|children|little ones)\b",
            re.I,
        ),
    ),
    (
        "kids",
        re.compile(
            r"\bfor (?:my |the |our |a )?(?:kids|children|child|little ones|whole family|family)\b"
            r"|\b(?:kid|family|child)-?friendly\b|\bsuitable for (?:kids|children)\b",
            re.I,
        ),
    ),
    (
        "less_violent",
        re.compile(
            r"\b(?:less|not(?: so| too| as| very| overly)?|without(?: the| so much| too much)?"
            r"|no(?:thing)?(?: too| very| overly)?) (?:violen(?:t|ce)|gory|gore|bloody|blood|brutal)\b"
            r"|\bnon-?violent\b|\bgentler\b|\bmilder\b",
            re.I,
        ),
    ),
    (
        "lighter",
        re.compile(
            r"\blighter\b|\blight-?hearted\b|\bhappier\b|\bsomething light\b"
            r"|\b(?:less|not (?:so|too|as)) (?:dark|serious|heavy|depressing|intense|sad|grim|bleak)\b"
            r"|\bmore (?:cheerful|upbeat|uplifting|fun|feel-?good)\b",
            re.I,
        ),
    ),
    (
        "darker",
        re.compile(
            r"\bdarker\b|\bgrittier\b|\bmore (?:serious|intense|gritty)\b"
            r"|\b(?:less|not (?:so|too|as)) (?:light|silly|goofy|cheesy|childish|lighthearted)\b",
            re.I,
        ),
    ),
    (
        "older",
        re.compile(
            r"\bolder\b(?! (?:than \d|brother|sister|kids|son|daughter|people|folks|viewers|audience))"
            r"|\bearlier (?:one|movie|film|stuff)s?\b|\bless (?:recent|new|modern)\b"
            r"|\bnot (?:so|as|too) (?:new|recent|modern)\b",
            re.I,
        ),
    ),
    (
        "lesser_known",
        re.compile(
            r"\bhidden (?:gem|treasure)s?\b|\bunder the radar\b|\bobscure\b"
            r"|\b(?:some|any|an?|more) under-?(?:rated|appreciated|seen)\b"
            r"|\bunder-?(?:rated|appreciated|seen) (?:movie|film|one|gem|pick|classic)s?\b"
            r"|\b(?:lesser|less|little)[- ](?:known|seen)\b|\boff the beaten (?:path|track)\b"
            r"|\b(?:less |(?:not|nothing) (?:so |too |that |very )?)(?:mainstream|popular|famous|well[- ]known)\b"
            r"|\bnot (?:a |the )?(?:usual|obvious) (?:picks?|ones|choices?)\b"
            r"|\b(?:a|some|any|something) (?:good |great )?(?:rare|unknown|niche|cult)\b"
            r"|\b(?:rare|niche) (?:gem|find|movie|film|pick)s?\b",
            re.I,
        ),
    ),
    (
        "well_known",
        re.compile(
            r"\b(?:more|something|anything) (?:popular|mainstream|well[- ]known|famous)\b"
            r"|\ba (?:popular|mainstream|well[- ]known|famous) (?:movie|film|one)\b"
            r"|\bblockbusters?\b|\bcrowd[- ]pleasers?\b|\b(?:big|popular) hits?\b",
            re.I,
        ),
    ),
    (
        "newer",
        re.compile(
            r"\bnewer\b(?! than \d)|\bmore (?:recent|modern)\b|\bless old\b"
            r"|\bnot (?:so|as|too) old\b",
            re.I,
        ),
    ),
]


def inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the text from ``start`` to ``end`` lies within one of ``spans``."""
    return any(a <= start and end <= b for a, b in spans)


def says_genre(
    text: str,
    start: int,
    end: int,
    genre: str,
    pol: Polarity,
    grown_up: Sequence[tuple[int, int]] = (),
) -> bool:
    """Whether the genre word from ``start`` to ``end`` speaks of ``genre``, as a wish or
    with ``pol``: "no superhero movies" rules out superhero films, not every action film
    (`knowledge.lexicon.blend_kind`); "something short and funny" names no short film
    (`knowledge.lexicon.names_genre`); "kids" in "isn't for kids" (the ``grown_up``
    spans of the "adults" critique) asks for no family film, the critique says it."""
    kind = blend_kind(text[start:end]) if pol == "dislike" else None
    if kind is not None and genre.lower() != kind:
        return False
    return names_genre(genre, text) and not inside(start, end, grown_up)


_DECADE = re.compile(r"\b(?:the )?(?:(19|20)?(\d)0)'?s\b")
_AFTER = re.compile(
    r"\b(?:after|since|newer than|post)\s+(1[89]\d\d|20\d\d)\b"
    r"|\bfrom\s+(1[89]\d\d|20\d\d)(?:\s+on\b|\s+onwards?\b|\s+or (?:later|after|newer)\b"
    r"|\s+and (?:later|after|up|beyond|on)\b|\+)"
)
_BETWEEN = re.compile(
    r"\b(?:from|between)\s+(1[89]\d\d|20\d\d)\s*(?:to|until|till|through|and|-|–)\s*"
    r"(1[89]\d\d|20\d\d)\b"
)
# "a movie from 2017", "something released in 2015", "a 2017 film": that year, not any
# year since (a year right after a title is the title's: `_apply_years`).
_IN_YEAR = re.compile(
    r"\b(?:from|(?:movies?|films?|flicks?|something|anything|ones?|released|made|came out|out)"
    r"\s+in)\s+(1[89]\d\d|20\d\d)\b(?!\s*(?:on\b|onwards?\b|or\b|and\b|\+|-|to\b))"
    r"|\b(1[89]\d\d|20\d\d) (?:movie|film|flick|release)s?\b"
)
_BEFORE = re.compile(r"\b(?:before|older than|pre|until|up to)\s+(1[89]\d\d|20\d\d)\b")
# Absolute eras, said of the films wanted ("a recent movie", "something old"), not praise
# ("Back to the Future is a classic").
_RECENT = re.compile(
    r"\b(?:recent|new|latest|modern)(?: (?:[a-z-]+ ){0,3}(?:movie|film|flick|release|stuff)s?\b|$)"
    r"|\bsomething (?:recent|new|modern)\b|\bnew releases?\b|\brecently released\b"
)
_OLD = re.compile(
    r"\b(?:classic|old|vintage|old-school) (?:[a-z-]+ ){0,3}(?:movie|film|flick|stuff)s?\b"
    r"|\bclassics\b|\bgolden age\b|\bsomething (?:old|classic|vintage)\b"
)
_OLD_BEFORE = re.compile(r"\b(?:classic|old|vintage|old-school)\s+$")
_SAID_OF_A_FILM = re.compile(
    r"\b(?:it|that|this one|which)(?:'s|\u2019s|\s+is|\s+was)\s+"
    r"(?:(?:a|an|also|kind of|sort of|really|pretty|very|more of|such|great|good)\s+){0,3}$"
)
_CHILD_AGE = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"[- ]?(?:years?|yrs?)[- ]?olds?\b"
)
_AGES = {
    w: n
    for n, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve".split(), start=1
    )
}
CHILD_UNTIL = 12
"""The oldest age, in years, for which a film "for a N year old" is a children's film."""
_RECENT_BEFORE = re.compile(r"\b(?:recent|newer|latest|modern)\s+$")
# "from the last few years", "released this year": years counted back from the catalog's
# present (`knowledge.items.Catalog.present_year`). A bare "last year" is not one: "I saw it
# last year" says when, not which films.
_LAST_YEARS = re.compile(
    r"\b(?:from|in|within|over|during|of|out|released|made)\s+(?:the\s+)?(?:last|past)\s+"
    r"(?:(few|couple(?:\s+of)?|two|three|four|five|ten|\d{1,2})\s+)?(years?|decade)\b"
    r"|\b(?:from|out|released|made)\s+(?:in\s+)?(this|last)\s+year\b"
    r"|\b(?:out|playing|showing)\s+(?:right\s+)?(now)\b|\bin\s+(?:the\s+)?(theat(?:er|re))s\b"
    r"|\bjust\s+(?:came|come)\s+(out)\b"
)
_HOW_MANY = {"few": 3, "couple": 2, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
_COMPARED = re.compile(r"\b(?:(?<!other )than|as (?:old|new|recent|good|scary|funny) as)\s*$")


@dataclass
class Reading:
    """What one user message says, beyond the entities it names."""

    intent: Intent = "statement"
    year_min: int | None = None
    year_max: int | None = None
    positions: list[int] = field(default_factory=list)
    """Shown items the message points at (0-based; -1 = last)."""
    refers_to_all: bool = False
    refers_to_one: bool = False
    """The message points at one item without naming it ("it", "that one")."""
    reference_at: tuple[int, int] | None = None
    """Where the first reference to a shown item is ("the second one", "it")."""
    more_like: bool = False
    """The message asks for more like something ("more like the war one")."""
    asks: Asks | None = None
    """What a question about an item asks for ("who directed it?" -> director)."""
    asks_need_an_item: bool = False
    """The question words also make requests ("tell me about a comedy"): the message is a
    question only if it names or points at an item, else its intent is ``otherwise``."""
    otherwise: Intent = "statement"
    """The intent of the message read as anything but a question."""
    critiques: list[Critique] = field(default_factory=list)
    """Changes relative to what was shown or wanted ("for adults", "older")."""
    genre_words: list[tuple[str, Polarity]] = field(default_factory=list)
    genre_spans: list[tuple[int, int]] = field(default_factory=list)
    """Where each of ``genre_words`` is in the text."""
    critique_spans: list[tuple[int, int]] = field(default_factory=list)
    """Where the critiques are in the text (no title hides in "for grown-ups")."""
    grown_up_spans: list[tuple[int, int]] = field(default_factory=list)
    """Where the "adults" critique is: "kids" in "not for kids" asks for no family film."""
    unlike: bool = False
    """The films ruled out go with their close kin ("no Twilight or anything like it")."""
    genres_together: list[str] = field(default_factory=list)
    """Genres asked for as one kind of film, their words side by side ("horror comedy",
    "true crime documentaries", "romantic comedies"), where "horror and comedy" is
    either."""
    pleasantry: bool = False
    """The whole message is small talk ("I'm good, how are you?", "fine thanks for
    asking"): a greeting before anything was shown, and "fine, thanks" or "ok" after."""
    goes_on: bool = False
    """Thanks or a pick, and then a request in the same message ("thanks! what do you
    suggest for action movies?"): the conversation goes on."""


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a message ("I loved X but hate horror" has two)."""
    bounds, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds or [(0, len(text))]


def polarity(text: str, start: int, end: int) -> Polarity:
    """The attitude of the clause around ``text[start:end]`` towards what it names there."""
    lower = text.lower()
    # The clause that contains the mention (else the last one before it, when the mention
    # sits on a break): never an earlier clause, whose "no" is about something else.
    holding = [(a, b) for a, b in clause_bounds(text) if a <= start]
    if not holding:
        return "neutral"
    c_start, c_end = holding[-1]
    before = lower[c_start:start]
    after = lower[end:c_end]
    clause = before + " " + after
    if _COMPARED.search(before) or _ASKED_BACK.search(before):
        return "neutral"  # "newer than Jaws", "did you see Jaws?": no taste
    if _NO_OBJECTION.search(before):
        return "like"
    if _NOT_SEEN.search(before) or _NOT_SEEN.match(re.sub(r"^\W*(?:i\s+)?", "", after)):
        return "dislike" if _NEGATIVE.search(_NOT_SEEN.sub(" ", before)) else "neutral"
    if _NEGATIVE.search(before) or re.search(
        r"^\W*(is|was|are)?\s*(boring|awful|terrible|overrated)", after
    ):
        return "dislike"
    seen_at = max((m.end() for m in _SEEN.finditer(before)), default=-1)
    like_at = max((m.end() for m in _LIKE.finditer(before)), default=-1)
    if seen_at > like_at or (like_at < 0 and _SEEN.search(after)):
        return "seen"  # the nearest word decides: "recommend one; he has seen Toy Story"
    if _LIKE.search(clause):
        return "like"
    return "like" if "?" not in text[c_end : c_end + 1] else "neutral"


def _title_it(text: str, start: int, word: str) -> bool:
    return word == "It" and start > 0 and not re.search(r"[.!?]\s*$", text[:start])


_PRAISE = re.compile(
    r"\b(lov(?:e|ed|es)|lik(?:e|ed|es)|enjoy(?:ed|s)?|favou?rite|adored?|great|amazing|awesome|best"
    r"|good|interesting|fun|funny|brilliant|excellent)\b"
)


def praises(text: str) -> bool:
    """True when a text speaks well of what it is about ("and liked it", "that was good")."""
    lower = text.lower()
    return bool(_PRAISE.search(lower)) and not _NEGATIVE.search(lower)


def has_taste(text: str) -> bool:
    """True when a text says how the user feels about something ("loved", "not a fan")."""
    lower = text.lower()
    return bool(_LIKE.search(lower) or _NEGATIVE.search(lower) or _SEEN.search(lower))


def _years_back(m: re.Match[str]) -> int:
    """How many years before the present a `_LAST_YEARS` match reaches back."""
    if m.group(3):  # "this year", "last year"
        return 0 if m.group(3) == "this" else 1
    if m.group(4) or m.group(5) or m.group(6):  # "out now", "in theaters": this year or last
        return 1
    if m.group(2) == "decade":
        return 10
    count = m.group(1)
    if count is None:  # "the last years" is a few; "the last year" is one
        return RECENT_YEARS if m.group(2) == "years" else 1
    if count.isdigit():
        return min(int(count), 99)
    return _HOW_MANY[count.split()[0]]


def read(
    text: str,
    *,
    genres: Mapping[str, tuple[str, ...]] | None = None,
    now_year: int | None = None,
) -> Reading:
    """Read the intent, year range, references and genre words of a message.

    ``genres`` maps words to the catalog genres they name (`knowledge.lexicon.genre_words`);
    ``now_year`` is the year "recent" counts back from: the catalog's present
    (`knowledge.items.Catalog.present_year`), this calendar year when not given.
    """
    if now_year is None:
        now_year = datetime.date.today().year
    lower = text.lower()
    reading = Reading(asks=detect_question(text))
    reading.asks_need_an_item = reading.asks in NEEDS_AN_ITEM
    reading.pleasantry = bool(_PLEASANTRY.match(text))
    if _GREETING.match(text):
        reading.otherwise = "greet"
    elif WHY.search(text):
        reading.otherwise = "why"
    elif _SEEN_IT.search(text) and not _NOT_SEEN.search(text):
        reading.otherwise = "seen"
    elif _MORE_LIKE.search(text) and _ORDINAL_RE.search(text):
        reading.otherwise = "more_like"
    elif _REJECT.search(text):
        reading.otherwise = "reject"
    elif _MORE.search(text):
        reading.otherwise = "more"
    elif _PICK.search(text):
        reading.otherwise = "accept"
    elif _CLOSE.search(text):
        reading.otherwise = "close"
    elif _ACCEPT.search(text):
        reading.otherwise = "accept"
    elif THANKS.search(text):
        reading.otherwise = "close"
    reading.more_like = bool(_MORE_LIKE.search(text))
    reading.goes_on = reading.otherwise in {"accept", "close"} and bool(_GOES_ON.search(text))
    asking = reading.asks is not None and reading.otherwise != "greet"
    reading.intent = "question" if asking else reading.otherwise

    runs = list(_RUN_RE.finditer(text))
    for run in runs:  # "the first two", "the last 2"
        count = _COUNTS[run.group(2).lower()]
        reading.reference_at = reading.reference_at or run.span()
        if run.group(1).lower() == "last":
            reading.positions.extend(range(-count, 0))
        else:
            reading.positions.extend(range(count))
    for match in _ORDINAL_RE.finditer(text):
        if any(r.start() <= match.start() < r.end() for r in runs):
            continue
        reading.reference_at = reading.reference_at or match.span()
        word = match.group(1) or match.group(2)
        if word:
            reading.positions.append(_ORDINALS[word.lower()])
        else:
            reading.positions.append(int(match.group(3) or match.group(4)) - 1)
    reading.refers_to_all = bool(_ALL_RE.search(text)) and not reading.positions
    if reading.otherwise == "accept" and reading.refers_to_all and not _PICK.search(text):
        # "Thank you for all these suggestions" thanks for the list and picks none of it.
        reading.otherwise = "close"
        reading.intent = "close" if reading.intent == "accept" else reading.intent
    # "It" written with its capital inside a sentence is the film, not a pronoun.
    one = next(
        (m for m in _ONE_RE.finditer(text) if not _title_it(text, m.start(), m.group())), None
    )
    taste = next(
        (m for m in _TASTE_REF.finditer(text) if not _LIKENESS.search(text, 0, m.start())),
        None,
    )
    if taste is not None:  # "I enjoyed that also": the pronoun of the judgement
        pronoun = _PRONOUN.search(text, taste.start(), taste.end())
        if pronoun is not None and (one is None or pronoun.start() < one.start()):
            one = pronoun
    reading.refers_to_one = one is not None and (
        reading.otherwise != "statement" or reading.asks is not None or taste is not None
    )
    if one is not None and reading.refers_to_one:
        reading.reference_at = reading.reference_at or one.span()
    reading.unlike = _UNLIKE.search(text) is not None
    described = [m.span() for m in _THE_ONE.finditer(text)]
    said: dict[Critique, list[tuple[int, int]]] = {}
    for name, pattern in _CRITIQUES:
        spans = [m.span() for m in pattern.finditer(text) if not inside(*m.span(), described)]
        if spans:
            said[name] = spans
    # "an animated movie that isn't for kids": the grown-ups' words hold the children's
    if "adults" in said and all(inside(*k, said["adults"]) for k in said.get("kids", [])):
        said.pop("kids", None)
    for name, spans in said.items():
        reading.critiques.append(name)
        reading.critique_spans += spans
    reading.grown_up_spans = said.get("adults", [])

    if m := _DECADE.search(lower):
        century = m.group(1) or ("20" if m.group(2) in "012" else "19")
        start = int(century + m.group(2) + "0")
        reading.year_min, reading.year_max = start, start + 9
    if m := _IN_YEAR.search(lower):
        reading.year_min = reading.year_max = int(m.group(1) or m.group(2))
    if m := _AFTER.search(lower):
        reading.year_min = int(m.group(1) or m.group(2))
    if m := _BETWEEN.search(lower):
        reading.year_min, reading.year_max = sorted((int(m.group(1)), int(m.group(2))))
    if m := _BEFORE.search(lower):
        reading.year_max = int(m.group(1))
    if m := _LAST_YEARS.search(lower):
        span = _years_back(m)
        reading.year_min, reading.year_max = now_year - span, None
        if "newer" in reading.critiques:  # "newer, from the last few years" says it twice
            reading.critiques.remove("newer")
    relative = {"older", "newer"} & set(reading.critiques)
    if reading.year_min is None and reading.year_max is None and not relative:
        if _RECENT.search(lower):
            reading.year_min = now_year - RECENT_YEARS
        elif _OLD.search(lower):
            reading.year_max = CLASSIC_UNTIL

    found: list[tuple[int, int, str, Polarity]] = []
    for phrase, named in (genres or {}).items():
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", lower):
            if _SAID_OF_A_FILM.search(lower, 0, m.start()):
                continue  # "Also Rushmore. It's a comedy.": what the film is, no wish
            pol = polarity(text, m.start(), m.end())
            found.extend(
                (m.start(), m.end(), genre, pol)
                for genre in named
                if says_genre(text, m.start(), m.end(), genre, pol, reading.grown_up_spans)
            )
    # "for a 9 year old boy", "my 6-year-old": a child's age asks for what "kids" does.
    for m in _CHILD_AGE.finditer(lower):
        age = m.group(1)
        years = int(age) if age.isdigit() else _AGES.get(age, 99)
        if years <= CHILD_UNTIL and not _SAID_OF_A_FILM.search(lower, 0, m.start()):
            found.extend((m.start(), m.end(), g, "like") for g in (genres or {}).get("kids", ()))
    found.sort()
    # "a classic western", "old horror", "a recent comedy": an era said of a genre word,
    # with no "movie".
    if reading.year_min is None and reading.year_max is None and not relative:
        starts = [start for start, _, _, _ in found]
        if any(_OLD_BEFORE.search(lower, 0, start) for start in starts):
            reading.year_max = CLASSIC_UNTIL
        elif any(_RECENT_BEFORE.search(lower, 0, start) for start in starts):
            reading.year_min = now_year - RECENT_YEARS
    reading.genre_words = [(genre, pol) for _, _, genre, pol in found]
    for (begin, end, first, pol), (start, stop, second, pol2) in pairwise(found):
        wished = {pol, pol2} <= {"like", "neutral"}
        # One word for several genres is one kind of film only as a blend ("rom-com"):
        # "mind-bending" or "heartwarming" asks for either.
        one_word = (begin, end) == (start, stop)
        side_by_side = (
            is_blend(lower[start:stop])
            if one_word
            else (re.fullmatch(r"[\s-]*", lower[end:start]) is not None)
        )
        if wished and first != second and side_by_side:
            for genre in (first, second):
                if genre not in reading.genres_together:
                    reading.genres_together.append(genre)
    reading.genre_spans = [(a, b) for a, b, _, _ in found]
    return reading
