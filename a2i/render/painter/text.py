"""Reading a prompt: which subjects (and how many), time of day, weather, colours and style it names.

Any text works: the template writer's, an LLM's, the user's own. Words are matched, lower-cased, against

- the scene grammar's subjects and their synonyms (:data:`a2i.render.painter.scene.subjects.WORDS`), singular
  or plural ("boats", "skies", "trees" -> a forest, but "three trees" -> three single trees);
- count words or digits in front of a subject ("one lighthouse", "3 boats", "a few birds", "a pair of swans",
  "three people" -> three figures); a plural without a count gets the subject's default (at least
  ``PLURAL_COUNT``); "pine trees" are a forest, "palm trees" and "three pines" single trees;
- negations: "no people", "without clouds", "not a single bird", "nobody", "cloudless", "moonless", "an empty
  beach" (no people), "a clear sky" (no clouds) leave those subjects out of the picture (``negated``, kept out
  even where the plan would add them) and the card says so; a negated noun the grammar cannot draw ("no cars")
  is listed in ``left_out``, not as "not drawn";
- time of day (``TIMES``) and weather (``WEATHER``) words; the colour table (:mod:`a2i.render.painter.colours`),
  each colour with the subject it is written on, if any (``colour_targets``: "a blue sky", "red poppies" -> the
  meadow, "a red sun"), so the picture puts that colour there;
- "water" is the water of the sea, lake or river the text names (else the sea), and "rocks" are its shore (else
  mountains: "a canyon road, red rocks" draws no sea); "windows" beside a city are
  its lit windows, not a room; "a crowd of dancers" is one crowd;
- the style vocabulary (:data:`a2i.vocabulary.STYLE_WORDS`).

Every other noun-like word that is not in the list of words that name nothing drawable (``IGNORED``: function
words, moods, light, art and texture words) is reported in ``not_drawn``: the card names it ("not drawn: cat"),
so a prompt never silently claims something the picture does not show. A word is noun-like unless it ends as an
adjective does ("-ing", "-al", "-ly", ...), and even then when it heads its phrase: a determiner or a count before
it and nothing of its phrase after it ("a fish by the lake", "the wedding"; not "a shimmering light"). What a
plural noun does is no thing ("waves crash against the rocks", "gulls wheel overhead").

Examples
--------
>>> r = read_prompt("A watercolour of one lighthouse on a stormy coast at night. Deep indigo and silver light "
...                 "with crashing waves and three boats.")
>>> r.subjects, r.time, sorted(r.weather), [c.name for c in r.colours], r.style
({'lighthouse': 1, 'shore': 1, 'sea': 1, 'boat': 3}, 'night', ['storm'], ['indigo', 'silver'], 'watercolour')
>>> read_prompt("A cat asleep on a sunny windowsill").not_drawn
('cat',)
>>> r = read_prompt("3 sailboats on the ocean, no people and without clouds or cars")
>>> r.subjects, sorted(r.negated), r.left_out
({'boat': 3, 'sea': 1}, ['clouds', 'crowd', 'figure'], ('car',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from a2i.render.painter.colours import (
    CLAUSE_BREAK,
    DARKER,
    DULL,
    LIGHTER,
    NAMED,
    VIVID,
    NamedColour,
    colour_word_spans,
    find_colours,
    names_a_thing,
)
from a2i.render.painter.grammar import DETERMINERS, PHRASE_ENDS, POSSESSIVES, ends_its_phrase
from a2i.render.painter.scene.subjects import SUBJECTS, WORDS
from a2i.vocabulary import STYLE_STEMS, STYLE_WORDS, style_for_prompt

PLURAL_COUNT = 3  # a plural with no count ("boats") means a few
POSES = {  # a pose (recorded among a subject's kinds) -> the words that give it, following the subject
    "standing": frozenset({"standing", "stands", "stand", "wading", "wades", "wade", "perched", "resting", "fishing"}),
    "floating": frozenset({"swimming", "swim", "swims", "floating", "float", "floats", "gliding", "glide", "glides",
                           "paddling", "drifting", "bobbing"}),
    "sitting": frozenset({"sitting", "sits", "sit", "seated", "knitting", "reading", "asleep", "sleeping", "dozing", "napping"}),
    "flying": frozenset({"flying", "fly", "flies", "flight", "soaring", "soar", "wheeling", "circling", "overhead",
                         "migrating", "over", "above"}),
}
POSE_REACH = 3  # a pose word follows its subject within this many words ("herons, standing")
PLACED = frozenset({"figure", "birds", "boat", "crowd"})  # subjects that may be put in, on or at another ("a fisherman in his boat")
PLACES = {  # placed subject -> the subjects (or "bank": the water's edge) it can be put in, on or at
    "figure": frozenset({"boat", "window", "fireplace", "shore", "bank", "bridge"}),  # "on the beach", "on a bridge"
    "birds": frozenset({"shore", "bank"}),  # "herons on the shore", "gulls on the rocks", "a heron on the bank"
    "boat": frozenset({"shore"}),  # "a boat pulled up on the beach": beached
    "crowd": frozenset({"fire"}),  # "a crowd around a bonfire": a ring of people about it
}
# Prepositions that place only some subjects: people walk "across" a bridge and a crowd stands "around" a fire, but
# gulls "around the shore" fly about it and boats "around the shore" are afloat, not beached.
PLACE_WORDS_ONLY = {"across": frozenset({"figure"}), "around": frozenset({"crowd"}), "round": frozenset({"crowd"})}
PLACE_WORDS = frozenset({"in", "inside", "aboard", "on", "at", "by", "beside", "near", "behind", "beached", "along", "onto", "upon",
                         *PLACE_WORDS_ONLY})
BANKS = frozenset({"bank", "banks", "riverbank", "riverbanks", "riverside", "lakeside", "waterside"})  # the
# edge of the water the text names (a river's, a lake's): a place, not a subject of its own
PLACE_REACH = 4  # the place is named at most this many words after its preposition ("in his small wooden boat")
COUNT_REACH = 3  # a count word applies to a subject at most this many words further on ("two small white boats")
COUNTS = {
    "a": 1,
    "an": 1,
    "another": 1,  # one more: "a boat and another boat"
    "one": 1,
    "single": 1,
    "lone": 1,
    "solitary": 1,
    "sole": 1,
    "two": 2,
    "pair": 2,
    "twin": 2,
    "both": 2,
    "three": 3,
    "few": 3,
    "four": 4,
    "several": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "couple": 2,
    "trio": 3,
    "handful": 4,
    "many": 8,
    "dozen": 12,
    "dozens": 16,
    "quartet": 4,
    "countless": 16,
    "numerous": 8,
    "hundreds": 16,
    "thousands": 16,
}
# Group nouns: a count in front multiplies their size ("two couples": four people, "two pairs of swans": four birds,
# "two dozen"); "a family of five" gives its own size. A family's default size is two parents and two children.
GROUPS = {"couple": 2, "pair": 2, "trio": 3, "quartet": 4, "dozen": 12, "family": 4}
IRREGULAR = {"men": "man", "women": "woman", "children": "child", "geese": "goose", "folks": "folk"}
# Words for people that name single figures when counted ("three people") and a crowd when not ("people").
COUNTED_PEOPLE = frozenset({"people", "folk", "folks"})
# A counted forest word that names single trees ("three pines", "two trees").
TREE_KINDS = frozenset({"tree", "pine", "spruce", "fir"})
# Negation: "no X", "without X", "nor X"; "not" only as "not a/one/any X"; a negator reaches over at most
# NEGATION_REACH words of determiners and adjectives ("without any tall trees") and stops at a preposition.
NEGATORS = frozenset({"no", "without", "nor", "zero"})
NOT_BEFORE = frozenset({"a", "an", "one", "any", "single"})
NEGATION_REACH = 4
NEGATION_SKIP = frozenset({"a", "an", "the", "any", "single", "more", "other", "sign", "signs", "trace", "traces", "hint", "of", "visible"})
SCOPE_ENDS = frozenset(
    "and or but with in on at by for to from into over under above below beneath near just only than as while where when".split()
)
NOBODY = frozenset({"nobody", "noone", "no-one", "unpeopled", "soul", "souls"})  # "soul" only after a negator
EMPTY = frozenset({"empty", "deserted"})  # "an empty beach": a place with no people
PEOPLE = ("figure", "crowd")
WATER_WORDS = frozenset({"water", "waters"})  # the named sea, lake or river's water; else the sea
WATER_SUBJECTS = frozenset({"sea", "lake", "river"})
ROCK_WORDS = frozenset({"rock", "rocks", "rocky", "boulder", "boulders"})  # a shore's by water, else mountains' (a canyon)
COASTAL = WATER_SUBJECTS | {"shore", "lighthouse", "boat"}  # subjects whose rocks are a shore's
SKY_WORDS = frozenset({"sky", "skies", "heavens"})  # a colour written on these colours the sky ("a blue sky")
COLOUR_REACH = 3  # a colour word colours the subject at most this many words on ("red rocks", "orange night sky")
NEGATION_GROUPS = {"figure": PEOPLE, "crowd": PEOPLE, "tree": ("tree", "forest"), "forest": ("tree", "forest")}  # "no trees"
TIMES = {
    "night": ("night", "nighttime", "midnight", "nocturnal", "nocturne", "moonlit", "moonlight", "starry", "starlit", "starlight", "neon"),
    "dusk": ("dusk", "twilight", "sunset", "evening", "gloaming", "sundown"),
    "dawn": ("dawn", "sunrise", "daybreak", "morning", "daylight"),
    "day": ("noon", "midday", "afternoon", "daytime", "sunny", "sunlit", "sunshine"),
}
WEATHER = {
    "storm": ("storm", "stormy", "thunderstorm", "tempest", "gale", "hurricane", "thunder", "lightning", "storm-lashed"),
    "fog": ("fog", "foggy", "mist", "misty", "haze", "hazy", "smog", "fog-bound"),
    "rain": ("rain", "rainy", "raining", "rainfall", "downpour", "drizzle", "rain-streaked"),
    "snow": ("snow", "snowy", "snowfall", "blizzard", "frozen", "wintry", "winter", "frost"),
}
# Words that name nothing a picture draws or leaves out: function words, feelings, light, art and texture.
IGNORED = frozenset(
    """
