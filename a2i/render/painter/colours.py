"""Named colours in CIE Lab, and how a prompt's colour words and the song's mood share a palette.

A prompt that names colours ("deep indigo and silver") sets the picture's **hues and chromas** from this
table; the song's mood still moves each colour's **lightness, chroma and contrast**, within bounds small enough
that the painted colour stays recognisably the named one (CIE ΔE2000 well under 20):

=====================  ====================================================================================
text (the named colour) its hue and, before the mood's move, its Lab lightness and chroma
valence                lightness: ``L* += MOOD_LIGHTNESS * (2 * valence - 1)`` (±``MOOD_LIGHTNESS`` L* units),
                       so a happy song's indigo is lighter than a sad song's (Palmer et al., PNAS 2013)
energy                 chroma: ``C* *= 1 + MOOD_CHROMA * (2 * energy - 1)``, so an intense song's indigo is
                       more vivid than a calm song's
modifiers              "pale"/"light"/"soft" lift L* by ``MODIFIER_LIGHTNESS``, "deep"/"dark" lower it by as
                       much; "bright"/"vivid" raise chroma by ``MODIFIER_CHROMA``, "muted"/"dusty" lower it
=====================  ====================================================================================

The table's sRGB values are the usual ones (CSS Color Module Level 4 named colours where CSS has the name,
otherwise common paint/pigment swatches); Lab is computed from them (D65, sRGB companding, IEC 61966-2-1).
ΔE2000 is Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula", Color Res. Appl. 30(1), 2005.

Examples
--------
>>> [c.name for c in find_colours("Deep indigo and silver light, a touch of sky blue.")]
['indigo', 'silver', 'sky blue']
>>> round(float(delta_e2000(lab_of("red"), lab_of("red"))), 3)
0.0
>>> float(delta_e2000(lab_of("indigo"), lab_of("silver"))) > 20
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from a2i.render.painter.grammar import DETERMINERS, ends_its_phrase

MOOD_LIGHTNESS = 9.0  # L* units either side: valence's share of a named colour (keeps ΔE2000 below ~10)
MOOD_CHROMA = 0.2  # fraction of chroma either side: energy's share of a named colour
MODIFIER_LIGHTNESS = 10.0  # L* units of "pale"/"deep"
MODIFIER_CHROMA = 0.25  # fraction of chroma of "vivid"/"muted"
LIGHTER = ("pale", "light", "soft", "pastel")
DARKER = ("deep", "dark", "dusky")
VIVID = ("bright", "vivid", "brilliant", "electric", "neon")
DULL = ("muted", "dusty", "faded", "washed")

# name -> sRGB (0..255). Plural and "-ish" forms are found by :func:`find_colours`.
NAMED: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 35),
    "crimson": (220, 20, 60),
    "scarlet": (255, 36, 0),
    "ruby": (155, 17, 30),
    "burgundy": (128, 0, 32),
    "maroon": (128, 0, 0),
    "blood red": (138, 7, 7),
    "rose": (230, 90, 120),
    "pink": (255, 150, 180),
    "magenta": (220, 30, 160),
    "fuchsia": (230, 40, 190),
    "coral": (255, 127, 80),
    "salmon": (250, 128, 114),
    "peach": (255, 200, 160),
    "orange": (255, 140, 0),
    "amber": (255, 191, 0),
    "tangerine": (242, 133, 0),
    "rust": (183, 65, 14),
    "copper": (184, 115, 51),
    "bronze": (205, 127, 50),
    "gold": (255, 200, 40),
    "golden": (255, 200, 40),
    "yellow": (255, 225, 30),
    "lemon": (255, 244, 79),
    "mustard": (225, 173, 1),
    "ochre": (204, 119, 34),
    "sand": (214, 190, 140),
    "beige": (225, 210, 175),
    "cream": (255, 248, 220),
    "ivory": (255, 255, 240),
    "white": (250, 250, 250),
    "silver": (192, 192, 198),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "slate": (112, 128, 144),
    "charcoal": (54, 69, 79),
    "black": (18, 18, 22),
    "brown": (120, 72, 40),
    "umber": (99, 81, 71),
    "sienna": (160, 82, 45),
    "tan": (210, 180, 140),
    "olive": (128, 128, 0),
    "green": (40, 150, 60),
    "emerald": (80, 200, 120),
    "jade": (0, 168, 107),
    "mint": (152, 230, 180),
    "lime": (170, 220, 40),
    "sage": (156, 175, 136),
    "forest green": (34, 110, 34),
    "sea green": (46, 139, 87),
    "teal": (0, 128, 128),
    "turquoise": (64, 224, 208),
    "aqua": (0, 200, 220),
    "cyan": (0, 200, 230),
    "azure": (0, 127, 255),
    "sky blue": (135, 206, 235),
    "blue": (30, 80, 220),
    "cobalt": (0, 71, 171),
    "sapphire": (15, 82, 186),
    "navy": (0, 0, 110),
    "midnight blue": (25, 25, 112),
    "indigo": (63, 0, 160),
    "violet": (143, 0, 255),
    "purple": (128, 0, 128),
    "lavender": (181, 160, 230),
    "lilac": (200, 162, 200),
    "plum": (142, 69, 133),
    "mauve": (224, 176, 255),
    # Compound and paint names people write ("burnt orange", "ice blue"): CSS Color 4 where CSS has the name
    # (light blue, dark blue, dark green, light green, dark red, hot pink, steel blue, cornflower blue, powder
    # blue, royal blue, chocolate, khaki, chartreuse), else the swatch most colour lists give.
    "burnt orange": (204, 85, 0),
    "burnt sienna": (233, 116, 81),
    "burnt umber": (138, 51, 36),
    "terracotta": (226, 114, 91),
    "vermilion": (227, 66, 52),
    "mahogany": (192, 64, 0),
    "chocolate": (123, 63, 0),
    "khaki": (195, 176, 145),
    "saffron": (244, 196, 48),
    "chartreuse": (127, 255, 0),
    "moss green": (138, 154, 91),
    "bottle green": (0, 106, 78),
    "dark green": (0, 100, 0),
    "light green": (144, 238, 144),
    "dark red": (139, 0, 0),
    "hot pink": (255, 105, 180),
    "dusty rose": (220, 174, 150),
    "blush": (222, 93, 131),
    "cerulean": (0, 123, 167),
    "ultramarine": (18, 10, 143),
    "denim": (21, 96, 189),
    "steel blue": (70, 130, 180),
    "cornflower blue": (100, 149, 237),
    "powder blue": (176, 224, 230),
    "baby blue": (137, 207, 240),
    "ice blue": (165, 242, 243),
    "electric blue": (125, 249, 255),
    "electric purple": (191, 0, 255),
    "royal blue": (65, 105, 225),
    "light blue": (173, 216, 230),
    "dark blue": (0, 0, 139),
    "ash grey": (178, 190, 181),
    "pearl": (234, 224, 200),
    "champagne": (247, 231, 206),
    "apricot": (251, 206, 177),  # the common swatch (no CSS name); found missing by round 4's audit
    "slate blue": (106, 90, 205),  # CSS slateblue
    "slate grey": (112, 128, 144),  # CSS slategrey
    "slate gray": (112, 128, 144),
    "dark teal": (1, 77, 78),  # the common swatch (no CSS name)
    "pale blue": (175, 238, 238),  # the common swatch (#AFEEEE): "pale" lifts blue by 10 L* only, far from it
    "pale green": (152, 251, 152),  # CSS palegreen
    "pale pink": (250, 218, 221),  # the common swatch
    "brass": (181, 166, 66),  # the common swatch (no CSS name)
    "sepia": (112, 66, 20),  # the common swatch (no CSS name); "sepia tones" was unread before round 4's audit
    # Colour names made of a time, weather or subject word and a hue (round 6): read as one colour, so "midnight
    # blue" is no night and "snow white" no snowfall (:mod:`a2i.render.painter.text`).
    "snow white": (255, 250, 250),  # CSS snow
    "sunset orange": (253, 94, 83),  # the common swatch (#FD5E53)
    "storm grey": (113, 116, 134),  # Resene "Storm Grey" (#717486)
    "storm gray": (113, 116, 134),
    "dawn pink": (240, 190, 190),  # a soft warm pink, as the phrase is written (Resene's "Dawn Pink" #F3E9E5 is near white)
    "ocean blue": (0, 119, 190),  # the common swatch (#0077BE)
    "night blue": (25, 25, 80),  # the common swatch, a darker midnight blue
    # Luminous names: "electric" and "neon" colours are light as well as vivid (the modifiers alone only raise
    # chroma: "electric green" read as a mid green, dE2000 27 from #00FF00, and 0-9 % of pixels came near it).
    "electric green": (0, 255, 0),  # the common swatch (#00FF00)
    "electric lime": (204, 255, 0),  # the common swatch (#CCFF00)
    "electric yellow": (255, 255, 51),  # the common swatch (#FFFF33)
    "electric pink": (244, 63, 255),  # the common swatch (#F43FFF)
    "neon green": (57, 255, 20),  # the common swatch (#39FF14)
    "neon pink": (255, 110, 199),  # the common swatch (#FF6EC7)
    "neon blue": (77, 77, 255),  # the common swatch (#4D4DFF)
}
# Two words that name a thing, not a colour ("sand dunes" are dunes, "a rose garden" a garden): the colour word
# of such a pair is not read as a colour.
NOT_COLOURS = frozenset((
    "sand dune", "sand castle", "sand bank", "rose garden", "rose bush", "rose petal", "lime tree", "lemon tree",
    "orange tree", "orange grove", "olive tree", "olive grove", "plum tree", "plum blossom", "coral reef",
    "lavender field", "silver birch", "copper beech", "slate roof", "golden hour", "brass band",
    "the sand",  # round 10: "boats pulled up on the sand" named the beach, and painted its sky in sand
    "charcoal drawing", "charcoal sketch",  # the medium (ink's style), not the colour
))
# A colour name followed by a plain hue names one colour ("emerald green" is emerald, "navy blue" navy).
HUES = frozenset("red orange yellow green blue purple violet pink brown grey gray black white".split())
_BARE = re.compile(r"[a-z]+")
CLAUSE_BREAK = re.compile(r"[,.;:!?()\[\]/]")  # punctuation: no colour name is read across it


@dataclass(frozen=True)
class NamedColour:
    """One colour word of a prompt: its name (as in :data:`NAMED`) and its Lab after the words' modifiers."""

    name: str
    lab: tuple[float, float, float]

    @property
    def phrase(self) -> str:
        return self.name


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..1, any shape ``(..., 3)``) -> CIE Lab (D65)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) -> sRGB (0..1, clipped into gamut)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 6 / 29, f**3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * np.array([0.95047, 1.0, 1.08883])
    m = np.array([[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560], [0.0556434, -0.2040259, 1.0572252]])
    linear = np.clip(xyz @ m.T, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def lab_of(name: str) -> np.ndarray:
    """The Lab of a colour of :data:`NAMED`."""
    return srgb_to_lab(np.array(NAMED[name], dtype=np.float64) / 255.0)


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma et al. 2005), broadcasting over leading axes."""
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(cbar7 / (cbar7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbar, cbarp = (l1 + l2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2), hsum / 2)
    hbar = np.where(c1p * c2p == 0, hsum, hbar)
    t = (
        1
        - 0.17 * np.cos(np.radians(hbar - 30))
        + 0.24 * np.cos(np.radians(2 * hbar))
        + 0.32 * np.cos(np.radians(3 * hbar + 6))
        - 0.20 * np.cos(np.radians(4 * hbar - 63))
    )
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    cbarp7 = cbarp**7
    rt = -2 * np.sqrt(cbarp7 / (cbarp7 + 25.0**7)) * np.sin(np.radians(60 * np.exp(-(((hbar - 275) / 25) ** 2))))
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def _singular(word: str) -> str:
    for suffix in ("ish", "es", "s"):
        if word.endswith(suffix) and word[: -len(suffix)] in NAMED:
            return word[: -len(suffix)]
    return word


def _colour_at(words: list[str], i: int) -> tuple[str, int]:
    """The colour name at word ``i`` (or ``""``) and the words it spans."""
    nxt = _singular(words[i + 1]) if i + 1 < len(words) else ""
    pair = f"{words[i]} {nxt}"
    if pair in NAMED:
        return pair, 2
    if {f"{words[i]} {nxt}", f"{words[i]} {nxt[:-1]}", f"{words[i]} {nxt[:-2]}"} & NOT_COLOURS:  # "sand dunes", "bushes"
        return "", 2
    name = _singular(words[i])
    if name in NAMED and nxt in HUES and name not in HUES:  # "emerald green", "navy blue", "ink black"
        return name, 2
    return name, 1


#: Colour names that are also things ("a single red rose", "an orange on the table", "a peach and a plum"): such a name
#: is the thing where an article, a count or another colour stands before it and nothing of its phrase after it.
THING_COLOURS = frozenset({"rose", "orange", "lime", "lemon", "olive", "plum", "peach", "apricot", "coral", "lavender",
                           "salmon", "chocolate", "pearl", "ruby", "emerald", "sapphire", "tangerine", "mint", "rust",
                           "cream", "mustard"})
THING_BEFORE = frozenset({"a", "an", "one", "single", "lone", "solitary", "two", "three", "four", "five", "six", "seven",
                          "eight", "nine", "ten", "dozen", "few", "several", "many"})


def names_a_thing(words: list[str], i: int, name: str) -> bool:
    """Whether the one-word colour name at word ``i`` names the thing (see :data:`THING_COLOURS`)."""
    if name not in THING_COLOURS or i == 0 or not (words[i - 1] in THING_BEFORE or _singular(words[i - 1]) in NAMED):
        return False
    return ends_its_phrase(words, i, DETERMINERS | THING_BEFORE)


def find_colours(text: str | None) -> list[NamedColour]:
    """The colour words of ``text`` in order of appearance (each once), their modifiers applied.

    Two-word names ("sky blue", "burnt orange") win over their parts, a colour name before a plain hue is one
    colour ("emerald green"), and a pair that names a thing ("sand dunes", ``NOT_COLOURS``) is no colour;
    plurals ("blues"), "-ish" forms and "golden" count.

    A name never reaches over punctuation: "sunset; orange sky" is orange, "the sea, green hills" green.

    >>> [c.name for c in find_colours("sand dunes in emerald green, ice blue and sea-green")]
    ['emerald', 'ice blue', 'sea green']
    >>> [c.name for c in find_colours("beach; sunset; orange sky")]
    ['orange']
    """
    found: list[NamedColour] = []
    seen: set[str] = set()
    for clause in CLAUSE_BREAK.split((text or "").lower()):
        words = _BARE.findall(clause)
        i = 0
        while i < len(words):
            name, width = _colour_at(words, i)
            if width == 1 and names_a_thing(words, i, name):
                name = ""
            if name in NAMED and name not in seen:
                seen.add(name)
                found.append(NamedColour(name, _modified(lab_of(name), words[i - 1] if i > 0 else "")))
            i += width
    return found


def _modified(lab: np.ndarray, before: str) -> tuple[float, float, float]:
    """A named colour's Lab after the modifier word before it (the table in the module docstring)."""
    if before in LIGHTER:
        lab[0] = min(97.0, lab[0] + MODIFIER_LIGHTNESS)
    elif before in DARKER:
        lab[0] = max(8.0, lab[0] - MODIFIER_LIGHTNESS)
    if before in VIVID:
        lab[1:] *= 1 + MODIFIER_CHROMA
    elif before in DULL:
        lab[1:] *= 1 - MODIFIER_CHROMA
    return float(lab[0]), float(lab[1]), float(lab[2])


def colour_word_spans(text: str | None) -> set[str]:
    """Every word of ``text`` that is (part of) a colour word, for the parser's bookkeeping."""
    words = _BARE.findall((text or "").lower())
    names = {c.name for c in find_colours(text)}
    out = {w for w in words if _singular(w) in names}
    out |= {part for name in names for part in name.split()}
    return out


def mood_moved(lab: tuple[float, float, float], valence: float, energy: float) -> np.ndarray:
    """A named colour's Lab after the mood's bounded move (the table in the module docstring)."""
    lightness, a, b = lab
    lightness = float(np.clip(lightness + MOOD_LIGHTNESS * (2 * valence - 1), 4.0, 98.0))
    k = 1 + MOOD_CHROMA * (2 * energy - 1)
    return np.array([lightness, a * k, b * k])
