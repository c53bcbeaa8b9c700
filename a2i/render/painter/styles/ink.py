"""Ink and brush (after sumi-e): the scene in washes of diluted ink on paper, outlined with a dry brush.

Each subject is a wash whose ink is thinner the further away it is (far mountains a pale grey, the near
shore and the figures nearly black), darker where the wet wash pooled at its edges; its outline is a dry-brush
stroke broken into hairs of bare paper (more broken for acoustic music), and energetic music flicks splatter
around the focal point. A red seal signs the corner. The paper takes the sky's colour, the ink the subjects'
own, so the prompt's colours hold. At night the sky is a dark wash, the lights bare paper and water a thin wash.
In a video the washes are laid in the order the scene drew them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from a2i.render.painter.styles.base import Layers, Motion, Painting, StyleSpec, mix, rgba, soften, stamp, value_noise

SEAL = np.array([0.72, 0.12, 0.1])  # vermilion seal paste (cinnabar)
THIRDS = np.full((3, 1), 1.0 / 3.0, dtype=np.float32)  # RGB -> the mean of the channels, as a matrix product
# Ink night paintings (sumi-e moonlit scenes) lay the sky in a dark wash and leave the moon as bare paper:
NIGHT_WASH = 0.85  # how much of the sky the night wash covers (the rest is the paper showing through, unevenly)
NIGHT_INK = 0.7  # the night wash's ink relative to the sky's own (already dark) night colour
NIGHT_WATER = 0.5  # water's wash is this thin at night: it keeps the paper's light, as moonlit water does (a river
# washed as dark as the land beside it measured dE2000 0.5 from it)
SEAL_SIZE = (0.05, 0.08)  # the seal's width and height (fractions of the short side): a signature, small beside the subjects
SEAL_GRID = 2  # carved strokes on a 2 x 2 grid per character, two characters stacked (a name seal), bold enough to read


def _seal(p: Painting, width: int, height: int) -> np.ndarray:
    """The alpha of a tall artist's seal ``width`` x ``height`` px: red paste with a rounded edge nibbled where
    the paste did not take, a carved border, two characters of carved (white) strokes stacked, patchy ink."""
    scale = 4  # drawn at 4x and reduced: anti-aliased strokes
    big_w, big_h = width * scale, height * scale
    image = Image.new("L", (big_w, big_h), 0)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big_w - 1, big_h - 1), radius=big_w // 6, fill=255)
    line = max(2, big_w // 9)
    inset = big_w // 8
    draw.rectangle((inset, inset, big_w - 1 - inset, big_h - 1 - inset), outline=0, width=max(1, line // 2))
    inner = 2 * inset
    cell_w, cell_h = (big_w - 2 * inner) / SEAL_GRID, (big_h - 2 * inner - inset) / (2 * SEAL_GRID)
    for char in range(2):  # two characters, each a few carved horizontal and vertical strokes on a grid
        top = inner + char * (SEAL_GRID * cell_h + inset)
        for k in range(SEAL_GRID + 1):
            a, z = sorted(p.rng.integers(0, SEAL_GRID + 1, 2))
            if z > a or k == 0:  # every character has at least its top stroke
                a, z = (0, SEAL_GRID) if z == a else (a, z)
                draw.line((inner + a * cell_w, top + k * cell_h, inner + z * cell_w, top + k * cell_h), fill=0, width=line)
            a, z = sorted(p.rng.integers(0, SEAL_GRID + 1, 2))
            if z > a:
                draw.line((inner + k * cell_w, top + a * cell_h, inner + k * cell_w, top + z * cell_h), fill=0, width=line)
    for _ in range(5):  # the rim nibbled where the paste did not take
        t = p.rng.random()
        bx, by = ((t * big_w, 0), (t * big_w, big_h), (0, t * big_h), (big_w, t * big_h))[int(p.rng.integers(4))]
        r = p.rng.uniform(0.03, 0.07) * big_w
        draw.ellipse((bx - r, by - r, bx + r, by + r), fill=0)
    alpha = np.asarray(image.reduce(scale), dtype=np.float32) / 255.0
    patchy = value_noise(p.rng, 3, width, height)  # the paste took unevenly
    return alpha * np.clip(0.84 + 0.22 * patchy, 0.5, 0.96)


def draw(p: Painting) -> Layers:
    w, h = p.canvas.width, p.canvas.height
    short = min(w, h)
    flat = p.flat()
    sky = p.raster.coverage(np.zeros(len(p.scene.stack.shapes)), sky=True)
    named = bool(p.scene.reading.colours)
    paper_tone = flat if named else p.roles.light * 0.25 + 0.75  # named colours: the paper takes them
    grain = p.noise(60)  # one texture for the paper, the wash's unevenness and the brush's hairs
    # The subjects' ink greyed: their colour mixed 0.3 into its grey (the channels' mean, as a product with a
    # column: 13x faster than ndarray.mean over the last axis; broadcast over the channels by ``mix``).
    greyed = flat if named else mix(flat @ THIRDS, flat, 0.3)
    night = p.scene.plan.time == "night" and not named  # a named night's sky is already the night's colour
    if night:  # an ink night: the sky laid in a dark wash of its own colour, greyed as the subjects' ink is
        row = p.raster.sky_gradient()[:, :1]  # the sky's colour row by row (it is a vertical gradient)
        row_ink = mix(row.mean(axis=2, keepdims=True) * np.ones(3, np.float32), row, 0.3) * NIGHT_INK
        paper = np.multiply((sky * (NIGHT_WASH + 0.04 * grain))[..., None], row_ink - paper_tone, dtype=np.float32)
        paper += paper_tone  # (in place: a night's paper is a full picture, not one tone)
        paper *= (1 + 0.014 * grain)[..., None]
    else:
        paper = paper_tone * (1 + 0.014 * grain)[..., None]
    # 1. Washes: ink (the subject's colour, mostly greyed unless the prompt named it) thinned with distance,
    #    pooled darker at the wash's edges; at night the lights (moon, stars, lamps) are paper left bare.
    if night:  # one field for both (speed): the depth read back where the wash is full, the lights and water aside
        strength = p.raster.field(0.0, [(0.45 + 0.55 * shape.depth) * (not shape.glow) * (NIGHT_WATER if shape.water else 1.0)
                                        for shape in p.scene.stack.shapes])
        depth = np.clip((strength - 0.45) / 0.55, 0.0, 1.0)
    else:
        depth = p.depth()
        strength = (0.45 + 0.55 * depth) * (1 - sky)
    ink = greyed * ((0.85 if named else 0.55) + 0.15 * depth[..., None])  # named colours keep their own value
    edges = p.raster.edges()
    pooled = np.clip(soften(edges, 0.004 * short) * 2.2, 0, 1) * (1 - sky)
    wash = mix(paper, ink, np.clip(strength * (0.9 + 0.06 * grain), 0, 1))
    wash = wash * (1 - 0.28 * pooled)[..., None]
    # 2. Dry-brush outlines: the edge thickened, broken by horizontal hair streaks.
    rows = p.rng.random(max(8, h // 3)).astype(np.float32)
    hairs = np.repeat(rows, int(np.ceil(h / len(rows))))[:h, None]  # one value a row, broadcast along it
    hairs = np.clip((hairs + 0.3 * grain - 0.25 - 0.35 * p.mood.organic) * 4, 0, 1)
    brush = np.clip(soften(edges, (0.0012 + 0.0016 * (1 - p.mood.hardness)) * p.mood.mark_scale * short) * 3.0, 0, 1) * hairs
    rgb = mix(wash, p.roles.dark * 0.6, brush * 0.85)
    # 3. Splatter around the focal point, and the seal.
    fx, horizon = p.scene.layout.focal_x, p.scene.layout.horizon
    k = int(8 + 90 * p.mood.energy**2)
    marks = [("dot", (fx + p.rng.normal(0, 0.12), horizon + p.rng.normal(0, 0.12), p.rng.uniform(0.0008, 0.005)),
              rgba(p.roles.dark * 0.5, p.rng.uniform(0.5, 0.9))) for _ in range(k)]
    over = stamp(p.canvas, marks)
    rgb = mix(rgb, over[..., :3], over[..., 3])
    # The seal signs the corner away from the focal subject, low, as a signature does.
    sw, sh = max(8, int(SEAL_SIZE[0] * short)), max(12, int(SEAL_SIZE[1] * short))
    left = int(0.93 * w) - sw if fx < 0.5 else int(0.07 * w)
    top = int(0.93 * h) - sh
    seal = _seal(p, sw, sh)[..., None]
    rgb[top:top + sh, left:left + sw] = rgb[top:top + sh, left:left + sw] * (1 - seal) + SEAL * seal
    return p.finish(rgb)


STYLE = StyleSpec(
    name="ink",
    draw=draw,
    motion=Motion(shimmer=0.2, speed=0.15, front=2.0),
    summary="ink and brush: washes thinned with distance, pooled edges, dry-brush outlines, splatter, a seal",
)
