"""How common English words are: frequency ranks from the embedding model's vocabulary.

The WordPiece vocabulary that ships inside the embedding model's package lists whole
words roughly from the most to the least frequent, which is enough to tell "fan" or
"weekend" (ordinary words) from "Inception" (a name). Nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.embed import DEFAULT_MODEL, model_path
from knowledge.errors import ParleyError
from knowledge.items import Catalog
from knowledge.text import plural

# Everyday words for genres: each names the catalog genres listed, where the catalog has
# them ("romcom" is both romance and comedy). The linker links them as aliases of the genre;
# the reader reads them with their polarity ("nothing scary" avoids horror).
GENRE_WORDS: dict[str, tuple[str, ...]] = {
    "animated": ("animation",),
    "cartoon": ("animation",),
    "cartoons": ("animation",),
    "anime": ("animation",),
    "scary": ("horror",),
    "spooky": ("horror",),
    "frightening": ("horror",),
    "scarier": ("horror",),
    "creepy": ("horror",),
    "horrors": ("horror",),
    "funny": ("comedy",),
    "funnier": ("comedy",),
    "hilarious": ("comedy",),
    "comedic": ("comedy",),
    # moods that ask for a kind of film: "something to cheer me up" is a comedy
    "cheer me up": ("comedy",),
    "cheer us up": ("comedy",),
    "cheer up": ("comedy",),
    "make me laugh": ("comedy",),
    "feel-good": ("comedy",),
    "feel good": ("comedy",),
    "feelgood": ("comedy",),
    "lighthearted": ("comedy",),
    "light-hearted": ("comedy",),
    "heartwarming": ("comedy", "family"),
    "heart-warming": ("comedy", "family"),
    "tearjerker": ("drama",),
    "mind-bending": ("sci-fi", "thriller"),
    "mind bending": ("sci-fi", "thriller"),
    "romantic": ("romance",),
    "love story": ("romance",),
    "rom-com": ("romance", "comedy"),
    "romcom": ("romance", "comedy"),
    "rom com": ("romance", "comedy"),
    # a date-night film is a romantic comedy (ReDial's seekers ask for one by the occasion)
    "date night": ("romance", "comedy"),
    "date-night": ("romance", "comedy"),
    "date movie": ("romance", "comedy"),
    "sci fi": ("sci-fi",),
    "scifi": ("sci-fi",),
    "science fiction": ("sci-fi",),
    "space": ("sci-fi",),
    "suspenseful": ("thriller",),
    "suspense": ("thriller",),
    "action-packed": ("action",),
    "docs": ("documentary",),
    "dramatic": ("drama",),
    "whodunit": ("mystery",),
    "kids": ("family", "animation"),  # either: most cartoons are not listed as family
    "family": ("family", "animation"),  # a family film is often listed as animation only
    "families": ("family", "animation"),
    "family-friendly": ("family", "animation"),
    "kid friendly": ("family", "animation"),
    "kid-friendly": ("family", "animation"),
    "kids friendly": ("family", "animation"),
    "child friendly": ("family", "animation"),
    "child-friendly": ("family", "animation"),
    "for children": ("family", "animation"),
    "little ones": ("family", "animation"),
    "toddler": ("family", "animation"),
    "toddlers": ("family", "animation"),
    "junior high": ("family",),
    "middle school": ("family",),
    "tween": ("family",),
    "tweens": ("family",),
    "war movies": ("war",),
    "superhero": ("superhero", "action"),
    "biopic": ("biography",),
    "biopics": ("biography",),
    "historical": ("history",),
    "sports": ("sport",),
    "noir": ("film-noir",),
}


GENRE_BLENDS = frozenset(
    {"rom-com", "romcom", "rom com", "superhero", "date night", "date-night", "date movie"}
)
"""Words of `GENRE_WORDS` whose genres make one kind of film together: a rom-com is a
romance and a comedy, where "mind-bending" or "heartwarming" asks for either genre."""


_BLEND_FORMS = GENRE_BLENDS | {plural(b) for b in GENRE_BLENDS}


def is_blend(word: str) -> bool:
    """Whether a genre word is one of `GENRE_BLENDS`, or its plural ("rom coms")."""
    return word.lower() in _BLEND_FORMS


def blend_kind(word: str) -> str | None:
    """The genre that makes a blend ("rom-coms") the kind of film it is, where the other
    only goes with it: romance for a rom-com, superhero for a superhero film (an action
    film). "No rom-coms" rules out romance, not comedy; "no superhero movies", no action
    film. ``None`` for a word that is no blend."""
    lower = word.lower()
    for blend in GENRE_BLENDS:
        if lower in (blend, plural(blend)):
            return GENRE_WORDS[blend][0]
    return None


EVERYDAY_GENRES: dict[str, re.Pattern[str]] = {
    "short": re.compile(r"\bshort[- ](?:film|movie|feature|subject)s?\b|\bshorts\b", re.I),
}
"""Genres whose name is an everyday word, and the words that name them as a genre: "short
films", "a short movie" or "shorts" ask for short films, "something short and funny" for
a comedy that does not take all evening, not for *Tango Tangles* (1914)."""


def names_genre(genre: str, text: str) -> bool:
    """Whether ``text`` names ``genre`` as a genre, where the word can say other things
    (`EVERYDAY_GENRES`)."""
    pattern = EVERYDAY_GENRES.get(genre.lower())
    return pattern is None or pattern.search(text) is not None


def genre_words(genres: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Words that name the given genres: each genre, its plural and the `GENRE_WORDS`
    pointing at it, each mapped to the genres of ``genres`` it names."""
    known = {g.lower() for g in genres}
    table: dict[str, tuple[str, ...]] = {}
    for genre in sorted(known):
        table[genre] = (genre,)
        if "-" not in genre and not genre.endswith("s"):
            table[plural(genre)] = (genre,)
    for word, targets in GENRE_WORDS.items():
        present = tuple(t for t in targets if t in known)
        if present:
            table[word] = present
            if word in GENRE_BLENDS and not word.endswith("s"):
                table.setdefault(plural(word), present)  # "rom coms"
    return table


