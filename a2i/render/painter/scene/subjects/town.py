"""Subjects people made or are: a city skyline, a street with lights, a window onto the scene, a fire,
a human figure, a crowd."""

from __future__ import annotations

import numpy as np

from a2i.render.painter.scene.builder import Builder, dot, stroke
from a2i.render.painter.scene.stack import Ellipse, Poly
from a2i.render.painter.scene.subjects.base import FAR, FRONT, LAND, OBJECT, subject

# Words naming a room (the window subject's, with "window", "sill", "pane", "curtain"): the picture is its interior,
# the outdoors seen through its window, and every person the text names is inside (:func:`indoors`).
ROOMS = ("room", "interior", "indoors", "indoor", "bedroom", "kitchen", "attic", "studio", "library", "cafe", "coffeehouse",
         "parlour", "parlor", "lounge", "nursery", "bedchamber", "workshop", "classroom")


def indoors(b: Builder) -> bool:
    """Whether the scene is a room's interior: a room word or a fireplace, or people the text puts at its window."""
    if "window" not in b.present:
        return False
    return bool({kind.split()[-1] for kind in b.kinds.get("window", ())} & set(ROOMS)) or "fireplace" in b.present or (
        b.places.get("figure") in ("window", "fireplace"))


@subject(
    "city",
    "a city skyline",
    "cities",
    (
        "city",
        "skyline",
        "skyscraper",
        "tower",
        "town",
        "metropolis",
        "downtown",
        "building",
        "rooftop",
        "cityscape",
        "urban",
    ),
    FAR,
)
def city(b: Builder, n: int) -> None:
    base = b.horizon + 0.02
    x = -0.02
    blocks, windows = [], []
    while x < 1.02:
        bw = b.rng.uniform(0.03, 0.075)
        bh = b.rng.uniform(0.06, 0.26) * (0.7 + 0.6 * b.mood.energy) * (1.3 if abs(x - b.layout.focal_x) < 0.12 else 1.0)
        blocks.append(b.rect(x, base - bh, x + bw, base + 0.05))
        if b.rng.random() < 0.25:  # a spire
            blocks.append(Poly([(x + 0.3 * bw, base - bh), (x + 0.5 * bw, base - bh - 0.04), (x + 0.7 * bw, base - bh)]))
        for wy in np.arange(base - bh + 0.012, base - 0.01, 0.02):
            for wx in np.arange(x + 0.007, x + bw - 0.01, 0.014):
                if b.rng.random() < (0.45 if b.night else 0.2):
                    windows.append(b.rect(wx, wy, wx + 0.006, wy + 0.009))
        x += bw + b.rng.uniform(0.0, 0.012)
    b.add("city", blocks, b.aerial(b.roles.dark * 0.7 + b.roles.far * 0.3, 0.35), 0.35)
    b.add("city", windows, b.roles.lamp if b.night else b.roles.light * 0.5 + b.roles.far * 0.5, 0.36, glow=b.night)


