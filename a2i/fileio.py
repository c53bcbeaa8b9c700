"""Crash-safe file writing shared by every part of a2i.

Every job can be killed at any moment (``kill -9``, a closed laptop lid) and rerun. That only works if a
file is either complete or absent: each writer here writes a temporary file beside the target and moves it
into place with :func:`os.replace`, which is atomic on POSIX and Windows, so a reader never sees half a file
and an earlier run's results are never damaged.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

#: Suffix of the temporary files; a leftover one means a write was interrupted and is safe to delete.
TEMP_SUFFIX = ".a2i-tmp"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is never seen half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON atomically; NaN becomes ``null`` so any JSON reader can load it."""
    return atomic_write_text(path, json.dumps(_nan_to_none(obj), indent=2, ensure_ascii=False) + "\n")


def atomic_save_png(image: Image.Image, path: str | os.PathLike) -> Path:
    """Encode a picture as PNG in memory, then write it atomically."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return atomic_write_bytes(path, buffer.getvalue())


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {key: _nan_to_none(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(value) for value in obj]
    return obj
