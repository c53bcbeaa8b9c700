"""Subjects of the land: mountains, hills, dunes, forest, a single tree, a meadow of flowers, a road."""

from __future__ import annotations

import numpy as np

from a2i.render.painter.colours import lab_of, lab_to_srgb, mood_moved
from a2i.render.painter.scene.builder import Builder, dot, stroke
from a2i.render.painter.scene.stack import Ellipse, Poly
from a2i.render.painter.scene.subjects.base import FAR, LAND, OBJECT, subject


@subject(
    "mountains",
    "mountains",
    "mountains",
    ("mountain", "peak", "summit", "alp", "cliff", "canyon", "ridge", "crag", "mountainside", "range"),
    FAR,
)
def mountains(b: Builder, n: int) -> None:
    for k, depth in enumerate((0.0, 0.25)):
        ridge = b.ridge(b.horizon + 0.01, (0.32 - 0.1 * k) * b.rng.uniform(0.8, 1.1), b.mood.energy, jagged=True)
        b.add("mountains", [b.below(ridge, b.horizon + 0.08)], b.aerial(b.roles.far, depth), depth)
        if k == 0 and ("snow" in b.weather or b.rng.random() < 0.4):  # snowcaps on the far range
            top = ridge[:, 1].min()
            line = ridge.copy()
            cap = []
            for i in range(1, len(line) - 1):
                if line[i, 1] < top + 0.06 and line[i, 1] <= line[i - 1, 1] and line[i, 1] <= line[i + 1, 1]:
                    x, y = line[i]
                    cap.append(Poly([(x, y), (x + 0.035, y + 0.05), (x - 0.035, y + 0.05)]))
            b.add("mountains", cap, b.roles.light * 0.3 + 0.7, depth)


@subject(
    "hills",
    "hills",
    "hills",
    ("hill", "hillside", "hilltop", "knoll", "rolling", "countryside", "slope", "moor", "prairie", "farmland", "valley", "downs"),
    LAND,
)
def hills(b: Builder, n: int) -> None:
    layers = 1 if b.has_water else 3
    for k in range(layers):
        depth = 0.2 if b.has_water else k / 2
        base = b.horizon + (0.005 if b.has_water else 0.02 + 0.2 * k)
        height = (0.07 if b.has_water else 0.1 - 0.02 * k) * b.rng.uniform(0.8, 1.2)
        ridge = b.ridge(base, height, 0.3 * b.mood.energy, jagged=False)
        bottom = b.horizon + 0.03 if b.has_water else 1.02
        b.add("hills", [b.below(ridge, bottom)], b.aerial(b.roles.mid if k < 2 else b.roles.near, depth), depth)


@subject("dunes", "desert dunes", "desert dunes", ("dune", "desert", "sahara", "sand dune", "erg"), LAND)
def dunes(b: Builder, n: int) -> None:
    for k in range(3):
        depth = k / 2
        crest_x = b.rng.uniform(0.2, 0.8)
        base = b.horizon + 0.02 + 0.2 * k
        h = (0.12 - 0.02 * k) * b.rng.uniform(0.8, 1.2)
        x = np.linspace(-0.02, 1.02, 80)
        y = base - h * np.exp(-(((x - crest_x) / b.rng.uniform(0.25, 0.45)) ** 2)) - 0.02 * np.sin(3 * x + k)
        sand = b.aerial((b.roles.far, b.roles.mid, b.roles.near)[k] * 0.85 + b.roles.light * 0.15, depth)
        line = np.stack([x, y], 1)
        b.add("dunes", [b.below(line)], sand, depth)
        # The lee side in shadow: from the crest down-wind.
        i = int(np.argmin(y))
        slope = line[i:] if crest_x < 0.5 else line[: i + 1]
        shade = np.concatenate([slope, (slope + [0.0, 0.035 + 0.03 * depth])[::-1]])
        b.add("dunes", [Poly(shade)], sand * 0.72, depth)


def _conifer(x: float, base: float, h: float, aspect: float) -> Poly:
    w = 0.22 * h / aspect
    tiers = []
    for t in range(3):
        top = base - h + t * 0.28 * h
        width = w * (0.55 + 0.25 * t)
        tiers += [(x - width, top + 0.45 * h), (x - 0.35 * width, top + 0.38 * h)]
    left = [(x, base - h)] + tiers + [(x - 0.1 * w, base + 0.02)]
    right = [(2 * x - px, py) for px, py in reversed(left[1:])]
    return Poly(left + right)


