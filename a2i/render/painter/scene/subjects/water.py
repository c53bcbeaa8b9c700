"""Subjects of the water and the coast: sea with waves, lake, river, shore, boats, a lighthouse, a bridge."""

from __future__ import annotations

import numpy as np

from a2i.render.painter.scene.builder import Builder, dot, stroke
from a2i.render.painter.scene.stack import Poly
from a2i.render.painter.scene.subjects.base import LAND, OBJECT, WATER, subject


def _waves(b: Builder, subject_name: str, top: float, bottom: float, count: int) -> None:
    """Wave crests over water between ``top`` and ``bottom``: shorter and closer together toward the horizon."""
    parts = []
    for _ in range(count):
        f = b.rng.random() ** 1.6
        y = top + (bottom - top) * f
        x = b.rng.uniform(-0.05, 1.05)
        span = (0.015 + 0.09 * f) * b.rng.uniform(0.6, 1.4)
        lift = (0.002 + 0.01 * f) * (0.5 + b.mood.energy)
        xs = np.linspace(x - span, x + span, 7)
        ys = y - lift * np.sin(np.linspace(0, np.pi, 7))
        parts.append(stroke(np.stack([xs, ys], 1), 0.0015 + 0.004 * f))
    b.add(subject_name, parts, b.roles.water * 0.35 + b.roles.light * 0.65, 0.6, thin=True)


@subject(
    "sea",
    "the sea with waves",
    "seas",
    ("sea", "ocean", "wave", "surf", "swell", "seascape", "tide", "bay", "harbour", "harbor", "gulf", "seaside", "maritime", "breaker",
     "inlet", "marina"),
    WATER,
)
def sea(b: Builder, n: int) -> None:
    b.add("sea", [b.rect(-0.02, b.horizon, 1.02, 1.02)], b.roles.water, 0.5, water=True)
    # The light's path on the water, under the sun or moon.
    lx = b.layout.light_x
    glints = [
        stroke([(lx + d - w, y), (lx + d + w, y)], 0.002 + 0.004 * (y - b.horizon))
        for y, d, w in zip(np.linspace(b.horizon + 0.01, 1.0, 24), b.rng.normal(0, 0.02, 24), b.rng.uniform(0.01, 0.06, 24))
    ]
    b.add("sea", glints, b.roles.light * 0.7 + b.roles.water * 0.3, 0.55, thin=True)
    _waves(b, "sea", b.horizon + 0.01, 1.0, int(30 + 30 * b.mood.rhythm + 40 * b.mood.energy))


@subject("lake", "a lake", "lakes", ("lake", "pond", "pool", "lagoon", "loch", "reservoir"), WATER)
def lake(b: Builder, n: int) -> None:
    far_bank = b.ridge(b.horizon + 0.005, 0.02, 0.2, jagged=False)
    b.add("lake", [b.below(far_bank, b.horizon + 0.06)], b.aerial(b.roles.mid, 0.3), 0.3)
    near = b.horizon + b.rng.uniform(0.2, 0.3)
    b.add("lake", [b.rect(-0.02, b.horizon + 0.02, 1.02, near + 0.05)], b.roles.water, 0.5, water=True)
    _waves(b, "lake", b.horizon + 0.03, near, int(10 + 20 * b.mood.energy))
    bank = b.ridge(near, 0.03, 0.3, jagged=False)
    b.add("lake", [b.below(bank)], b.roles.near, 0.85)
    b.bank = near + 0.01