a an the of in on at by with and or but to from into onto over under above below beneath across through along
around toward towards near far beside between behind before after against as its it is are was were be been being
this that these those there here where when while which who whose what his her their our my your they we he she
you i me him them us than then so very more most less much such each every some any all no not only just still
even also too up down out off away back again once yet full half whole part like about among amid amidst within without
upon via per either neither other whether plain herd pack swarm bunch cluster group
picture image scene view vision style painting painted paint drawing drawn print photo photograph rendering
render artwork art piece composition canvas panel sheet study depiction illustration
light lights lighting lit glow glowing shadow shadows shade tone tones tint tints hue hues colour colours color
colors palette contrast gradient gradients highlight highlights reflection reflections glint glints shimmer sparkle
texture textures brushwork brushstroke brushstrokes stroke strokes mark marks edge edges shape shapes line lines
pattern patterns layer layers glaze glazes wash washes grain detail details depth space negative surface form forms
mood atmosphere feeling feel feels emotion energy tension calm peace stillness silence quiet motion movement rhythm
joy sorrow melancholy longing nostalgia wonder awe hope despair serenity tenderness warmth urgency euphoria anger
contentment contemplation reflection loneliness solitude freedom dream dreams memory memories love fear rage grief
bliss fury passion power spirit soul heart mind air breath breeze wind sound music song songs beat beats note notes
tempo melody harmony chord chords bass drums synth genre inspired inspiration variation version
conveys convey evokes evoke captures capture suggests suggest makes make made seems seem seen shows show casting
cast fills fill filled bathes bathe bathed frames framed dominate dominates dominated sets set give gives creates
create swirl swirls swirling drift drifts drifting rise rises rising fall falls falling dance dances dancing
moment moments hour hours time day days year years season seasons summer spring autumn fall week
world place places distance foreground background middle centre center top bottom side sides corner horizon
sky skies heavens firmament scenery vista panorama
bit touch hint hints trace traces splash splashes burst bursts streak streaks band bands field fields blend mix
sense kind sort way ways lot lots something nothing everything anything paper grit film wood tones ink
euphoric organic dramatic poetic romantic magic electric melancholic majestic mystic epic hypnotic psychedelic nostalgic
idyllic chaotic energetic rhythmic geometric dynamic graphic iconic exotic gothic classic acoustic melodic harmonic
bare cold warm hot cool asleep awake alone old new young big small tiny huge vast wide tall long short high low dark bright
soft hard wet dry empty quiet still slow fast wild lonely gentle calm vivid muted rich heavy thin thick sharp smooth
rough great little large distant close open clear pure raw bold faint dim clean fresh sweet bitter sad happy glad
lost free alive dead silent loud brave proud fierce tender serene tranquil sombre somber moody dreamy hazy gloomy airy
grainy glossy silky shiny dusty icy windy cloudy rainy stormy misty snowy sunny starry rocky sandy grassy leafy breezy
tense restless stark lush vibrant radiant brilliant elegant ancient abandoned deserted forgotten hidden empty lonesome
move moves moving watch watching look looking stand stands standing sit sits sitting walk walks wait waits sway
stillness rush hush last held headlong bittersweet dreamlike alive caught exuberant fine subtle delicate fragile
strong weak broken whole endless infinite eternal golden silver silvery midst top
overhead front ahead aloft afar nearby beyond underneath inside outside gathering beam beams ray rays glare flash
spark sparks
stone stones wooden brick iron steel marble concrete timber granite
first second third busy row rows cosy cozy snug
""".split()
) | frozenset(
    # The craft words of image-generation prompts ("highly detailed, 8k, octane render, trending on artstation"): they
    # ask for a finish, never a thing, and a card listed them as "not drawn"
    """