@subject(
    "village",
    "a village",
    "villages",
    ("village", "hamlet", "houses", "cottages", "villagers' houses", "rooftops"),
    LAND,
    needs=("hills", "meadow"),
)
def village(b: Builder, n: int) -> None:
    """A village, not a skyline: ``VILLAGE_HOUSES`` small houses with pitched roofs (and a church's spire) in a
    loose cluster on the land just below the horizon, smaller further back, their windows lit at night."""
    k = int(b.rng.integers(*VILLAGE_HOUSES))
    centre = b.layout.focal_x
    walls, roofs, lit = [], [], []
    xs = np.sort(centre + b.rng.uniform(-0.28, 0.28, k))
    church = int(b.rng.integers(0, k))
    for j, x in enumerate(xs):
        # on the land below the horizon; by water, on the far shore (the water lies in front)
        base = b.horizon + (b.rng.uniform(0.0, 0.012) if b.has_water else b.rng.uniform(0.05, 0.13))
        scale = 0.7 + 3.0 * (base - b.horizon)  # nearer (lower) houses are larger
        w, h = b.rng.uniform(0.035, 0.055) * scale / b.layout.aspect, b.rng.uniform(0.028, 0.04) * scale
        walls.append(b.rect(x - w, base - h, x + w, base))
        peak = base - h - (0.75 * w * b.layout.aspect) * b.rng.uniform(0.6, 0.9)
        roofs.append(Poly([(x - 1.15 * w, base - h), (x, peak), (x + 1.15 * w, base - h)]))
        if j == church:  # a church tower and its spire
            tw = 0.35 * w
            walls.append(b.rect(x + w - 2 * tw, peak - 0.4 * h, x + w, base - h))
            roofs.append(Poly([(x + w - 2.2 * tw, peak - 0.4 * h), (x + w - tw, peak - 1.6 * h), (x + w + 0.2 * tw, peak - 0.4 * h)]))
        if b.night or b.rng.random() < 0.3:
            lit.append(b.rect(x - 0.35 * w, base - 0.65 * h, x - 0.05 * w, base - 0.3 * h))
    b.add("village", walls, b.roles.light * 0.45 + b.roles.mid * 0.55, 0.45)
    b.add("village", roofs, b.roles.dark * 0.6 + b.roles.accent * 0.4, 0.46)
    b.add("village", lit, b.roles.lamp if b.night else b.roles.dark * 0.8, 0.47, glow=b.night)


VILLAGE_HOUSES = (6, 10)  # houses in a village (low inclusive, high exclusive)


@subject(
    "street",
    "a street with lights",
    "streets",
    (
        "street",
        "avenue",
        "boulevard",
        "alley",
        "streetlight",
        "lamppost",
        "lamp post",
        "street lamp",
        "streetlamp",
        "sidewalk",
        "pavement",
        "neon",
        "crossroads",
        "market",
        "plaza",
        "piazza",
    ),
    LAND,
)
def street(b: Builder, n: int) -> None:
    vx, vy = b.layout.focal_x * 0.5 + 0.25, b.horizon + 0.01
    b.add("street", [Poly([(vx - 0.01, vy), (vx + 0.01, vy), (1.3, 1.02), (-0.3, 1.02)])], b.roles.mid * 0.75 + b.roles.dark * 0.25, 0.7)
    facade = b.roles.near * 0.8 + b.roles.dark * 0.2
    left = Poly([(-0.02, 0.02), (vx - 0.03, vy - 0.2), (vx - 0.03, vy + 0.01), (-0.02, 1.02)])
    right = Poly([(1.02, 0.06), (vx + 0.03, vy - 0.16), (vx + 0.03, vy + 0.01), (1.02, 1.02)])
    b.add("street", [left], facade, 0.75)  # each side its own shape, so named colours can share the street
    b.add("street", [right], facade, 0.75)
    windows = []
    for side, (x_edge, top_edge) in ((-1, (-0.02, 0.02)), (1, (1.02, 0.06))):
        for t in np.linspace(0.1, 0.85, 7):
            x = x_edge + (vx + side * 0.03 - x_edge) * t
            h_top = top_edge + (vy - 0.2 + 0.04 * (side > 0) - top_edge) * t
            h_bot = 1.02 + (vy + 0.01 - 1.02) * t
            for f in (0.2, 0.45, 0.7):
                wy = h_top + (h_bot - h_top) * f
                size = 0.02 * (1 - t) + 0.004
                if b.rng.random() < 0.7:
                    windows.append(b.rect(x - size * 0.5, wy, x + size * 0.5, wy + size * 1.3))
    b.add("street", windows, b.roles.lamp * 0.7 + b.roles.light * 0.3, 0.76, glow=True)
    poles, lamps = [], []
    for side in (-1, 1):
        for t in (0.25, 0.5, 0.7, 0.85):
            s = 1 - t
            x = vx + side * (0.04 + 0.5 * s**1.2)
            foot = vy + (1.0 - vy) * s**1.1
            top = foot - 0.45 * s - 0.02
            poles.append(stroke([(x, foot), (x, top)], 0.001 + 0.006 * s))
            lamps.append(dot(x, top, 0.003 + 0.014 * s))
    b.add("street", poles, b.roles.dark, 0.8)
    b.add("street", lamps, b.roles.lamp, 0.81, glow=True)