FOREST_EDGES = ((-0.05, 0.13), (0.87, 1.05))  # x ranges of the forest's near trees, at the picture's left and right
FOREST_EDGE_TREES = (3, 3)  # near trees on each side: this many, plus this many more with the music's density
FOREST_EDGE_HEIGHT = (0.4, 0.62)  # their heights (relative): standing on the picture's bottom, up past the horizon
FOREST_EDGE_DEPTH = 0.95  # how near they stand (0 far .. 1 near): in front of everything on the land
FOREST_EDGE_SHADE = 0.3  # their colour, a share of the scene's dark role: darker than the land and water they frame


@subject(
    "forest", "a forest", "forests", ("forest", "woods", "woodland", "pines", "pine", "jungle", "grove", "trees", "spruce", "firs"), LAND
)
def forest(b: Builder, n: int) -> None:
    """Rows of conifers across the land, far ones small and faded, massed into a band (beside water, one row on the far
    shore); then the forest's near edge at both sides of the picture, tall trees framing what lies between ("a forest
    of pines around a lake", "a river through a forest"): a row on the horizon alone read as a hedge, not a forest."""
    rows = ((0.3, b.horizon + 0.005, 0.05), (0.6, b.horizon + 0.09, 0.09)) if not b.has_water else ((0.3, b.horizon + 0.002, 0.06),)
    for depth, base, h in rows:
        xs = np.sort(b.rng.uniform(-0.02, 1.02, int(26 + 20 * b.mood.density)))
        trees = [_conifer(x, base + b.rng.uniform(-0.01, 0.01), h * b.rng.uniform(0.7, 1.3), b.layout.aspect) for x in xs]
        bottom = b.horizon + 0.02 if b.has_water else 1.02
        trees.append(b.rect(-0.02, base - 0.005, 1.02, bottom))
        b.add("forest", trees, b.aerial(b.roles.dark * 0.6 + b.roles.mid * 0.4, depth), depth)
    near = b.roles.dark * FOREST_EDGE_SHADE  # near and against the light: darker than what they frame
    for lo, hi in FOREST_EDGES:
        k = FOREST_EDGE_TREES[0] + int(FOREST_EDGE_TREES[1] * b.mood.density)
        trees = [_conifer(float(x), b.rng.uniform(0.97, 1.05), b.rng.uniform(*FOREST_EDGE_HEIGHT), b.layout.aspect)
                 for x in np.sort(b.rng.uniform(lo, hi, k))]
        b.add("forest", trees, near, FOREST_EDGE_DEPTH)


@subject(
    "tree",
    "a tree",
    "trees",
    ("tree", "oak", "willow", "birch", "maple", "cypress", "palm", "baobab", "elm", "cedar", "sycamore", "beech", "ash tree", "sapling"),
    OBJECT,
    countable=True,
    count=1,
    max_count=7,
    needs=("hills", "meadow"),
)
def tree(b: Builder, n: int) -> None:
    """``n`` trees, the largest at the focal point; each drawn in the shape of the kind the text names (a palm,
    a cypress, a pine), taken in turn when it names several, else a round broadleaf crown."""
    xs = b.spread(n, 0.08, 0.92, near=b.layout.focal_x)
    shapes = list(dict.fromkeys(_tree_shape(kind) for kind in b.kinds.get("tree", ()))) or ["round"]
    turn = sorted(range(len(xs)), key=lambda i: abs(xs[i] - b.layout.focal_x) > 1e-9)  # the main tree takes the first kind
    for i, x in enumerate(xs):
        main = abs(x - b.layout.focal_x) < 1e-9
        base = b.horizon + (0.32 if main else b.rng.uniform(0.16, 0.3))
        h = (0.42 if main else 0.26) * b.rng.uniform(0.85, 1.1)
        shape = shapes[turn.index(i) % len(shapes)]
        if shape != "round":
            b.add("tree", TREE_SHAPES[shape](x, base, h, b.layout.aspect, b.rng), b.roles.dark * 0.7 + b.roles.near * 0.3, 0.8)
            continue
        tw = 0.012 * h / 0.3 / b.layout.aspect * 1.6
        parts = [Poly([(x - tw, base), (x - 0.4 * tw, base - 0.55 * h), (x + 0.4 * tw, base - 0.55 * h), (x + tw, base)])]
        crown = base - 0.68 * h
        for dx, dy, s in zip(b.rng.uniform(-1, 1, 7), b.rng.uniform(-1, 0.6, 7), b.rng.uniform(0.5, 0.8, 7)):
            parts.append(Ellipse(x + dx * 0.17 * h / b.layout.aspect, crown + dy * 0.16 * h, s * 0.2 * h, s * 0.16 * h))
        parts += [stroke([(x, base - 0.5 * h), (x + s * 0.12 * h / b.layout.aspect, base - 0.72 * h)], 0.006) for s in (-1, 1)]
        b.add("tree", parts, b.roles.dark * 0.7 + b.roles.near * 0.3, 0.8)