@subject(
    "river",
    "a river",
    "rivers",
    ("river", "stream", "creek", "brook", "canal", "waterway", "estuary", "riverbank", "riverside"),
    WATER,
    needs=("hills", "meadow", "forest"),
)
def river(b: Builder, n: int) -> None:
    if not b.present & {"meadow", "dunes", "street", "sea", "lake"}:  # the plain it winds through (hills, a forest or a city
        # by water keep to the horizon, so without this the river would wind through the sky's colour): part of
        # the land it belongs to, so the river's own body is set apart from it (scene._set_apart)
        land = next((name for name in ("hills", "forest", "mountains", "city") if name in b.present), "river")
        b.add(land, [b.rect(-0.02, b.horizon, 1.02, 1.02)], b.roles.mid, 0.5)
    t = np.linspace(0, 1, 40)
    start = b.layout.focal_x
    centre = start + b.rng.uniform(0.08, 0.18) * np.sin(t * np.pi * b.rng.uniform(1.5, 2.5)) + (0.5 - start) * t
    ys = b.horizon + 0.01 + (1.03 - b.horizon) * t
    half = 0.006 + 0.3 * t**1.5
    body = np.concatenate([np.stack([centre - half, ys], 1), np.stack([centre + half, ys], 1)[::-1]])
    b.add("river", [Poly(body)], b.roles.water, 0.6, water=True)
    b.river = np.stack([centre, ys, half], 1)
    shine = [
        stroke([(c - 0.4 * h, y), (c + 0.4 * h, y)], 0.002 + 0.004 * k / 40)
        for k, (c, y, h) in enumerate(zip(centre, ys, half))
        if k % 4 == 2
    ]
    b.add("river", shine, b.roles.water * 0.4 + b.roles.light * 0.6, 0.65, thin=True)


@subject(
    "shore",
    "a shore",
    "shores",
    ("shore", "coast", "coastal", "beach", "coastline", "sand", "sandy", "cove", "seashore", "rocks", "rocky", "pier", "jetty",
     "dock", "wharf", "quay", "seafront", "waterfront", "boardwalk", "promenade"),
    LAND,
    needs=("sea", "lake"),
)
def shore(b: Builder, n: int) -> None:
    side = -b.layout.side  # the beach rises on the side away from the focal point's far end
    y_edge, y_far = b.rng.uniform(0.82, 0.88), b.horizon + b.rng.uniform(0.08, 0.16)
    pts = [
        (0.5 - 0.52 * side, y_far),
        (0.5 - 0.2 * side, y_edge - 0.05),
        (0.5 + 0.2 * side, y_edge + 0.04),
        (0.5 + 0.52 * side, y_edge + 0.08),
        (0.5 + 0.52 * side, 1.02),
        (0.5 - 0.52 * side, 1.02),
    ]
    sand = b.roles.mid * 0.8 + b.roles.light * 0.2
    b.add("shore", [Poly(pts)], sand, 0.85)
    b.shore = np.array(sorted(pts[:4]))
    foam = np.array(pts[:4]) + (0.0, -0.006)
    b.add("shore", [stroke(foam, 0.005)], b.roles.light * 0.8 + 0.2, 0.86, thin=True)
    if {word for kind in b.kinds.get("shore", ()) for word in kind.split()} & PIERS:
        _pier(b, side, y_far, y_edge - 0.05)


PIERS = frozenset({"pier", "jetty", "dock", "wharf", "quay", "boardwalk"})  # shore words that name a pier, drawn as one
PIER_LENGTH = 0.5  # relative width a pier runs out over the water from the sand
PIER_DECK = 0.014  # the deck's thickness (relative height); posts every PIER_POSTS, PIER_DEPTH deep into the water
PIER_POSTS, PIER_DEPTH = 0.05, 0.06


def _pier(b: Builder, side: int, y_far: float, y_mid: float) -> None:
    """A pier seen from the side: a wooden deck from the sand out over the water (toward ``side``) on posts, halfway
    between the horizon and the waterline; what the text puts on the shore stands on its deck (``Builder.pier``)."""
    deck = b.horizon + 0.6 * (y_mid - b.horizon)
    start = (0.5 - 0.52 * side) + 0.32 * side * float(np.clip((deck - y_far) / max(y_mid - y_far, 1e-6), 0.0, 1.0))
    end = start + side * PIER_LENGTH
    x0, x1 = min(start, end), max(start, end)
    wood = b.roles.dark * 0.6 + b.roles.mid * 0.4
    posts = [stroke([(x, deck), (x, deck + PIER_DEPTH)], 0.006) for x in np.arange(x0 + 0.02, x1, PIER_POSTS)]
    b.add("shore", [b.rect(x0, deck - PIER_DECK, x1, deck), *posts], wood, 0.7)
    b.pier = (x0, x1, deck - PIER_DECK)


