"""Small pictures for the map: thumbnail atlases and popup previews, cached on disk.

Ten thousand songs with their own 1024-pixel pictures cannot each be fetched by the browser before the
map paints. The server instead packs the thumbnails of a block of tracks into one JPEG sheet (an atlas):
the browser fetches a few dozen sheets and draws each thumbnail as a sub-rectangle of one. Sheets and
previews are cached on disk under a key made of the source files' paths, modification times and sizes, so
an edited picture is picked up and an unchanged folder starts warm. :func:`build_atlases` makes every sheet
ahead of time in parallel processes (decoding 30,000 real 512-pixel PNGs is minutes of CPU, not something
to do while a browser waits).

One bad file never breaks its neighbours: a picture that is missing or cannot be decoded becomes a cell of
its song's mean colour (and a warning in the log), and the rest of its sheet is drawn as usual.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from a2i.fileio import atomic_write_bytes

log = logging.getLogger(__name__)

#: Thumbnails per atlas row; an atlas holds ATLAS_COLUMNS ** 2 tracks.
ATLAS_COLUMNS = 16

#: One atlas cell: the picture (None when it is known to be missing) and the colour drawn if it cannot be.
Cell = tuple[Path | None, tuple[int, int, int]]


def _fingerprint(cells: Sequence[Cell], *params: object) -> str:
    digest = hashlib.sha1(repr(params).encode())
    for path, color in cells:
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None  # vanished since start-up: its cell is the colour, and the key says so
        line = f"{path}|{stat.st_mtime_ns}|{stat.st_size}" if stat else f"missing|{color}"
        digest.update(f"{line}\n".encode())
    return digest.hexdigest()


def _decoded(path: Path | None, color: tuple[int, int, int], size: int, make: Callable):
    """``make(path, size)``, or a square of ``color`` when the picture is missing or cannot be decoded."""
    from PIL import Image

    if path is not None:
        try:
            return make(path, size)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            log.warning("%s: cannot be read (%s); drawn as its mean colour", path, exc)
    return Image.new("RGB", (size, size), color)


def _square(path: Path, size: int):
    """Open a picture and centre-crop it to a ``size`` square, decoding no more pixels than needed."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.draft("RGB", (size * 2, size * 2))
        image = image.convert("RGB")
    image.thumbnail((size * 4, size * 4), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)


class ThumbnailCache:
    """Builds and remembers atlases and previews.

    Parameters
    ----------
    cache_dir
        Folder for the cached JPEGs (created when needed).
    thumb_size
        Side of one thumbnail in an atlas, in pixels.
    preview_size
        Side of the popup preview, in pixels.
    """

    def __init__(self, cache_dir: str | os.PathLike[str], *, thumb_size: int = 48, preview_size: int = 320) -> None:
        self.cache_dir = Path(cache_dir)
        self.thumb_size = thumb_size
        self.preview_size = preview_size
        # Striped locks: two requests for the same file build it once, without a lock per key forever.
        self._locks = [threading.Lock() for _ in range(32)]

    def _cached(self, kind: str, key: str, make) -> bytes:
        path = self.cache_dir / kind / f"{key}.jpg"
        if path.is_file():
            return path.read_bytes()
        with self._locks[int(key[:8], 16) % len(self._locks)]:
            if path.is_file():
                return path.read_bytes()
            data = make()
            atomic_write_bytes(path, data)
            return data

    def atlas(self, cells: Sequence[Cell]) -> bytes:
        """A JPEG sheet with the thumbnails of ``cells`` in row-major cells of ``thumb_size`` pixels."""
        if not 0 < len(cells) <= ATLAS_COLUMNS**2:
            raise ValueError(f"an atlas holds 1 to {ATLAS_COLUMNS ** 2} pictures, got {len(cells)}")
        key = _fingerprint(cells, "atlas", self.thumb_size, ATLAS_COLUMNS)
        return self._cached("atlas", key, lambda: self._make_atlas(cells))

    def has_atlas(self, cells: Sequence[Cell]) -> bool:
        return (self.cache_dir / "atlas" / f"{_fingerprint(cells, 'atlas', self.thumb_size, ATLAS_COLUMNS)}.jpg").is_file()

    def _make_atlas(self, cells: Sequence[Cell]) -> bytes:
        from PIL import Image

        s = self.thumb_size
        rows = -(-len(cells) // ATLAS_COLUMNS)
        sheet = Image.new("RGB", (ATLAS_COLUMNS * s, rows * s), (24, 26, 33))
        for i, (path, color) in enumerate(cells):
            sheet.paste(_decoded(path, color, s, _square), ((i % ATLAS_COLUMNS) * s, (i // ATLAS_COLUMNS) * s))
        return _jpeg(sheet, quality=82)

    def preview(self, cell: Cell) -> bytes:
        """A JPEG of the picture scaled to ``preview_size`` for the popup (the original may be huge)."""
        key = _fingerprint([cell], "preview", self.preview_size)
        return self._cached("preview", key, lambda: _jpeg(_decoded(*cell, self.preview_size, _fit), quality=88))


def _build_one(cache_dir: str, thumb_size: int, cells: Sequence[Cell]) -> None:
    ThumbnailCache(cache_dir, thumb_size=thumb_size).atlas(cells)


def build_atlases(cache: ThumbnailCache, sheets: Sequence[Sequence[Cell]], *, workers: int | None = None,
                  progress: bool = False) -> int:
    """Make every atlas not yet cached, in ``workers`` processes (default: every core).

    Returns
    -------
    int
        How many sheets were built (the others were already in the cache).
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    todo = [cells for cells in sheets if not cache.has_atlas(cells)]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="thumbnails", unit="sheet", disable=None)
    try:
        if workers == 1:
            for cells in todo:
                cache.atlas(cells)
                if bar is not None:
                    bar.update()
        else:
            # spawn, not fork: the caller may already run threads (a server), which fork would copy half-held.
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                for _ in pool.map(_build_one, [str(cache.cache_dir)] * len(todo), [cache.thumb_size] * len(todo),
                                  todo):
                    if bar is not None:
                        bar.update()
    finally:
        if bar is not None:
            bar.close()
    return len(todo)


def _fit(path: Path, size: int):
    """The picture scaled to fit a ``size`` square, aspect kept."""
    from PIL import Image

    with Image.open(path) as image:
        image.draft("RGB", (size, size))
        image = image.convert("RGB")
    image.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def _jpeg(image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
