"""Crash-safe files for the dataset steps: the atomic writers of :mod:`a2i.fileio` plus CSV/JSON readers
that turn unreadable inputs into :class:`~a2i.errors.DatasetError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError, DatasetError, MissingFileError
from a2i.fileio import TEMP_SUFFIX, atomic_write_bytes, atomic_write_json, atomic_write_text

__all__ = ["TEMP_SUFFIX", "atomic_move", "atomic_write_bytes", "atomic_write_json", "atomic_write_text", "read_csv",
           "read_json", "write_csv"]


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
    if not path.exists():
        raise MissingFileError(f"{what} {path} does not exist; check the path")
    if not path.is_file():
        raise ConfigError(f"{what} {path} is a folder; name the CSV file itself")
    try:
        df = pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{what} {path} is not a readable CSV: {exc}") from exc
    if df.empty:  # a header alone (a cut file): every later step would write an empty table and call it done
        raise DatasetError(f"{what} {path} has no rows; pass the table the previous step wrote")
    return df