@subject(
    "window",
    "a window of a room",
    "windows",
    ("window", "windowsill", "windowpane", "sill", "pane", "curtain", *ROOMS),
    FRONT,
)
def window(b: Builder, n: int) -> None:
    """A room's wall around a window onto the scene; with a fireplace, a smaller window on the side away from it and
    a floor (the fireplace stands on the focal side, :func:`fireplace`). People inside stand before the pane."""
    wall = _wall(b)
    x0, x1, y0, y1 = b.rng.uniform(0.12, 0.18), b.rng.uniform(0.82, 0.88), b.rng.uniform(0.08, 0.14), b.rng.uniform(0.72, 0.8)
    if "fireplace" in b.present:
        x0, x1 = (x0 - 0.06, x0 + 0.3) if b.layout.side > 0 else (x1 - 0.3, x1 + 0.06)
        y1 = y0 + 0.42
    frame = [b.rect(-0.02, -0.02, x0, 1.02), b.rect(x1, -0.02, 1.02, 1.02), b.rect(x0, -0.02, x1, y0), b.rect(x0, y1, x1, 1.02)]
    b.add("window", frame, wall, 1.0)
    bars = [
        b.rect((x0 + x1) / 2 - 0.008, y0, (x0 + x1) / 2 + 0.008, y1),
        b.rect(x0, (y0 + y1) * 0.45 - 0.008, x1, (y0 + y1) * 0.45 + 0.008),
        b.rect(x0 - 0.01, y0 - 0.01, x1 + 0.01, y0 + 0.012),
        b.rect(x0 - 0.01, y1 - 0.012, x1 + 0.01, y1 + 0.01),
        b.rect(x0 - 0.01, y0, x0 + 0.012, y1),
        b.rect(x1 - 0.012, y0, x1 + 0.01, y1),
    ]
    b.add("window", bars, wall * 0.6 + b.roles.light * 0.4, 1.0)
    b.add("window", [b.rect(x0 - 0.05, y1 + 0.01, x1 + 0.05, y1 + 0.05)], wall * 0.5 + b.roles.light * 0.5, 1.0)
    if "fireplace" in b.present:
        b.add("window", [b.rect(-0.02, FLOOR, 1.02, 1.02)], wall * 0.7 + b.roles.dark * 0.3, 1.0)
        return  # the fireplace is drawn next, then the people by it
    if indoors(b) and "figure" in b.present:  # "a poet by the window": inside the room, seen from behind against the pane
        n = b.counts.get("figure", 1)
        for x in b.spread(n, x0 + 0.12, x1 - 0.12, near=x0 + (x1 - x0) * (0.3 if b.layout.side > 0 else 0.7) if n == 1 else None):
            b.add("figure", _person(x, 1.08, INDOOR_HEIGHT * (0.85 if n > 2 else 1.0), b.layout.aspect, b.rng), wall * 0.55, 1.0)


PERSON_RAILS = 2.0  # a person on a bridge stands this many railings tall (1.8 m over a 0.9-m parapet)
FAR_PEOPLE = 0.6  # people further up a beach or out on a pier are drawn smaller, down to this share of the nearest
INDOOR_HEIGHT = 0.62  # a person inside the room stands near the viewer: head and shoulders against the pane
FLOOR = 0.86  # y where a room with a fireplace meets its floor
HEARTH = (0.17, 0.43, 0.13, 0.6)  # a fireplace's half-width, mantel y, opening's half-width and opening's top y (relative)
BY_FIRE = 0.25  # a person stands this far (relative width) from the fireplace's middle, toward the window
FIRESIDE_HEIGHT = 0.5  # ... and is this tall (a room is nearer than a landscape's people)


def _wall(b: Builder) -> np.ndarray:
    return b.roles.dark * 0.7 + b.roles.lamp * 0.15 + b.roles.mid * 0.15


