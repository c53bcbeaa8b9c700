"""Mood -> colour: the one palette module of the painter's styles (the prompt writer's colour words, which follow
the same mapping, live in :mod:`a2i.vocabulary`).

Mapping (after Palmer, Schloss, Xu & Prado-Leon, "Music-color associations are mediated by emotion",
PNAS 2013: faster, major, happier music goes with lighter, more saturated, yellower colours; slower, minor,
sadder music with darker, desaturated, bluer ones):

=================  =================================================================================
valence            lightness (HLS 0.2 .. 0.8 by day, narrower ranges at dusk, dawn and night: ``TIME_LIGHTNESS``)
                   and hue: sad is blue (225 deg), happy is yellow-orange
                   (45 deg); with energy, sad-and-intense turns crimson (350 deg, anger) and
                   happy-and-calm a soft yellow (60 deg, serenity); hues in between are blended on
                   the colour circle
mode               minor keys shift the hue 12 deg toward blue
energy             saturation (0.16 .. 0.9), contrast, density (how many marks a style makes) and
                   sharpness; the palette spreads from analogous hues to complementary accents
tempo              rhythm: how many waves, bands, rows or contour levels cross the canvas
danceability       a regular rhythmic motif where a style has one
acousticness       texture: organic, irregular, grainy marks (acoustic) versus clean geometry (electronic)
clip features      onset rate and spectral flux add density; spectral centroid (timbre brightness) lightens
                   the accents and hardens the edges (``hardness``: soft washes and halos for dark timbres,
                   crisp ones for bright); dynamic range (dB between loud and quiet frames) adds contrast
loudness           the weight of the marks (``mark_scale``): strokes, dabs, leading, rules, contour lines and
                   ink outlines are drawn heavier for loud music and finer for quiet music, 1x at the neutral
                   loudness (louder sounds are matched with larger, heavier visual objects: Lipscomb & Kim,
                   "Perceived match between visual parameters and auditory correlates", ICMPC 2004; Smith &
                   Sera, Cognitive Psychology 1992); lightness stays with valence
seed               composition, and a small colour variation inside the mood's range (see below)
=================  =================================================================================

Variants of one song must not look alike (issue 13), so each seed also moves the hue by up to
``HUE_JITTER`` degrees (more for energetic music, whose palette is wider anyway) and the lightness target by
up to ``LIGHTNESS_JITTER``: a sad song's variants stay blue and dark, a happy song's yellow and light.
The seed's offsets come from a multiplicative hash (0 for seed 0), so neighbouring seeds (the variants ``seed + i``)
land far apart in the range rather than next to each other.

A scene's time of day sets the range its mean lightness lives in and the mood moves within it
(:func:`at_time`): a happy night is lighter than a sad night, and both are darker than the same songs' days.

Examples
--------
>>> from a2i.mood import Profile
>>> mood = mood_for(Profile(valence=0.9, energy=0.8))
>>> bool(20 < mood.hue < 80), round(mood.lightness, 2) == round(0.2 + 0.6 * 0.9 + mood.lightness_offset, 2)
(True, True)
>>> sad, happy = (at_time(mood_for(Profile(valence=v)), "night").lightness for v in (0.1, 0.9))
>>> bool(sad < happy <= TIME_LIGHTNESS["night"][0] + TIME_LIGHTNESS["night"][1] < mood.lightness)
True
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, replace

import numpy as np

from a2i.features import SignalFeatures
from a2i.mood import NEUTRAL, Profile

# Hue (degrees) at the corners of the valence x energy square: (v, e) -> hue (Palmer et al. 2013, fig. 2:
# sad-calm blue, angry-intense red, serene-calm yellow, happy-intense orange-yellow).
_CORNER_HUES = {(0, 0): 225.0, (0, 1): 350.0, (1, 0): 60.0, (1, 1): 40.0}
# The range of a picture's target mean HLS lightness at each time of day, as (floor, span): valence 0 paints at
# the floor, valence 1 at floor + span (Palmer et al. 2013: happier music, lighter colours). By day the mood has
# the whole range (0.2 .. 0.8). A night keeps the mood's order within 0.2 .. 0.4: the floor is the day's (a sad
# song's day is already that dark), and the happiest night stays darker than a mid-valence day (0.5), so the
# sky reads as night and the moon, stars and lights are the lightest things (a happy "night at sea" was a bright
# orange picture before). Dusk and dawn (twilight) lie between, 0.2 .. 0.6. The time is the prompt's when it
# names one (:mod:`a2i.render.painter.scene.plan`), so a "night" prompt is a night picture whatever the mood.
TIME_LIGHTNESS = {"day": (0.2, 0.6), "dawn": (0.2, 0.4), "dusk": (0.2, 0.4), "night": (0.2, 0.2)}
MINOR_SHIFT = 12.0  # degrees toward blue for minor keys (Palmer et al.: minor -> bluer, darker)
HUE_JITTER = 14.0  # degrees of per-seed hue variation for calm music; energetic music gets up to 2x
LIGHTNESS_JITTER = 0.07  # per-seed lightness variation: a tenth of the valence range (0.2 .. 0.8)
# Multipliers of the seed hash: round(2**32 / golden ratio**k) for k = 1 (lightness) and 2 (hue) (Knuth's
# multiplicative hashing): seeds 1 and 2 land on opposite sides of seed 0, and hue and lightness move apart.
_DAY_FLOOR, _DAY_SPAN = TIME_LIGHTNESS["day"]
_HASH_LIGHT, _HASH_HUE = 2654435769, 1640531527
# Loudness -> mark weight: 1x at the neutral loudness (:data:`a2i.mood.NEUTRAL`, about -8 LUFS, a loud modern
# master); every LOUDNESS_SPAN dB quieter takes the full 1x off, clipped to MARK_SCALE_RANGE, so a quiet
# acoustic recording (-20 LUFS) is drawn with marks 0.6x as heavy and a hot master (-4 LUFS) 1.14x.
LOUDNESS_SPAN = 30.0  # dB
MARK_SCALE_RANGE = (0.6, 1.25)


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


@dataclass(frozen=True)
class Mood:
    """Everything a style needs from the music, in relative units (never per pixel)."""

    hue: float  # degrees, seed offset included
    lightness: float  # target mean HLS lightness, seed offset included
    saturation: float  # target mean HSV saturation
    contrast: float  # lightness step between palette tones
    hue_spread: float  # degrees between palette hues
    energy: float  # 0 calm .. 1 intense: density and sharpness of the marks
    density: float  # 0 .. 1: energy plus clip activity
    rhythm: float  # waves/bands/rows across the canvas, from tempo (one band per beat at 60 BPM = 2)
    motif: float  # 0..1 strength of a regular rhythmic motif (danceability)
    organic: float  # 0 electronic .. 1 acoustic
    accent_lift: float  # extra lightness for accents from spectral brightness
    hardness: float  # 0 soft .. 1 hard edges, from timbre brightness (spectral centroid)
    mark_scale: float  # width of marks relative to the neutral loudness's (MARK_SCALE_RANGE), from loudness
    valence: float
    lightness_offset: float  # the seed's share of ``lightness``


def mood_hue(valence: float, energy: float) -> float:
    """Bilinear blend of the corner hues as unit vectors, so the blend takes the short way round the circle.

    Valence enters through a smoothstep so sad music stays blue and happy music yellow, with the turn in
    between rather than a muddy mixture across the whole range.
    """
    v = float(np.clip((valence - 0.2) / 0.6, 0.0, 1.0))
    v = v * v * (3.0 - 2.0 * v)
    e = _clip01(energy)
    x = y = 0.0
    for (cv, ce), hue in _CORNER_HUES.items():
        weight = (v if cv else 1 - v) * (e if ce else 1 - e)
        x += weight * np.cos(np.radians(hue))
        y += weight * np.sin(np.radians(hue))
    return float(np.degrees(np.arctan2(y, x)) % 360.0)


def _seed_unit(seed: int, multiplier: int) -> float:
    """A number in [-1, 1) from a seed, far from its neighbours' (multiplicative hashing); 0 for seed 0."""
    return ((int(seed) * multiplier % 2**32) / 2**32 + 0.5) % 1.0 * 2.0 - 1.0