def _tree_shape(kind: str) -> str:
    """The outline a kind of tree is drawn with ("palm tree" -> "palm"; an oak or an unnamed tree: "round")."""
    return next((shape for shape, words in TREE_KINDS.items() if any(w in kind.split() for w in words)), "round")


TREE_KINDS = {  # shape -> the words that name a tree of that outline
    "palm": ("palm", "coconut", "date"),
    "cypress": ("cypress", "poplar", "juniper"),
    "conifer": ("pine", "fir", "spruce", "cedar", "conifer", "evergreen", "larch", "sequoia", "redwood", "christmas"),
}


def _palm(x: float, base: float, h: float, aspect: float, rng: np.random.Generator) -> list:
    """A palm: a slender trunk leaning and curving up to a crown of drooping fronds."""
    lean = rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.12) * h / aspect
    t = np.linspace(0.0, 1.0, 12)
    cx, cy = x + lean * t**1.6, base - h * 0.78 * t
    half = (0.022 - 0.01 * t) * h / aspect
    trunk = Poly(np.concatenate([np.stack([cx - half, cy], 1), np.stack([cx + half, cy], 1)[::-1]]))
    top = (float(cx[-1]), float(cy[-1]))
    fronds = []
    for a in np.linspace(-2.7, -0.45, 7) + rng.uniform(-0.12, 0.12, 7):  # radians from the crown, up and out
        reach = h * rng.uniform(0.26, 0.34)
        u = np.linspace(0.0, 1.0, 9)
        fx = top[0] + np.cos(a) * reach * u / aspect
        fy = top[1] + np.sin(a) * reach * u + 0.55 * reach * u**2  # each frond arches and droops at its tip
        width = 0.045 * h * np.sin(np.pi * np.clip(u, 0.02, 0.98)) ** 0.7
        nx, ny = -np.sin(a), np.cos(a)
        upper = np.stack([fx + nx * width / aspect, fy + ny * width], 1)
        lower = np.stack([fx - nx * width * 0.3 / aspect, fy - ny * width * 0.3], 1)
        fronds.append(Poly(np.concatenate([upper, lower[::-1]])))
    return [trunk, *fronds]


def _cypress(x: float, base: float, h: float, aspect: float, rng: np.random.Generator) -> list:
    """A cypress: a tall, narrow flame of dark foliage on a short trunk."""
    w = h * rng.uniform(0.085, 0.11) / aspect
    t = np.linspace(0.0, 1.0, 16)
    width = w * np.sin(np.pi * t**0.75) ** 0.8  # widest a third of the way up, drawn to a point at the top
    ys = base - 0.06 * h - 0.94 * h * t
    outline = np.concatenate([np.stack([x - width, ys], 1), np.stack([x + width, ys], 1)[::-1]])
    trunk = Poly([(x - 0.15 * w, base), (x - 0.15 * w, base - 0.08 * h), (x + 0.15 * w, base - 0.08 * h), (x + 0.15 * w, base)])
    return [trunk, Poly(outline)]


def _pine(x: float, base: float, h: float, aspect: float, rng: np.random.Generator) -> list:
    """A pine or fir: the forest's tiered conifer, alone."""
    return [_conifer(x, base, h, aspect)]