def _water_band(b: Builder) -> tuple[float, float]:
    if "lake" in b.present:
        return b.horizon + 0.04, b.horizon + 0.18
    return b.horizon + 0.03, min(0.8, b.horizon + 0.3)


@subject(
    "boat",
    "a boat",
    "boats",
    (
        "boat",
        "ship",
        "sailboat",
        "yacht",
        "canoe",
        "kayak",
        "ferry",
        "vessel",
        "sail",
        "schooner",
        "trawler",
        "gondola",
        "rowboat",
        "fishing boat",
        "steamer",
        "sailing ship",
        "rowing boat",
        "sailing boat",
        "dinghy",
        "raft",
        "barge",
        "galleon",
        "catamaran",
        "tugboat",
        "skiff",
    ),
    OBJECT,
    countable=True,
    count=1,
    max_count=12,  # a dozen: three rows of four (_fleet)
    needs=("sea", "lake", "river"),
)
def boat(b: Builder, n: int) -> None:
    if b.placed("boat") == "shore":  # "a boat pulled up on the beach": beached on the sand
        for x, y in b.on_shore(n, depth=0.08, deck=False):
            _sailboat(b, x, y, 0.03 + 0.07 * (y - b.horizon) / (1.0 - b.horizon), 0.9, beached=True)
        return
    if b.river is not None and not b.present & {"sea", "lake"}:  # the only water is a river: the boats sail on it
        _boats_on_river(b, n)
        return
    top, bottom = _water_band(b)
    if n > FLEET_ROW:
        _fleet(b, n, top, bottom)
        return
    xs = b.spread(n, 0.06, 0.94)
    if "lighthouse" in b.present:  # keep clear of the lighthouse's rock
        xs = [x if abs(x - b.layout.focal_x) > 0.12 else (x - 0.18 * b.layout.side) % 0.9 + 0.05 for x in xs]
    crewed = b.places.get("figure") == "boat"  # "a fisherman in his boat": the first boat is near, so he can be seen in it
    for j, x in enumerate(xs):
        f = b.rng.random()
        f, grow = (0.75 + 0.25 * f, CREWED_SCALE) if crewed and j == 0 else (f, 1.0)
        _sailboat(b, x, top + (bottom - top) * f, (0.035 + 0.06 * f) * b.rng.uniform(0.8, 1.2) * grow, 0.5 + 0.3 * f)


CREWED_SCALE = 1.4  # a boat someone is in is drawn this much larger (nearer), so its crew reads


FLEET_ROW = 4  # boats in one row across the water; more are drawn in rows (up to max_count: three rows)
FLEET_FILL = 0.8  # share of its room along a row a boat's hull may take, so neighbours never touch


