"""Subjects of the sky and the weather: sun, moon, stars, clouds, birds, fireworks, rain, snow, lightning."""

from __future__ import annotations

import numpy as np

from a2i.render.painter.colours import lab_of, lab_to_srgb, mood_moved
from a2i.render.painter.scene.builder import Builder, dot, stroke
from a2i.render.painter.scene.stack import Ellipse, Poly
from a2i.render.painter.scene.subjects.base import FRONT, SKY, subject


@subject("sun", "the sun", "suns", ("sun", "sunny", "sunlit", "sunlight", "sunshine", "sunset", "sunrise", "sunbeam"), SKY)
def sun(b: Builder, n: int) -> None:
    r = b.rng.uniform(0.055, 0.085)
    x, y = b.layout.light_x, b.layout.light_y
    b.stack.light = (x, y, r)
    b.add("sun", [dot(x, y, r)], b.roles.light * 0.15 + 0.85, 0.0, glow=True)


@subject("moon", "the moon", "moons", ("moon", "moonlit", "moonlight", "moonrise", "crescent"), SKY)
def moon(b: Builder, n: int) -> None:
    r = b.rng.uniform(0.04, 0.065)
    x, y = b.layout.light_x, b.layout.light_y - (0.05 if "sun" in b.present else 0.0)
    if "sun" in b.present:  # both named: the moon takes the other side of the sky
        x = 1.0 - x
    b.stack.light = (x, y, r) if b.stack.light[2] == 0 else b.stack.light
    b.add("moon", [dot(x, y, r)], b.roles.light * 0.3 + 0.7, 0.0, glow=True)
    if b.rng.random() < 0.5:  # a crescent: the sky's own colour over most of the disc
        b.add(
            "moon",
            [Ellipse(x + 0.45 * r / b.layout.aspect, y - 0.2 * r, 0.85 * r, 0.85 * r)],
            crescent_shadow(b.roles.sky_top, b.roles.sky_low),
            0.0,
        )


def crescent_shadow(sky_top: np.ndarray, sky_low: np.ndarray) -> np.ndarray:
    """The colour of the disc that cuts a crescent out of the moon: the sky's, weighted to the upper sky."""
    return np.asarray(sky_top) * 0.7 + np.asarray(sky_low) * 0.3


@subject("stars", "stars", "stars", ("star", "starry", "starlit", "starlight", "constellation", "galaxy", "milky way"), SKY)
def stars(b: Builder, n: int) -> None:
    k = int(90 + 80 * b.mood.density)
    xs, ys = b.rng.random(k), b.rng.random(k) ** 1.3 * (b.horizon - 0.04)
    rs = 0.0012 + 0.0028 * b.rng.random(k) ** 3
    b.add("stars", [dot(x, y, r) for x, y, r in zip(xs, ys, rs)], b.roles.light * 0.3 + 0.7, 0.0, thin=True, glow=True)


CLOUD_GAP = 0.03  # clear sky kept between two clouds (relative units), so each one counts on its own
CLOUD_TRIES = 120  # placements tried per cloud; every 12 failed tries shrink it by a fifth (to a tenth at most)


