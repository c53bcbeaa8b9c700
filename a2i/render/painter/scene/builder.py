"""What a subject draws with: the picture's layout, its colour roles and a way to add shapes to the stack.

The **layout** is chosen once per picture (from the seed and the subjects): where the horizon lies, which
third holds the focal point, where the main light is. Subjects place themselves by it, so a lighthouse stands
at the focal point on the shore and the boats spread over the water around it, and the picture has depth
(far subjects higher, smaller and paler; near ones low, large and dark) and one focal point.

The **colour roles** (:class:`Roles`) are the few colours every subject draws in (sky, far land, near land,
water, accent, light ...): the prompt's colour words and the song's mood decide them
(:mod:`a2i.render.painter.scene.roles`); a subject chooses a colour of its own only where the kind the text names
has one (sunflowers are yellow, an egret white, a flamingo pink), moved by the mood like a named colour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from a2i.render.painter.palette import Mood
from a2i.render.painter.scene.stack import Ellipse, Line, Poly, Primitive, Shape, Stack


@dataclass(frozen=True)
class Roles:
    """The colours subjects draw in (float RGB 0..1)."""

    sky_top: np.ndarray
    sky_low: np.ndarray
    light: np.ndarray  # sun, moon, lit windows' glow
    far: np.ndarray  # distant land (aerial perspective: near the sky's colour)
    mid: np.ndarray
    near: np.ndarray
    water: np.ndarray
    accent: np.ndarray  # the focal object's colour
    accents: tuple[np.ndarray, ...]  # more accent colours (flowers, fireworks, boats)
    dark: np.ndarray  # silhouettes
    lamp: np.ndarray  # artificial light: windows, street lamps, fire's core


SHORE_DEPTH = 0.05  # what stands on a shore stands at least this far below the waterline (relative height): on the sand
SHORE_FOOT = (0.72, 0.96)  # y range of feet on a shore: near enough to be seen, above the picture's bottom


@dataclass(frozen=True)
class Layout:
    """Horizon, focal point and main light, in relative units (y down)."""

    horizon: float
    focal_x: float
    side: int  # +1: the focal point is in the right third, -1: the left
    light_x: float
    light_y: float
    aspect: float  # width / height


class Builder:
    """Adds subjects' shapes to a stack, with the layout, roles, mood, time of day and weather they need."""

    def __init__(
        self,
        layout: Layout,
        roles: Roles,
        mood: Mood,
        rng: np.random.Generator,
        *,
        time: str,
        weather: frozenset[str],
        present: frozenset[str],
        kinds: dict[str, tuple[str, ...]] | None = None,
        places: dict[str, str] | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        self.layout, self.roles, self.mood, self.rng = layout, roles, mood, rng
        self.time, self.weather, self.present = time, weather, present
        self.kinds = kinds or {}  # subject -> the words the text named it by ("palm", "heron"): its shape or pose
        self.places = places or {}  # subject -> the subject it is in or at ("figure": "boat")
        self.counts = counts or {}  # subject -> how many the scene draws
        self.boats: list[tuple[float, float, float]] = []  # each boat's (x, waterline y, size), once drawn
        self.later: list[Callable[[], None]] = []  # draws put off until the objects' layer (standing birds wade in the water)
        self.stack = Stack(
            horizon=layout.horizon, sky_top=roles.sky_top, sky_low=roles.sky_low, light=(layout.light_x, layout.light_y, 0.0)
        )
        self.river: np.ndarray | None = None  # the river's centre line and half-width, rows (x, y, half), once drawn
        self.shore: np.ndarray | None = None  # the sand's top edge (the waterline), points (x, y) by x, once drawn
        self.bank: float | None = None  # y of a lake's near bank (where its water ends), once drawn
        self.pier: tuple[float, float, float] | None = None  # a pier's deck: (x from, x to, y of its top), once drawn
        self.bridge: tuple[float, float] | None = None  # the nearest bridge's walkway: (y of its deck's top, its railing's height)
        self.ring: list[tuple[float, float, float, bool]] | None = None  # the near side of a crowd around a fire: each
        # person's (x, foot, height, arms up), left by the fire (which drew the far side) for the crowd to draw

    @property
    def horizon(self) -> float:
        return self.layout.horizon

    @property
    def night(self) -> bool:
        return self.time == "night"

    @property
    def has_water(self) -> bool:
        return bool(self.present & {"sea", "lake", "river"})

    def placed(self, subject: str) -> str | None:
        """Where the text puts ``subject`` ("on the shore", "by the fireplace": :data:`a2i.render.painter.text.PLACES`),
        if that place is drawn: ``"bank"`` (the water's edge) needs a river or a lake."""
        place = self.places.get(subject)
        drawn = place == "bank" and (self.river is not None or self.bank is not None) or place == "shore" and self.shore is not None
        return place if drawn or place in self.present and place not in ("shore", "bank") else None

    def along_river(self, t: float) -> tuple[float, float, float]:
        """The drawn river's centre ``(x, y)`` and half-width at ``t`` along it (0 at the horizon, 1 at the bottom)."""
        assert self.river is not None, "along_river needs the river drawn first"
        along = np.linspace(0, 1, len(self.river))
        x, y, half = (float(np.interp(t, along, self.river[:, c])) for c in range(3))
        return x, y, half

    def on_shore(self, n: int, *, depth: float = SHORE_DEPTH, deck: bool = True) -> list[tuple[float, float]]:
        """``n`` places ``(x, y)`` on the drawn shore: along a pier's deck where there is one (and ``deck``: people and
        birds, not beached boats), else on the sand, apart across where it is deep enough (at least ``depth`` below
        the waterline and above the picture's bottom), each at least that far below its waterline."""
        edge = self.shore
        if edge is None:
            return []
        if deck and self.pier is not None:
            x0, x1, top = self.pier
            return [(x, top) for x in self.spread(n, x0 + 0.04, x1 - 0.02)]
        xs = np.linspace(0.04, 0.96, 93)
        top = np.interp(xs, edge[:, 0], edge[:, 1])
        deep = xs[top + depth < SHORE_FOOT[1]]
        lo, hi = (float(deep.min()), float(deep.max())) if deep.size else (0.3, 0.7)
        spots = []
        for x in self.spread(n, lo, hi):
            y0 = max(float(np.interp(x, edge[:, 0], edge[:, 1])) + depth, SHORE_FOOT[0])
            spots.append((x, float(self.rng.uniform(min(y0, SHORE_FOOT[1]), SHORE_FOOT[1]))))
        return spots

    def add(
        self, subject: str, parts: list[Primitive], colour: np.ndarray, depth: float, *, thin: bool = False, glow: bool = False,
        water: bool = False,
    ) -> None:
        """One shape of ``subject`` (its drawing order is its place in the stack)."""
        if parts:
            colour = tuple(float(c) for c in np.clip(colour, 0, 1))
            self.stack.add(Shape(subject, parts, colour, depth=float(depth), thin=thin, glow=glow, water=water))

    def aerial(self, colour: np.ndarray, depth: float) -> np.ndarray:
        """A colour faded toward the horizon sky by distance (``depth`` 0 far .. 1 near)."""
        fade = 0.6 * (1.0 - depth) ** 1.5
        return colour * (1 - fade) + self.roles.sky_low * fade

    def ridge(self, base: float, height: float, rough: float, *, jagged: bool, points: int = 120) -> np.ndarray:
        """A ridge line across the canvas (points ``(x, y)``) whose tops reach ``base - height``."""
        x = np.linspace(-0.02, 1.02, points)
        rng = self.rng
        if jagged:
            y = np.zeros_like(x)
            for octave in range(5):
                f = 1.5 * 2**octave
                y += (0.5**octave) * np.abs(np.sin(np.pi * f * x + rng.uniform(0, np.pi)))
            y = y / 1.9 * (0.7 + 0.3 * rough)
        else:
            y = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.4, 1.2) * x + rng.uniform(0, 2 * np.pi))
            y += rough * 0.25 * np.sin(2 * np.pi * rng.uniform(2.5, 5) * x + rng.uniform(0, 2 * np.pi))
            y = y / (1 + 0.25 * rough)
        return np.stack([x, base - height * np.clip(y, 0, 1.2)], 1)

    @staticmethod
    def below(line: np.ndarray, bottom: float = 1.02) -> Poly:
        """The region under a line, down to ``bottom``."""
        return Poly(np.concatenate([line, [[line[-1, 0], bottom], [line[0, 0], bottom]]]))

    @staticmethod
    def rect(x0: float, y0: float, x1: float, y1: float) -> Poly:
        return Poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    def spread(self, n: int, lo: float, hi: float, *, near: float | None = None) -> list[float]:
        """``n`` x positions between ``lo`` and ``hi``, jittered, the first at ``near`` when given."""
        xs = np.linspace(lo, hi, n + 2)[1:-1] if n > 1 else np.array([(lo + hi) / 2])
        xs = xs + self.rng.uniform(-0.3, 0.3, n) * (hi - lo) / (n + 1)
        if near is not None:
            xs[int(np.argmin(np.abs(xs - near)))] = near
        return [float(v) for v in xs]


def dot(x: float, y: float, r: float) -> Ellipse:
    return Ellipse(x, y, r, r)


def stroke(points: list[tuple[float, float]] | np.ndarray, width: float) -> Line:
    return Line(np.asarray(points, dtype=np.float64), width)