TREE_SHAPES = {"palm": _palm, "cypress": _cypress, "conifer": _pine}


@subject(
    "meadow",
    "a meadow of flowers",
    "meadows",
    (
        "meadow",
        "flower",
        "wildflower",
        "blossom",
        "blooming",
        "garden",
        "grass",
        "grassy",
        "poppy",
        "sunflower",
        "tulip",
        "daisy",
        "lavender field",
        "bloom",
        "petal",
        "dandelion",
        "lawn",
        "park",
        "field",
        "wheat",
        "pasture",
        "orchid",
        "rose garden",
        # round 10: grasslands by other names
        "plains",
        "savanna",
        "savannah",
        "steppe",
        # added in round 5: flowers that keep their own colours (FLOWER_COLOURS)
        "buttercup",
        "daffodil",
        "marigold",
        "bluebell",
        "cornflower",
    ),
    LAND,
)
def meadow(b: Builder, n: int) -> None:
    """A meadow under its flowers: flowers of the kinds the text names keep their own colours (sunflowers yellow,
    poppies red; moved by the mood like a named colour), else the palette's accents. A colour the text writes on
    the flowers ("blue poppies") still wins: it recolours them afterwards (scene._colour_small)."""
    top = b.horizon + (0.22 if b.has_water else 0.1)
    ridge = b.ridge(top, 0.05, 0.2, jagged=False)
    b.add("meadow", [b.below(ridge)], b.roles.near * 0.7 + b.roles.mid * 0.3, 0.9)
    k = int(140 + 120 * b.mood.density)
    ys = top + (1.02 - top) * b.rng.random(k) ** 0.7
    xs = b.rng.random(k)
    kinds = [FLOWER_COLOURS[w] for kind in b.kinds.get("meadow", ()) for w in kind.split() if w in FLOWER_COLOURS]
    own = [lab_to_srgb(mood_moved(lab_of(name), b.mood.valence, b.mood.energy)) * 0.85 + b.roles.light * 0.15
           for name in dict.fromkeys(kinds)]
    colours = own or [colour * 0.7 + b.roles.light * 0.3 for colour in b.roles.accents]
    for c, colour in enumerate(colours):
        pick = np.arange(k) % len(colours) == c
        parts = [dot(x, y, 0.003 + 0.012 * (y - top) / (1.02 - top)) for x, y in zip(xs[pick], ys[pick])]
        b.add("meadow", parts, colour, 0.95, thin=True)


FLOWER_COLOURS = {  # a flower's own colour (a name of colours.NAMED), used unless the text colours the flowers
    "sunflower": "yellow",
    "dandelion": "yellow",
    "buttercup": "yellow",
    "daffodil": "yellow",
    "marigold": "orange",
    "poppy": "red",
    "tulip": "red",
    "rose": "red",
    "daisy": "white",
    "lavender": "lavender",
    "bluebell": "blue",
    "cornflower": "cornflower blue",
    "orchid": "magenta",
    "wheat": "gold",
}


@subject(
    "road",
    "a road into the distance",
    "roads",
    ("road", "highway", "path", "lane", "track", "trail", "route", "asphalt", "motorway"),
    LAND,
    needs=("hills", "meadow", "dunes", "forest"),
)
def road(b: Builder, n: int) -> None:
    vx = b.layout.focal_x
    y0 = b.horizon + 0.01
    bend = b.rng.uniform(-0.15, 0.15)
    t = np.linspace(0, 1, 30)
    centre = vx + bend * t**2 + (0.5 - vx) * t**1.5
    ys = y0 + (1.03 - y0) * t
    half = 0.004 + 0.38 * t**1.3
    left, right = np.stack([centre - half, ys], 1), np.stack([centre + half, ys], 1)[::-1]
    b.add("road", [Poly(np.concatenate([left, right]))], b.roles.dark * 0.6 + b.roles.mid * 0.4, 0.7)
    dashes = [stroke([(centre[i], ys[i]), (centre[i + 1], ys[i + 1])], 0.002 + 0.01 * t[i]) for i in range(2, 29, 3)]
    b.add("road", dashes, b.roles.lamp * 0.5 + b.roles.light * 0.5, 0.75, thin=True)
