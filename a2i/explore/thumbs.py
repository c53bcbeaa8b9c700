"""Small pictures for the map: thumbnail atlases and popup previews, cached on disk.

Ten thousand songs with their own 1024-pixel pictures cannot each be fetched by the browser before the
map paints. The server instead packs the thumbnails of a block of tracks into one JPEG sheet (an atlas):
the browser fetches a few dozen sheets and draws each thumbnail as a sub-rectangle of one. Sheets and
previews are cached on disk under a key made of the source files' paths, modification times and sizes, so
an edited picture is picked up and an unchanged folder starts warm.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from a2i.fileio import atomic_write_bytes

#: Thumbnails per atlas row; an atlas holds ATLAS_COLUMNS ** 2 tracks.
ATLAS_COLUMNS = 16


def _fingerprint(paths: Sequence[Path], *params: object) -> str:
    digest = hashlib.sha1(repr(params).encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"{path}|{stat.st_mtime_ns}|{stat.st_size}\n".encode())
    return digest.hexdigest()


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

    def atlas(self, images: Sequence[Path]) -> bytes:
        """A JPEG sheet with the thumbnails of ``images`` in row-major cells of ``thumb_size`` pixels."""
        if not 0 < len(images) <= ATLAS_COLUMNS**2:
            raise ValueError(f"an atlas holds 1 to {ATLAS_COLUMNS ** 2} pictures, got {len(images)}")
        key = _fingerprint(images, "atlas", self.thumb_size, ATLAS_COLUMNS)
        return self._cached("atlas", key, lambda: self._make_atlas(images))

    def _make_atlas(self, images: Sequence[Path]) -> bytes:
        from PIL import Image

        s = self.thumb_size
        rows = -(-len(images) // ATLAS_COLUMNS)
        sheet = Image.new("RGB", (ATLAS_COLUMNS * s, rows * s), (24, 26, 33))
        for i, path in enumerate(images):
            try:
                thumb = _square(path, s)
            except OSError:
                continue  # an unreadable picture stays a dark cell; its track still shows its mean colour
            sheet.paste(thumb, ((i % ATLAS_COLUMNS) * s, (i // ATLAS_COLUMNS) * s))
        return _jpeg(sheet, quality=82)

    def preview(self, image: Path) -> bytes:
        """A JPEG of the picture scaled to ``preview_size`` for the popup (the original may be huge)."""
        key = _fingerprint([image], "preview", self.preview_size)
        return self._cached("preview", key, lambda: _jpeg(_fit(image, self.preview_size), quality=88))


def _fit(path: Path, size: int):
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