def _fleet(b: Builder, n: int, top: float, bottom: float) -> None:
    """More boats than fit one row: rows from far to near (nearer ones lower and larger), each row's boats evenly
    apart and no wider than ``FLEET_FILL`` of their room, alternate rows offset by half a room, so every boat
    stands clear of its neighbours and the count is the count a viewer makes (a lighthouse's rock is left clear)."""
    rows = -(-n // FLEET_ROW)
    per = [n // rows + (r < n % rows) for r in range(rows)]
    lo, hi = (0.06, 0.94)
    if "lighthouse" in b.present:  # the fleet keeps to the side away from the lighthouse
        lo, hi = (0.06, b.layout.focal_x - 0.12) if b.layout.side > 0 else (b.layout.focal_x + 0.12, 0.94)
    for r, m in enumerate(per):
        f = (r + 0.5) / rows
        room = (hi - lo) / (m + 0.5)
        xs = lo + room * (np.arange(m) + 0.5 + 0.5 * (r % 2)) + b.rng.uniform(-0.08, 0.08, m) * room
        for x in xs:
            s = min((0.035 + 0.06 * f) * b.rng.uniform(0.9, 1.1), 0.5 * FLEET_FILL * room * b.layout.aspect / 1.0)
            _sailboat(b, float(x), top + (bottom - top) * f, s, 0.5 + 0.3 * f)


def _boats_on_river(b: Builder, n: int) -> None:
    """``n`` boats on the river's centre line, spaced evenly down it (jittered by a tenth of their spacing, so
    they stay apart; nearer ones lower and larger), each no wider than the river where it floats."""
    path = b.river
    for j in range(n):
        t = RIVER_BOATS[0] + (RIVER_BOATS[1] - RIVER_BOATS[0]) * (j + 0.5 + b.rng.uniform(-0.1, 0.1)) / n
        x, y, half = (float(np.interp(t, np.linspace(0, 1, len(path)), path[:, c])) for c in range(3))
        s = min(0.035 + 0.06 * t, 0.9 * half * b.layout.aspect)
        _sailboat(b, x, y, max(s, 0.02), 0.5 + 0.3 * t)


RIVER_BOATS = (0.3, 0.95)  # the stretch of the river (0 at the horizon, 1 at the bottom) boats are spread along


def _sailboat(b: Builder, x: float, y: float, s: float, depth: float, *, beached: bool = False) -> None:
    """A sailboat floating at (x, y), ``s`` high (units of the short side); a ``beached`` one rests on the sand with
    its whole hull showing, keeled over a little."""
    b.boats.append((x, y, s))
    w = s / b.layout.aspect
    tilt = 0.08 * s if beached else 0.0  # the keel on the sand: one end of the deck higher
    hull = Poly([(x - w, y - 0.22 * s - tilt), (x + w, y - 0.22 * s + tilt), (x + 0.7 * w, y + 0.05 * s), (x - 0.65 * w, y + 0.05 * s)])
    mast = stroke([(x, y - 0.22 * s), (x, y - 1.25 * s)], 0.1 * s * 0.08 + 0.002)
    sail = Poly([(x + 0.04 * w, y - 1.2 * s), (x + 0.04 * w, y - 0.3 * s), (x + 0.75 * w, y - 0.3 * s)])
    jib = Poly([(x - 0.04 * w, y - 1.1 * s), (x - 0.04 * w, y - 0.3 * s), (x - 0.55 * w, y - 0.3 * s)])
    b.add("boat", [hull, mast], b.roles.dark, depth)
    b.add("boat", [sail, jib], b.roles.light * 0.6 + b.roles.accent * 0.4, depth)


@subject(
    "lighthouse",
    "a lighthouse",
    "lighthouses",
    ("lighthouse", "beacon", "lightship"),
    OBJECT,
    countable=True,
    count=1,
    max_count=4,
    needs=("sea", "lake"),
)
def lighthouse(b: Builder, n: int) -> None:
    xs = b.spread(n, 0.1, 0.9, near=b.layout.focal_x)
    for x in xs:
        main = abs(x - b.layout.focal_x) < 1e-9
        h = (0.38 if main else 0.2) * b.rng.uniform(0.9, 1.1)
        base = b.horizon + (0.14 if main else 0.06)
        w0, w1 = 0.045 * h / 0.38 / b.layout.aspect * 1.2, 0.026 * h / 0.38 / b.layout.aspect * 1.2
        rock = b.ridge(base - 0.01, 0.03, 0.6, jagged=True, points=30)
        rock[:, 0] = x + (rock[:, 0] - 0.5) * 6 * w0
        b.add("lighthouse", [b.below(rock, base + 0.06)], b.roles.dark * 0.8 + b.roles.mid * 0.2, 0.7)
        top = base - h
        b.add(
            "lighthouse",
            [Poly([(x - w0, base), (x - w1, top + 0.07 * h), (x + w1, top + 0.07 * h), (x + w0, base)])],
            b.roles.light * 0.75 + b.roles.accent * 0.25,
            0.72,
        )
        bands = []
        for k in (0.25, 0.55):
            y0, y1 = base - k * h, base - (k + 0.14) * h
            wa, wb = w0 + (w1 - w0) * k / 0.93, w0 + (w1 - w0) * (k + 0.14) / 0.93
            bands.append(Poly([(x - wa, y0), (x - wb, y1), (x + wb, y1), (x + wa, y0)]))
        b.add("lighthouse", bands, b.roles.accent * 0.8 + b.roles.dark * 0.2, 0.72)
        b.add(
            "lighthouse",
            [
                b.rect(x - 1.15 * w1, top + 0.07 * h, x + 1.15 * w1, top + 0.1 * h),
                Poly([(x - 0.9 * w1, top + 0.02 * h), (x, top - 0.06 * h), (x + 0.9 * w1, top + 0.02 * h)]),
            ],
            b.roles.dark,
            0.73,
        )
        lamp_y = top + 0.045 * h
        if b.night or "storm" in b.weather or "fog" in b.weather:
            side = -b.layout.side
            beam = Poly([(x, lamp_y - 0.006), (x + side * 0.55, lamp_y - 0.06), (x + side * 0.55, lamp_y + 0.04), (x, lamp_y + 0.006)])
            b.add("lighthouse", [beam], b.roles.lamp * 0.5 + b.roles.light * 0.5, 0.1, glow=True)
        b.add("lighthouse", [b.rect(x - 0.8 * w1, top + 0.02 * h, x + 0.8 * w1, top + 0.07 * h)], b.roles.lamp, 0.74, glow=True)


FAR_DECK = 0.06  # the first bridge's deck below the horizon (relative height): across the water, far off
# Where the text puts people on it ("two figures on a bridge"), the nearest bridge comes this far below the horizon
# instead, grown by WALKED_DECK / FAR_DECK (on a ground plane, size grows with the distance below the horizon), so
# the people on its walkway stand a fifth of the picture tall, silhouetted above its parapet: the picture's subject.
WALKED_DECK = 0.28
WALKED_THICK = 0.6  # a footbridge's deck is thinner for its parapet than a far viaduct's (0.5 m under a 0.9-m parapet)
RAILING = 0.02  # the far bridge's railing height (relative)


@subject(
    "bridge", "a bridge", "bridges", ("bridge", "viaduct", "aqueduct", "footbridge", "arch"), OBJECT, countable=True, count=1, max_count=2
)
def bridge(b: Builder, n: int) -> None:
    """``n`` bridges spanning the picture, each nearer and heavier than the last; the nearest comes forward when the
    text puts people on it, and its walkway is where they stand (``Builder.bridge``)."""
    walked = b.placed("figure") == "bridge"
    for k in range(n):
        near = walked and k == n - 1
        grow = WALKED_DECK / FAR_DECK if near else 1.0
        deck = b.horizon + (WALKED_DECK if near else FAR_DECK + 0.12 * k)
        thick = (0.018 + 0.008 * k) * grow * (WALKED_THICK if near else 1.0)
        x0, x1 = -0.02, 1.02
        spans = int(b.rng.integers(3, 6))
        edges = np.linspace(x0, x1, spans + 1)
        parts = [b.rect(x0, deck - thick, x1, deck)]
        water = deck + ((0.07 if b.has_water else 0.1) + 0.04 * k) * grow
        for left, right in zip(edges[:-1], edges[1:]):
            t = np.linspace(0, np.pi, 16)
            mid, half = (left + right) / 2, (right - left) / 2
            arch = np.stack([mid - half * np.cos(t), deck + (water - deck) * (1 - 0.85 * np.sin(t))], 1)
            parts.append(stroke(arch, (0.006 + 0.003 * k) * grow))
            parts.append(b.rect(left - 0.008 * grow, deck, left + 0.008 * grow, water))
        rail = RAILING * grow
        parts += [stroke([(x, deck - thick), (x, deck - thick - rail)], 0.002 * grow) for x in np.linspace(x0, x1, round(30 / grow))]
        parts.append(stroke([(x0, deck - thick - rail), (x1, deck - thick - rail)], 0.002 * grow))
        b.add("bridge", parts, b.roles.dark * 0.85 + b.roles.mid * 0.15, 0.55 + 0.15 * k)
        if near:
            b.bridge = (deck - thick, rail)
        if b.night:
            # Lanterns a quarter of the rail above it; grown less than the bridge, so near ones do not hide its people.
            lamps = [dot(x, deck - thick - 1.25 * rail, 0.004 * grow**0.5) for x in np.linspace(x0 + 0.05, x1 - 0.05, 9)]
            b.add("bridge", lamps, b.roles.lamp, 0.56, glow=True)