@subject(
    "fireplace",
    "a fireplace",
    "fireplaces",
    ("fireplace", "hearth", "fireside", "mantelpiece", "mantel", "inglenook", "chimneypiece", "hearthside"),
    FRONT,
    needs=("window",),
)
def fireplace(b: Builder, n: int) -> None:
    """A fireplace on the room's wall at the focal third, standing on the floor: a stone surround, a mantel shelf, a
    dark arched opening with a fire in it (the text's fire, or the fireplace's own), candles the text names on the
    mantel; then the people in the room, by the fire."""
    half, mantel, mouth, arch = HEARTH
    cx = 0.5 + b.layout.side * 0.26
    u = 1.0 / b.layout.aspect
    stone = _wall(b) * 0.45 + b.roles.light * 0.35 + b.roles.mid * 0.2
    wide = 1.2 * half * u  # the mantel shelf and the hearthstone reach past the surround
    b.add("fireplace", [b.rect(cx - half * u, mantel, cx + half * u, FLOOR), b.rect(cx - wide, FLOOR, cx + wide, FLOOR + 0.03)], stone, 1.0)
    b.add("fireplace", [b.rect(cx - wide, mantel - 0.03, cx + wide, mantel)], stone * 0.6 + b.roles.dark * 0.4, 1.0)
    t = np.linspace(0, np.pi, 17)
    top = np.stack([cx - mouth * u * np.cos(t), arch - 0.06 * np.sin(t)], 1)
    b.add("fireplace", [Poly(np.concatenate([[[cx - mouth * u, FLOOR]], top, [[cx + mouth * u, FLOOR]]]))], b.roles.dark * 0.6, 1.0)
    named = "fire" in b.present and not _candles(b)
    _flames(b, "fire" if named else "fireplace", cx, FLOOR - 0.01, 0.2, 1.0, reach=0.3)  # a full-size fire fills the mouth
    if "fire" in b.present and not named:  # "candles on the mantel"
        k = b.counts.get("fire", 1)
        for x in np.linspace(cx - half * u, cx + half * u, k + 2)[1:-1]:
            _candle(b, float(x), mantel - 0.03, 0.12)
    if "figure" in b.present:
        k = b.counts.get("figure", 1)
        near, far = cx - b.layout.side * BY_FIRE, 0.5 - b.layout.side * 0.42  # the nearest by the fire, the rest toward the window
        h = FIRESIDE_HEIGHT * (0.85 if k > 2 else 1.0)
        seated = "sitting" in b.kinds.get("figure", ())  # "a grandmother knitting by the fireplace": in a chair, facing the fire
        for x in np.linspace(near, far, k) if k > 1 else [near]:
            if seated:
                chair, person = _seated(float(x), 0.97, h, b.layout.aspect, float(b.layout.side))
                b.add("fireplace", chair, _wall(b) * 0.6 + b.roles.dark * 0.4, 1.0)
                b.add("figure", person, _wall(b) * 0.5, 1.0)
            else:
                b.add("figure", _person(float(x), 0.97, h, b.layout.aspect, b.rng), _wall(b) * 0.5, 1.0)


SEAT = 0.27  # a chair's seat above the floor, in the sitter's standing height


def _seated(x: float, floor: float, h: float, aspect: float, face: float) -> tuple[list, list]:
    """A person of standing height ``h`` sitting in a chair at ``x`` on the floor, seen from the side, facing right
    (``face`` 1) or left (-1): (the chair's parts: its back, seat and legs; the person's: head, upright body, thighs
    along the seat, shins to the floor, arms to the lap)."""
    u = h / aspect  # horizontal units
    seat = floor - SEAT * h
    back = face * -0.1 * u
    chair = [Poly([(x + back - 0.03 * u, seat), (x + back - 0.03 * u, seat - 0.48 * h), (x + back + 0.03 * u, seat - 0.5 * h),
                   (x + back + 0.03 * u, seat)]),
             Poly([(x + back, seat - 0.04 * h), (x + face * 0.24 * u, seat - 0.04 * h), (x + face * 0.24 * u, seat + 0.03 * h),
                   (x + back, seat + 0.03 * h)]),
             stroke([(x + back, seat), (x + back, floor)], 0.02 * h),
             stroke([(x + face * 0.22 * u, seat), (x + face * 0.22 * u, floor)], 0.02 * h)]
    w = 0.13 * u
    head = Ellipse(x, seat - 0.5 * h, 0.065 * h, 0.075 * h)
    body = Poly([(x - 0.55 * w, seat - 0.4 * h), (x + 0.55 * w, seat - 0.4 * h), (x + 0.45 * w, seat - 0.04 * h),
                 (x - 0.45 * w, seat - 0.04 * h)])
    knee = x + face * 0.26 * u
    person = [head, body, stroke([(x, seat - 0.07 * h), (knee, seat - 0.08 * h)], 0.06 * h),
              stroke([(knee, seat - 0.08 * h), (knee + face * 0.02 * u, floor)], 0.035 * h),
              stroke([(x + face * 0.3 * w, seat - 0.36 * h), (x + face * 0.2 * u, seat - 0.12 * h)], 0.025 * h)]
    return chair, person


