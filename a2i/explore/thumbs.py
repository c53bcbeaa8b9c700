"""Small pictures for the map: thumbnail atlases and popup previews, cached on disk.

Ten thousand songs with their own 1024-pixel pictures cannot each be fetched by the browser before the
map paints. The server instead packs the thumbnails of a block of tracks into one JPEG sheet (an atlas):
the browser fetches a few dozen sheets and draws each thumbnail as a sub-rectangle of one. There are two
levels of detail: overview sheets (256 thumbnails of 48 px, what the whole map needs) and detail sheets
(64 thumbnails of 128 px, fetched only for what is on screen when zoomed in). The explorer fills sheets in
a space-filling (Morton) order of the songs' positions, so the songs in a zoomed-in view share a few sheets. Sheets and
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
from dataclasses import dataclass
from pathlib import Path

from a2i.fileio import atomic_write_bytes

log = logging.getLogger(__name__)

#: Thumbnails per atlas row at the overview level; an overview sheet holds ATLAS_COLUMNS ** 2 tracks.
ATLAS_COLUMNS = 16

#: Side of an overview thumbnail: the map at 1× draws 24-56 CSS px squares; 48 px keeps 10,000 songs' sheets
#: at about 6 MB of JPEG, under the explorer's 10 MB budget for what loads before the first interaction.
OVERVIEW_THUMB = 48

#: Side of a detail thumbnail: zoomed in, thumbnails grow to 72 CSS px (144 device px on a 2× screen);
#: 128 px is sharp up to about 1.8× that size, and a 1024-px sheet of 64 decodes to 4 MB.
DETAIL_THUMB = 128


@dataclass(frozen=True, slots=True)
class Level:
    """One resolution of the thumbnail atlases: ``columns`` × ``columns`` thumbnails of ``thumb`` pixels."""

    thumb: int
    columns: int

    @property
    def size(self) -> int:
        """Tracks per sheet."""
        return self.columns**2


def levels(columns: int = ATLAS_COLUMNS) -> tuple[Level, Level]:
    """The overview and the detail level; a detail sheet holds a quarter of an overview sheet's tracks.

    Examples
    --------
    >>> [(level.thumb, level.size) for level in levels()]
    [(48, 256), (128, 64)]
    """
    if columns < 2 or columns % 2:
        raise ValueError(f"atlas columns must be an even number >= 2, got {columns}")
    return Level(OVERVIEW_THUMB, columns), Level(DETAIL_THUMB, columns // 2)


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
    """Builds and remembers atlases (at every :class:`Level`) and previews.

    Parameters
    ----------
    cache_dir
        Folder for the cached JPEGs (created when needed).
    columns
        Thumbnails per row of an overview sheet (see :func:`levels`).
    preview_size
        Side of the popup preview, in pixels.
    """

    def __init__(self, cache_dir: str | os.PathLike[str], *, columns: int = ATLAS_COLUMNS,
                 preview_size: int = 320) -> None:
        self.cache_dir = Path(cache_dir)
        self.columns = columns
        self.levels = levels(columns)
        self.preview_size = preview_size
        # Striped locks: two requests for the same file build it once, without a lock per key forever.
        self._locks = [threading.Lock() for _ in range(32)]

    def _path(self, level: int, cells: Sequence[Cell]) -> Path:
        spec = self.levels[level]
        return self.cache_dir / f"atlas{level}" / f"{_fingerprint(cells, 'atlas', spec.thumb, spec.columns)}.jpg"

    def _cached(self, path: Path, make) -> bytes:
        if path.is_file():
            return path.read_bytes()
        with self._locks[int(path.stem[:8], 16) % len(self._locks)]:
            if path.is_file():
                return path.read_bytes()
            data = make()
            atomic_write_bytes(path, data)
            return data

    def atlas(self, cells: Sequence[Cell], level: int = 0) -> bytes:
        """A JPEG sheet with the thumbnails of ``cells`` in row-major cells of the level's size."""
        spec = self.levels[level]
        if not 0 < len(cells) <= spec.size:
            raise ValueError(f"a level-{level} atlas holds 1 to {spec.size} pictures, got {len(cells)}")
        return self._cached(self._path(level, cells), lambda: self._sheet(
            [_decoded(path, color, spec.thumb, _square) for path, color in cells], spec))

    def has_atlas(self, cells: Sequence[Cell], level: int = 0) -> bool:
        return self._path(level, cells).is_file()

    def build_block(self, cells: Sequence[Cell]) -> int:
        """Make one overview sheet and its detail sheets, decoding each picture once; returns sheets written."""
        overview, detail = self.levels
        todo = [(0, 0, cells)] + [(1, k, cells[k:k + detail.size]) for k in range(0, len(cells), detail.size)]
        todo = [(level, start, part) for level, start, part in todo if not self.has_atlas(part, level)]
        if not todo:
            return 0
        from PIL import Image

        big = [_decoded(path, color, detail.thumb, _square) for path, color in cells]
        for level, start, part in todo:
            if level == 0:
                small = [image.resize((overview.thumb, overview.thumb), Image.Resampling.LANCZOS) for image in big]
                data = self._sheet(small, overview)
            else:
                data = self._sheet(big[start:start + len(part)], detail)
            atomic_write_bytes(self._path(level, part), data)
        return len(todo)

    def _sheet(self, images: Sequence, spec: Level) -> bytes:
        from PIL import Image

        s = spec.thumb
        rows = -(-len(images) // spec.columns)
        sheet = Image.new("RGB", (spec.columns * s, rows * s), (24, 26, 33))
        for i, image in enumerate(images):
            sheet.paste(image, ((i % spec.columns) * s, (i // spec.columns) * s))
        return _jpeg(sheet, quality=82)

    def preview(self, cell: Cell) -> bytes:
        """A JPEG of the picture scaled to ``preview_size`` for the popup (the original may be huge)."""
        key = _fingerprint([cell], "preview", self.preview_size)
        return self._cached(self.cache_dir / "preview" / f"{key}.jpg",
                            lambda: _jpeg(_decoded(*cell, self.preview_size, _fit), quality=88))


def _build_one(cache_dir: str, columns: int, cells: Sequence[Cell]) -> int:
    return ThumbnailCache(cache_dir, columns=columns).build_block(cells)


def build_atlases(cache: ThumbnailCache, blocks: Sequence[Sequence[Cell]], *, workers: int | None = None,
                  progress: bool = False) -> int:
    """Make every overview sheet (``blocks``) and its detail sheets not yet cached, in ``workers`` processes
    (default: every core).

    Returns
    -------
    int
        How many sheets were built (the others were already in the cache).
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    detail = cache.levels[1].size

    def done(cells: Sequence[Cell]) -> bool:
        return cache.has_atlas(cells, 0) and all(cache.has_atlas(cells[k:k + detail], 1)
                                                 for k in range(0, len(cells), detail))

    todo = [cells for cells in blocks if not done(cells)]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="thumbnails", unit="block", disable=None)
    built = 0
    try:
        if workers == 1:
            for cells in todo:
                built += cache.build_block(cells)
                if bar is not None:
                    bar.update()
        else:
            # spawn, not fork: the caller may already run threads (a server), which fork would copy half-held.
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                for count in pool.map(_build_one, [str(cache.cache_dir)] * len(todo), [cache.columns] * len(todo),
                                      todo):
                    built += count
                    if bar is not None:
                        bar.update()
    finally:
        if bar is not None:
            bar.close()
    return built


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