# Studios and franchises, named by the people whose credits make them: the catalog records
# directors, writers and stars, not studios, so "Pixar" is the films of Pixar's directors
# and "Marvel" the films credited to Marvel's comic-book creators. Each name lists the
# credits that stand for it and the genres it implies; only what a catalog holds is used.
GRISLY: tuple[str, ...] = (
    "bloodcurdling",
    "bloody",
    "brutal",
    "brutally",
    "butcher",
    "cannibal",
    "chainsaw",
    "flesh",
    "gore",
    "gory",
    "gruesome",
    "killer",
    "maniac",
    "massacre",
    "murderous",
    "mutilate",
    "psychopath",
    "psychopathic",
    "sadistic",
    "savage",
    "slasher",
    "torture",
    "tortured",
)
"""Words of a story that make a film gory or brutal: a user who asks for "something scary
but not gory" or "nothing too violent" is shown none whose title or description uses one
(in the singular: `knowledge.text.singular`). Catalogs record no such tag, but a plot
that speaks of a killer, a massacre or torture tells slasher and torture horror (*Saw*,
*The Texas Chainsaw Massacre*, *Scream*) from ghost stories (*The Conjuring*, *The
Others*). Read as a rule, not a feature: a few films on the edge are lost, none of the
gory ones the user ruled out is shown."""


SUBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "spooky": (
        "ghost",
        "haunted",
        "witch",
        "monster",
        "halloween",
        "vampire",
        "skeleton",
        "werewolf",
        "zombie",
        "spirit",
    ),
    "car": ("racing", "racer", "racecar", "driver", "getaway"),
    "driving": ("car", "racing", "racer", "racecar", "driver", "getaway"),
    "racing": ("racer", "racecar", "driver"),
}
"""Subjects whose films a plot names in other words: a film is about cars when its plot
speaks of racing or a getaway driver (*The Fast and the Furious*, *Baby Driver*), and a
spooky film for children is one about ghosts, witches or monsters (*Coraline*, *Hotel
Transylvania*), which catalogs list as animation or family, seldom as horror. Keys and
words in the singular, as `agent.learned.CatalogIndex.about` compares them."""