FIRE_SPAN = 0.144  # relative width of a full-size fire: tongues 0.09 wide, jittered 0.6 of their half-width each way
FIRE_FILL = 0.7  # share of each fire's room (its range / count) it may fill; the jitter takes the rest
FIRE_JITTER = 0.12  # most a fire moves from its even place, as a share of the spacing (2 x 0.12 < 1 - FIRE_FILL)
WINDOW_VIEW = (0.26, 0.74)  # x range of fires seen through a window (its frame reaches 0.18 and 0.82 at most)
WINDOW_BASE = (0.6, 0.66)  # y of their base: above the window's sill (its pane ends at 0.72 at the highest)


@subject(
    "fire",
    "a fire",
    "fires",
    ("fire", "bonfire", "campfire", "flame", "blaze", "burning", "inferno", "ember", "candle", "torch", "wildfire", "candlelight",
     "taper"),
    OBJECT,
    countable=True,
    count=1,
    max_count=6,
    needs=("hills", "meadow"),
)
def fire(b: Builder, n: int) -> None:
    if "fireplace" in b.present:  # the fireplace draws the fire in its hearth (or candles on its mantel), after the room's wall
        return
    indoors = "window" in b.present  # candles seen through a window: inside its pane, above its sill
    lo, hi = WINDOW_VIEW if indoors else (0.12, 0.88)
    # Fires as wide as FIRE_SPAN fill at most FIRE_FILL of the room each has, so every one stays countable.
    size = min(1.0, FIRE_FILL * (hi - lo) / (n * FIRE_SPAN))
    if n == 1:
        xs = [float(np.clip(b.layout.focal_x, lo, hi))]
    else:  # evenly apart, jittered by at most FIRE_JITTER of their spacing, so they stay countable
        xs = np.linspace(lo, hi, n + 2)[1:-1] + b.rng.uniform(-FIRE_JITTER, FIRE_JITTER, n) * (hi - lo) / (n + 1)
    candles = _candles(b)
    for k, x in enumerate(xs):
        base = b.rng.uniform(*WINDOW_BASE) if indoors else b.horizon + b.rng.uniform(0.28, 0.36)
        h = b.rng.uniform(0.16, 0.24) * size
        if candles:  # "three candles": a wax stick and its small flame each, not a bonfire (on the window's sill)
            _candle(b, float(x), CANDLE_SILL if indoors else base, h)
            continue
        ring = _ring(b, float(x), base, h) if k == 0 and not indoors and b.placed("crowd") == "fire" else []
        _people(b, [p for p in ring if p[1] < base], depth=0.9)  # "a crowd around a bonfire": its far side, behind the flames
        _flames(b, "fire", float(x), base, h, size)
        if ring:
            b.ring = [p for p in ring if p[1] >= base]  # its near side, drawn by the crowd, in front of them