masterpiece best quality high highly detailed detail intricate ultra hyper hyperrealistic photorealistic realism 4k 8k
16k hd uhd hdr octane unreal engine vray redshift blender 3d cgi cg render rendered raytracing raytraced volumetric
artstation deviantart behance cgsociety pixiv trending award winning featured concept fantasy epic stunning beautiful
gorgeous breathtaking professional sharp focus bokeh dof 35mm 50mm 85mm lens aperture exposure shallow kodak portra
fujifilm ektachrome cinestill analog polaroid portrait closeup close-up wide-angle shot angle aerial
""".split()
)
ADJECTIVE_SUFFIXES = (
    "ly",
    "ing",
    "ed",
    "ous",
    "ful",
    "ive",
    "ical",
    "al",
    "less",
    "ish",
    "est",
    "ier",
    "able",
    "ible",
    "ant",
    "ent",
    "ary",
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


@dataclass(frozen=True)
class Reading:
    """What a prompt names (see the module docstring)."""

    subjects: dict[str, int]  # subject -> count, in order of first mention
    time: str | None
    weather: frozenset[str]
    colours: tuple[NamedColour, ...]
    style: str | None
    not_drawn: tuple[str, ...]
    negated: frozenset[str] = frozenset()  # subjects the text says are absent ("no people", "cloudless")
    left_out: tuple[str, ...] = ()  # negated nouns the grammar does not draw anyway ("no cars")
    colour_targets: tuple[str | None, ...] = ()  # per colour: the subject (or "sky") it is written on ("blue sky")
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # subject -> the words that named it ("palm", "heron")
    places: dict[str, str] = field(default_factory=dict)  # subject -> the subject it is in or at ("figure": "boat")


def _singular(word: str) -> str:
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith("men") and len(word) > 5:  # "fishermen", "firemen"
        return word[:-3] + "man"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _style_words() -> frozenset[str]:
    words: set[str] = set()
    for spec in STYLE_WORDS.values():
        for text in (*spec.phrases, *spec.keywords):
            words.update(_WORD.findall(text.lower()))
    return frozenset(words)


# Style words that also name a thing a prompt may ask for: "the cathedral in the rain" is a stained-glass cue and a
# building the grammar does not draw, so the card reports it, as "a single red rose" (the phrase "a cathedral rose
# window" and the keyword "rose window" are removed before the words are read: a style alone)
STYLE_WORD_NOUNS = frozenset({"cathedral", "rose"})
_STYLE_WORDS = _style_words() - STYLE_WORD_NOUNS
# Every word a style stem begins ("watercolor", "impressionistic") is a style word too (a2i.vocabulary.STYLE_STEMS)
_STYLE_STEMS = tuple(sorted(STYLE_STEMS))
_TIME_WORDS = {w: t for t, words in TIMES.items() for w in words}
_WEATHER_WORDS = {w: k for k, words in WEATHER.items() for w in words}
_MODIFIERS = frozenset((*LIGHTER, *DARKER, *VIVID, *DULL))
_COLOUR_PARTS = frozenset(part for name in NAMED for part in name.split())


def _subject_of(words: list[str], i: int) -> tuple[str | None, int, bool]:
    """The subject named at word ``i`` (trying two-word names first): (subject, words used, plural)."""
    if i + 1 < len(words):
        pair = f"{words[i]} {words[i + 1]}"
        for form, plural in ((pair, False), (f"{words[i]} {_singular(words[i + 1])}", True)):
            if form in WORDS:
                return WORDS[form], 2, plural and form != pair
        kind = words[i] in WORDS and WORDS[words[i]] in ("tree", "forest") or words[i] not in WORDS and _looks_like_noun(words[i])
        if _singular(words[i + 1]) == "tree" and kind:  # "pine trees", "a cherry tree"
            kind = WORDS.get(words[i])
            return (kind if kind == "tree" else WORDS[words[i + 1]]), 2, words[i + 1] != "tree"
    word = words[i]
    if word in WORDS:  # "birds" is both a subject's name and a plural
        return WORDS[word], 1, _singular(word) != word and _singular(word) in WORDS
    single = _singular(word)
    if single in WORDS:
        return WORDS[single], 1, True
    for part in word.split("-"):  # "fog-bound", "rain-streaked", "sun-drenched"
        if part in WORDS and part != word:
            return WORDS[part], 1, False
    return None, 1, False


def _never_a_noun(word: str) -> bool:
    """Short words, words that name nothing drawable, style words and possessive or hyphenated forms."""
    return len(word) < 3 or word in IGNORED or word in _STYLE_WORDS or word.startswith(_STYLE_STEMS) or "'" in word or "-" in word


def _looks_like_noun(word: str) -> bool:
    if _never_a_noun(word):
        return False
    single = _singular(word)
    if single in IGNORED or single in _STYLE_WORDS:
        return False
    short_est = word.endswith("est") and len(word) <= 5  # nest, chest, crest: superlatives are longer ("oldest")
    return not word.endswith(ADJECTIVE_SUFFIXES) or short_est or word in _NOUNS_LIKE_ADJECTIVES


def _heads_a_phrase(words: list[str], i: int) -> bool:
    """Whether word ``i``, whose ending reads as an adjective's ("-ing", "-ish", "-able", "-al", "-ly"), heads a noun
    phrase all the same: a determiner or a count just before it and nothing of its phrase after it ("a fish by the
    lake", "a swing and a slide", "the wedding" at the end), where an adjective would be followed by what it
    describes ("a lonely road", "a beautiful and magical forest", "a shimmering light", "a handful of people")."""
    word = words[i]
    before = words[i - 1] if i else None
    if before not in DETERMINERS and (before not in COUNTS or before in GROUPS):  # "a couple walking" walks
        return False
    if _never_a_noun(word):
        return False
    return ends_its_phrase(words, i, DETERMINERS | COUNTS.keys())  # "a fish and a boat", not "a beautiful and magical forest"


PUNCTUATION = re.compile(r"\s*[,.;:!?()\[\]/]")  # what ends a phrase between two words
# Words that end a verb's phrase after it ("gulls wheel overhead", "boats drift away"), besides PHRASE_ENDS
ADVERBS = frozenset({"overhead", "down", "up", "away", "off", "out", "back", "together", "past", "softly", "slowly",
                     "gently", "quietly", "silently", "lazily", "endlessly", "forever", "below", "nearby", "ashore"})


def _acts(words: list[str], i: int) -> bool:
    """Whether word ``i`` is what a plural noun just before it does: a verb's base form between the noun and the
    rest of its phrase ("waves crash against", "water lilies float on", "gulls wheel overhead", "birds nest in"),
    not a thing ("snow leopards on the rocks": a singular before it; "a cat on the sand": a determiner)."""
    before = words[i - 1]
    if not before.endswith("s") or before.endswith("ss") or before in IGNORED or before in COUNTS or len(before) < 4:
        return False
    after = words[i + 1] if i + 1 < len(words) else None
    return after is None or after in PHRASE_ENDS or after in ADVERBS


def _another(words: list[str], i: int, name: str, kinds: list[str], pending: tuple[int, int] | None) -> bool:
    """Whether the mention of an already named countable subject at word ``i`` adds more of it: after a count or an
    article ("a man and a woman", "a boat and another boat"), except a boat's part with its boat ("a boat with a red
    sail"); and a person named by another word after "and" ("a mother and child", "a boy and his father")."""
    other_word = kinds[-1] not in kinds[:-1]
    if pending and i - pending[1] <= COUNT_REACH:
        return not (name not in PEOPLE and other_word and pending[1] > 0 and words[pending[1] - 1] == "with")
    joined_by_and = i >= 1 and words[i - 1] == "and" or i >= 2 and words[i - 1] in POSSESSIVES and words[i - 2] == "and"
    return name in PEOPLE and other_word and joined_by_and


def _names_a_thing(words: list[str], joined: list[bool], i: int) -> bool:
    """Whether word ``i`` (no subject, colour, time, weather or count word of the text) names a thing the picture
    could show: a noun-like word, or one that ends like an adjective but heads its phrase, and neither what a plural
    does ("waves crash") nor an artist's name ("by greg rutkowski") nor a word in -y before a subject's name ("a
    sleepy town"); a colour name only where it is the thing ("a single red rose")."""
    word = words[i]
    if word in _COLOUR_PARTS and not names_a_thing(words, i, _singular(word)):
        return False
    if not (_looks_like_noun(word) or _heads_a_phrase(words, i)):
        return False
    if word.endswith("y") and joined[i] and i + 1 < len(words) and _subject_of(words, i + 1)[0] is not None:
        return False  # "a sleepy town", "puffy clouds", "a glassy lake": the -y of an adjective before what it describes
    return not (i and joined[i - 1] and _acts(words, i)) and not _in_a_name(words, joined, i)


NAME_REACH = 3  # an artist's name after "by" or "the style of" is at most this many words long
WORKS = frozenset({"art", "artwork", "painting", "painted", "drawing", "drawn", "illustration", "illustrated", "photo",
                   "photograph", "photographed", "poster", "print", "sketch", "study", "piece", "work"})  # "art by ..."


def _in_a_name(words: list[str], joined: list[bool], i: int) -> bool:
    """Whether word ``i`` is part of a name after "by" or "(the) style/manner of" ("..., by greg rutkowski", "art by",
    "in the style of hayao miyazaki"): the artist a prompt names, not a thing in the picture. "By" opens a name
    only at a phrase's start or after a word for a work ("by the lake" is a place, "lit by mushrooms" a cause)."""
    for j in range(i - 1, max(-1, i - 1 - NAME_REACH), -1):
        if not joined[j]:
            return False
        by = words[j] == "by" and (j == 0 or not joined[j - 1] or words[j - 1] in WORKS)
        if by or (words[j] == "of" and j > 0 and words[j - 1] in ("style", "manner")):
            first = words[j + 1]
            return first not in DETERMINERS and first not in COUNTS and all(
                _subject_of(words, k)[0] is None for k in range(j + 1, i + 1))
    return False


# Nouns the adjective suffixes ("-ant", "-ent", "-est", "-al") would wrongly skip (and that the grammar does not draw).
_NOUNS_LIKE_ADJECTIVES = frozenset({"elephant", "giant", "merchant", "servant", "tent", "serpent", "student", "parent", "agent",
                                    "harvest", "carnival", "animal", "pedestal", "crystal",
                                    # round 5: places and things ending in -ary
                                    "library", "sanctuary", "granary", "aviary", "diary", "dictionary", "seminary",
                                    "boundary", "monastery", "cemetery", "brewery", "bakery", "gallery", "nursery",
                                    # round 6: short nouns ending in -ed
                                    "bed", "shed", "sled", "seabed", "flowerbed",
                                    # round 10: things ending in -al
                                    "cathedral", "hospital", "festival", "portal", "mural", "petal", "medal", "pedal",
                                    "sandal",
                                    # ... insects and flowers ending in -ly, and fish ending in -ish
                                    "butterfly", "dragonfly", "firefly", "damselfly", "housefly", "lily",
                                    "fish", "jellyfish", "starfish", "goldfish", "swordfish", "catfish", "shellfish",
                                    "crayfish", "cuttlefish", "angelfish", "clownfish", "pufferfish",
                                    # ... and things ending in -ier
                                    "glacier", "barrier", "frontier", "carrier", "courier"})


def _negations(words: list[str]) -> tuple[dict[int, int], list[str], list[str]]:
    """What the text says is absent: (index of each negated word -> words it spans, subjects, other nouns)."""
    spans: dict[int, int] = {}
    names: list[str] = []
    left: list[str] = []
    for j, word in enumerate(words):
        if word in NOBODY - {"soul", "souls"}:
            spans[j] = 1
            names += PEOPLE
        elif word.endswith("less") and len(word) > 6 and _subject_of([word[:-4]], 0)[0] is not None:  # "cloudless"
            spans[j] = 1
            names.append(str(_subject_of([word[:-4]], 0)[0]))
        elif word == "clear" and any(w in ("sky", "skies") for w in words[j + 1 : j + 3]):
            names.append("clouds")
        elif word in EMPTY and any(_subject_of(words, k)[0] for k in range(j + 1, min(j + 3, len(words)))):
            names += PEOPLE
        if not (word in NEGATORS or word == "not" and j + 1 < len(words) and words[j + 1] in NOT_BEFORE):
            continue
        k = j + 1
        while k < len(words) and k <= j + NEGATION_REACH:
            name, used, _ = _subject_of(words, k)
            nxt = words[k + 1] if k + 1 < len(words) else ""
            if name is not None:
                spans[k] = used
                names.append(name)
            elif words[k] in NOBODY or words[k] == "one" and not (_subject_of(words, k + 1)[0] or _looks_like_noun(nxt)):
                spans[k] = 1  # "no one", "without a soul"
                names += PEOPLE
            elif words[k] in NEGATION_SKIP or words[k] in _MODIFIERS or words[k] in _COLOUR_PARTS or words[k] in COUNTS:
                k += 1
                continue
            elif words[k] not in SCOPE_ENDS and _looks_like_noun(words[k]):
                spans[k] = 1
                left.append(_singular(words[k]))
            elif words[k] not in SCOPE_ENDS and words[k] in IGNORED:
                k += 1  # an adjective ("no tall trees")
                continue
            else:
                break
            k += spans[k]
            if k < len(words) and words[k] in ("or", "nor"):  # "without clouds or rain"
                k += 1
                continue
            break
    return spans, names, left


def _without_style_phrases(text: str) -> str:
    """The text less its style phrases ("a stained-glass window" names a style, not a window)."""
    for spec in STYLE_WORDS.values():
        for phrase in spec.phrases:
            text = text.replace(phrase.lower().split(" ", 1)[1], " ")
        for keyword in spec.keywords:
            if " " in keyword:
                text = text.replace(keyword, " ")
    return text


def read_prompt(text: str | None) -> Reading:
    """Parse a prompt (see the module docstring); ``None`` or empty text names nothing."""
    style = style_for_prompt(text)
    text = _without_style_phrases((text or "").lower().replace("’", "'"))
    raw = _WORD.findall(text)
    words = [w[:-2] if w.endswith("'s") else w.rstrip("'") for w in raw]  # "a cabin's porch": cabin
    # word i and the next in one phrase: no punctuation between them, word i no possessive ("the birds' nest")
    joined = [not (PUNCTUATION.match(text, m.end()) or m.group().endswith("'")) for m in _WORD.finditer(text)]
    subjects: dict[str, int] = {}
    kinds: dict[str, list[str]] = {}
    places: dict[str, str] = {}
    explicit: set[str] = set()
    weather: set[str] = set()
    times: list[str] = []
    unknown: list[str] = []
    colour_words = colour_word_spans(text)
    negated_at, negated, left_out = _negations(words)
    pending: tuple[int, int] | None = None  # (count, index of the count word)
    breaks = _breaks(text)
    in_names = {k + j for k in range(len(words)) if _in_colour_name(words, k, breaks) for j in (0, 1)}  # "sea green": no sea
    named = {_subject_of(words, k)[0] for k in range(len(words)) if words[k] not in ROCK_WORDS and k not in in_names}
    names_water = bool(named & WATER_SUBJECTS)
    i = 0
    while i < len(words):
        word = words[i]
        if i in negated_at:
            pending = None
            i += negated_at[i]
            continue
        if word[0].isdigit() and not word.isdigit() or word in NOBODY:  # "4k", "1920s"; "nobody" is a negation
            i += 1
            continue
        if "-" in word and word.replace("-", " ") in NAMED or _is_colour_here(words, i, breaks):  # "sea-green", "in sand and rust"
            i += 2 if _in_colour_name(words, i, breaks) else 1
            continue
        group = GROUPS.get(word) or (GROUPS.get(_singular(word)) if word not in COUNTS else None)
        if word in COUNTS or word.isdigit() or group:
            sized = _sized(words, i) if group else None  # "a family of four"
            if group:  # "two couples", "three pairs of swans", "two dozen": the count in front times the group's size
                factor = pending[0] if pending and i - pending[1] <= COUNT_REACH and words[pending[1]] not in ("a", "an") else 1
                pending = (factor * (sized or group), i)
            else:
                pending = (int(word) if word.isdigit() else COUNTS[word], i)
            if word == "few" and i > 0 and words[i - 1] == "a":
                pending = (COUNTS["few"], i)
            if not ((word in WORDS or _singular(word) in WORDS) and not _counts_ahead(words, i + (3 if sized else 1))):
                i += 1
                continue
            # a count that is itself a subject ("a couple dancing", "two couples": people), with nothing after it to count
        if word in WATER_WORDS and (names_water or "sea" in subjects):  # "turquoise water": the sea's
            i += 1
            continue
        if word in BANKS and _singular(word) not in WORDS and names_water:  # "on the river bank": the river's edge (a place)
            i += 1
            continue
        if word == "windows" and "city" in named:  # "skyscrapers with lit windows": the city's windows
            i += 1
            continue
        if word in _TIME_WORDS:
            times.append(_TIME_WORDS[word])
        for part in (word, *word.split("-")):
            if part in _WEATHER_WORDS:
                weather.add(_WEATHER_WORDS[part])
        name, used, plural = _subject_of(words, i)
        if name is None and word in WATER_WORDS:
            name, used, plural = "sea", 1, False
        if word in ROCK_WORDS and i + 1 < len(words) and _subject_of(words, i + 1)[0] is not None:  # "rocky hills"
            i += 1
            continue
        if word in ROCK_WORDS and not named & COASTAL:  # "rust red rocks" of a canyon: no sea
            name, used, plural = "mountains", 1, False
        counted = bool(pending and i - pending[1] <= COUNT_REACH and words[pending[1]] not in ("a", "an"))
        kind = words[i + used - 1]
        before_forest = i + used < len(words) and _subject_of(words, i + used)[0] == "forest"  # "a pine forest"
        if name == "forest" and (counted or kind in TREE_KINDS and not before_forest) and _singular(kind) in TREE_KINDS:
            name = "tree"  # "three trees", "two pines", "a lonely pine" (but "pines", "trees": a forest)
        if name == "crowd" and counted and word in COUNTED_PEOPLE:  # "three people": three figures
            name, plural = "figure", True
        if name is not None:
            kinds.setdefault(name, []).append(" ".join(_singular(w) for w in words[i : i + used]))
            for pose, pose_words in POSES.items():  # "two herons standing in a pond", "swans gliding on a lake"
                if pose_words & set(words[i + used : i + used + POSE_REACH]):
                    kinds[name].append(pose)
            if name in PLACED and (place := _place_of(words, i + used, name)) is not None:
                places.setdefault(name, place)
            spec = SUBJECTS[name]
            if spec.countable:
                if pending and plural and words[pending[1]] in ("a", "an"):  # "a colour-field painting of friends"
                    pending = None
                count = pending[0] if pending and i - pending[1] <= COUNT_REACH else (max(spec.count, PLURAL_COUNT) if plural else 1)
                if name in explicit:
                    count = subjects[name] + count if _another(words, i, name, kinds[name], pending) else max(count, subjects[name])
                subjects[name] = min(count, spec.max_count)
                if count > spec.max_count:
                    unknown.append(f"{count - spec.max_count} more {spec.plural}")
            else:
                subjects.setdefault(name, 1)
            explicit.add(name)
            pending = None
            i += used
            if _singular(words[i - 1]) in GROUPS and _sized(words, i - 1):  # "a family of four": the four is its count
                i += 2
            if name == "crowd" and i + 1 < len(words) and words[i] == "of" and _subject_of(words, i + 1)[0] in PEOPLE:
                i += 1 + _subject_of(words, i + 1)[1]  # "a crowd of dancers" is the crowd
            continue
        if not (word in colour_words or word in _MODIFIERS or word in _TIME_WORDS or word in _WEATHER_WORDS
                or word in COUNTS) and _names_a_thing(words, joined, i):
            unknown.append(word)
        i += 1
    if "snow" in weather:
        subjects.setdefault("snow", 1) if any(w in ("snow", "snowfall", "blizzard", "snowy") for w in words) else None
    if "rain" in weather:
        subjects.setdefault("rain", 1)
    absent = {member for name in negated for member in NEGATION_GROUPS.get(name, (name,))} - explicit
    for name in absent:
        subjects.pop(name, None)
    time = times[0] if times else None
    colours = tuple(find_colours(text))
    return Reading(subjects, time, frozenset(weather), colours, style, tuple(dict.fromkeys(unknown)),
                   frozenset(absent), tuple(dict.fromkeys(left_out)), _colour_targets(words, colours, subjects),
                   {name: tuple(dict.fromkeys(k)) for name, k in kinds.items() if name in subjects},
                   {name: place for name, place in places.items()
                    if name in subjects and (place in subjects or place == "bank" and subjects.keys() & WATER_SUBJECTS)})


def _counts_ahead(words: list[str], k: int) -> bool:
    """Whether a count word before word ``k`` counts a subject named within ``COUNT_REACH`` words on, before any
    preposition but "of" ("a couple of boats" counts boats; "a couple on the beach" are two people)."""
    for m in range(k, min(k + COUNT_REACH, len(words))):
        if words[m] in SCOPE_ENDS and words[m] != "of":
            return False
        if _subject_of(words, m)[0] is not None:
            return True
    return False


def _sized(words: list[str], i: int) -> int | None:
    """The size a group noun at word ``i`` is given ("a family of four": 4), if any."""
    if i + 2 < len(words) and words[i + 1] == "of" and (words[i + 2].isdigit() or COUNTS.get(words[i + 2], 1) > 1):
        return int(words[i + 2]) if words[i + 2].isdigit() else COUNTS[words[i + 2]]
    return None


def _place_of(words: list[str], k: int, placed: str) -> str | None:
    """Where a placed subject is (``PLACES``): in or at another ("a fisherman in his small boat": the boat; "a poet
    by the window", "a grandmother by the fireplace"), on the shore ("herons standing on the shore", "gulls on the
    rocks", "a boat pulled up on the beach") or at the water's edge ("on the river bank": ``"bank"``), named within
    ``PLACE_REACH`` words after a preposition of ``PLACE_WORDS`` that follows it (at most a word or two later: "a
    girl standing at the window"); some prepositions place only some subjects (``PLACE_WORDS_ONLY``)."""
    for j in range(k, min(k + 3, len(words))):
        if words[j] in PLACE_WORDS and placed in PLACE_WORDS_ONLY.get(words[j], PLACED):
            for m in range(j + 1, min(j + 1 + PLACE_REACH, len(words))):
                bank = words[m] in BANKS or (m + 1 < len(words) and words[m + 1] in BANKS)  # "on the river bank"
                name = "bank" if bank else _subject_of(words, m)[0]
                if name is not None:
                    return name if name in PLACES[placed] else None
            return None
    return None


def _colour_targets(words: list[str], colours: tuple[NamedColour, ...], subjects: dict[str, int]) -> tuple[str | None, ...]:
    """For each colour, the subject it is written on: the first subject (or sky word) within ``COLOUR_REACH``
    words after the colour's first word, over other colour words, modifiers and time words ("a deep blue sky",
    "red poppies", "an orange night sky"); ``None`` for a colour in a list ("in gold and violet")."""
    out: list[str | None] = []
    spans = {}
    for colour in colours:
        parts = colour.name.split()
        spans[colour.name] = [k for k in range(len(words)) if words[k : k + len(parts)] == parts
                              or len(parts) == 1 and words[k].rstrip("s").removesuffix("ish") == parts[0]]
    in_colour = {k + j for colour in colours for k in spans[colour.name] for j in range(len(colour.name.split()))}
    for colour in colours:
        parts = colour.name.split()
        starts = spans[colour.name]
        target = None
        for start in starts[:1]:
            k = start + len(parts)
            while k < len(words) and k <= start + len(parts) + COLOUR_REACH - 1:
                word = words[k]
                if k in in_colour:  # "olive and sea green": the next colour, not the sea
                    k += 1
                    continue
                if word in SKY_WORDS:
                    target = "sky"
                    break
                name = _subject_of(words, k)[0] or ("sea" if word in WATER_WORDS else None)
                if name is not None:
                    target = name if name in subjects else None
                    break
                if not (word in _COLOUR_PARTS or word in _MODIFIERS or word in _TIME_WORDS or word in ("-", "and")
                        and k + 1 < len(words) and words[k + 1] in _COLOUR_PARTS):
                    break
                k += 1
        out.append(target)
    return tuple(out)


def _in_colour_name(words: list[str], i: int, breaks: frozenset[int] = frozenset()) -> bool:
    """Whether word ``i`` begins a two-word colour name of the table ("midnight blue", "sea green", "snow white"),
    not across punctuation (``breaks``: the words punctuation follows, "sunset; orange sky")."""
    return i + 1 < len(words) and i not in breaks and f"{words[i]} {words[i + 1]}" in NAMED


def _breaks(text: str) -> frozenset[int]:
    """The indices of the words of ``text`` (as ``_WORD`` finds them) that punctuation follows."""
    spans = [m.span() for m in _WORD.finditer(text)]
    return frozenset(k for k in range(len(spans) - 1) if CLAUSE_BREAK.search(text, spans[k][1], spans[k + 1][0]))


def _is_colour_here(words: list[str], i: int, breaks: frozenset[int] = frozenset()) -> bool:
    """Whether a word that is both a subject and a colour ("sand", "sea green") is used as a colour here: a
    two-word colour name, or a colour in a list of colours ("in sand and rust")."""
    word = words[i]
    if _in_colour_name(words, i, breaks):  # a colour name wins over the time, weather or subject words it is made of
        return True
    if word not in NAMED or word not in WORDS:
        return False
    before = words[i - 1] if i > 0 else ""
    after = words[i + 2] if i + 2 < len(words) and words[i + 1] in ("and", "or") else ""
    return before == "in" or before in ("and", "or") and i > 1 and words[i - 2] in NAMED or after in NAMED
