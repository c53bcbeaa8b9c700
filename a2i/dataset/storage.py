"""Crash-safe files for the dataset steps.

Every step can be killed at any moment (``kill -9``, a closed laptop lid) and rerun. That only works if a
file is either complete or absent: each writer here writes a temporary file beside the target and moves it
into place with :func:`os.replace`, which is atomic on POSIX and Windows, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from a2i.errors import DatasetError

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


def atomic_move(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Move a finished file into place; both paths must be on the same filesystem (same output folder)."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    return dst


def read_json(path: str | os.PathLike) -> Any:
    """Load a JSON file, or raise :class:`DatasetError` naming it when it is unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read JSON file {path}: {exc}; delete it to redo that item") from exc


def write_csv(df, path: str | os.PathLike) -> Path:
    """Write a pandas DataFrame as CSV atomically (index not written)."""
    return atomic_write_text(path, df.to_csv(index=False))


def read_csv(path: str | os.PathLike, *, what: str = "CSV file", **kwargs):
    """Read a CSV into pandas, turning a missing or unparsable file into a :class:`DatasetError`."""
    from a2i.errors import require

    pd = require("pandas", "dataset")
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{what} {path} does not exist; check the path")
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{what} {path} is not a readable CSV: {exc}") from exc


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {key: _nan_to_none(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(value) for value in obj]
    return obj