def _flames(b: Builder, name: str, x: float, base: float, h: float, size: float, reach: float = 1.0) -> None:
    """A fire of ``name`` at (x, base), ``h`` tall and ``size`` times full width: crossed logs, three layers of tongues
    (red, orange, yellow), sparks flying ``reach`` times as far as a bonfire's."""
    logs = [
        stroke([(x - 0.06 * size, base + 0.01), (x + 0.06 * size, base - 0.015)], 0.012),
        stroke([(x - 0.06 * size, base - 0.015), (x + 0.06 * size, base + 0.01)], 0.012),
    ]
    b.add(name, logs, b.roles.dark, 0.85)
    for layer, (scale, colour) in enumerate(
        ((1.0, np.array([0.85, 0.2, 0.08])), (0.72, np.array([0.98, 0.55, 0.1])), (0.42, np.array([1.0, 0.9, 0.5])))
    ):
        tongues = []
        for dx in b.rng.uniform(-0.6, 0.6, 4):
            hh = h * scale * b.rng.uniform(0.6, 1.0)
            w = 0.045 * scale * size / b.layout.aspect
            cx = x + dx * w
            tongues.append(
                Poly(
                    [
                        (cx - w, base),
                        (cx - 0.6 * w, base - 0.45 * hh),
                        (cx + 0.1 * w, base - hh),
                        (cx + 0.5 * w, base - 0.5 * hh),
                        (cx + w, base),
                    ]
                )
            )
        b.add(name, tongues, colour * 0.6 + b.roles.lamp * 0.4, 0.86 + 0.01 * layer, glow=True)
    sparks = [dot(x + b.rng.normal(0, 0.04 * reach), base - h - b.rng.uniform(0, 0.15 * reach), 0.003) for _ in range(14)]
    b.add(name, sparks, b.roles.lamp, 0.9, thin=True, glow=True)


CANDLES = frozenset({"candle", "candlelight", "taper"})  # fire words that name a candle, drawn as one
CANDLE_SILL = 0.705  # y of candles standing on a window's sill (its bottom bar's top lies at 0.708 or lower)


def _candles(b: Builder) -> bool:
    """Whether the text's fire is candles ("three candles", "by candlelight"): drawn as candles, not a blaze."""
    return any(word in CANDLES for kind in b.kinds.get("fire", ()) for word in kind.split())


def _candle(b: Builder, x: float, base: float, h: float) -> None:
    """A candle standing at (x, base), ``h`` tall with its flame: a cream wax stick, a dark wick, a teardrop flame."""
    w = 0.11 * h / b.layout.aspect
    stick = base - 0.62 * h
    b.add("fire", [b.rect(x - w, stick, x + w, base)], b.roles.light * 0.55 + np.array([0.42, 0.38, 0.3]), 0.85)
    b.add("fire", [stroke([(x, stick), (x, stick - 0.05 * h)], max(0.002, 0.012 * h))], b.roles.dark, 0.86)
    fw = 0.07 * h / b.layout.aspect
    flame = Poly([(x - fw, stick - 0.12 * h), (x - 0.6 * fw, stick - 0.24 * h), (x, stick - 0.38 * h), (x + 0.6 * fw, stick - 0.24 * h),
                  (x + fw, stick - 0.12 * h), (x, stick - 0.04 * h)])
    b.add("fire", [flame], np.array([1.0, 0.85, 0.45]) * 0.7 + b.roles.lamp * 0.3, 0.87, glow=True)


def _person(x: float, foot: float, h: float, aspect: float, rng: np.random.Generator, arms_up: bool = False) -> list:
    w = 0.13 * h / aspect
    head = Ellipse(x, foot - 0.9 * h, 0.065 * h, 0.075 * h)
    body = Poly(
        [(x - 0.55 * w, foot - 0.78 * h), (x + 0.55 * w, foot - 0.78 * h), (x + 0.45 * w, foot - 0.42 * h), (x - 0.45 * w, foot - 0.42 * h)]
    )
    step = rng.uniform(0.0, 0.25) * w
    legs = [
        stroke([(x - 0.2 * w, foot - 0.44 * h), (x - 0.25 * w - step, foot)], 0.03 * h),
        stroke([(x + 0.2 * w, foot - 0.44 * h), (x + 0.25 * w + step, foot)], 0.03 * h),
    ]
    arm_y = foot - (1.05 if arms_up else 0.45) * h
    arms = [
        stroke([(x - 0.5 * w, foot - 0.74 * h), (x - 0.9 * w, arm_y)], 0.025 * h),
        stroke([(x + 0.5 * w, foot - 0.74 * h), (x + 0.9 * w, arm_y)], 0.025 * h),
    ]
    return [head, body, *legs, *arms]