def _described(words: str) -> str:
    """A pattern for a film described by one of ``words`` (alternatives of a regex) where
    the words are common in talk: after "something" and the like ("something weird",
    "nothing too creepy") or before a film word ("a weird sci-fi movie", "sad ones"); "it
    was really sad" says what a film was, not what to watch next."""
    return (
        r"\b(?:something|anything|nothing|more)"
        rf"(?: (?:too|so|really|very|truly))? (?:{words})\b"
        rf"|\b(?:{words})(?: [a-z-]+)? (?:movie|film|flick|stuff|one)s?\b"
    )


@dataclass(frozen=True)
class Mood:
    """A mood people ask for (`MOODS`): what a user writes, and the films it picks out."""

    said: str
    """A regex of what a user writes (lower case)."""
    tags: tuple[str, ...]
    """Tags viewers give such films."""
    plot: str | None = None
    """A regex of what a description says of such films, if it says it at all."""
    story: Callable[[str], bool] | None = None
    """A test of a whole description, for what no single phrase of it says (whose story
    it is: `led_by_a_woman`)."""
    not_genres: tuple[str, ...] = ()
    """Genres whose films a description does not put in this mood: a teenager in a horror
    film is the killer's prey, not a story of growing up (tags still count)."""
    studios: tuple[str, ...] = ()
    """Names of `STUDIOS` whose credits put a film in this mood: a film written by Stan Lee
    and Jack Kirby is a superhero film (*Black Panther*), whatever its tags say."""

    @property
    def plot_says(self) -> bool:
        """Whether a description can tell this mood (`plot` or `story`)."""
        return self.plot is not None or self.story is not None

    def told_in(self, description: str, genres: Iterable[str] = ()) -> bool:
        """Whether a film's description (and its ``genres``) tell this mood, by `plot` or
        by `story`."""
        if self.not_genres and {g.lower() for g in genres} & set(self.not_genres):
            return False
        if self.plot is not None and re.search(self.plot, description, re.I):
            return True
        return self.story is not None and self.story(description)


_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.I)
_WOMAN = re.compile(
    r"\b(?:woman|women|girl|girls|female|heroine|mother|daughter|sister|sisters|wife|widow"
    r"|bride|princess|queen|actress|lady)\b(?!'s)",
    re.I,
)
_MAN = re.compile(
    r"\b(?:man|men|boy|boys|male|hero|father|son|brother|brothers|husband|prince|king"
    r"|actor|guy)\b",
    re.I,
)
_ACTS = re.compile(
    r"\b(?:fights?|fighting|fighter|warriors?|assassins?|rebels?|rebellion|vengeance|avenge"
    r"|revenge|survive|survival|battles?|soldiers?|agents?|spy|hunts?|hunter|leads?|leader"
    r"|brings? down|takes? on|stands? up|determined|defies|defy|dares?|champion|competes?"
    r"|competition|rescues?|saves?|protects?|mission|powers|quest|journey|lawyer|detective"
    r"|investigat\w+|escape|escapes|ambitious|fearless|tough|publisher|overcome)\b",
    re.I,
)
OPENING_WORDS = 8
"""How far into a plot its subject comes: "In a post-apocalyptic wasteland, a woman rebels"."""


def led_by_a_woman(description: str) -> bool:
    """Whether a plot is a woman's story, and one of a woman who acts.

    It is hers when it speaks of her ("she", "her") and of no "he", or when it opens on
    her ("An unemployed single mother becomes a legal assistant"); its words for men are
    at most half its words for women; and it says she fights, rebels, investigates, sets
    out on a journey, takes something on: *Kill Bill*, *The Hunger Games*, *Mad Max: Fury
    Road*, *Erin Brockovich*, *Wonder Woman*, *The Post*. A woman someone protects (*Rush
    Hour 3*: "to protect a French woman"), an evil queen or "a little girl's kidnapping"
    come late in the plot or in another's possession, and do not count."""
    women = len(_WOMAN.findall(description)) + len(_SHE.findall(description))
    men = len(_MAN.findall(description)) + len(_HE.findall(description))
    if not women or 2 * men > women or not _ACTS.search(description):
        return False
    if _SHE.search(description) and not _HE.search(description):
        return True
    opening = " ".join(description.split()[:OPENING_WORDS])
    return bool(_WOMAN.search(opening))


