"""Hard-negative mining: for each track, tracks of another genre whose mood is measurably different.

A negative must be truly different (another genre, and a valence-energy distance above a margin, so two calm
acoustic songs are never pushed apart), yet as close as possible: the nearest such tracks are the ones the
model confuses, so they teach it most. The thesis took the 20 *farthest* other-genre songs, the easiest
negatives there are; ``selection="farthest"`` reproduces that for comparison, ``"random"`` is the
uninformed baseline.

The search is exact and vectorised over a grid of valence-energy cells: for the tracks of one cell it visits
the other cells best first (by the smallest possible distance for ``nearest``, the largest for ``farthest``)
and stops once every track has ``k`` qualifying candidates that no unvisited cell could beat. 40,000 tracks
take well under the 5 s budget (``benchmarks/hard_negatives.py``); the thesis's per-row pandas scan was
quadratic (about 40 minutes and 28 GB at 40,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from a2i.errors import ConfigError

#: Valence-energy distance below which two tracks count as the same mood (the issue's default; on Spotify's
#: 0..1 scales 0.1 is about a third of one standard deviation of valence, 0.259, see a2i.mood.CATALOGUE).
DEFAULT_MARGIN = 0.1

SELECTIONS = ("nearest", "farthest", "random")

@dataclass(frozen=True)
class Negatives:
    """Mined negatives: ``index`` (tracks, k) of track rows; ``qualified`` (tracks, k) says which met both
    rules (other genre, distance above the margin); the rest were filled by the fallback (see :func:`mine`)."""

    index: np.ndarray
    qualified: np.ndarray


def mine(valence: np.ndarray, energy: np.ndarray, genre: np.ndarray, *, k: int = 4,
         margin: float = DEFAULT_MARGIN, selection: str = "nearest", seed: int = 0) -> Negatives:
    """Pick ``k`` hard negatives per track.

    Parameters
    ----------
    valence, energy : array (tracks,)
        Mood coordinates (Spotify's 0..1 scales).
    genre : array (tracks,)
        Genre labels (any hashable values).
    k : int
        Negatives per track.
    margin : float
        A negative's valence-energy (Euclidean) distance must exceed this.
    selection : {"nearest", "farthest", "random"}
        Among qualifying tracks: the closest (hardest), the farthest (the thesis's) or uniformly random.
    seed : int
        Seeds ``random`` and nothing else.

    Returns
    -------
    Negatives
        Where fewer than ``k`` tracks qualify (tiny corpora, a single genre), the remaining slots take the
        nearest other-genre tracks regardless of the margin, then any other track, with ``qualified`` False.

    Examples
    --------
    >>> v = np.array([0.1, 0.15, 0.9, 0.5]); e = np.array([0.1, 0.1, 0.9, 0.5])
    >>> found = mine(v, e, np.array(["a", "b", "b", "b"]), k=1)
    >>> found.index[:, 0].tolist(), found.qualified[:, 0].tolist()  # track 1's only other-genre track is too close
    ([3, 0, 0, 0], [True, False, True, True])
    """
    if selection not in SELECTIONS:
        raise ConfigError(f"negatives selection must be one of {', '.join(SELECTIONS)}, got {selection!r}")
    if k < 1:
        raise ConfigError(f"negatives k must be at least 1, got {k}")
    points = np.stack([np.asarray(valence, dtype=np.float64), np.asarray(energy, dtype=np.float64)], axis=1)
    if not np.all(np.isfinite(points)):
        raise ConfigError("valence/energy contain missing or infinite values; fill or drop those tracks first")
    codes = np.unique(np.asarray(genre), return_inverse=True)[1].astype(np.int32)
    n = len(points)
    index = np.full((n, k), -1, dtype=np.int64)
    if selection == "random":
        _random(points, codes, margin, index, np.random.default_rng(seed))
    else:
        _best_first(points, codes, margin, index, farthest=selection == "farthest")
    qualified = index >= 0
    _fill(points, codes, index)
    return Negatives(index, qualified)


def _qualifies(points: np.ndarray, codes: np.ndarray, rows: np.ndarray, cand: np.ndarray,
               margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances (rows, cand) and the mask of pairs that qualify (other genre, beyond the margin).

    x and y are handled as separate 2-D arrays: a reduction over a trailing axis of length 2 is several
    times slower in numpy, and squared distances sort like distances.
    """
    dx = points[rows, 0, None] - points[None, cand, 0]
    dy = points[rows, 1, None] - points[None, cand, 1]
    dist2 = dx * dx + dy * dy
    return dist2, (dist2 > margin * margin) & (codes[rows, None] != codes[None, cand])


def _best_first(points: np.ndarray, codes: np.ndarray, margin: float, index: np.ndarray, *, farthest: bool) -> None:
    n, k = index.shape
    points = points.astype(np.float32)
    lo = points.min(0)
    span = np.maximum(points.max(0) - lo, 1e-6)
    # Cells a sixth of the margin wide keep the ring of candidate cells around the margin thin (the nearest
    # qualifying tracks sit just beyond it); two tracks per cell on average bounds the per-cell loop.
    side = int(np.clip(min(span.max() / (margin / 6 if margin > 0 else 1), np.sqrt(n / 2)), 1, 256))
    size = (span / side).astype(np.float64)
    cell_xy = np.minimum(((points - lo) / size).astype(np.int64), side - 1)
    cell = cell_xy[:, 0] * side + cell_xy[:, 1]
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(side * side + 1))
    # One stencil of cell offsets for every query cell, visited best first: by the smallest possible squared
    # distance between points of the two cells (nearest) or by the largest (farthest).
    dx, dy = (a.ravel() for a in np.meshgrid(np.arange(1 - side, side), np.arange(1 - side, side), indexing="ij"))
    gap = np.stack([np.abs(dx), np.abs(dy)], axis=1)
    near = ((np.maximum(gap - 1, 0) * size) ** 2).sum(-1)
    far = (((gap + 1) * size) ** 2).sum(-1)
    useful = far > margin * margin  # cells wholly inside the margin never qualify
    sign = -1.0 if farthest else 1.0
    bound = sign * (far if farthest else near)[useful]
    sort = np.argsort(bound, kind="stable")
    dx, dy, bound = dx[useful][sort], dy[useful][sort], bound[sort]
    first = 4 if farthest else max(1, int(np.searchsorted(bound, (margin + size.max()) ** 2, "right")))
    for q in np.flatnonzero(np.diff(bounds) > 0):
        rows = order[bounds[q]:bounds[q + 1]]
        qx, qy = divmod(int(q), side)
        taken = first
        while True:
            taken = min(len(bound), taken)
            cx, cy = qx + dx[:taken], qy + dy[:taken]
            inside = (cx >= 0) & (cx < side) & (cy >= 0) & (cy < side)
            cells = cx[inside] * side + cy[inside]
            starts, counts = bounds[cells], bounds[cells + 1] - bounds[cells]
            total = int(counts.sum())
            if total:
                shift = np.repeat(starts - np.cumsum(counts) + counts, counts)
                cand = order[shift + np.arange(total)]
                dist2, ok = _qualifies(points, codes, rows, cand, margin)
                key = np.where(ok, np.float32(sign) * dist2, np.float32(np.inf))
                kk = min(k, total)
                best = np.argpartition(key, kk - 1, axis=1)[:, :kk] if kk < total else np.argsort(key, 1)[:, :kk]
                best_key = np.take_along_axis(key, best, 1)
                # Done when no unvisited cell can beat any row's k-th key.
                if kk == k and taken < len(bound) and np.all(best_key.max(1) <= bound[taken]):
                    break
            if taken == len(bound):
                break
            taken *= 2
        if not total:
            continue
        sort = np.argsort(best_key, axis=1, kind="stable")
        best, best_key = np.take_along_axis(best, sort, 1), np.take_along_axis(best_key, sort, 1)
        index[rows, :kk] = np.where(np.isfinite(best_key), cand[best], -1)


def _random(points: np.ndarray, codes: np.ndarray, margin: float, index: np.ndarray,
            rng: np.random.Generator) -> None:
    """Rejection sampling: draw candidates uniformly, keep qualifying distinct ones; rows that come up short
    (few qualifying tracks) are finished by an exact draw from their full qualifying set."""
    n, k = index.shape
    rows = np.arange(n)
    draws = rng.integers(0, n, size=(n, 8 * k))
    dist2 = (points[rows, 0, None] - points[draws, 0]) ** 2 + (points[rows, 1, None] - points[draws, 1]) ** 2
    ok = (dist2 > margin * margin) & (codes[rows, None] != codes[draws])
    for i in range(n):
        picks = list(dict.fromkeys(draws[i][ok[i]].tolist()))[:k]
        if len(picks) < k:
            _, full = _qualifies(points, codes, np.array([i]), rows, margin)
            pool = np.flatnonzero(full[0])
            picks = rng.choice(pool, size=min(k, len(pool)), replace=False).tolist()
        index[i, :len(picks)] = picks


def _fill(points: np.ndarray, codes: np.ndarray, index: np.ndarray) -> None:
    """Complete short rows: nearest other-genre tracks (ignoring the margin), then nearest other tracks."""
    n, k = index.shape
    for i in np.flatnonzero((index < 0).any(axis=1)):
        have = [j for j in index[i] if j >= 0]
        diff = points - points[i]
        dist = np.sqrt((diff * diff).sum(-1))
        same = codes == codes[i]
        key = np.lexsort((dist, same))  # other genres first, then by distance
        extra = [j for j in key if j != i and j not in have][: k - len(have)]
        row = have + extra
        if not row:
            raise ConfigError("hard-negative mining needs at least two tracks")
        index[i] = (row * k)[:k] if len(row) < k else row
