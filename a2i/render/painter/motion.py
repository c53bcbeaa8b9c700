"""Cheap per-frame motion for music videos: keyframes drawn once, frames animated from them.

A :class:`Scene` is one keyframe, drawn once at the video's own size (anti-aliased and supersampled as stills
are, composited and graded to the keyframe's mood) with the shimmer's phase map the style hands over
(:class:`Layers`' ``phase``) and when each pixel turns (from the scene itself, below). :func:`render_frame`
then draws any frame between two scenes ``a`` and ``b`` in two passes over the frame (compiled loops, no
temporaries):

- **painted in, not a crossfade**: ``b`` is painted over ``a`` as a painter would lay it down. First its
  background (the sky and every subject of the sky, far land, water and land layers: :data:`BACKGROUND_LAYERS`)
  in one brushed wipe from the top over the whole frame; where ``b`` has objects or weather (a lighthouse, a
  boat, a window, rain) the wipe lays ``b``'s style as it stands before they are painted (its
  :attr:`Scene.under`, the background those objects are drawn over). Then the objects rise over that
  background in the order ``b``'s scene drew them, each rising from its base (an object partly hidden by a
  later one grows from behind it once that one has risen). So where a subject has not arrived one sees the new
  background, never the old picture inside a new subject's outline. Each front between two stages is a thin
  anti-aliased edge of a fixed width *in pixels* (the style's :attr:`Motion.front`), wherever it runs and
  however small the subject it crosses: every pixel shows ``a``, ``b``'s background or ``b`` except the pixels
  on a front, so no subject, however narrow, is ever seen half through another. A front is ragged like a
  brushed edge (:data:`EDGE_WAVE`), not a ruled line;
- **continuous flow** with ``time`` (seconds): a brightness wave travels along each scene's ``phase`` map
  (along strokes, across cells, through contour levels) at each style's own speed, so consecutive segments
  join without a jump, and the camera pans slowly;
- **pulse** (0..1, from percussive onsets): a brief brightening, and a zoom (``zoom``, the pulse's own by
  default; a video's eases back more slowly than the light fades, :mod:`a2i.video.pacing`).

The pan and the pulse's zoom are one bilinear resampling of the frame at its own size (a scale within 7 % of
1, so edges stay as crisp as the keyframe's).

Examples
--------
>>> from a2i.mood import Profile
>>> calm = Scene.prepare(Profile(valence=0.3, energy=0.2), prompt="An oil painting of a bay.", seed=0, size=(320, 180))
>>> wild = Scene.prepare(Profile(valence=0.8, energy=0.9), prompt="An oil painting of a city.", seed=1, size=(320, 180))
>>> frames = [render_frame(calm, wild, p, time=p * 4.0, pulse=0.0) for p in (0.0, 0.5, 1.0)]
>>> frames[0].shape, frames[0].dtype
((180, 320, 3), dtype('uint8'))
>>> bool((frames[0] != frames[2]).any())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render.compiled import compiled
from a2i.render.gaussian import gaussian_filter
from a2i.render.painter import keyframe, underpainting
from a2i.render.painter.grading import grade_image, solve_grade
from a2i.render.painter.palette import Mood
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.scene.subjects.base import OBJECT
from a2i.render.painter.styles.base import Canvas, Layers, Motion, Painting, StyleSpec, resize, value_noise
from a2i.seeding import rng as seeded_rng
from a2i.sizes import check_size

SHIMMER_DEPTH = 0.5  # the brightness wave's depth per unit of a style's ``shimmer``
MAX_FRONT = 0.02  # the longest one pixel takes to change (share of the transition): where the drawing order
# jumps (the outline between two subjects) the front is still a quick edge, never a slow local fade
MIN_FRONT = 1e-4  # the shortest (a flat stretch of the drawing order changes at once, a cut one frame long)
THIN_PX = 2  # px: parts of the drawing order this thin arrive with their surroundings (see _arrival)
CARRY = 0.4  # share of the transition a part carried by its object beside it (a wall's band above a window)
# takes to grow one short side along its row from there: flat in drawing order, it would appear in one frame
EDGE_WAVE = 0.012  # how far the front strays either side of the drawing order (short sides): a brushed edge
EDGE_CELLS = (14, 9)  # the raggedness's noise cells (across, down): a few wobbles per subject, not a texture
_EDGE_STREAM = 0x7E06  # the front's own random stream: the keyframe's composition never moves with it
BACKGROUND_LAYERS = range(OBJECT)  # subject layers laid first, as one wipe (sky, far land, water, land); objects
# and weather (a boat, a window, rain) are painted over them afterwards, as a painter leaves them for last
WIPE_SHARE = (0.3, 0.7)  # share of a transition the background's wipe takes: its share of the picture, held
# within these bounds (the wipe never flashes down the frame, and the objects keep time to rise)
OUTLINE_REACH = 0.012  # short sides: an object's outline as styles draw it (glass leading, ink line, a wash's dark edge) reaches this
# far outside its shape, and comes with it (else it would stand in the background before the object arrives)
HALO_REACH = 0.06  # short sides around an object where the picture may show what it drew because of it (a glow's
# reach in styles/base.py Painting.glow; contour rings bend round a subject about as far)
HALO_DIFFERS = 12  # of 255 (mean of RGB): there, a pixel this far from the background came with the object
MATCH_REACH = 0.04  # short sides: how far around an object the background's colour is matched to the picture's
# (a glow's halo and a wash's bleed reach about this far: styles/base.py glow's reach 0.06 is its halo's edge)
MATCH_SCALE = 4  # the match is smooth, so it is computed at a quarter of the size (styles' ground scale)
MATCH_MIN = 8  # px: the smallest side it is computed at
MATCH_FLOOR = 0.05  # weight under which an average is a guess: deep inside a large object, the shift fades out
PULSE_LIGHT = 0.18  # brightness added by a full pulse (fraction of full scale)
PULSE_ZOOM = 0.04  # zoom of a full pulse (fraction of the frame)
PAN = 0.03  # amplitude of the slow pan (fraction of the frame)
PAN_PERIOD = 23.0  # seconds: slower than any phrase, so the pan reads as a camera drift, not a beat


def _slope(values: np.ndarray) -> np.ndarray:
    """Per-pixel change of a map (units per pixel), one-sided so a jump between regions does not count.

    The smaller of the forward and backward difference along each axis: inside a region it is the region's
    own slope; on the outline between two regions it is the slope of the region on either side.
    """
    padded = np.pad(values, 1, mode="edge")
    centre = padded[1:-1, 1:-1]
    gx = np.minimum(np.abs(padded[1:-1, 2:] - centre), np.abs(centre - padded[1:-1, :-2]))
    gy = np.minimum(np.abs(padded[2:, 1:-1] - centre), np.abs(centre - padded[:-2, 1:-1]))
    return np.hypot(gx, gy).astype(np.float32)


#: From this radius on, :func:`_spread` picks by doubling (fewer passes, each a new array); below it, line by line in
#: place (1280 x 720 float32: radius 9 25 -> 12 ms, bool 9 -> 1 ms; at radius 1-2 in place is quicker, 5-8 ms against 9-10).
DOUBLING_RADIUS = 4


def _spread(values: np.ndarray, radius: int, pick: np.ufunc) -> np.ndarray:
    """The ``pick`` (np.maximum or np.minimum) of each pixel's square neighbourhood of ``radius`` pixels."""
    out = values
    width = 2 * radius + 1
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        lines, n = np.swapaxes(padded, 0, axis), values.shape[axis]  # views: the axis to spread along comes first
        if radius < DOUBLING_RADIUS:  # line by line, in place
            out = lines[:n].copy()
            for k in range(1, width):
                pick(out, lines[k : k + n], out=out)
        else:  # by doubling: the pick over runs of 1, 2, 4 ... lines, then over two overlapping runs of the
            # longest that fits a window (a max or a min is exact however it is grouped): log2 passes, not 2 * radius
            runs, span = lines, 1
            while 2 * span <= width:
                runs, span = pick(runs[:-span], runs[span:]), 2 * span
            out = pick(runs[:n], runs[width - span : width - span + n])
        out = np.swapaxes(out, 0, axis)
    return np.ascontiguousarray(out)  # row-major again: the frame's kernels walk rows