@subject(
    "figure",
    "a human figure",
    "human figures",
    (
        "figure",
        "person",
        "man",
        "woman",
        "girl",
        "boy",
        "child",
        "silhouette",
        "dancer",
        "walker",
        "wanderer",
        "traveller",
        "traveler",
        "stranger",
        "lover",
        "couple",
        "friend",
        "surfer",
        "runner",
        "sprinter",
        "rider",
        "fisherman",
        "poet",
        "singer",
        "musician",
        "guitarist",
        "self",
        "someone",
        "somebody",
        "pedestrian",
        "hiker",
        "stroller",
        "swimmer",
        "tourist",
        "sailor",
        "farmer",
        "monk",
        "lady",
        "kid",
        "mother",
        "father",
        "passer-by",
        "wayfarer",
        "pilgrim",
        # added after round 4's audit: people a user names by role
        "samurai",
        "knight",
        "warrior",
        "soldier",
        "king",
        "queen",
        "prince",
        "princess",
        "witch",
        "wizard",
        "nun",
        "priest",
        "ballerina",
        "cowboy",
        "astronaut",
        "shepherd",
        "bride",
        "groom",
        "cyclist",
        "skater",
        "drummer",
        "violinist",
        "pianist",
        "dreamer",
        "keeper",
        # round 5: family and trade words a user names people by
        "grandmother",
        "grandfather",
        "grandma",
        "grandpa",
        "granny",
        "grandchild",
        "daughter",
        "son",
        "sister",
        "brother",
        "fisherwoman",
        "gardener",
        "shepherdess",
        "villager",
        "student",
        "teacher",
        "painter",
        "writer",
        "reader",
        "old man",
        "old woman",
        "shopper",
        "commuter",
        "passenger",
        # round 6: a family is a group of people (text.GROUPS gives its size)
        "family",
        # round 10: people named by their sport or trade
        "rower",
        "oarsman",
        "climber",
        "mountaineer",
        "jogger",
        "skier",
        "diver",
        "kayaker",
        "canoeist",
        "angler",
        "hunter",
        "worker",
        "player",
        "photographer",
        "artist",
        "busker",
        "vendor",
        "spectator",
        "protester",
        "bather",
        "sunbather",
    ),
    OBJECT,
    countable=True,
    count=1,
    max_count=8,
)
def figure(b: Builder, n: int) -> None:
    """``n`` people standing in the foreground, or where the text puts them: in the boats ("a fisherman in his
    boat": one in each of the largest boats, the rest ashore), on a bridge's walkway, or at the window (the window
    draws them, inside the room: :func:`window`)."""
    if indoors(b):  # the window (or the fireplace) draws them, inside the room
        return
    if b.places.get("figure") == "boat" and b.boats:
        for x, y, s in sorted(b.boats, key=lambda boat: -boat[2])[:n]:
            w = s / b.layout.aspect
            b.add("figure", _person(x - 0.42 * w, y - 0.2 * s, 0.95 * s, b.layout.aspect, b.rng), b.roles.dark, 0.9)
        n -= min(n, len(b.boats))
    if b.placed("figure") == "bridge" and b.bridge is not None:  # "two figures on a bridge": on its walkway
        top, rail = b.bridge
        for x in b.spread(n, 0.12, 0.88, near=b.layout.focal_x):
            b.add("figure", _person(x, top, PERSON_RAILS * rail * b.rng.uniform(0.92, 1.08), b.layout.aspect, b.rng), b.roles.dark, 0.95)
        return
    if b.shore is not None and b.placed("figure") in (None, "shore"):  # people on a beach stand on its sand, not in the sea
        for x, foot in b.on_shore(n):
            h = b.rng.uniform(0.24, 0.3) * (0.75 if n > 3 else 1.0) * max(FAR_PEOPLE, (foot - b.horizon) / (0.93 - b.horizon))
            b.add("figure", _person(x, foot, h, b.layout.aspect, b.rng), b.roles.dark, 0.95)
        return
    xs = b.spread(n, 0.1, 0.9, near=1.0 - b.layout.focal_x if {"lighthouse", "tree", "fire"} & b.present else b.layout.focal_x) if n else []
    for x in xs:
        foot = b.rng.uniform(0.9, 0.96)
        if b.placed("figure") == "bank" and b.river is not None:  # on the river's bank, beside its water
            cx, _, half = (float(np.interp(foot, b.river[:, 1], b.river[:, c])) for c in range(3))
            x = cx + (1.0 if x > cx else -1.0) * (half + 0.08 / b.layout.aspect)
        h = b.rng.uniform(0.24, 0.3) * (0.75 if n > 3 else 1.0)
        b.add("figure", _person(x, foot, h, b.layout.aspect, b.rng), b.roles.dark, 0.95)


