"""Tokens with character spans, folded for loose comparison; shared by the linker and BM25."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+(?:['’]\w+)*|&")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
"""Where one sentence ends and the next begins: after ., ! or ? and a space, or a newline."""

# Roman numerals that are unambiguous as sequel numbers ("Rocky II" = "Rocky 2").
# "i", "v" and "x" stay words: "I, Robot", "V for Vendetta", "X-Men".
ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}


NUMBER_WORDS = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
        " fifteen sixteen seventeen eighteen nineteen twenty".split(),
        [str(n) for n in range(1, 21)],
        strict=True,
    )
)
"""Number words and the digits that write them ("Ocean's Eleven" = "Ocean's 11")."""
_DIGIT_WORDS = {digits: word for word, digits in NUMBER_WORDS.items()}
# Digits written for letters inside a word ("Se7en", "M3GAN"): the letters they stand for.
_LETTER_DIGITS = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "tv", "8": "b"}
_INNER_DIGIT = re.compile(r"(?<=[a-z])\d(?=[a-z])")


def respellings(word: str) -> list[str]:
    """Other spellings of a folded word: the digits of a number word and the reverse
    ("eleven" / "11"), and letters for digits inside a word ("se7en" -> "seten", "seven").

    Letter-for-digit forms are guesses: callers keep those their vocabulary knows.
    """
    if word in NUMBER_WORDS:
        return [NUMBER_WORDS[word]]
    if word in _DIGIT_WORDS:
        return [_DIGIT_WORDS[word]]
    if not _INNER_DIGIT.search(word):
        return []
    forms = [""]
    for ch in word:
        choices = _LETTER_DIGITS.get(ch, ch) if ch.isdigit() else ch
        forms = [f + c for f in forms for c in choices][:16]
    return [f for f in forms if f != word and f.isalpha()]


def _word_list(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = frozenset(
    _word_list(
        """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could did didn do does doesn doing don
    down during each either else ever every few for from further had has have having he her
    here hers herself him himself his how i if im in into is isn it its itself just let ll me
    might more most much must my myself no nor not now of off on once one only or other ought
    our ours ourselves out over own quite rather re really same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up upon us ve very was wasn we were weren what when where which while who whom
    why will with won would yes yet you your yours yourself yourselves
    thats dont cant wont isnt didnt doesnt wasnt arent werent couldnt wouldnt shouldnt havent
    hasnt hadnt ive youre youve youll youd theyre theyve weve hes shes whats theres lets
    """
    )
)
"""English function words (contractions without their apostrophe too)."""

CHAT_WORDS = frozenset(
    _word_list(
        """
    hi hello hey thanks thank ok okay sure yeah yep nope please bye goodbye cool awesome
    movie movies film films flick flicks watch watched watching seen see saw recommend
    recommended recommendation recommendations suggest suggestion suggestions something
    anything maybe think thought know want looking look kind type sort lot lots well still
    thing things ones
    """
    )
)
"""Words of requests about films that say nothing about which film."""

STOPWORDS = FUNCTION_WORDS | CHAT_WORDS
"""Words a lexical index ignores."""

COMMON_WORDS = STOPWORDS | frozenset(
    _word_list(
        """
    great good nice best better bad love loved lovely like liked enjoy enjoyed favorite
    favourite fun funny show shows time times day night today tonight year years old new big
    little man men woman women girl girls boy boys people person life home world story true
    real right last first next way go get got make made take come back
    """
    )
)
"""Words so common in chat that a title made only of them needs more evidence to link."""


@dataclass(frozen=True)
class Token:
    """A word of a text: its folded form and where it sits in the original string."""

    text: str
    """Folded form: lowercase, no accents, no apostrophes; sequel numerals as digits."""
    start: int
    end: int
    capitalized: bool
    """Written with an upper-case first letter (and not at the start of a sentence)."""


def fold(word: str) -> str:
    """Fold one word: lowercase, strip accents and apostrophes, map sequel numerals."""
    if word == "&":
        return "and"
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.lower().replace("'", "").replace("’", "").replace("_", "")
    return ROMAN.get(plain, plain)


def tokenize(text: str) -> list[Token]:
    """Split text into folded tokens with spans.

    Capitalization is kept as evidence of a name only where it means something: not at the
    start of a sentence and not in a text that is mostly upper case.
    """
    letters = [ch for ch in text if ch.isalpha()]
    shouting = bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)
    tokens: list[Token] = []
    for match in _WORD.finditer(text):
        raw = match.group()
        folded = fold(raw)
        if not folded:
            continue
        sentence_start = not tokens or bool(_SENTENCE_END.search(text[: match.start()]))
        # An all-caps word inside normal text is emphasis ("I LOVED it"), not a name.
        emphasis = len(raw) > 1 and raw.isupper()
        capitalized = raw[0].isupper() and not (shouting or sentence_start or emphasis)
        tokens.append(Token(folded, match.start(), match.end(), capitalized))
    return tokens


def words(text: str) -> list[str]:
    """Folded tokens of a text, without spans."""
    return [fold(m.group()) for m in _WORD.finditer(text) if fold(m.group())]


def singular(word: str) -> str:
    """Strip a plural ending the simple way: ``comedies`` -> ``comedy``, ``robots`` -> ``robot``."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """The plural of an English noun the simple way: ``comedy`` -> ``comedies``."""
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "mt", "lt", "sgt", "capt"}
)
_INITIALS = re.compile(r"(?:[A-Z]\.)+")


def _abbreviation(word: str) -> bool:
    """True when a word's full stop ends no sentence: "Dr.", "J.", "U.S."."""
    return word.rstrip(".").lower() in _ABBREVIATIONS or bool(_INITIALS.fullmatch(word))


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, stripped, empty ones dropped. A full stop after a title or
    initials ends none ("Dr. No", "J. R. R. Tolkien", "the U.S. Army")."""
    parts, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        before = text[start : match.start()].split()
        if "\n" not in match.group() and before and _abbreviation(before[-1]):
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def one_line(text: str, limit: int = 120, ellipsis: str = "…") -> str:
    """The first sentence of a text, cut at a word boundary to ``limit`` characters (with
    ``ellipsis`` where it was cut)."""
    first = (split_sentences(" ".join(text.split())) or [""])[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - len(ellipsis)].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + ellipsis