_YOUNG = re.compile(
    r"\bcom(?:es|ing)[- ]of[- ]age\b|\bgrowing up\b|\bgrows up\b|\bteen(?:age|ager|agers|s)?\b"
    r"|\badolescen\w*|\bhigh[- ]school(?:er|ers)?\b|\bchildhood\b|\bboyhood\b|\bgirlhood\b"
    r"|\b(?:1[3-9]|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen)[- ]year[- ]old"
    r"(?: [a-z-]+)? (?:girl|boy|student|teen|kid)s?\b"
    r"|\bsixteenth birthday\b",
    re.I,
)
_GROWN = re.compile(
    r"\breun\w*|\bformer\b|\byears later\b|\bchildhood (?:friend|sweetheart|home|wish)e?s?\b"
    r"|\bparody\b|\bneighbou?r\b"
    r"|\b(?:(?:his|her|their) (?:teenage |teen )?|teenage |teen )(?:son|daughter|nephew|niece)s?\b",
    re.I,
)
YOUNG_WORDS = 12
"""How far into a plot its young hero must come for the story to be theirs."""


def comes_of_age(description: str) -> bool:
    """Whether a plot is the story of someone growing up: it opens on a teenager, a high
    school student, a childhood ("Five high school students meet in Saturday detention",
    "The life of Mason, from early childhood to his arrival at college", "an artistically
    inclined seventeen-year-old girl comes of age"), and it is not grown-ups looking back
    or a parent's story ("five friends reunite after their high school coach dies", "his
    teenage son")."""
    young = _YOUNG.search(description)
    if young is None or len(description[: young.start()].split()) > YOUNG_WORDS:
        return False
    return _GROWN.search(description) is None