RING = (0.24, 0.07)  # half-width and half-depth (relative) of the ring of people around a fire, at its base
RING_GAP = 0.55  # radians either side of the ring's nearest point left open, so no one stands in front of the flames
RING_PEOPLE = (9, 7)  # people in a ring: this many, plus this many more with the music's density
RING_HEIGHT = 1.15  # a person at the fire stands this many of its flames' heights tall (1.7-m people, a 1.5-m bonfire)


def _ring(b: Builder, x: float, base: float, h: float) -> list[tuple[float, float, float, bool]]:
    """The people of a ring around the fire at ``(x, base)`` with flames ``h`` tall, far to near: each one's ``(x,
    foot, height, arms up)``, nearer ones larger (a ground plane's perspective), none straight in front of the flames."""
    k = RING_PEOPLE[0] + int(RING_PEOPLE[1] * b.mood.density)
    step = (2 * np.pi - 2 * RING_GAP) / k  # evenly round but for the gap (angle pi/2 is the ring's nearest point, y down)
    angles = np.pi / 2 + RING_GAP + (np.arange(k) + 0.5) * step + b.rng.uniform(-0.25, 0.25, k) * step
    arms = b.rng.random(k) < 0.15 + 0.4 * b.mood.energy
    people = []
    for a, up in sorted(zip(angles, arms), key=lambda item: np.sin(item[0])):
        foot = base + RING[1] * float(np.sin(a))
        scale = (foot - b.horizon) / max(base - b.horizon, 1e-6)
        people.append((x + RING[0] * float(np.cos(a)) / b.layout.aspect, foot, RING_HEIGHT * h * scale, bool(up)))
    return people


def _people(b: Builder, people: list[tuple[float, float, float, bool]], *, depth: float) -> None:
    """Silhouettes of the crowd at ``(x, foot, height, arms up)`` each, as one shape (nothing for no one)."""
    parts = [part for x, foot, h, up in people for part in _person(x, foot, h, b.layout.aspect, b.rng, arms_up=up)]
    if parts:
        b.add("crowd", parts, b.roles.dark * 0.85, depth)


@subject(
    "crowd",
    "a crowd of silhouettes",
    "crowds",
    ("crowd", "people", "audience", "festival", "concert", "parade", "spectators", "protesters", "revellers", "party",
     "jazz band", "rock band", "brass band", "marching band", "choir", "orchestra"),
    FRONT,
)
def crowd(b: Builder, n: int) -> None:
    """A band of silhouettes across the foreground, some arms raised (more with energy); or, where the text puts the
    crowd around a fire, the near side of a ring of people about it (the fire drew the far side, behind its flames)."""
    if b.ring is not None:
        _people(b, b.ring, depth=1.0)
        return
    parts = []
    k = int(22 + 20 * b.mood.density)
    for x in np.sort(b.rng.uniform(-0.03, 1.03, k)):
        h = b.rng.uniform(0.16, 0.26)
        parts += _person(
            float(x), 1.08 + b.rng.uniform(0, 0.04), h, b.layout.aspect, b.rng, arms_up=b.rng.random() < 0.15 + 0.4 * b.mood.energy
        )
    b.add("crowd", parts, b.roles.dark * 0.85, 1.0)