def base_hue(profile: Profile) -> float:
    """The mood's hue before any seed variation (what the prompt's colour words name)."""
    v, e = _clip01(profile.valence), _clip01(profile.energy)
    hue = mood_hue(v, e)
    return (hue + (MINOR_SHIFT if int(profile.mode) == 0 else 0.0) * np.sign(225.0 - hue)) % 360.0


def mood_for(profile: Profile, features: SignalFeatures | None = None, seed: int = 0) -> Mood:
    """Translate a profile into painting parameters (the table in the module docstring)."""
    v, e = _clip01(profile.valence), _clip01(profile.energy)
    features = features if features is not None else profile.features
    activity = accent = 0.0
    hardness = 0.25 + 0.5 * e  # without clip features: energetic music is drawn harder
    spread = 0.0  # dynamic range's share of the contrast
    if features is not None:
        hardness = _clip01((np.log10(max(features.centroid, 1.0)) - 2.9) / 0.7)
        spread = _clip01((features.dynamic_range - 6.0) / 24.0)
        activity = _clip01((features.onset_rate - 2.0) / 6.0) * 0.5 + _clip01((features.flux - 0.6) / 1.2) * 0.5
        accent = 0.12 * _clip01((np.log10(max(features.centroid, 1.0)) - 2.9) / 0.7)
    tempo = float(np.clip(profile.tempo if profile.tempo > 0 else NEUTRAL["tempo"], 40.0, 220.0))
    loudness = features.loudness if features is not None else profile.loudness
    mark_scale = float(np.clip(1.0 + (loudness - NEUTRAL["loudness"]) / LOUDNESS_SPAN, *MARK_SCALE_RANGE))
    hue = base_hue(profile) + HUE_JITTER * (1.0 + e) * _seed_unit(seed, _HASH_HUE)
    light_offset = LIGHTNESS_JITTER * _seed_unit(seed, _HASH_LIGHT)
    return Mood(
        hue=hue % 360.0,
        lightness=_DAY_FLOOR + _DAY_SPAN * v + light_offset,
        saturation=0.16 + 0.74 * e,
        contrast=0.17 + 0.15 * e + 0.06 * spread,
        hue_spread=18.0 + 120.0 * e**1.5,
        energy=e,
        density=_clip01(e**1.5 + 0.3 * activity * e),
        rhythm=(tempo - 40.0) / 180.0,
        motif=_clip01((profile.danceability - 0.55) / 0.35),
        organic=_clip01(profile.acousticness),
        accent_lift=accent,
        hardness=hardness,
        mark_scale=mark_scale,
        valence=v,
        lightness_offset=light_offset,
    )