MOODS: dict[str, Mood] = {
    "weird": Mood(
        _described("weird|bizarre|strange|odd|surreal|trippy|offbeat|psychedelic")
        + r"|\b(?:surreal|trippy|psychedelic)\b",
        ("surreal", "weird", "bizarre", "trippy", "psychedelic", "surrealism"),
    ),
    "with a twist": Mood(
        r"\b(?:plot )?twist(?:s|y|ed)?\b|\bsurprise ending\b",
        ("twist ending", "plot twist", "twist", "twists & turns", "surprise ending"),
    ),
    "mind-bending": Mood(
        r"\bmind[- ]?(?:bending|bender|blowing|boggling|fuck|fucking|screw)\b|\bmakes? you think\b"
        r"|\bthought[- ]provoking\b|\bcerebral\b",
        (
            "mindfuck",
            "mind-bending",
            "mind bending",
            "thought-provoking",
            "philosophical",
            "cerebral",
            "nonlinear",
            "alternate reality",
        ),
    ),
    "quirky": Mood(r"\bquirky\b|\bwhimsical\b|\beccentric\b", ("quirky", "whimsical", "eccentric")),
    "darkly funny": Mood(
        r"\b(?:dark(?:ly)?|black) (?:comed(?:y|ies)|humou?r|funny)\b",
        ("dark comedy", "black comedy", "dark humor"),
    ),
    "atmospheric": Mood(r"\batmospheric\b", ("atmospheric",)),
    "cult": Mood(
        r"\bcult (?:classic|film|movie|favou?rite|hit)s?\b", ("cult film", "cult classic")
    ),
    "sad": Mood(
        _described("sad|emotional|heartbreaking|moving|tearful")
        + r"|\btear ?jerkers?\b|\bmakes? (?:me|you|us) cry\b|\bmade me cry\b|\bneed (?:a|to) cry\b",
        ("sad", "emotional", "tearjerker", "heartbreaking", "bittersweet", "depressing"),
    ),
    "creepy": Mood(
        _described("creepy|disturbing|unsettling|eerie|spooky"),
        ("creepy", "disturbing", "eerie", "unsettling"),
    ),
    "suspenseful": Mood(
        _described("suspenseful|tense|nail-?biting|gripping")
        + r"|\bsuspense\b|\bedge of (?:my|your|the) seat\b",
        ("suspense", "tense", "suspenseful"),
    ),
    "heartwarming": Mood(
        _described("heart-?warming|touching|inspiring|inspirational|uplifting|feel-?good"),
        ("heartwarming", "touching", "inspirational", "uplifting", "feel-good"),
    ),
    "based on a true story": Mood(
        r"\b(?:based on|inspired by) (?:a |the )?(?:true|real) (?:story|stories|events)\b"
        r"|\btrue stor(?:y|ies)\b|\breal[- ]life (?:story|stories|events)\b",
        ("true story", "based on a true story", "biopic"),
        plot=r"\b(?:true|real-life) (?:story|stories|events)\b",
    ),
    "with a strong female lead": Mood(
        r"\bstrong (?:female|women|woman|girl|lady|ladies)s?\b"
        r"|\bfemale[- ](?:led|leads?|protagonists?|heroe?s?|action heroe?s?|characters?)\b"
        r"|\b(?:women|woman)[- ]led\b|\b(?:kick-?ass|bad-?ass|tough) (?:women|woman|girls?|"
        r"heroines?|female)\b|\bheroines?\b|\bgirl power\b",
        ("girl power", "strong female lead", "strong female character", "heroine", "feminism"),
        story=led_by_a_woman,
    ),
    "courtroom": Mood(
        r"\bcourt ?room\b|\blegal (?:drama|thriller)s?\b"
        r"|\b(?:lawyer|attorney|trial|court) (?:movie|film|drama|thriller|flick)s?\b",
        ("court", "courtroom", "courtroom drama", "lawyers", "lawyer", "legal thriller"),
        plot=r"\b(?:on trial|murder trial|court ?room|jury|prosecutors?|(?:defen[cs]e|trial) "
        r"(?:lawyer|attorney)s?)\b",
    ),
    "with a great soundtrack": Mood(
        r"\b(?:great|good|amazing|awesome|best|killer|cool) (?:soundtrack|music|songs)\b"
        r"|\bsoundtracks?\b",
        (
            "great soundtrack",
            "soundtrack",
            "good soundtrack",
            "notable soundtrack",
            "superb soundtrack",
            "good music",
            "great music",
        ),
    ),
    "black-and-white": Mood(
        r"\bblack[- ](?:and|&|n)[- ]white\b|\bb ?& ?w\b|\bb/w\b",
        ("black and white", "b&w"),
    ),
    "coming-of-age": Mood(
        r"\bcoming[- ]of[- ]age\b|\bgrowing[- ]up (?:movie|film|story|stories|drama)s?\b"
        r"|\babout growing up\b",
        ("coming of age", "coming-of-age", "adolescence", "teen movie", "growing up"),
        story=comes_of_age,
        not_genres=(
            "horror",
            "thriller",
            "action",
            "sci-fi",
            "fantasy",
            "crime",
            "war",
            "mystery",
            "western",
            "animation",
            "documentary",
            "family",
        ),
    ),
    "set in space": Mood(
        r"\bset in (?:outer )?space\b|\b(?:in|about|to) (?:outer )?space\b"
        r"|\b(?:outer )?space (?:movie|film|flick|adventure|opera|exploration|travel|story|"
        r"stories|thriller|drama|epic)s?\b|\bastronauts?\b|\bspace ?ships?\b",
        ("space", "space opera", "space travel", "spacecraft", "space adventure", "nasa"),
        plot=r"\b(?:astronauts?|cosmonauts?|spaceships?|spacecraft|space ?stations?|(?<!from )"
        r"outer space|starships?|space shuttle|deep space|into space|in space|intergalactic"
        r"|galaxy|galactic|(?:to|on) mars)\b",
    ),
    "beautifully shot": Mood(
        r"\bcinematography\b|\bvisually (?:stunning|beautiful|striking|impressive|appealing|"
        r"gorgeous)\b|\bbeautifully (?:shot|filmed)\b|\b(?:great|beautiful|stunning|gorgeous"
        r"|amazing|good|best|pretty) (?:visuals|camera ?work|photography)\b",
        (
            "cinematography",
            "great cinematography",
            "beautiful cinematography",
            "amazing cinematography",
            "good cinematography",
            "visually appealing",
            "visually stunning",
            "visually striking",
            "beautifully filmed",
            "beautiful visuals",
            "great visuals",
            "beautiful scenery",
        ),
    ),
    "superhero": Mood(
        r"\bsuper ?hero(?:e?s)?\b|\bcomic ?book\b",
        ("superhero", "comic book", "superheroes"),
        plot=r"\bsuper ?(?:hero(?:e?s)?|powers?)\b|\bAsgard\w*|\bAvengers?\b|\bS\.H\.I\.E\.L\.D"
        r"|\bGotham\b|\bKrypton\w*|\bWakanda\b|\bX-Men\b|\bthe Joker\b|\bBatman\b"
        r"|\bSpider-Man\b|\bWolverine\b",
        studios=("Marvel", "DC"),
    ),
}
"""Moods people ask for that a catalog's genres do not say and its plots seldom do: what a
user writes, the tags viewers give such films (MovieLens's ``tags.csv``, in the pack's
``tags.json``) and, for the few a plot does say ("the true story of"), what it says.
"Something weird" finds the films tagged "surreal" (*Eraserhead*, *Donnie Darko*), "a
movie with a twist" those tagged "twist ending" (*Memento*, *Fight Club*). The name is how
a reply says it ("weird films", "films with a twist", "films based on a true story"). A
word common in talk needs a word of kind or degree (`_described`: "weird" alone is often
about the conversation, "something weird" is not). Chosen from the tags' vocabulary and
the seekers' words in the ReDial training dialogues."""


