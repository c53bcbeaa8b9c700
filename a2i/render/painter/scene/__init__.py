"""The scene grammar: a prompt's subjects composed into a stack of shapes every style can draw.

:func:`compose` reads the prompt (:mod:`a2i.render.painter.text`), plans the scene
(:mod:`~a2i.render.painter.scene.plan`: companions, ground, light, weather), chooses the layout and the
colour roles (:mod:`~a2i.render.painter.scene.roles`), and has each subject of the vocabulary
(:mod:`~a2i.render.painter.scene.subjects`) add its shapes to the stack
(:mod:`~a2i.render.painter.scene.stack`). A style then renders that one stack in its own idiom, and the
picture's :class:`Drawn` record (what the card describes) is read from the rasterised stack itself: a
subject counts as drawn only if the picture shows it.

Every subject draws from its own random stream (the seed and its name), so adding a subject to a prompt
leaves the others where they were.

Examples
--------
>>> from a2i.render.painter.palette import mood_for
>>> from a2i.mood import Profile
>>> scene = compose("Three boats under a full moon", mood_for(Profile(valence=0.3)), seed=1, aspect=1.0)
>>> list(scene.plan.subjects)
['moon', 'sea', 'boat']
>>> scene.plan.subjects["boat"], scene.plan.time
(3, 'night')
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from PIL import Image, ImageFilter

from a2i.render.painter.colours import delta_e2000, lab_to_srgb, mood_moved, srgb_to_lab
from a2i.render.painter.grading import apply_grade, solve_grade
from a2i.render.painter.palette import Mood, at_time
from a2i.render.painter.scene.builder import Builder, Layout, Roles
from a2i.render.painter.scene.plan import ScenePlan, choose_layout, plan_scene
from a2i.render.painter.scene.roles import scene_roles
from a2i.render.painter.scene.stack import Raster, Stack
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.scene.subjects.base import FRONT
from a2i.render.painter.scene.subjects.sky import crescent_shadow
from a2i.render.painter.text import Reading, read_prompt
from a2i.seeding import rng as seeded_rng

SCENE_STREAM = 0x5CE7E  # the random stream of the plan, layout and palette (subjects have their own)
AREA_SIDE = 64  # px: the scene's own measures (shapes' areas and neighbours, marks' grounds) are taken on the stack drawn
# this small (_small: once per scene; shapes keep their outlines while these passes change only their colours)
SMALL_SHAPE = 0.03  # fraction of the picture under which a shape keeps its own colour
KEEP_CONTRAST = 16.0  # L* units a shape may stay lighter or darker than its named colour (silhouettes stay readable)
NEIGHBOUR = 0.1  # share of the ring around a shape that makes a subject one of its neighbours
SEPARATION = 12.0  # L* units between a shape and the one before it in its colour's run (about 10 in dE2000: each subject legible)
SMALL_SEPARATION = 20.0  # ... for a subject smaller than SMALL_SHAPE (a figure, a boat): marks and blurs mix it with its ground
SKY_SHADE = 5.0  # L* units between a named sky's zenith and horizon


@dataclass
class Scene:
    """A composed scene: what the text named, the plan, the layout, the colour roles and the stack."""

    reading: Reading
    plan: ScenePlan
    layout: Layout
    roles: Roles
    stack: Stack
    mood: Mood  # the song's mood at the scene's time of day (palette.at_time): the lightness the picture is graded to


def compose(prompt: str | None, mood: Mood, *, seed: int, aspect: float) -> Scene:
    """Compose the scene a prompt names (see the module docstring)."""
    rng = seeded_rng(seed, SCENE_STREAM)
    reading = read_prompt(prompt)
    plan = plan_scene(reading, mood, rng)
    # The time of day sets the range of the lightness the picture is graded to (palette.at_time); the colour roles
    # and the styles keep the mood's own palette (a palette recomposed that dark turned grey, and the grade then
    # multiplied its chroma 30-50x: a moon's faint halo became a red disc filling the sky). Named colours set their
    # own lightness (moved by the mood, colours.mood_moved) and their grade is held to +-0.05, so it only nudges;
    # a named night is dark because its sky is (_named_regions: the named colours are its lit things), not by the
    # grade (a night target nudging light named pictures took Spearman(valence, lightness) from 0.60 to 0.36).
    timed = at_time(mood, plan.time)
    roles = scene_roles(reading.colours, mood, rng, plan.time)
    layout = choose_layout(plan, rng, aspect)
    builder = Builder(layout, roles, mood, rng, time=plan.time, weather=plan.weather, present=frozenset(plan.subjects),
                      kinds=reading.kinds, places=reading.places, counts=plan.subjects)
    for name, count in plan.subjects.items():
        if SUBJECTS[name].layer >= FRONT:
            _flush(builder)
        builder.rng = seeded_rng(seed, zlib.crc32(name.encode()))
        SUBJECTS[name].draw(builder, count)
    _flush(builder)
    small = _small(builder.stack)
    if reading.colours:
        _named_regions(builder.stack, small, [mood_moved(c.lab, mood.valence, mood.energy) for c in reading.colours],
                       reading.colour_targets, night=_night(reading, plan.time, mood))
    _set_apart(builder.stack, small)
    _marks_apart(builder.stack, small, timed, frozenset(t for t in reading.colour_targets if t), named=bool(reading.colours))
    return Scene(reading, plan, layout, roles, builder.stack, timed)


def _flush(builder: Builder) -> None:
    """Draw what a subject put off until the objects are drawn (``Builder.later``: its own draw, with its own random
    stream), so it can keep clear of them (waders and swans of the boats), before the front layer (rain, a window)."""
    while builder.later:
        builder.later.pop(0)()


def _small(stack: Stack) -> Raster:
    """The stack drawn at ``AREA_SIDE`` px: the one raster the passes below measure areas, rings and grounds on (its
    labels are the shapes' outlines, which those passes do not change; ``Raster.paint`` reads the current colours)."""
    return stack.raster(AREA_SIDE, AREA_SIDE)


def _set_apart(stack: Stack, small_raster: Raster) -> None:
    """Keep every subject legible against what it is drawn over: a shape whose lightness is within
    ``SEPARATION`` L* of what it is drawn over (the subject drawn before it that covers most of a ring around
    it, the sky included) is made darker, or lighter where there is no room, until it is that far apart. Hue and chroma
    stay (a named colour stays that colour); thin marks and lights keep their own brightness."""
    small = small_raster.label_index()
    subject_of = np.array(["(sky)"] + [s.subject for s in stack.shapes])
    counts = np.bincount(small.ravel(), minlength=len(subject_of))
    size = {name: float(counts[subject_of == name].sum()) / small.size for name in set(subject_of)}
    sky = srgb_to_lab(np.asarray(stack.sky_top, dtype=np.float64) * 0.5 + np.asarray(stack.sky_low, dtype=np.float64) * 0.5)
    for k, shape in enumerate(stack.shapes, start=1):
        inside = small == k
        if shape.thin or shape.glow or not inside.any():
            continue
        grown = inside.copy()
        grown[1:] |= inside[:-1]
        grown[:-1] |= inside[1:]
        grown[:, 1:] |= inside[:, :-1]
        grown[:, :-1] |= inside[:, 1:]
        ring = small[grown & ~inside]
        ring = ring[(subject_of[ring] != shape.subject) & (ring < k)]  # what it is drawn over
        if ring.size == 0:
            continue
        counts = np.bincount(ring)
        behind = [int(j) for j in np.flatnonzero(counts >= NEIGHBOUR * ring.size)
                  if j == 0 or not (stack.shapes[j - 1].thin or stack.shapes[j - 1].glow)]
        around = [sky[0] if j == 0 else srgb_to_lab(np.asarray(stack.shapes[j - 1].colour, dtype=np.float64))[0] for j in behind]
        own = srgb_to_lab(np.asarray(shape.colour, dtype=np.float64))
        apart = SMALL_SEPARATION if size[shape.subject] < SMALL_SHAPE else SEPARATION
        if not around or min(abs(own[0] - a) for a in around) >= apart:
            continue
        # The lightness nearest its own that is that far from everything it is drawn over (else the most apart).
        options = sorted({float(np.clip(c, 3.0, 97.0)) for a in around for c in (a - apart, a + apart)})  # black at most
        target = max(options, key=lambda c: (min(min(abs(c - a) for a in around), apart), -abs(c - own[0])))
        stack.shapes[k - 1].colour = tuple(float(c) for c in lab_to_srgb(np.array([target, own[1], own[2]])))


MARKS = frozenset({"birds", "rain"})  # thin dark-or-light marks whose own colour is only a choice of lightness
PALE_MARKS = frozenset({"rain"})  # ... drawn pale wherever there is room (rain catches the light), the others dark
# on a light ground and pale on a dark one (a bird is a silhouette)
MARK_SEPARATION = 38.0  # L* units between such marks and what they are drawn over: they are a pixel or a few wide
# (a streak's coverage dilutes it), so they need about twice a shape's SMALL_SEPARATION to read once a style's
# dabs, washes or blur have mixed them in
MARK_DARKEST = 6.0  # L*: the darkest marks
MARK_SIDE = 40.0  # L*: a ground at least this light gets dark marks (silhouettes, as birds are seen), a darker one pale marks
MARK_RANGE = (28.0, 88.0)  # L*: dark marks at most, pale marks at least this light: a style's texture (a pointillist's
# dark dabs on a light ground, a wash's pale paper) spans the mid-tones, so only marks beyond them still read
SURFACE_MARKS = frozenset({"sea", "lake", "river", "shore", "road"})  # subjects whose thin shapes are light marks on their
# own surface (waves, the light's path on the sea, a river's shine, foam at the waterline, a road's dashes): made in the
# water's or the road's colour mixed toward the light, they vanish where the named colours or the mood make that
# surface as light as they are (a tan sea at L* 93 under crests at 84: its waves measured dE2000 1.8 in the picture)
SURFACE_SEPARATION = 20.0  # L* units between such marks and the surface around them: SMALL_SEPARATION, as for a
# figure (they are strokes a few pixels wide that a style's texture mixes with their ground)


def _marks_apart(stack: Stack, small: Raster, mood: Mood, coloured: frozenset[str], *, named: bool) -> None:
    """Flying birds, rain and the marks on a surface read against what they are drawn over, whatever colours the sky,
    land and water were given.

    Each of their (thin) shapes (each flying bird is one) is set ``MARK_SEPARATION`` L* from its ground: the mean
    lightness of the flat picture in a ring around it at ``AREA_SIDE`` px, graded as :mod:`~a2i.render.painter.grading`
    will grade it (a happy night's sky is painted light). Birds are silhouettes: a flock is dark where its birds'
    grounds together are at least ``MARK_SIDE`` light, else pale, and beyond the mid-tones (``MARK_RANGE``); a bird
    whose own ground leaves it no room on that side (in a lighthouse's beam) takes the other; rain is pale where
    there is room above its ground, else dark, its streaks above and below the horizon each set against their own
    ground. The marks on a surface (``SURFACE_MARKS``: waves, the light's path, foam, a road's dashes) keep their own
    lightness where it stands ``SURFACE_SEPARATION`` from the surface around them, else are set that far, pale where
    there is room. Hue and chroma stay; a subject whose colour the text names (``coloured``: "white gulls") keeps it
    (its marks on a surface are still set apart: a named sea's waves).
    """
    marks = [k for k, shape in enumerate(stack.shapes, start=1) if shape.thin and (
             (shape.subject in MARKS and shape.subject not in coloured)  # standing birds are shapes
             or (shape.subject in SURFACE_MARKS and not shape.glow))]
    if not marks:
        return
    labels = small.label_index()
    flat = small.paint()
    gain, shift = solve_grade(Image.fromarray((np.clip(flat, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB"), mood, named=named)
    lightness = srgb_to_lab(apply_grade(flat, gain, shift).astype(np.float64))[..., 0]
    grounds: dict[int, tuple[float, int]] = {}  # mark -> (mean graded lightness of its ring, ring pixels)
    for k in marks:
        inside = np.asarray(small.coverage(np.arange(1, len(stack.shapes) + 1) == k)) > 0.0
        if not inside.any():
            continue
        grown = np.asarray(Image.fromarray(inside.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(5))) > 0
        ring = grown & (labels != k)
        if ring.any():
            grounds[k] = (float(lightness[ring].mean()), int(ring.sum()))
    flocks = {}  # a subject's marks share a side (a flock is all dark or all pale), from their grounds together
    for name in {stack.shapes[k - 1].subject for k in grounds} & MARKS:
        mine = [grounds[k] for k in grounds if stack.shapes[k - 1].subject == name]
        flocks[name] = sum(a * n for a, n in mine) / max(sum(n for _, n in mine), 1) >= MARK_SIDE
    for k, (around, _) in grounds.items():
        own = srgb_to_lab(np.asarray(stack.shapes[k - 1].colour, dtype=np.float64))
        name = stack.shapes[k - 1].subject
        dark = max(MARK_DARKEST, min(around - MARK_SEPARATION, MARK_RANGE[0]))
        pale = min(97.0, max(around + MARK_SEPARATION, MARK_RANGE[1]))
        if name in SURFACE_MARKS:  # kept where they read already, else pale (crests and glints catch the light),
            # darker only where the surface leaves no room above (troughs on a sea as light as the sky)
            if abs(own[0] + 100.0 * shift - around) >= SURFACE_SEPARATION:
                continue
            graded = around + SURFACE_SEPARATION if around + SURFACE_SEPARATION <= 97.0 else around - SURFACE_SEPARATION
        elif name in PALE_MARKS:  # pale streaks, darker only where there is no room above
            graded = around + MARK_SEPARATION if around + MARK_SEPARATION <= 97.0 else max(MARK_DARKEST, around - MARK_SEPARATION)
        elif flocks[name]:  # silhouettes: dark on a light ground, pale on a dark one, beyond the mid-tones; one bird
            # whose own ground leaves no room on its flock's side (in a lighthouse's beam) takes the other
            graded = dark if around - dark >= MARK_SEPARATION / 2 else pale
        else:
            graded = pale if pale - around >= MARK_SEPARATION / 2 else dark
        target = float(np.clip(graded - 100.0 * shift, 3.0, 97.0))  # before the grade's lightness shift (about L* x 100)
        stack.shapes[k - 1].colour = tuple(float(c) for c in lab_to_srgb(np.array([target, own[1], own[2]])))


def _named_regions(stack: Stack, small: Raster, labs: list[np.ndarray], targets: tuple[str | None, ...] = (),
                   night: Night | None = None) -> None:
    """Give each named colour a good share of the picture: the sky and the large shapes, far to near, are cut
    into as many runs as colours were named, and each run is painted in its colour, every shape keeping its
    lightness relative to its run (within ``KEEP_CONTRAST`` L* units), so silhouettes stay darker and lights
    lighter. Lights (sun, moon, lamps, fire), thin marks and small shapes keep their colours.

    One colour takes the regions whose middle lies in the first half of the picture's area. Two or more take
    the cut into runs whose smallest run is largest (so no colour is left with a sliver, or with nothing); a
    sky too large for one run may be cut in two bands at its area's middle (``Stack.sky_split``: a sunset of
    two colours), so a scene of sky and sea can still show three colours.

    A colour written on a subject (``targets``: "a blue sky", "red poppies", "a red sun") goes where it is
    written: the subject's large shapes (or the sky) join that colour's run, leaving the others' (:func:`_bind`);
    a small or glowing subject's shapes take the colour themselves (a light stays light), and the colour keeps
    its run of large shapes too, so it still holds its share of the picture.

    At night (``night``) the named colours are the lit things against a dark ground, as a painter sets a night:
    a colour dark enough to be the night itself (``Night.dark``: midnight blue, indigo, navy, black) takes the
    sky; otherwise the sky is a night sky (:func:`_night_sky`). The other colours share the land and water
    (lit by the lights), and the sky's lower band (a glow at the horizon) only where the land alone cannot give
    each colour ``RUN_AREA`` of the picture; the lights (fireworks, lamps, a lighthouse's lamp) take them too.
    """
    counts = np.asarray(small.labels.histogram()[: len(stack.shapes) + 1], dtype=np.float64)
    area = counts / max(counts.sum(), 1.0)
    # Small shapes (a figure, a boat, a tree) keep their own colours: they do not change the shares, and a
    # silhouette recoloured to its background's colour would vanish.
    regions = [0] + [k for k, shape in enumerate(stack.shapes, start=1)
                     if not shape.glow and not shape.thin and area[k] >= SMALL_SHAPE]
    own = {0: srgb_to_lab(np.asarray(stack.sky_top, dtype=np.float64) * 0.5 + np.asarray(stack.sky_low, dtype=np.float64) * 0.5)}
    for k in regions[1:]:
        own[k] = srgb_to_lab(np.asarray(stack.shapes[k - 1].colour, dtype=np.float64))
    if night is not None:
        runs, split, shared = _night_runs(regions, area, night, _sky_middle(small, stack.horizon), stack)
        top, low = _night_sky(stack, night)
        if not any(0.0 in run or SKY_TOP in run for run in runs):
            stack.sky_top, stack.sky_low = top, low
        lit = {int(k) for run in runs for k in run if k >= 1}
        for k in regions[1:]:  # the land no colour lights is night ground, as dark as the night sky's zenith
            if k not in lit:
                ground = srgb_to_lab(np.asarray(top, dtype=np.float64))
                stack.shapes[k - 1].colour = tuple(float(c) for c in lab_to_srgb(np.array([ground[0], *(0.5 * (own[k][1:] + ground[1:]))])))
        _night_lights(stack, [lab for lab, dark in zip(labs, night.dark) if not dark])
        dim = (NIGHT_DIM_SHARED if shared else NIGHT_DIM) * (1.0 - 0.5 * float(np.clip(night.valence, 0.0, 1.0)))
        labs = [lab if dark else night_dimmed(np.asarray(named), dim) for lab, named, dark in zip(labs, night.named, night.dark)]
    elif len(labs) == 1:
        runs = [[k for k, middle in zip(regions, np.cumsum([area[k] for k in regions]) - [area[k] / 2 for k in regions])
                 if middle / max(sum(area[k] for k in regions), 1e-9) < 0.5]]
        split = None
    else:
        runs, split = _runs(regions, area, len(labs), _sky_middle(small, stack.horizon))
    if any(targets):
        runs, split = _bind(runs, split, regions, area, stack, targets), None
        _colour_small(stack, labs, targets, set(regions))
    stack.named_runs = [(np.asarray(lab), tuple(float(k) for k in run)) for lab, run in zip(labs, runs)]
    for lab, run in zip(labs, runs):
        if not run:
            continue
        mean_l = float(np.average([own[int(k)][0] for k in run], weights=[area[int(k)] + 1e-9 for k in run]))
        before = None  # the lightness offset of the region before in this run (the sky's is none)
        for k in run:
            if k in (0, SKY_TOP, SKY_LOW):
                before = 0.0
            if k == SKY_TOP:
                stack.sky_top = lab_to_srgb(np.asarray(lab, dtype=np.float64)).astype(np.float32)
            elif k == SKY_LOW:
                stack.sky_low = lab_to_srgb(np.asarray(lab, dtype=np.float64)).astype(np.float32)
            elif k == 0:
                stack.sky_top = lab_to_srgb(np.array([max(3.0, lab[0] - SKY_SHADE), lab[1], lab[2]])).astype(np.float32)
                stack.sky_low = lab_to_srgb(np.array([min(99.0, lab[0] + SKY_SHADE), lab[1], lab[2]])).astype(np.float32)
            else:
                shift = float(np.clip(own[int(k)][0] - mean_l, -KEEP_CONTRAST, KEEP_CONTRAST))
                if before is not None and abs(shift - before) < SEPARATION:  # one colour, two neighbours: apart in lightness
                    darker, lighter = before - SEPARATION, before + SEPARATION
                    fits = [s for s in (darker, lighter) if -KEEP_CONTRAST - SEPARATION <= s and 4.0 <= lab[0] + s <= 97.0]
                    shift = fits[0] if fits else shift
                before = shift
                colour = lab_to_srgb(np.array([np.clip(lab[0] + shift, 3.0, 99.0), lab[1], lab[2]])).astype(np.float32)
                stack.shapes[int(k) - 1].colour = tuple(float(c) for c in colour)
    stack.sky_split = split
    for shape in stack.shapes:  # a crescent's shadow is the sky's colour (as the moon draws it), named or not
        if shape.subject == "moon" and not shape.glow:
            shape.colour = tuple(float(c) for c in crescent_shadow(stack.sky_top, stack.sky_low))


SKY_TOP, SKY_LOW = 0.25, 0.75  # the two bands of a split sky in a run (region 0 is the whole sky)
RUN_AREA = 0.18  # fraction of the picture a colour's run needs to hold the 15 % share through a style
THIN_LIFT = 12.0  # L*: marks of a coloured subject (a meadow's flowers) drawn this much lighter than its ground
LIGHT_FLOOR = 70.0  # L*: a light (sun, moon, fire) given a named colour stays at least this light (it still shines)


def _bind(runs: list[list[float]], split: float | None, regions: list[int], area: np.ndarray, stack: Stack,
          targets: tuple[str | None, ...]) -> list[list[float]]:
    """The runs with each targeted colour's subject (its large shapes, or the sky) moved into its own run; a
    run under ``RUN_AREA`` of the picture then takes the largest regions no colour is written on from runs that
    keep at least one (so "white clouds" under "a blue sky" still show white's share)."""
    if split is not None:  # the sky whole again, in the run that had its upper band
        runs = [[0.0 if k == SKY_TOP else k for k in run if k != SKY_LOW or SKY_TOP in run] for run in runs]
    # A run for every colour, even where the picture has fewer regions than colours were named: "a white lighthouse
    # on a blue sea" under a red sun's sky has two regions for four colours, and the sea went to the second (black).
    runs = [list(dict.fromkeys(run)) for run in runs] + [[] for _ in range(len(targets) - len(runs))]
    for i, target in enumerate(targets):
        if target is None:
            continue
        keys = [0.0] if target == "sky" else [float(k) for k in regions[1:] if stack.shapes[k - 1].subject == target]
        if not keys:
            continue
        runs = [[k for k in run if k not in keys] for run in runs]
        runs[i] = sorted(set(runs[i]) | set(keys), key=lambda k: regions.index(int(k)))
    bound = [k for i, run in enumerate(runs) for k in run if i < len(targets) and _is_target(k, stack, targets[i])]
    for i, run in enumerate(runs):
        while sum(area[int(k)] for k in run) < RUN_AREA:  # too little to show: take the largest region not written on
            spare = [(area[int(k)], j, k) for j, other in enumerate(runs) if j != i and len(other) > 1 for k in other if k not in bound]
            if not spare:
                break
            _, j, k = max(spare)
            runs[j].remove(k)
            run.append(k)
        run.sort(key=lambda k: regions.index(int(k)))
    return runs


def _is_target(key: float, stack: Stack, target: str | None) -> bool:
    return target == "sky" and key == 0 or key >= 1 and stack.shapes[int(key) - 1].subject == target


def _colour_small(stack: Stack, labs: list[np.ndarray], targets: tuple[str | None, ...], regions: set[int]) -> None:
    """A colour written on a small or glowing subject ("a red sun", "a girl in red" is not read) colours that
    subject's shapes that are no region: a light at ``LIGHT_FLOOR`` L* or lighter, thin marks (flowers, rain)
    ``THIN_LIFT`` lighter than the colour, other shapes at the colour's own lightness (``_set_apart`` then keeps
    them apart from their ground)."""
    for lab, target in zip(labs, targets):
        if target is None or target == "sky":
            continue
        for k, shape in enumerate(stack.shapes, start=1):
            if shape.subject != target or k in regions:
                continue
            light = max(float(lab[0]), LIGHT_FLOOR) if shape.glow else float(lab[0]) + (THIN_LIFT if shape.thin else 0.0)
            shape.colour = tuple(float(c) for c in lab_to_srgb(np.array([light, lab[1], lab[2]])))


def _sky_middle(small: Raster, horizon: float) -> float:
    """How far down to the horizon (0..1) half of the sky's area lies above."""
    rows = (np.asarray(small.labels) == 0).sum(axis=1).astype(np.float64)
    cum = np.cumsum(rows) / max(rows.sum(), 1.0)
    y = (int(np.searchsorted(cum, 0.5)) + 0.5) / len(rows)
    return float(np.clip(y / max(horizon, 0.05), 0.2, 0.8))


NIGHT_DARK = 40.0  # L* (before the mood's move): a named colour this dark is a night colour itself (black, navy,
# midnight blue, indigo, maroon, purple, cobalt, sapphire, brown, anything "deep" of L* under 50): at night it takes
# the sky (at 33, "deep cerulean" (L* 38) lit the lower sky, dimmed, and fell to 8 % of the picture)
NIGHT_SKY = (8.0, 24.0)  # L*: a named night's sky at its zenith, for the saddest and the happiest song (valence
# orders the night: Palmer et al. 2013), dark enough that the named colours are its lightest large things
NIGHT_GLOW = 10.0  # L* units the night sky is lighter at the horizon than at the zenith
NIGHT_BLUE = (31.7, -49.6)  # Lab a*, b* of midnight blue (CSS #191970): the hue a night sky leans to ...
NIGHT_TINT = 0.6  # ... this much, the rest the mood's own night sky (a sad song's bluer, a happy song's warmer)
NIGHT_CHROMA = (0.3, 1.0)  # the night sky's chroma (times the above) for the calmest and the most energetic song
# (energy sets saturation: Palmer et al. 2013; a dark blue is very saturated in HSV, so a calm night is near grey)
NIGHT_RUN = (0.2, 0.3)  # fraction of the picture a lit colour's run keeps at night, for the saddest and the
# happiest song (a happy night is a lit one: Palmer et al. 2013's lighter colours for happier music); at least
# RUN_AREA and a margin for the styles' textures; the land beyond it is night ground (NIGHT_SKY dark)
NIGHT_DIM = 4.0  # ΔE2000: how far the saddest song darkens a lit named colour (the text's own) on the land and
# water at night, the happiest half as much (the lights keep it whole); the mood's own move (colours.mood_moved) is
# not added. Small: a run's lightness offsets (KEEP_CONTRAST) and a style's texture come on top, and at 12 the held-
# out "olive green" and "deep cerulean" of sad songs' nights fell to 5-8 % of the picture (at 4: 9-10 % and 17 %)
NIGHT_DIM_SHARED = 12.0  # ΔE2000: ... where the picture is shared as by day (too little land for the lit colours:
# each has a large run, so room to dim; at NIGHT_DIM such a sad night was lighter than the same prompt's happy day)
NIGHT_LIT = frozenset({"sea", "lake", "river", "city", "street", "village", "bridge"})  # reflect or hold the lights
NIGHT_LIGHTS = frozenset({"fireworks", "street", "bridge", "lighthouse"})  # lit things that take the named colours


@dataclass(frozen=True)
class Night:
    """A night scene whose text names colours: its song's valence and which named colours are night colours."""

    valence: float
    energy: float
    dark: tuple[bool, ...]  # per named colour: at most NIGHT_DARK L* (it takes the sky)
    named: tuple[tuple[float, float, float], ...]  # the named colours' own Lab (the text's, before the mood's move)


def _night(reading: Reading, time: str, mood: Mood) -> Night | None:
    """The night of a scene that names colours (see :func:`_named_regions`), ``None`` for the other times."""
    if time != "night":
        return None
    return Night(mood.valence, mood.energy, tuple(c.lab[0] <= NIGHT_DARK for c in reading.colours), tuple(c.lab for c in reading.colours))


def _night_sky(stack: Stack, night: Night) -> tuple[np.ndarray, np.ndarray]:
    """A named night's sky (zenith, horizon) as sRGB: ``NIGHT_SKY`` dark, leaning to midnight blue, as vivid as
    the song is energetic (``NIGHT_CHROMA``)."""
    own = srgb_to_lab(np.asarray(stack.sky_top, dtype=np.float64) * 0.5 + np.asarray(stack.sky_low, dtype=np.float64) * 0.5)
    chroma = NIGHT_CHROMA[0] + (NIGHT_CHROMA[1] - NIGHT_CHROMA[0]) * float(np.clip(night.energy, 0.0, 1.0))
    a, b = (NIGHT_TINT * np.asarray(NIGHT_BLUE) + (1.0 - NIGHT_TINT) * own[1:]) * chroma
    top = NIGHT_SKY[0] + (NIGHT_SKY[1] - NIGHT_SKY[0]) * float(np.clip(night.valence, 0.0, 1.0))
    return tuple(lab_to_srgb(np.array([lightness, a, b])).astype(np.float32) for lightness in (top, top + NIGHT_GLOW))


def _night_runs(regions: list[int], area: np.ndarray, night: Night, sky_middle: float, stack: Stack
                ) -> tuple[list[list[float]], float | None, bool]:
    """The runs of a named night: the first night colour takes the sky, the others the land and water cut in
    order (:func:`_cut`), what reflects or holds the lights first (``NIGHT_LIT``: water, a city), then far to
    near, with the sky's lower band first where the land alone leaves a colour under ``RUN_AREA``; where even that
    leaves one under it, the picture is shared as by day (:func:`_runs`), darkest colour first (in the zenith; the
    last item of the answer says so, and the colours are then dimmed by ``NIGHT_DIM_SHARED``). A
    sky under ``RUN_AREA`` (a room seen from inside) gives its night colour a share of the land as well."""
    dark, lightness = night.dark, [lab[0] for lab in night.named]
    owner = dark.index(True) if True in dark else None
    indoors = owner is not None and area[0] < RUN_AREA  # a sky too small to show it (a room, a street's strip)
    lit = [i for i in range(len(dark)) if i != owner or indoors]  # ... so the night colour shares the land too
    order = sorted(regions[1:], key=lambda k: (stack.shapes[k - 1].subject not in NIGHT_LIT, regions.index(k)))
    land = [(float(r), float(area[r])) for r in order]
    split = None
    smallest, cut = _cut(land, len(lit))
    if lit and smallest < RUN_AREA:
        smallest, cut, split = max((smallest, cut, split), (*_cut([(SKY_LOW, float(area[0]) * 0.5)] + land, len(lit)), sky_middle),
                                   key=lambda option: option[0])
    if lit and smallest < RUN_AREA:  # too little land to light (a bay of three colours): shared as by day, the darkest
        order = sorted(range(len(dark)), key=lambda i: lightness[i])  # colour taking the sky's zenith
        day, split = _runs(regions, area, len(dark), sky_middle)
        runs = [[] for _ in dark]
        for i, run in zip(order, day):
            runs[i] = run
        return runs, split, True
    runs: list[list[float]] = [[] for _ in dark]
    if owner is not None:
        runs[owner] = [SKY_TOP] if split is not None else [0.0]
    sizes = {key: size for key, size in [(SKY_LOW, float(area[0]) * 0.5)] + land}
    for i, run in zip(lit, cut):
        if i == owner:  # indoors: the sky and its share of the land
            runs[i] = runs[i] + run
            continue
        for j in range(len(run)):  # far to near, until the colour has its share: the nearer land stays in the dark
            if sum(sizes[key] for key in run[: j + 1]) >= NIGHT_RUN[0] + (NIGHT_RUN[1] - NIGHT_RUN[0]) * night.valence:
                run = run[: j + 1]
                break
        runs[i] = run
    return runs, split, False


def night_dimmed(lab: np.ndarray, dim: float) -> np.ndarray:
    """A lit named colour as the land and water show it at night: darker, by as much as keeps it ``dim`` ΔE2000
    from itself (bisected on L*, after the sRGB gamut's clipping), so it still reads as that colour."""
    lab = np.asarray(lab, dtype=np.float64)
    shown = lambda drop: srgb_to_lab(lab_to_srgb(np.array([max(2.0, lab[0] - drop), lab[1], lab[2]])))  # noqa: E731
    low, high = 0.0, float(lab[0])
    for _ in range(12):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if float(delta_e2000(shown(mid), lab)) < dim else (low, mid)
    return shown(low)


def _night_lights(stack: Stack, labs: list[np.ndarray]) -> None:
    """The lights of a named night (``NIGHT_LIGHTS``: fireworks, lamps) painted in its lit colours, in turn."""
    if not labs:
        return
    lights = [shape for shape in stack.shapes if shape.glow and shape.subject in NIGHT_LIGHTS]
    for i, shape in enumerate(lights):
        shape.colour = tuple(float(c) for c in lab_to_srgb(np.asarray(labs[i % len(labs)], dtype=np.float64)))


def _cut(units: list[tuple[float, float]], k: int) -> tuple[float, list[list[float]]]:
    """The cut of ``units`` (key, area; in order) into ``k`` contiguous runs whose smallest is largest: (its
    area, the runs); with fewer units than runs, one each and the smallest 0."""
    if k == 0:
        return 1.0, []
    if len(units) < k:
        return 0.0, [[key] for key, _ in units] + [[] for _ in range(k - len(units))]
    best: tuple[float, list[list[float]]] = (-1.0, [])
    for cuts in combinations(range(1, len(units)), k - 1):
        bounds = (0, *cuts, len(units))
        smallest = min(sum(size for _, size in units[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
        if smallest > best[0] + 1e-9:
            best = (smallest, [[key for key, _ in units[a:b]] for a, b in zip(bounds[:-1], bounds[1:])])
    return best


def _runs(regions: list[int], area: np.ndarray, k: int, sky_middle: float) -> tuple[list[list[float]], float | None]:
    """The cut of ``regions`` (in order) into ``k`` runs whose smallest run is largest, the sky whole or in two
    bands (the split is taken only when it gives the smallest run more); with fewer regions than colours, one
    region each."""
    whole = [(float(r), float(area[r])) for r in regions]
    banded = [(SKY_TOP, float(area[0]) * 0.5), (SKY_LOW, float(area[0]) * 0.5)] + whole[1:]
    best: tuple[float, list[list[float]], float | None] = (-1.0, [], None)
    for units, split in ((whole, None), (banded, sky_middle)):
        smallest, runs = _cut(units, k)
        smallest += 0.0 if split is None else -SPLIT_COST  # a whole sky unless the bands help clearly
        if smallest > best[0] + 1e-9:
            best = (smallest, [run for run in runs if run], split)  # fewer units than colours: one each, no empty runs
    runs, split = best[1], best[2]
    if split is not None and not any(SKY_TOP in run for run in runs if SKY_LOW not in run):
        return [[0.0 if key in (SKY_TOP, SKY_LOW) else key for key in dict.fromkeys(run)] for run in runs], None
    return runs, split


SPLIT_COST = 0.02  # fraction of the picture: the sky is cut in two bands only if the smallest run gains more


__all__ = ["Raster", "Scene", "compose"]