@subject(
    "clouds",
    "clouds",
    "clouds",
    ("cloud", "cloudy", "overcast", "cumulus", "cirrus", "stratus", "nimbus", "thunderhead", "cloudbank"),
    SKY,
    countable=True,
    count=4,
    max_count=9,
)
def clouds(b: Builder, n: int) -> None:
    """``n`` separate clouds: each is placed where its bounding box (plus ``CLOUD_GAP``) meets no other cloud
    and not the sun or moon, so the card's count is the count a viewer makes."""
    storm = "storm" in b.weather
    lit = b.roles.sky_low * 0.35 + b.roles.light * 0.65
    tone = b.roles.dark * 0.4 + b.roles.sky_top * 0.6 if storm else lit
    aspect = b.layout.aspect
    lx, ly, lr = b.stack.light
    taken = [(lx - (lr + 0.02) / aspect, ly - lr - 0.02, lx + (lr + 0.02) / aspect, ly + lr + 0.02)] if lr > 0 else []
    low = max(0.14, b.horizon - 0.2)
    for _ in range(n):
        w = b.rng.uniform(0.08, 0.16) * (1.3 if storm else 1.0)
        for attempt in range(CLOUD_TRIES):
            if attempt and attempt % 12 == 0:
                w *= 0.8
            half = 1.7 * w / aspect  # the widest puff reaches 1.7 w from the centre
            x = b.rng.uniform(0.03 + half, 0.97 - half) if half < 0.47 else 0.5
            y = b.rng.uniform(0.04 + 0.75 * w, max(0.05 + 0.75 * w, low))
            box = (x - half, y - 0.75 * w, x + half, y + 0.55 * w)
            if all(box[2] + CLOUD_GAP < o[0] or o[2] + CLOUD_GAP < box[0] or box[3] + CLOUD_GAP < o[1] or o[3] + CLOUD_GAP < box[1]
                   for o in taken):
                break
        taken.append(box)
        puffs = [
            Ellipse(x + dx * w / aspect, y + dy * w, w * s, w * s * 0.62)
            for dx, dy, s in zip(b.rng.uniform(-1, 1, 6), b.rng.uniform(-0.3, 0.1, 6), b.rng.uniform(0.35, 0.7, 6))
        ]
        puffs.append(Ellipse(x, y + 0.15 * w, 1.2 * w, 0.22 * w))
        b.add("clouds", puffs, tone * b.rng.uniform(0.92, 1.05), 0.05)


@subject(
    "birds",
    "a bird",
    "birds",
    ("bird", "gull", "seagull", "flock", "swallow", "crow", "geese", "goose", "heron", "dove", "eagle", "hawk", "falcon",
     "swan", "raven", "sparrow", "pigeon", "albatross", "pelican", "starling", "seabird", "songbird", "owl", "crane",
     "egret", "stork", "flamingo", "ibis", "wader", "duck", "duckling", "mallard", "cygnet"),
    SKY,
    countable=True,
    count=5,
    max_count=24,
)
def birds(b: Builder, n: int) -> None:
    """``n`` birds: wading birds (a heron, an egret: ``WADERS``) or birds the text says stand stand in the water or on
    the ground, drawn with the objects (``Builder.later``); other birds fly (:func:`_flying`)."""
    kinds = b.kinds.get("birds", ())
    words = {word for kind in kinds for word in kind.split()}
    rng = b.rng
    if "flying" not in words and b.has_water and (words & FLOATERS.keys() and "standing" not in words or "floating" in words):
        b.later.append(lambda: _floating(b, n, rng, kinds))  # swans and ducks on the water, or birds the text says swim
    elif "flying" not in words and (words & WADERS.keys() or "standing" in words or b.places.get("birds") in ("shore", "bank")):
        b.later.append(lambda: _standing(b, n, rng, kinds))  # waders, and birds the text puts on the shore or a bank
    elif "lighthouse" in b.present:  # flying in front of its beam, not hidden behind it: drawn after the objects
        b.later.append(lambda: _flying(b, n, rng))
    else:
        _flying(b, n)


FLOATERS = {"swan": "white", "duck": None, "cygnet": None, "mallard": None}  # birds seen on the water -> own colour


def _own_fill(b: Builder, own: dict[str, str | None], kinds: tuple[str, ...]) -> np.ndarray:
    """The fill of birds the text names: the first named kind's own colour in ``own`` (a swan's white, a flamingo's
    pink), moved by the mood as named colours are, else the scene's dark role (a silhouette)."""
    colour = next((own[w] for kind in kinds for w in kind.split() if own.get(w)), None)
    return b.roles.dark if colour is None else lab_to_srgb(mood_moved(lab_of(colour), b.mood.valence, b.mood.energy))