STUDIOS: dict[str, dict[str, tuple[str, ...]]] = {
    "Marvel": {
        "writer": (
            "Stan Lee",
            "Jack Kirby",
            "Steve Ditko",
            "Larry Lieber",
            "Joe Simon",
            "Jim Starlin",
            "Dan Abnett",
            "Andy Lanning",
            "Don Heck",
            "Gene Colan",
            "Roy Thomas",
            "Len Wein",
            "Chris Claremont",
            "Rob Liefeld",
            "Fabian Nicieza",
            "Bill Mantlo",
        )
    },
    "DC": {
        "writer": (
            "Bob Kane",
            "Bill Finger",
            "Jerry Siegel",
            "Joe Shuster",
            "William Moulton Marston",
        )
    },
    "Pixar": {
        "director": (
            "John Lasseter",
            "Pete Docter",
            "Andrew Stanton",
            "Lee Unkrich",
            "Brad Bird",
            "Dan Scanlon",
            "Peter Sohn",
            "Brian Fee",
            "Mark Andrews",
            "Josh Cooley",
            "Angus MacLane",
        ),
        "genre": ("animation",),
    },
    "Studio Ghibli": {
        "director": (
            "Hayao Miyazaki",
            "Isao Takahata",
            "Hiromasa Yonebayashi",
            "Gorō Miyazaki",
            "Goro Miyazaki",
            "Yoshifumi Kondō",
        ),
        "genre": ("animation",),
    },
    "DreamWorks": {
        "director": (
            "Andrew Adamson",
            "Vicky Jenson",
            "Mark Osborne",
            "John Stevenson",
            "Jennifer Yuh Nelson",
            "Dean DeBlois",
            "Chris Sanders",
            "Eric Darnell",
            "Tom McGrath",
            "Conrad Vernon",
            "Mike Mitchell",
            "Walt Dohrn",
            "Tim Johnson",
            "Kelly Asbury",
            "Bibo Bergeron",
            "Simon J. Smith",
        ),
        "genre": ("animation",),
    },
    "Disney": {
        "director": (
            "Clyde Geronimi",
            "Wilfred Jackson",
            "Hamilton Luske",
            "Wolfgang Reitherman",
            "Ron Clements",
            "John Musker",
            "Chris Buck",
            "Byron Howard",
            "Rich Moore",
            "Don Hall",
            "Gary Trousdale",
            "Kirk Wise",
            "Roger Allers",
            "Rob Minkoff",
            "Jennifer Lee",
        ),
        "genre": ("animation",),
    },
    "James Bond": {"writer": ("Ian Fleming",)},
}
STUDIO_WORDS: dict[str, str] = {
    "marvel": "Marvel",
    "mcu": "Marvel",
    "dc comics": "DC",
    "dc movies": "DC",
    "dc films": "DC",
    "dc superhero": "DC",
    "dc universe": "DC",
    "dceu": "DC",
    "pixar": "Pixar",
    "ghibli": "Studio Ghibli",
    "studio ghibli": "Studio Ghibli",
    "miyazaki films": "Studio Ghibli",
    "dreamworks": "DreamWorks",
    "disney": "Disney",
    "james bond": "James Bond",
    "bond movies": "James Bond",
    "bond films": "James Bond",
    "bond movie": "James Bond",
    "bond film": "James Bond",
    "007": "James Bond",
    "anime": "Japanese",
    "japanese": "Japanese",
}
"""The words people use for `STUDIOS` ("the MCU", "a Bond film") and for `JAPANESE`,
lowercase."""

