"""What the explorer's routes serve, computed from a loaded collection: point rows, atlas slots, exports.

:class:`Explorer` wraps a :class:`a2i.explore.data.Collection` with everything the web app precomputes once
(genre indices, Z-order atlas slots, the set of servable files) and caches (point pages). It needs no Flask:
:mod:`a2i.explore.app` builds it from the app's config and :mod:`a2i.explore.views` serves it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter, OrderedDict
from pathlib import Path, PurePosixPath
from typing import Any

from a2i.errors import ConfigError
from a2i.explore.data import Collection, Track
from a2i.explore.thumbs import ATLAS_COLUMNS, Cell, ThumbnailCache, build_atlases, levels
from a2i.mood import even_odds

#: Tracks per overview atlas sheet (the default layout).
ATLAS_SIZE = ATLAS_COLUMNS**2

#: Point pages kept in memory: a few page sizes × 10,000 songs; odd offsets from other clients push out the
#: oldest instead of growing the server without bound.
PAGE_CACHE_SIZE = 64

#: Songs one export request may name: every song of the largest folder we measure (10,000) with room to spare.
EXPORT_MAX = 100_000


def parse_grid(text: str) -> tuple[int, int]:
    """``"6x4"`` → ``(6, 4)``: columns along valence × rows along arousal, each 1..32."""
    try:
        cols, rows = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise ConfigError(f"grid size {text!r}: expected COLUMNSxROWS, e.g. 6x4") from None
    if not (1 <= cols <= 32 and 1 <= rows <= 32):
        raise ConfigError(f"grid size {text!r}: columns and rows must each be between 1 and 32")
    return cols, rows


def morton_order(points: list[tuple[float, float]]) -> list[int]:
    """Indices of ``points`` (each in 0..1²) along a Z-order curve: neighbours on the map, neighbours in the list.

    Atlas sheets are filled in this order, so a zoomed-in view needs a few sheets, not one per song.

    Examples
    --------
    >>> morton_order([(0.9, 0.9), (0.1, 0.1), (0.9, 0.1), (0.1, 0.9)])
    [1, 2, 3, 0]
    """
    def spread(v: int) -> int:  # 16 bits -> every other bit of 32
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555

    def key(k: int) -> tuple[int, int]:
        x, y = points[k]
        return spread(min(65535, int(x * 65536))) | (spread(min(65535, int(y * 65536))) << 1), k

    return sorted(range(len(points)), key=key)


class Explorer:
    """The loaded collection plus what the routes precompute from it."""

    def __init__(self, collection: Collection, *, grid: tuple[int, int], cache_dir: Path, page_size: int,
                 columns: int = ATLAS_COLUMNS, follow_symlinks: bool = False) -> None:
        self.collection = collection
        self.grid = grid
        self.page_size = page_size
        self.follow_symlinks = follow_symlinks
        self.thumbs = ThumbnailCache(cache_dir, columns=columns)
        self.levels = levels(columns)
        self.genres = list(collection.genres)
        self._genre_index = {name: i for i, name in enumerate(self.genres)}
        self.media = collection.media_paths()
        # A run folder's profile sits beside its pictures: served only from folders that hold a served picture.
        self.picture_dirs = {str(PurePosixPath(v.image_path).parent) for t in self.tracks for v in t.variants
                             if not v.image_missing}
        self.fields = collection.numeric_fields()
        self.embeddings = collection.embedding_fields()
        self._matrices: dict[str, tuple[Any, Any]] = {}
        self.order = morton_order([(t.x, t.y) for t in self.tracks])
        self.slot = [0] * len(self.tracks)
        for position, index in enumerate(self.order):
            self.slot[index] = position
        self._root = os.path.join(str(collection.root), "")
        self._pages: OrderedDict[tuple[int, int], bytes] = OrderedDict()

    @property
    def tracks(self) -> list[Track]:
        return self.collection.tracks

    def meta(self) -> dict[str, Any]:
        counts, cut = self.collection.genres, even_odds()
        return {
            "total": len(self.tracks),
            "genres": [{"name": name, "count": counts[name]} for name in self.genres],
            "max_variants": self.collection.max_variants,
            "fields": self.fields,
            "embeddings": self.embeddings,
            "grid": list(self.grid),
            "page_size": self.page_size,
            "atlas": {"columns": self.levels[0].columns, "size": self.levels[0].size, "thumb": self.levels[0].thumb},
            "detail": {"columns": self.levels[1].columns, "size": self.levels[1].size, "thumb": self.levels[1].thumb},
            # Where the page draws its quadrant lines: the heads' even odds, the cuts `a2i analyze` reports
            # its quadrant by (not 0.5: energy's is ~0.64 on Spotify's scale).
            "even_odds": {"valence": round(cut["valence"], 4), "arousal": round(cut["energy"], 4)},
        }

    def point_row(self, index: int) -> list[Any]:
        """What the map needs to draw, filter, colour and search one track, as a compact array."""
        track = self.tracks[index]
        colors = [(r << 16) | (g << 8) | b for r, g, b in (v.mean_color or (0, 0, 0) for v in track.variants)]
        values = [track.metadata.get(name) for name in self.fields]
        return [track.id, round(track.x, 4), round(track.y, 4), self._genre_index[track.track_genre],
                track.track_name, track.artists, track.metadata.get("popularity"), colors, self.slot[index], values]

    def points_page(self, offset: int, limit: int) -> bytes:
        """One page of point rows as JSON bytes, cached: every visitor asks for the same pages."""
        key = (offset, limit)
        page = self._pages.get(key)
        if page is None:
            rows = [self.point_row(i) for i in range(offset, min(offset + limit, len(self.tracks)))]
            page = json.dumps({"total": len(self.tracks), "offset": offset, "rows": rows},
                              separators=(",", ":"), ensure_ascii=False).encode()
            self._pages[key] = page
            while len(self._pages) > PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(key)
        return page

    def servable(self, relative: str) -> Path | None:
        """The file at ``relative`` if it may be sent now: still a file, and (unless symbolic links may lead
        out) still inside the data folder. Checked on every request, not only at start-up."""
        full = os.path.join(self._root, relative)
        if not os.path.isfile(full):
            return None
        if not self.follow_symlinks and not os.path.realpath(full).startswith(self._root):
            return None
        return Path(full)

    def cell(self, track: Track, variant: int) -> Cell:
        """A track's picture for ``variant`` (its last one if it has fewer) and the colour standing in for it."""
        v = track.variants[min(variant, len(track.variants) - 1)]
        path = None if v.image_missing else self.servable(v.image_path)
        return path, v.mean_color or (0, 0, 0)

    def atlas_cells(self, variant: int, sheet: int, level: int = 0) -> list[Cell]:
        size = self.levels[level].size
        return [self.cell(self.tracks[i], variant) for i in self.order[sheet * size:(sheet + 1) * size]]

    def build_thumbnails(self, *, workers: int | None = None, progress: bool = False) -> int:
        """Make every atlas of every variant and level now, in parallel, and the default point pages, so the
        first browser to open the map waits for neither."""
        for offset in range(0, len(self.tracks), self.page_size):
            self.points_page(offset, self.page_size)
        sheets = -(-len(self.tracks) // self.levels[0].size)
        jobs = [self.atlas_cells(v, s) for v in range(self.collection.max_variants) for s in range(sheets)]
        return build_atlases(self.thumbs, jobs, workers=workers, progress=progress)

    def _matrix(self, space: str):
        """Unit-length rows of ``space`` for the tracks that have it at its most common length, and a mask."""
        if space not in self._matrices:
            import numpy as np

            vectors = [t.embeddings.get(space) for t in self.tracks]
            size = Counter(len(v) for v in vectors if v).most_common(1)[0][0]
            has = np.array([v is not None and len(v) == size for v in vectors])
            matrix = np.zeros((len(vectors), size), dtype=np.float32)
            for i, v in enumerate(vectors):
                if has[i]:
                    matrix[i] = v
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            self._matrices[space] = (matrix, has)
        return self._matrices[space]

    def neighbours(self, index: int, space: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest songs to track ``index``: in ``"mood"`` (valence, arousal) by Euclidean distance, in
        an embedding by cosine distance (1 - cosine similarity); (index, distance) pairs, nearest first."""
        import numpy as np

        if space == "mood":
            xy = np.array([(t.x, t.y) for t in self.tracks], dtype=np.float64)
            dist = np.hypot(*(xy - xy[index]).T)
            valid = np.ones(len(xy), dtype=bool)
        else:
            matrix, valid = self._matrix(space)
            if not valid[index]:
                return []
            dist = 1.0 - matrix @ matrix[index]
        dist = np.where(valid, dist, np.inf)
        dist[index] = np.inf
        order = np.argsort(dist, kind="stable")[:k]
        return [(int(j), float(dist[j])) for j in order if np.isfinite(dist[j])]

    def export_rows(self, indices: list[int]) -> list[dict[str, Any]]:
        """One row per selected song: what a researcher takes to a notebook (absolute paths included)."""
        root = self.collection.root
        rows = []
        for i in indices:
            t = self.tracks[i]
            rows.append({
                "id": t.id, "track_name": t.track_name, "artists": t.artists, "genre": t.track_genre,
                "valence": t.x, "arousal": t.y,
                **{name: t.metadata.get(name) for name in self.fields},
                "track_file": str(self.collection.json_dir / f"{t.id}.json"),
                "pictures": [str(root / v.image_path) for v in t.variants],
                "clip": str(root / t.variants[0].audio_path) if t.variants[0].audio_path else None,
            })
        return rows


def export_body(rows: list[dict[str, Any]], fmt: str) -> tuple[bytes, str]:
    """The export file for ``rows``: CSV (pictures joined with ``;``) or JSON; returns (bytes, MIME type)."""
    if fmt == "json":
        return json.dumps(rows, indent=1, ensure_ascii=False).encode(), "application/json"
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "pictures": ";".join(row["pictures"])})
    return buffer.getvalue().encode(), "text/csv"