def _floating(b: Builder, n: int, rng: np.random.Generator, kinds: tuple[str, ...]) -> None:
    """``n`` birds afloat, apart, on the water (on the river, or the near half of the sea or lake): a body resting
    on its waterline, a swan's curved neck or a duck's round head, each facing its own way."""
    b.rng = rng
    fill = _own_fill(b, FLOATERS, kinds)
    swan = any(w in ("swan", "cygnet") for kind in kinds for w in kind.split())
    aspect = b.layout.aspect
    parts = []
    for x in _clear_of_boats(b, b.spread(n, 0.12, 0.88)):
        if b.river is not None and not b.present & {"sea", "lake"}:
            t = rng.uniform(0.35, 0.9)
            x, y, _ = b.along_river(t)
        else:
            y = b.horizon + rng.uniform(0.06, 0.17)
        s = rng.uniform(0.07, 0.09) * (1.3 if n <= 2 else 1.0) * (0.6 + 1.6 * (y - b.horizon))  # nearer is larger
        face, u = (1.0 if rng.random() < 0.5 else -1.0), s / aspect
        parts.append(Poly([(x - face * 0.5 * u, y - 0.18 * s), (x - face * 0.2 * u, y - 0.26 * s), (x + face * 0.3 * u, y - 0.22 * s),
                           (x + face * 0.45 * u, y - 0.08 * s), (x + face * 0.3 * u, y), (x - face * 0.4 * u, y)]))
        if swan:
            parts.append(stroke([(x + face * 0.28 * u, y - 0.2 * s), (x + face * 0.38 * u, y - 0.5 * s),
                                 (x + face * 0.3 * u, y - 0.75 * s), (x + face * 0.38 * u, y - 0.85 * s)], max(0.002, 0.07 * s)))
            parts.append(dot(x + face * 0.4 * u, y - 0.85 * s, 0.06 * s))
        else:
            parts.append(dot(x + face * 0.33 * u, y - 0.34 * s, 0.1 * s))
    b.add("birds", parts, fill, 0.7)


WADERS = {"heron": None, "egret": "white", "stork": None, "flamingo": "pink", "ibis": None, "wader": None}  # -> own colour