FAMILY_STUDIOS: tuple[str, ...] = ("Disney", "Pixar", "DreamWorks")
"""Studios of `STUDIOS` that animate for children (`family_animation`)."""
GROWN_UP = frozenset(
    {
        "drama",
        "crime",
        "war",
        "horror",
        "thriller",
        "mystery",
        "romance",
        "sci-fi",
        "biography",
        "documentary",
        "history",
    }
)
"""Genres of an animated film that is not only for children (`family_animation`)."""


def family_animation(catalog: Catalog) -> frozenset[str]:
    """The animated films made for children, as far as the catalog tells: those every
    director of which works for one of `FAMILY_STUDIOS` (*Frozen*, *Trolls*, *Inside Out*)
    and those with no `GROWN_UP` genre (*The Croods*, *My Little Pony*). Catalogs list
    them as animation, adventure and comedy, and seldom as family films. The rule loses
    *Sausage Party*, listed the same way, and keeps *Ghost in the Shell*, *Akira*,
    *Anomalisa* and *Grave of the Fireflies*."""
    directors = {
        name.lower() for studio in FAMILY_STUDIOS for name in STUDIOS[studio].get("director", ())
    }
    found = set()
    for item in catalog:
        genres = {g.lower() for g in item.values("genre")}
        if "animation" not in genres:
            continue
        made_by = {d.lower() for d in item.values("director")}
        if (made_by and made_by <= directors) or not genres & GROWN_UP:
            found.add(item.item_id)
    return frozenset(found)


JAPANESE = "Japanese"
"""Films made in Japan, known by their credits (`japanese_directors`): "anime" is Japanese
animation, and "Japanese horror" is *Ju-On* and *Audition*, not any horror film."""
JAPANESE_CREDITS = 2
"""Japanese names a film's credits need besides its director's to count as Japanese."""
_ROMAJI_SYLLABLE = r"(?:[kgsztdnhbpmr]y?|ch|sh|ts|j|f|w|y)?[aiueoôûōū](?:n(?![aiueoy]))?"
_ROMAJI = re.compile(rf"(?:{_ROMAJI_SYLLABLE})+")


def japanese_name(name: str) -> bool:
    """Whether a person's name is written as Japanese names are in romaji: two or more words
    made only of Japanese syllables ("Hayao Miyazaki", "Katsuhiro Ôtomo", "Shin'ichirô
    Watanabe"). Some other names are too ("Joe Dante"), so one name alone never makes a
    film Japanese (`japanese_directors`)."""
    parts = name.lower().replace("'", "").replace("-", " ").split()
    return len(parts) >= 2 and all(_ROMAJI.fullmatch(part) for part in parts)


