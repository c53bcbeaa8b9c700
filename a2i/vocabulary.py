"""The words the prompt writer and the painter share: mood bins, colour pairs, style phrases and keywords.

One home for the vocabulary that crosses the words/render boundary, so the prompt writer (:mod:`a2i.prompts`)
never imports the painter and the painter (:mod:`a2i.render.painter`) reads the same words back:

- **mood bins** (:data:`MOOD_BINS`, :func:`mood_cell`): the 3 x 3 cells of the valence x energy square
  (Russell's circumplex) that the writer's emotions, scenes, time words and colour words are chosen by;
- **colour pairs** (:data:`COLOUR_PAIRS`, :func:`colour_words`): the named colours the writer offers per mood
  cell; every one is a colour the painter paints (:data:`a2i.render.painter.colours.NAMED`, checked by a test);
- **style words** (:data:`STYLE_WORDS`): per painter style, the art phrases the writer names it with and the
  keywords that pick it out of free text; :func:`style_for_prompt` reads a prompt's style back and
  :func:`choose_style` adds the documented fallback. Each painter style module draws; its words live here
  (:class:`a2i.render.painter.styles.base.StyleSpec` reads them by name).

Reading a style: every style's keywords and phrases are counted in the lower-cased prompt (a whole phrase
counts ``PHRASE_WEIGHT``, a keyword 1; a keyword matches itself and its plural, a stem of :data:`STYLE_STEMS`
every word it begins) and the highest score wins, ties going to the earlier style in
:data:`STYLE_WORDS`. **Fallback:** a prompt with no style word at all (or no prompt) gets
``DEFAULT_MIX[seed % len(DEFAULT_MIX)]``, so a song's variants (seeds ``seed + i``) still cycle through the styles.

Examples
--------
>>> mood_cell(0.1, 0.9), mood_cell(0.5, 0.5), mood_cell(0.7, 0.2)
((0, 2), (1, 1), (2, 0))
>>> from a2i.mood import Profile
>>> colour_words(Profile(valence=0.1, energy=0.1, mode=0), k=1)
'dark, shadowed, muted palette of indigo and silver'
>>> style_for_prompt("A stained-glass window of clouds racing over a coastal cliff.")
'glass'
>>> choose_style("Something with no art words at all.", seed=1) == DEFAULT_MIX[1]
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from a2i.mood import Profile

MOOD_BINS = (0.35, 0.65)  # valence and energy are low below the first, high above the second (Russell's circumplex, 3 x 3)


def mood_cell(valence: float, energy: float) -> tuple[int, int]:
    """The (valence, energy) cell of the 3 x 3 mood square, each 0 low, 1 middle, 2 high: the one place the
    bins live (the prompt writer's emotions, scenes and colour words all use it).

    Examples
    --------
    >>> mood_cell(0.34, 0.66)
    (0, 2)
    """
    low, high = MOOD_BINS
    return (0 if valence < low else 2 if valence > high else 1), (0 if energy < low else 2 if energy > high else 1)


# Named colours the prompt writer offers per mood cell, as pairs: the first paints the sky, the second the land
# and water. They follow the painter's mood mapping (Palmer, Schloss, Xu & Prado-Leon, PNAS 2013, see
# :mod:`a2i.render.painter.palette`): sad cells dark and blue, happy cells light and yellow-orange, calm cells
# muted, intense cells vivid. Each pair is a light and a dark (CIE L* at least ``MIN_VALUE_CONTRAST`` apart,
# checked by a test against the painter's colour table): the value pattern carries a picture's composition
# (a sky and land of one lightness turn into one flat field in grey, and any two such pictures look alike).
COLOUR_PAIRS: dict[tuple[int, int], tuple[tuple[str, str], ...]] = {
    (0, 0): (("navy", "slate"), ("indigo", "silver"), ("midnight blue", "grey"), ("slate", "charcoal"), ("cobalt", "grey")),
    (0, 1): (("indigo", "slate"), ("navy", "teal"), ("sapphire", "silver"), ("purple", "grey"), ("cobalt", "lilac")),
    (0, 2): (("crimson", "black"), ("burgundy", "slate"), ("red", "indigo"), ("scarlet", "navy"), ("maroon", "grey")),
    (1, 0): (("lavender", "plum"), ("sky blue", "olive"), ("lilac", "umber"), ("mauve", "teal"), ("silver", "sea green")),
    (1, 1): (("teal", "sand"), ("sky blue", "sienna"), ("turquoise", "rust"), ("violet", "tan"), ("sapphire", "peach")),
    (1, 2): (("magenta", "midnight blue"), ("crimson", "aqua"), ("orange", "navy"), ("fuchsia", "indigo"), ("scarlet", "cobalt")),
    (2, 0): (("cream", "sage"), ("mint", "rose"), ("ivory", "lavender"), ("sky blue", "ochre"), ("beige", "jade")),
    (2, 1): (("gold", "teal"), ("peach", "rose"), ("sky blue", "copper"), ("yellow", "sage"), ("pink", "teal")),
    (2, 2): (("gold", "scarlet"), ("yellow", "magenta"), ("orange", "violet"), ("amber", "crimson"), ("lemon", "fuchsia")),
}
MIN_VALUE_CONTRAST = 20.0  # CIE L* between a pair's colours: a clear light/dark step (about two Munsell values)


def colour_words(profile: Profile, k: int = 0) -> str:
    """The ``k``-th palette of a profile's mood cell in words ("a dark, muted palette of indigo and silver").

    The colours are named ones, so the painter paints exactly them (their hues; the mood sets lightness and
    saturation within bounds, :mod:`a2i.render.painter.colours`), and ``k`` walks through the cell's pairs so a
    song's pictures do not all share one palette.
    """
    v, e = mood_cell(profile.valence, profile.energy)
    light = ("dark, shadowed", "softly lit", "luminous")[v]
    chroma = ("muted", "gently coloured", "vivid")[e]
    first, second = COLOUR_PAIRS[(v, e)][k % len(COLOUR_PAIRS[(v, e)])]
    return f"{light}, {chroma} palette of {first} and {second}"


@dataclass(frozen=True)
class StyleWords:
    """How one painter style is named in text."""

    phrases: tuple[str, ...]  # art-style phrases the prompt writer uses for this style ("a watercolour")
    keywords: tuple[str, ...]  # words that pick this style out of free text (lower case, stems allowed)


#: Every painter style's words, in the order the default mix cycles through the styles (the painter's
#: ``STYLES`` has the same names in the same order, checked by a test).
STYLE_WORDS: dict[str, StyleWords] = {
    "flow": StyleWords(
        phrases=("an oil painting", "an impressionist canvas", "an expressionist painting", "a surrealist painting"),
        keywords=("oil", "impressionis", "expressionis", "surreal", "van gogh", "monet", "renoir", "pissarro", "sisley",
                  "swirl", "flow", "abstract", "painting", "canvas")),
    "landscape": StyleWords(
        phrases=("a cinematic photograph", "a digital matte painting", "a long-exposure photograph", "a landscape painting"),
        keywords=("photograph", "cinematic", "matte painting", "landscape", "scenery", "vista", "panorama",
                  "long-exposure", "realistic")),
    "glass": StyleWords(
        phrases=("a stained-glass window", "a mosaic", "a cathedral rose window"),
        keywords=("stained", "glass", "mosaic", "tiffany", "rose window", "cathedral", "tesser")),
    "watercolour": StyleWords(
        phrases=("a watercolour", "a gouache illustration", "a wet-on-wet watercolour study"),
        keywords=("watercolo", "gouache", "wash", "aquarel", "wet-on-wet", "pastel")),
    "bauhaus": StyleWords(
        phrases=("a Bauhaus poster", "a constructivist print", "a geometric abstraction", "a paper-cut collage"),
        keywords=("bauhaus", "constructivis", "geometric", "collage", "kandinsky", "mondrian", "poster", "suprematis",
                  "shapes")),
    "ink": StyleWords(
        phrases=("an ink wash painting", "a Japanese woodblock print", "a charcoal and pastel drawing",
                 "a calligraphic ink drawing"),
        # ("ink wash" outweighs watercolour's "wash": an ink wash is sumi-e, ink thinned with water)
        keywords=("ink", "ink wash", "sumi", "calligraph", "woodblock", "charcoal", "brush drawing", "zen", "ukiyo",
                  "hokusai", "hiroshige", "japanese", "chinese", "sketch")),
    "pointillism": StyleWords(
        phrases=("a pointillist painting", "a divisionist canvas", "a dotted risograph print"),
        keywords=("pointill", "divisionis", "seurat", "signac", "dots", "dotted", "risograph", "halftone")),
    "contours": StyleWords(
        phrases=("a topographic map", "a contour-line engraving", "a cartographic print"),
        keywords=("topograph", "contour", "map", "cartograph", "terrain", "relief", "engraving", "isoline")),
    "fields": StyleWords(
        phrases=("a colour-field painting", "a minimalist canvas", "an abstract colour study"),
        keywords=("rothko", "colour field", "color field", "colour-field", "color-field", "minimalis", "abstract colour",
                  "bands of colour")),
}
#: The keywords that are stems: each matches every word it begins ("watercolo": watercolour and watercolor,
#: "impressionis": impressionist and impressionism, "surreal": surrealistic). Every other keyword matches itself and
#: its plural only: as prefixes, "flow" read "a field of flowers" as an oil painting, "map" a maple as a map, "zen"
#: the sun's zenith as ink and "glass" a glassy lake as stained glass.
STYLE_STEMS = frozenset({"impressionis", "expressionis", "surreal", "swirl", "abstract", "photograph", "panorama",
                         "tesser", "watercolo", "aquarel", "constructivis", "suprematis", "calligraph", "sumi", "ukiyo",
                         "pointill", "divisionis", "topograph", "contour", "cartograph", "minimalis"})
DEFAULT_MIX: tuple[str, ...] = tuple(STYLE_WORDS)
PHRASE_WEIGHT = 3  # a whole phrase of the writer's vocabulary outweighs any stray keyword
# Keywords that name painting in general, not a medium: they count half, so "an ink painting" is ink, not oil.
GENERIC_KEYWORDS = frozenset({"painting", "canvas"})
GENERIC_WEIGHT = 0.5


def _count(text: str, words: str, *, stem: bool = True) -> int:
    """How often ``words`` stand in ``text`` from a word's start: as a stem (any ending) or as words (a plural's)."""
    return len(re.findall(r"\b" + re.escape(words) + ("" if stem else r"(?:s|es)?\b"), text))


def style_for_prompt(prompt: str | None) -> str | None:
    """The style a prompt names, or ``None`` when it names none (see the module docstring)."""
    if not prompt:
        return None
    text = prompt.lower()
    scores = {name: PHRASE_WEIGHT * sum(_count(text, p.lower().split(" ", 1)[1]) for p in words.phrases)
              + sum(_count(text, k, stem=k in STYLE_STEMS) * (GENERIC_WEIGHT if k in GENERIC_KEYWORDS else 1)
                    for k in words.keywords)
              for name, words in STYLE_WORDS.items()}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] > 0 else None


def choose_style(prompt: str | None, seed: int) -> str:
    """The prompt's style, or the default mix's style for this seed (the documented fallback)."""
    return style_for_prompt(prompt) or DEFAULT_MIX[int(seed) % len(DEFAULT_MIX)]