def _standing(b: Builder, n: int, rng: np.random.Generator, kinds: tuple[str, ...]) -> None:
    """``n`` birds standing apart: where the text puts them (on the shore's sand, on a river's or lake's bank: out of
    the water), else wading birds in the shallows of the water (at the river's edge, the lake's or sea's near
    water), or on the ground where there is none. A wader (heron, egret ...) has long legs, an S-shaped neck and a
    beak; other birds (gulls on the rocks) stand as a plump body on short legs. Each faces its own way."""
    b.rng = rng
    fill = _own_fill(b, WADERS, kinds)
    aspect = b.layout.aspect
    wader = any(w in WADERS for kind in kinds for w in kind.split())
    shape = _heron if wader else _perched
    place = b.placed("birds")
    if place == "shore":  # on the sand, out of the water
        parts = []
        for x, foot in b.on_shore(n):
            h = rng.uniform(0.13, 0.17) * (1.3 if n <= 2 else 1.0) * (0.6 + 0.8 * (foot - b.horizon)) * (1.0 if wader else PERCHED)
            parts += shape(x, foot, h, aspect, 1.0 if rng.random() < 0.5 else -1.0)
        b.add("birds", parts, fill, 0.75)
        return
    xs = _clear_of_boats(b, b.spread(n, 0.12, 0.88, near=1.0 - b.layout.focal_x if n == 1 else None))
    parts = []
    for j, x in enumerate(xs):
        if place == "bank" and b.river is not None:  # on the river's banks, just outside its water, spread down them
            t = RIVER_BANK[0] + (RIVER_BANK[1] - RIVER_BANK[0]) * (j // 2 + 0.5 + rng.uniform(-0.2, 0.2)) / ((n + 1) // 2)
            cx, cy, half = b.along_river(t)
            x, foot = cx + (1.0 if j % 2 else -1.0) * (half + BANK_GAP / aspect), cy  # the two banks in turn
        elif place == "bank" and b.bank is not None:  # on the lake's near bank
            foot = b.bank + rng.uniform(0.04, 0.1)
        elif b.river is not None and not b.present & {"sea", "lake"}:  # on the river, at its edge
            t = rng.uniform(0.45, 0.85)
            cx, cy, half = b.along_river(t)
            x, foot = cx + rng.choice([-1.0, 1.0]) * 0.7 * half, cy
        elif b.has_water:
            foot = b.horizon + rng.uniform(0.12, 0.2)
        else:
            foot = b.horizon + rng.uniform(0.18, 0.32)
        h = rng.uniform(0.13, 0.17) * (1.3 if n <= 2 else 1.0) * (0.6 + 0.8 * (foot - b.horizon))
        h *= 1.0 if wader else PERCHED
        parts += shape(x, foot, h, aspect, 1.0 if rng.random() < 0.5 else -1.0)
    b.add("birds", parts, fill, 0.75)


BANK_GAP = 0.05  # short sides between a river's water and a bird standing on its bank (the river widens and bends below its feet)
RIVER_BANK = (0.3, 0.9)  # the stretch of the river (0 at the horizon, 1 at the bottom) birds on its banks spread along
PERCHED = 0.55  # a standing gull or crow is this much the height of a heron at the same place


def _perched(x: float, foot: float, h: float, aspect: float, face: float) -> list:
    """A bird standing (a gull on the rocks) ``h`` tall with its feet at (x, foot), facing right (``face`` 1) or left
    (-1): a plump body with its tail low behind, a round head, a short beak, two short legs."""
    u = h / aspect
    body = Poly([(x - face * 0.55 * u, foot - 0.42 * h), (x - face * 0.25 * u, foot - 0.72 * h), (x + face * 0.25 * u, foot - 0.78 * h),
                 (x + face * 0.42 * u, foot - 0.6 * h), (x + face * 0.25 * u, foot - 0.32 * h), (x - face * 0.2 * u, foot - 0.3 * h)])
    head = dot(x + face * 0.3 * u, foot - 0.85 * h, 0.14 * h)
    beak = stroke([(x + face * 0.4 * u, foot - 0.85 * h), (x + face * 0.62 * u, foot - 0.82 * h)], max(0.002, 0.06 * h))
    legs = [stroke([(x + d * u, foot - 0.33 * h), (x + d * u, foot)], max(0.002, 0.05 * h)) for d in (-0.08, 0.08)]
    return [body, head, beak, *legs]


def _clear_of_boats(b: Builder, xs: list[float]) -> list[float]:
    """``xs`` each moved sideways, the least it takes, off every boat's hull (``BOAT_CLEARANCE`` beyond it), so a
    bird on the water is not hidden by a boat or drawn over one."""
    out = []
    for x in xs:
        for bx, _, s in b.boats:
            reach = (s + BOAT_CLEARANCE) / b.layout.aspect
            if abs(x - bx) < reach:
                options = [v for v in (bx - reach, bx + reach) if 0.04 <= v <= 0.96]
                x = min(options, key=lambda v: abs(v - x)) if options else x
        out.append(float(x))
    return out


BOAT_CLEARANCE = 0.04  # short sides kept between a boat's hull end and a bird on the water


def _heron(x: float, foot: float, h: float, aspect: float, face: float) -> list:
    """A standing heron ``h`` tall with its feet at (x, foot), facing right (``face`` 1) or left (-1)."""
    u = h / aspect  # horizontal units
    body = Poly([(x - face * 0.22 * u, foot - 0.5 * h), (x - face * 0.05 * u, foot - 0.62 * h), (x + face * 0.12 * u, foot - 0.6 * h),
                 (x + face * 0.14 * u, foot - 0.52 * h), (x, foot - 0.46 * h), (x - face * 0.3 * u, foot - 0.44 * h)])
    neck = stroke([(x + face * 0.1 * u, foot - 0.58 * h), (x + face * 0.05 * u, foot - 0.72 * h), (x + face * 0.12 * u, foot - 0.84 * h),
                   (x + face * 0.1 * u, foot - 0.94 * h)], max(0.003, 0.05 * h))
    head = dot(x + face * 0.1 * u, foot - 0.95 * h, 0.045 * h)
    beak = stroke([(x + face * 0.12 * u, foot - 0.95 * h), (x + face * 0.3 * u, foot - 0.93 * h)], max(0.002, 0.025 * h))
    legs = [stroke([(x + d * u, foot - 0.47 * h), (x + d * 1.4 * u, foot)], max(0.002, 0.025 * h)) for d in (-0.03, 0.03)]
    return [body, neck, head, beak, *legs]


def _flying(b: Builder, n: int, rng: np.random.Generator | None = None) -> None:
    """``n`` birds in flight, each a filled gull silhouette (two bent wings and a body) at least ``BIRD_SPAN``
    wide, so a flock reads and counts at thumbnail size in every style (a pointillist's dabs or a wash would lose a
    pen-stroke "v"), placed ``BIRD_GAP`` wingspans apart and clear of the sun and moon. Each bird is its own shape,
    so each is set dark or pale against its own ground (scene._marks_apart: one in a lighthouse's beam, the rest on
    the night sky). ``rng``: the subject's own stream, when its drawing was put off (``Builder.later``)."""
    b.rng = b.rng if rng is None else rng
    cx = 1.0 - b.layout.focal_x
    aspect = b.layout.aspect
    lights = _lights(b)
    spread = BIRD_SPREAD * (1.0 + 0.12 * max(0, n - 5))  # a larger flock spreads wider
    lo, hi = 0.1, max(0.16, b.horizon - 0.1)
    taken: list[tuple[float, float, float]] = []
    for _ in range(n):
        s = b.rng.uniform(*BIRD_SPAN) * (1.7 if n <= 2 else 0.85 if n > 9 else 1.0)  # a lone bird is nearer, so larger
        flap = b.rng.uniform(0.25, 0.7)
        for attempt in range(BIRD_TRIES):
            reach = spread * (1.0 + attempt / 20)  # room runs out: look further from the flock's centre
            x, y = float(np.clip(cx + b.rng.normal(0, reach), 0.05, 0.95)), b.rng.uniform(lo, hi)
            clear = all(((x - ox) * aspect) ** 2 + (y - oy) ** 2 > (BIRD_GAP * (s + os_)) ** 2 for ox, oy, os_ in taken)
            if clear and all(((x - lx) * aspect) ** 2 + (y - ly) ** 2 > (LIGHT_RADIUS + s) ** 2 for lx, ly in lights):
                break
        taken.append((x, y, s))
        w = s / aspect
        tip = flap * s
        under = BIRD_WING * s  # the wing's depth below its upper edge: a solid wing at thumbnail size, not a hairline
        b.add("birds", [Poly([
            (x - w, y - tip), (x - 0.45 * w, y - 0.32 * s), (x - 0.08 * w, y - 0.04 * s), (x + 0.08 * w, y - 0.04 * s),
            (x + 0.45 * w, y - 0.32 * s), (x + w, y - tip), (x + 0.5 * w, y - 0.32 * s + under), (x + 0.12 * w, y + 0.24 * s),
            (x - 0.12 * w, y + 0.24 * s), (x - 0.5 * w, y - 0.32 * s + under),
        ])], b.roles.dark, 0.2, thin=True)


BIRD_SPAN = (0.028, 0.038)  # short sides from a bird's body to a wing tip: ~11-15 px of wingspan on a 200 px thumbnail
BIRD_WING = 0.34  # a wing's depth, in spans (~2 px at 200 px: at 0.2 the wings were hairlines a style's marks broke up)
BIRD_GAP = 1.15  # centres at least this many times the two birds' half-spans apart: wings never touch, each counts
BIRD_SPREAD = 0.12  # the flock's spread around its centre (relative x, one standard deviation) for five birds
BIRD_TRIES = 60  # placements tried per bird, each a little further out


@subject("fireworks", "fireworks", "fireworks", ("firework", "pyrotechnic", "sparkler"), SKY, countable=True, count=4, max_count=9)
def fireworks(b: Builder, n: int) -> None:
    lights = _lights(b)
    for i, x in enumerate(b.spread(n, 0.08, 0.92)):
        y = b.rng.uniform(0.12, max(0.15, b.horizon - 0.15))
        r = b.rng.uniform(0.06, 0.12)
        x = _clear_of(x, y, r, lights, b.layout.aspect)
        rays = int(b.rng.integers(14, 22))
        angles = np.linspace(0, 2 * np.pi, rays, endpoint=False) + b.rng.uniform(0, 1)
        parts = [
            stroke(
                [
                    (x + 0.25 * r * np.cos(a) / b.layout.aspect, y + 0.25 * r * np.sin(a)),
                    (x + r * np.cos(a) / b.layout.aspect, y + r * np.sin(a)),
                ],
                0.004,
            )
            for a in angles
        ]
        parts += [dot(x + 1.12 * r * np.cos(a) / b.layout.aspect, y + 1.12 * r * np.sin(a), 0.005) for a in angles]
        colour = b.roles.accents[i % len(b.roles.accents)] * 0.5 + b.roles.lamp * 0.5
        b.add("fireworks", parts, colour, 0.05, thin=True, glow=True)


LIGHT_RADIUS = 0.085  # short sides: the largest sun (the moon is smaller), for keeping bursts off it
LIGHT_GAP = 0.04  # short sides left between a burst and a light, so the light reads as its own disc (dabs spread marks)


def _lights(b: Builder) -> list[tuple[float, float]]:
    """Where the sun and the moon are (as :func:`sun` and :func:`moon` place them), for marks that must not
    cover them."""
    x, y = b.layout.light_x, b.layout.light_y
    out = [(x, y)] if {"sun", "moon"} & b.present else []
    if {"sun", "moon"} <= b.present:
        out.append((1.0 - x, y - 0.05))
    return out


def _clear_of(x: float, y: float, r: float, lights: list[tuple[float, float]], aspect: float) -> float:
    """``x`` moved sideways, the least it takes, so a burst of radius ``r`` at (x, y) leaves every light clear."""
    for lx, ly in lights:
        reach = 1.12 * r + LIGHT_RADIUS + LIGHT_GAP  # the burst's dots lie at 1.12 r
        dy = abs(y - ly)
        if dy >= reach:
            continue
        dx = np.sqrt(reach**2 - dy**2) / aspect  # the least horizontal distance, in relative x
        if abs(x - lx) >= dx:
            continue
        options = [v for v in (lx - dx, lx + dx) if 0.02 <= v <= 0.98]
        x = min(options, key=lambda v: abs(v - x)) if options else x
    return float(x)


@subject("rain", "rain", "rain", ("rain", "rainy", "raining", "rainfall", "downpour", "drizzle", "shower", "raindrop"), FRONT)
def rain(b: Builder, n: int) -> None:
    k = int(160 + 160 * b.mood.density)
    slant = b.rng.uniform(-0.25, 0.25)
    xs, ys, ls = b.rng.uniform(-0.1, 1.1, k), b.rng.uniform(0.0, 1.0, k), b.rng.uniform(0.03, 0.07, k)
    streaks = [(x, y, [(x, y), (x + slant * length, y + length)]) for x, y, length in zip(xs, ys, ls)]
    colour = b.roles.light * 0.5 + b.roles.sky_low * 0.5
    # Above and below the horizon as two shapes, so each can be set against its own ground (scene._marks_apart).
    for above in (True, False):
        b.add("rain", [stroke(pts, RAIN_WIDTH) for x, y, pts in streaks if (y < b.horizon) == above], colour, 1.0, thin=True)


RAIN_WIDTH = 0.0026  # short sides: a streak ~1 px wide on a 320 px thumbnail, ~3 px at 1024 px


@subject("snow", "snow", "snow", ("snow", "snowy", "snowfall", "snowflake", "blizzard", "snowstorm"), FRONT)
def snow(b: Builder, n: int) -> None:
    k = int(180 + 140 * b.mood.density)
    xs, ys = b.rng.random(k), b.rng.random(k)
    rs = 0.002 + 0.005 * b.rng.random(k) ** 2
    b.add("snow", [dot(x, y, r) for x, y, r in zip(xs, ys, rs)], b.roles.light * 0.2 + 0.8, 1.0, thin=True)


@subject("lightning", "lightning", "lightning", ("lightning", "thunder", "thunderstorm", "bolt"), SKY)
def lightning(b: Builder, n: int) -> None:
    x, y = 1.0 - b.layout.focal_x + b.rng.normal(0, 0.05), 0.05
    pts = [(x, y)]
    while y < b.horizon:
        y += b.rng.uniform(0.04, 0.08)
        x += b.rng.normal(0, 0.035)
        pts.append((x, min(y, b.horizon)))
    b.add("lightning", [stroke(pts, 0.006)], b.roles.light * 0.2 + 0.8, 0.1, thin=True, glow=True)