def _rate(arrive: np.ndarray, front: float) -> np.ndarray:
    """How fast each pixel changes with progress: its change takes the time the front needs to pass ``front`` px.

    A pixel on an outline (its slope steeper than ``MAX_FRONT`` per pixel: the time jumps there) changes as
    fast as the fastest of its neighbours off the outline, so a subject a few pixels across (a star, a bird)
    turns at once with its outline instead of fading.
    """
    slope = _slope(arrive)
    rate = 1.0 / np.clip(slope * np.float32(front), MIN_FRONT, MAX_FRONT)
    outline = slope >= MAX_FRONT
    near = _spread(np.where(outline, 0.0, rate), 1, np.maximum)
    return np.where(outline, np.maximum(near, 1.0 / MAX_FRONT), rate).astype(np.float32)


def _arrival(order: np.ndarray, seed: int) -> np.ndarray:
    """When each pixel changes (0..1): the drawing order, its front moved up to ``EDGE_WAVE`` either way by noise.

    The shift is measured in pixels (noise times the order's own slope), so a brushed front strays as far
    across a small subject as across the sky; on an outline between two subjects (a slope steeper than
    ``MAX_FRONT`` per pixel) there is none, so an outline keeps its subject's time and never shows as a line
    of the coming picture on its own. Subjects thinner than ``2 * THIN_PX + 1`` pixels (stars, rain, a
    distant bird) arrive with what surrounds them (an opening of the order map): a few pixels of a subject
    waiting for its turn would be specks of the old picture in the new one.
    """
    h, w = order.shape
    order = _spread(_spread(order, THIN_PX, np.minimum), THIN_PX, np.maximum)
    wobble = value_noise(seeded_rng(seed, _EDGE_STREAM), EDGE_CELLS, w, h)
    slope = _slope(order)
    shift = np.where(slope < MAX_FRONT, slope, 0.0) * np.float32(EDGE_WAVE * min(w, h)) * np.clip(wobble, -1.5, 1.5)
    return np.clip(order + shift, 0.0, 1.0).astype(np.float32)