def japanese_directors(catalog: Catalog) -> tuple[str, ...]:
    """The directors of the catalog's Japanese films, as the catalog writes them.

    A film is Japanese when its director has a Japanese name and so do at least
    `JAPANESE_CREDITS` other people of its credits (a dubbed anime's writers and original
    voices, a Japanese film's cast); a director counts when at least half of their films in
    the catalog are. Catalogs rarely record a film's country; its credits tell it. Maori
    names are written in the same syllables, and Taika Waititi made *Thor: Ragnarok*: the
    share keeps him out. In the ReDial catalog this finds *Spirited Away*, *Akira*, *Your
    Name* and *Ghost in the Shell* (1995), not its 2017 remake, and *Seven Samurai*,
    *Ju-On* and *Audition*."""
    films: dict[str, list[bool]] = {}
    for item in catalog:
        named = [d for d in item.attributes.get("director", []) if japanese_name(d)]
        others = {
            person
            for role in ("writer", "star")
            for person in item.attributes.get(role, [])
            if person not in named and japanese_name(person)
        }
        japanese = bool(named) and len(others) >= JAPANESE_CREDITS
        for director in item.attributes.get("director", []):
            films.setdefault(director, []).append(japanese)
    return tuple(d for d, made in films.items() if any(made) and 2 * sum(made) >= len(made))


def studio_words(catalog: Catalog) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """Words that name a studio or franchise (`STUDIO_WORDS`), each mapped to its name and
    the (attribute, value) credits of `STUDIOS` the catalog has, written as the catalog
    writes them; a studio none of whose people the catalog knows is left out. Genres count
    only beside a person: "Pixar" wants animation by Pixar's directors, not any cartoon.
    Japanese films are a studio too, their directors found in the catalog's credits
    (`japanese_directors`): "anime" wants them, and animation, which the genre word asks
    for."""
    found: dict[str, tuple[tuple[str, str], ...]] = {}
    japanese = japanese_directors(catalog)
    if japanese:
        found[JAPANESE] = tuple(("director", d) for d in japanese)
    for name, credits in STUDIOS.items():
        pairs: list[tuple[str, str]] = []
        for attribute, values in credits.items():
            have = {v.lower(): v for v in catalog.attribute_values(attribute)}
            pairs += [(attribute, have[v.lower()]) for v in values if v.lower() in have]
        if any(attribute != "genre" for attribute, _ in pairs):
            found[name] = tuple(pairs)
    return {word: (name, found[name]) for word, name in STUDIO_WORDS.items() if name in found}


_STUDIO_TAIL = r"(?:'s|s)?"


def studio_spans(
    text: str, words: Mapping[str, tuple[str, tuple[tuple[str, str], ...]]]
) -> list[tuple[int, int, str]]:
    """Where ``text`` names a studio or franchise of ``words`` (`studio_words`): start, end
    and the word of ``words`` found, the leftmost and then the longest first, never two
    over the same characters ("James Bond movies" is "James Bond", not "Bond movies")."""
    found = [
        (match.start(), match.end(), word)
        for word in words
        for match in re.finditer(
            rf"(?<![\w-]){re.escape(word)}{_STUDIO_TAIL}(?![\w-])", text, flags=re.IGNORECASE
        )
    ]
    spans: list[tuple[int, int, str]] = []
    for start, end, word in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end, word))
    return spans


def read_vocab_ranks(path: Path) -> dict[str, int]:
    """Rank the whole alphabetic words of a WordPiece ``vocab.txt`` (0 = most frequent)."""
    ranks: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word = line.rstrip("\n")
            whole_word = word.isascii() and word.isalpha() and word.islower() and len(word) > 1
            if whole_word or word in {"a", "i"}:
                ranks.setdefault(word, len(ranks))
    return ranks


@lru_cache(maxsize=4)
def english_ranks(model: str = DEFAULT_MODEL) -> dict[str, int]:
    """Word frequency ranks from the embedding model's vocabulary (read once per process).

    Linking depends on them to tell names from ordinary words, so a model without its
    ``vocab.txt`` is an error, not a silently empty word list.
    """
    vocab = model_path(model) / "vocab.txt"
    if not vocab.exists():
        raise ParleyError(
            f"the embedding model {model!r} has no vocab.txt at {vocab}: the entity linker "
            "needs its word list (reinstall the model package)"
        )
    return read_vocab_ranks(vocab)