def at_time(mood: Mood, time: str) -> Mood:
    """The mood at a time of day: its lightness target (seed offset included) moved from the day's range into
    ``TIME_LIGHTNESS[time]`` at the same relative place, so the order of moods is kept within every time.

    >>> from a2i.mood import Profile
    >>> day = mood_for(Profile(valence=0.5))
    >>> at_time(day, "day") == day, round(at_time(day, "night").lightness, 2)
    (True, 0.3)
    """
    if time not in TIME_LIGHTNESS:
        raise ValueError(f"unknown time of day {time!r}; choose one of {', '.join(TIME_LIGHTNESS)}")
    if time == "day":
        return mood
    floor, span = TIME_LIGHTNESS[time]
    share = (mood.lightness - _DAY_FLOOR) / _DAY_SPAN
    return replace(mood, lightness=floor + span * share, lightness_offset=span / _DAY_SPAN * mood.lightness_offset)


def hls(hue: float, lightness: float, saturation: float) -> np.ndarray:
    """An RGB colour (float 0..1) from hue in degrees and HLS lightness/saturation, clipped to range."""
    return np.array(colorsys.hls_to_rgb((hue % 360.0) / 360.0, _clip01(lightness), _clip01(saturation)), dtype=np.float32)


def _away_from_green(base: float, hue: float) -> float:
    """Mirror an accent out of the green band when the mood's hue is not green itself.

    Palmer et al.'s happy yellows and angry reds have no green in their associations; an accent that wanders
    there reads as sickly (a yellow-green), so it turns the other way round the circle instead.
    """
    in_green = lambda h: GREEN_BAND[0] < h % 360.0 < GREEN_BAND[1]  # noqa: E731
    return 2 * base - hue if in_green(hue) and not in_green(base) else hue


GREEN_BAND = (75.0, 165.0)  # degrees


def palette(mood: Mood, rng: np.random.Generator) -> np.ndarray:
    """Six RGB colours around the base hue: light ground, dark ground, three accents, a deep shadow tone.

    The grading pulls the picture's mean onto the mood's targets afterwards, so the palette only has to
    carry the relations (which hues, which is lighter) and the grading the absolute levels. Ground tones are
    calmer (less saturated) than the accents, as in most paintings.
    """
    colours = []
    offsets = (0.0, -0.25, 0.5, 1.0, -0.75)
    for i, k in enumerate(offsets):
        hue = _away_from_green(mood.hue, mood.hue + k * mood.hue_spread + rng.normal(0, 4.0))
        light = mood.lightness + (-mood.contrast if i % 2 else mood.contrast) * (0.5 + 0.5 * (i > 0))
        if i >= 2:
            light += mood.accent_lift
        colours.append(hls(hue, light, mood.saturation * (0.75 if i < 2 else 1.1)))
    colours.append(hls(mood.hue - 0.15 * mood.hue_spread, 0.35 * mood.lightness, mood.saturation * 0.8))
    return np.stack(colours)