def _phase(layers: Layers) -> np.ndarray:
    """A keyframe's shimmer phase map as 8 bits (0..255 for 0..1; zero for a style without one)."""
    height, width = layers.detail.size[::-1] if layers.detail is not None else layers.ground.shape[:2]
    phase = layers.phase if layers.phase is not None else np.zeros((height, width), np.float32)
    return (np.clip(phase, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


@compiled
def _held(rise: np.ndarray, inside: np.ndarray, joined: float, carry: float, out: np.ndarray) -> None:
    """:func:`_grounded`'s times before they are fitted back, into ``out``: bottom up, row by row; ``carry`` is
    the time a carried pixel waits after the one beside it that carries it."""
    height, width = rise.shape
    out[height - 1] = rise[height - 1]
    for row in range(height - 2, -1, -1):
        # 1. Held by the object pixel under it in its column, climbing from there as its own order climbs.
        for x in range(width):
            out[row, x] = rise[row, x]
            if inside[row, x] and inside[row + 1, x]:
                climb = max(rise[row, x] - rise[row + 1, x], 0.0)
                out[row, x] = max(rise[row, x], out[row + 1, x] + climb)
        # 2. Or carried by its own object beside it on the row (there, left to right and back), growing along
        #    the row from there: a wall above a window's sill stands on the wall beside the sill, not on the sill.
        for x in range(1, width):
            if inside[row, x] and inside[row, x - 1] and abs(rise[row, x] - rise[row, x - 1]) < joined:
                out[row, x] = max(rise[row, x], min(out[row, x], out[row, x - 1] + carry))
        for x in range(width - 2, -1, -1):
            if inside[row, x] and inside[row, x + 1] and abs(rise[row, x] - rise[row, x + 1]) < joined:
                out[row, x] = max(rise[row, x], min(out[row, x], out[row, x + 1] + carry))


def _grounded(rise: np.ndarray, inside: np.ndarray, wipe: float) -> np.ndarray:
    """``rise`` (over ``wipe``..1) made to grow upward through every object: no pixel of an object turns before
    what holds it up has, the object pixel under it in its column or, where that one is later, its own object
    beside it on its row (pixels whose drawing order runs on without an outline's jump, :data:`MAX_FRONT`), from
    which it grows along the row (:data:`CARRY`). An object partly hidden by a later one (a lighthouse behind a
    tree) would otherwise show its top floating over the background, the part the later one covers not yet
    there; now it grows from behind the later one once that has risen, unless it stands beside it. A pixel held
    back keeps its own climb per row and a carried one grows along its row (so neither pops in at once), and the
    times are then fitted back into ``wipe``..1.

    Examples
    --------
    >>> rise = np.array([[0.5, 0.5, 0.5], [0.4, 0.9, 0.4], [0.3, 0.3, 0.3]], np.float32)  # a late sill mid-wall
    >>> [round(t, 2) for t in _grounded(rise, np.ones((3, 3), bool), 0.2)[0].tolist()]  # on the wall beside, then along
    [0.5, 0.61, 0.5]
    >>> round(float(_grounded(rise, np.array([[0, 1, 0], [1, 1, 1], [1, 1, 1]], bool), 0.2)[0, 1]), 2)  # alone, it waits
    0.9
    """
    out = np.empty_like(rise, dtype=np.float32)
    carry = np.float32(CARRY * (1.0 - wipe) / min(rise.shape))
    _held(rise.astype(np.float32), inside, np.float32(MAX_FRONT), carry, out)
    late = float(out[inside].max()) if inside.any() else 1.0
    return (wipe + (out - wipe) * ((1.0 - wipe) / max(late - wipe, 1.0 - wipe))).astype(np.float32)


def _near(values: np.ndarray, reach: float) -> np.ndarray:
    """The largest of ``values`` within ``reach`` short sides of each pixel (a square), computed at a quarter of
    the size (``MATCH_SCALE``): a wide, coarse neighbourhood."""
    h, w = values.shape
    sh, sw = -(-h // MATCH_SCALE), -(-w // MATCH_SCALE)
    padded = np.zeros((sh * MATCH_SCALE, sw * MATCH_SCALE), values.dtype)
    padded[:h, :w] = values
    small = padded.reshape(sh, MATCH_SCALE, sw, MATCH_SCALE).max(axis=(1, 3))
    small = _spread(small, max(1, round(reach * min(sh, sw))), np.maximum)
    return np.ascontiguousarray(small.repeat(MATCH_SCALE, 0).repeat(MATCH_SCALE, 1)[:h, :w])


def _matched(painted: np.ndarray, rgb: np.ndarray, objects: np.ndarray) -> np.ndarray:
    """The background under the objects: ``painted`` where ``objects`` (the picture ``rgb`` elsewhere), its
    colour pulled onto the picture's own around them.

    A style's second draw is not the first one's background to the pixel: a glow or a wash's bleed around an
    object lit or tinted the picture's sky there, and would show the object's outline before it arrives.
    So the smooth difference between the picture and ``painted`` on the pixels around the objects (a
    normalised Gaussian average over ``MATCH_REACH`` short sides, at a quarter of the size) is added inside.
    """
    h, w = objects.shape
    sw, sh = max(MATCH_MIN, w // MATCH_SCALE), max(MATCH_MIN, h // MATCH_SCALE)
    around = (~objects).astype(np.float32)
    gap = (rgb.astype(np.float32) - painted) * around[..., None]
    small = [np.asarray(Image.fromarray(np.ascontiguousarray(plane), "F").resize((sw, sh), Image.Resampling.BOX))
             for plane in (around, *np.moveaxis(gap, -1, 0))]
    sigma = MATCH_REACH * min(sw, sh)
    weight, *sums = (gaussian_filter(plane, sigma, truncate=3.0) for plane in small)
    shift = np.stack(sums, axis=-1) / np.maximum(weight, MATCH_FLOOR)[..., None]
    shift = resize(shift.astype(np.float32), w, h)
    matched = np.clip(painted + shift + 0.5, 0.0, 255.0).astype(np.uint8)
    return np.where(objects[..., None], matched, rgb)


@dataclass
class Scene:
    """One keyframe, ready to animate: the graded picture at the video's size, its background as it stands
    before its objects are painted (``under``), when each pixel turns (``first``: from the picture before to the
    background; ``arrive``: into this picture), the shimmer's phase, and the style's motion. The rates are
    derived from the times (and not pickled). A scene without objects has ``under is rgb`` and
    ``first is arrive``."""

    style: StyleSpec
    mood: Mood
    size: tuple[int, int]  # the video frame (width, height)
    rgb: np.ndarray  # uint8 (h, w, 3), graded
    arrive: np.ndarray  # float32 (h, w), 0..1: the progress at which each pixel turns into this scene
    phase: np.ndarray  # uint8 (h, w): the shimmer's phase (0..255 for 0..1)
    under: np.ndarray | None = None  # uint8 (h, w, 3), graded: the background under the objects (None: rgb)
    first: np.ndarray | None = None  # float32 (h, w), <= arrive: when each pixel turns into ``under`` (None: arrive)
    under_phase: np.ndarray | None = None  # uint8 (h, w): ``under``'s shimmer phase (None: phase)
    rate: np.ndarray = field(init=False, repr=False)  # float32 (h, w): 1 / the progress one pixel takes to turn
    first_rate: np.ndarray = field(init=False, repr=False)  # the same for ``first``

    def __post_init__(self) -> None:
        if self.under is None:
            self.under = self.rgb
        if self.first is None:
            self.first = self.arrive
        if self.under_phase is None:
            self.under_phase = self.phase
        self.rate = _rate(self.arrive, self.style.motion.front)
        self.first_rate = self.rate if self.first is self.arrive else _rate(self.first, self.style.motion.front)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["rate"], state["first_rate"]  # as large as the times and quick to derive: the work folder keeps less
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def motion(self) -> Motion:
        return self.style.motion

    @classmethod
    def prepare(cls, profile: Profile, *, prompt: str | None = None, seed: int, size: int | tuple[int, int],
                features: SignalFeatures | None = None, style: str | None = None) -> Scene:
        """Draw a keyframe once at the video's size (arguments as in :func:`a2i.render.painter.paint`), and
        its background under the objects when it has any (a second draw of the style, without them)."""
        # 1. The picture, graded to its mood, and its maps.
        width, height = check_size(size)
        canvas = Canvas(width, height, motion=True)
        frame = keyframe(profile, prompt=prompt, style=style, seed=seed, canvas=canvas, features=features)
        layers = frame.layers.at(width, height)
        image = layers.composite(width, height)
        grade = solve_grade(image, frame.scene.mood, named=frame.named_colours)
        rgb = np.asarray(grade_image(image, *grade), dtype=np.uint8)
        _, y = canvas.grid()
        phase = _phase(layers)
        # 2. When: the background in one wipe from the top over its share of the transition (all of it in a
        #    scene without objects), then the objects (any pixel they touch) in the order the scene drew them, each
        #    rising from its base (the scene's drawing order, whatever order a style grows its own marks in).
        background = [SUBJECTS[shape.subject].layer in BACKGROUND_LAYERS for shape in frame.scene.stack.shapes]
        shapes = frame.raster.coverage(np.logical_not(background)) > 0.0
        wipe = float(np.clip(1.0 - shapes.mean(), *WIPE_SHARE)) if shapes.any() else 1.0
        first = _arrival(wipe * y, seed)
        if not shapes.any():
            return cls(frame.style, frame.mood, (width, height), rgb, first, phase)
        painting = Painting(canvas, frame.mood, frame.scene, frame.raster, seeded_rng(seed, _EDGE_STREAM))  # draws nothing
        order = painting.drawing_order()
        lo, hi = float(order[shapes].min()), float(order[shapes].max())
        rise = _grounded(wipe + (1.0 - wipe) * (np.asarray(order, dtype=np.float32) - lo) / max(hi - lo, 1e-6), shapes, wipe)
        # 3. The background the objects are painted over: the style drawn again without them, graded as the
        #    picture is.
        drawn = underpainting(frame, background, canvas).at(width, height)
        painted = np.asarray(grade_image(drawn.composite(width, height), *grade), dtype=np.uint8)
        # 4. What comes with the objects: their outlines, and around them what the picture drew because of them
        #    (a glow, contour rings bent round them: the picture there differs from the background), at the
        #    time of the latest object near it.
        reach = max(1, round(OUTLINE_REACH * min(width, height)))
        objects = _spread(shapes, reach, np.maximum)
        near = rgb.astype(np.int16) - painted
        halo = ~objects & _near(shapes, HALO_REACH) & (np.abs(near).mean(axis=2) > HALO_DIFFERS)
        late = np.where(shapes, rise, 0.0)
        rise = np.where(shapes, rise, np.where(halo, _near(late, HALO_REACH), _spread(late, reach, np.maximum)))
        objects |= halo
        arrive = np.where(objects, np.maximum(_arrival(np.where(objects, rise, 1.0), seed), first), first)
        under = _matched(painted, rgb, objects)
        under_phase = np.where(objects, _phase(drawn), phase)  # its shimmer runs as the background's would
        return cls(frame.style, frame.mood, (width, height), rgb, arrive.astype(np.float32), phase, under, first, under_phase)


def _smooth(p: float) -> float:
    p = min(1.0, max(0.0, float(p)))
    return p * p * (3.0 - 2.0 * p)


_LEVELS = np.arange(256, dtype=np.float32) / 255.0  # the values the 8-bit phase map can hold


def _light(scene: Scene, time: float) -> np.ndarray:
    """The scene's travelling brightness wave as a table over its phase levels (1 = full brightness)."""
    m = scene.motion
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * (_LEVELS - time * m.speed))
    return (1.0 - SHIMMER_DEPTH * m.shimmer * wave).astype(np.float32)


@compiled
def _compose(a: np.ndarray, under: np.ndarray, b: np.ndarray, first: np.ndarray, first_rate: np.ndarray,
             arrive: np.ndarray, rate: np.ndarray, s: float, light_a: np.ndarray, light_b: np.ndarray,
             phase_a: np.ndarray, phase_u: np.ndarray, phase_b: np.ndarray, gain: float, out: np.ndarray) -> None:
    """``out`` = ``a``, ``under`` or ``b`` by ``s`` (``under`` where ``first`` has passed, ``b`` where ``arrive``
    has; the fronts blended), each times its light (``under`` is ``b``'s style, under ``b``'s wave)."""
    height, width = arrive.shape
    for y in range(height):
        for x in range(width):
            t = (s - arrive[y, x]) * rate[y, x] + 0.5
            if t >= 1.0:
                lit = light_b[phase_b[y, x]] * gain
                for c in range(3):
                    out[y, x, c] = np.uint8(min(255.0, b[y, x, c] * lit + 0.5))
                continue
            u = (s - first[y, x]) * first_rate[y, x] + 0.5
            if u <= 0.0:
                lit = light_a[phase_a[y, x]] * gain
                for c in range(3):
                    out[y, x, c] = np.uint8(min(255.0, a[y, x, c] * lit + 0.5))
            elif u >= 1.0 and t <= 0.0:
                lit = light_b[phase_u[y, x]] * gain
                for c in range(3):
                    out[y, x, c] = np.uint8(min(255.0, under[y, x, c] * lit + 0.5))
            else:
                u, t = min(u, 1.0), max(t, 0.0)
                la, lu, lb = light_a[phase_a[y, x]], light_b[phase_u[y, x]], light_b[phase_b[y, x]]
                for c in range(3):
                    v = np.float32(a[y, x, c]) * la * (1.0 - u) + np.float32(under[y, x, c]) * lu * u
                    v = v + (np.float32(b[y, x, c]) * lb - v) * t
                    out[y, x, c] = np.uint8(min(255.0, v * gain + 0.5))


@compiled
def _taps(origin: float, step: float, n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``n`` frame pixels along one axis reads a scene ``size`` pixels long, from ``origin``, ``step``
    scene pixels per frame pixel: the scene pixel before it (the next one is the other tap) and the next one's
    weight (bilinear)."""
    index, weight = np.empty(n, np.int64), np.empty(n, np.float32)
    for x in range(n):
        sx = origin + (x + 0.5) * step - 0.5
        i = min(max(int(np.floor(sx)), 0), size - 2)
        index[x], weight[x] = i, min(max(sx - i, 0.0), 1.0)
    return index, weight


@compiled
def _resample(src: np.ndarray, rows: np.ndarray, row_weights: np.ndarray, columns: np.ndarray,
              column_weights: np.ndarray, out: np.ndarray) -> None:
    """Bilinear ``out`` of ``src`` at the taps (:func:`_taps`) of its rows and columns."""
    height, width = out.shape[:2]
    sh, sw = src.shape[:2]
    lines, flat = src.reshape(sh, sw * 3), out.reshape(height, width * 3)
    line = np.empty(sw * 3, np.float32)
    for y in range(height):
        j, fy = rows[y], row_weights[y]
        top_row, bottom_row = lines[j], lines[j + 1]
        for k in range(sw * 3):  # the two source rows, blended down first (contiguous)
            top = np.float32(top_row[k])
            line[k] = top + (np.float32(bottom_row[k]) - top) * fy
        row = flat[y]
        for x in range(width):  # then across, a pixel's three channels from one tap
            i, w = 3 * columns[x], column_weights[x]
            red, green, blue = line[i], line[i + 1], line[i + 2]
            row[3 * x] = np.uint8(red + (line[i + 3] - red) * w + 0.5)
            row[3 * x + 1] = np.uint8(green + (line[i + 4] - green) * w + 0.5)
            row[3 * x + 2] = np.uint8(blue + (line[i + 5] - blue) * w + 0.5)


def _staged(a: Scene, b: Scene, progress: float) -> tuple[Scene, float]:
    """The scene a frame starts from and how far ``b``'s arrivals have come (``reach``) at ``progress``: eased,
    then stretched by half the slowest front either side, so at 0 no pixel has begun to turn and at 1 every
    pixel has turned. At 1 the frame is ``b``'s, exactly as the next segment's first frame (``b`` held)."""
    s = _smooth(progress)
    if s == 1.0:
        a = b
    return a, (-MAX_FRONT / 2 + s * (1 + MAX_FRONT) if a is not b else -1.0)


def render_frame(a: Scene, b: Scene, progress: float, *, time: float, pulse: float = 0.0,
                 zoom: float | None = None) -> np.ndarray:
    """The video frame between keyframes ``a`` and ``b`` (uint8, height x width x 3 of ``b.size``).

    Parameters
    ----------
    a, b : Scene
        The keyframes before and after (the same scene twice holds one keyframe).
    progress : float
        0 shows ``a``, 1 shows ``b``; in between, ``b`` is painted over ``a`` (paced by the caller).
    time : float
        Seconds since the video's start, for the continuous flow.
    pulse : float
        0..1, an onset's strength: a brief brightening (and the zoom, unless ``zoom`` is given).
    zoom : float, optional
        0..1, the pulse's zoom (:data:`PULSE_ZOOM` at 1); None zooms with ``pulse``.
    """
    if a.size != b.size:
        raise ConfigError(f"render_frame needs two scenes of one size, got {a.size} and {b.size}: prepare both with the video's size")
    # 1. Where b has arrived by now.
    a, reach = _staged(a, b, progress)
    # 2. a, b's background and b by the arrivals, each under its own travelling light, with the pulse's light.
    pulse = min(1.0, max(0.0, float(pulse)))
    frame = np.empty_like(b.rgb)
    _compose(a.rgb, b.under, b.rgb, b.first, b.first_rate, b.arrive, b.rate, np.float32(reach), _light(a, time),
             _light(b, time), a.phase, b.under_phase, b.phase, np.float32(1.0 + PULSE_LIGHT * pulse), frame)
    # 3. One resampling at the frame's size: the slow pan and the pulse's zoom.
    out = np.empty_like(frame)
    x0, y0, step = view(b.size, time=time, zoom=pulse if zoom is None else zoom)
    height, width = frame.shape[:2]
    _resample(frame, *_taps(y0, step, height, height), *_taps(x0, step, width, width), out)
    return out


def transition_samples(a: Scene, b: Scene, progress: Sequence[float], *, time: float, thin: int) -> list[np.ndarray]:
    """``render_frame(a, b, p, time=time)[::thin, ::thin]`` for each ``p`` of ``progress`` (no pulse), the same
    pixels for a fraction of the work: only the scene pixels those frame pixels read are composited, gathered
    once for all of them (a video measures each transition's pace on 17 such frames).

    Examples
    --------
    >>> from a2i.mood import Profile
    >>> a = Scene.prepare(Profile(valence=0.3, energy=0.2), prompt="A lighthouse by the sea.", seed=0, size=(96, 54))
    >>> b = Scene.prepare(Profile(valence=0.8, energy=0.9), prompt="A city at night.", seed=1, size=(96, 54))
    >>> thinned = transition_samples(a, b, [0.0, 0.4, 1.0], time=2.0, thin=4)
    >>> all(np.array_equal(f, render_frame(a, b, p, time=2.0)[::4, ::4]) for f, p in zip(thinned, [0.0, 0.4, 1.0]))
    True
    """
    if a.size != b.size:
        raise ConfigError(f"transition_samples needs two scenes of one size, got {a.size} and {b.size}")
    # 1. The taps of every thin-th frame pixel, and the scene pixels they read (each and the next along each axis).
    x0, y0, step = view(b.size, time=time)
    height, width = b.rgb.shape[:2]
    rows, row_weights = (np.ascontiguousarray(t[::thin]) for t in _taps(y0, step, height, height))
    columns, column_weights = (np.ascontiguousarray(t[::thin]) for t in _taps(x0, step, width, width))
    read_rows, read_columns = np.union1d(rows, rows + 1), np.union1d(columns, columns + 1)
    at = np.ix_(read_rows, read_columns)
    names = ("rgb", "under", "first", "first_rate", "arrive", "rate", "phase", "under_phase")
    part_b = {name: getattr(b, name)[at] for name in names}
    part_a = part_b if a is b else {name: getattr(a, name)[at] for name in ("rgb", "phase")}
    rows, columns = np.searchsorted(read_rows, rows), np.searchsorted(read_columns, columns)
    # 2. Each frame as render_frame composes it, on those pixels only, then resampled at the taps.
    gain = np.float32(1.0)  # render_frame's light gain with no pulse
    samples = []
    for p in progress:
        start, reach = _staged(a, b, p)
        part = part_b if start is b else part_a
        frame = np.empty_like(part_b["rgb"])
        _compose(part["rgb"], part_b["under"], part_b["rgb"], part_b["first"], part_b["first_rate"], part_b["arrive"],
                 part_b["rate"], np.float32(reach), _light(start, time), _light(b, time), part["phase"],
                 part_b["under_phase"], part_b["phase"], gain, frame)
        out = np.empty((len(rows), len(columns), 3), np.uint8)
        _resample(frame, rows, row_weights, columns, column_weights, out)
        samples.append(out)
    return samples


def view(size: tuple[int, int], *, time: float, zoom: float = 0.0) -> tuple[float, float, float]:
    """The part of a scene a frame shows: its top-left corner (x, y) in the scene's pixels and the scene pixels
    per frame pixel (the camera's slow pan, zoomed in a little more by the pulse's ``zoom``, 0..1).

    The pan moves the point the camera looks at up to ``PAN / 2`` of the scene either way from its centre, and
    the frame shows ``1 - PAN`` of the scene about that point, less by the zoom: a punch-in closes in on where
    the camera looks and never moves it, and the frame stays inside the scene at every time and zoom.

    Examples
    --------
    >>> x, y, step = view((1280, 720), time=0.0)
    >>> round(x, 1), round(y, 1), step
    (19.2, 21.6, 0.97)
    >>> x, y, step = view((1280, 720), time=0.0, zoom=1.0)  # a full punch-in about the same point
    >>> round(x + 640 * step, 1), round(y + 360 * step, 1), round(step, 2)
    (640.0, 370.8, 0.93)
    """
    width, height = size
    shown = 1.0 - PAN - PULSE_ZOOM * min(1.0, max(0.0, float(zoom)))  # the share of the scene in the frame
    cx = 0.5 + 0.5 * PAN * np.sin(2 * np.pi * time / PAN_PERIOD)  # where the camera looks: the pan alone
    cy = 0.5 + 0.5 * PAN * np.cos(2 * np.pi * time / (1.3 * PAN_PERIOD))
    return float((cx - shown / 2) * width), float((cy - shown / 2) * height), shown
