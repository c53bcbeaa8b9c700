"""The folder an unfinished video lives in, so ``--resume`` can pick up where a killed render stopped.

``FILE.mp4`` is rendered in ``FILE.mp4.parts/``: ``job.json`` (what is being made, from what), keyframes
under ``keyframes/`` and encoded chunks under ``chunks/``. Every file there is written atomically, so a
file that exists is complete; a rerun with ``--resume`` keeps them and makes only what is missing. The
folder is removed once the finished video is in place.

A rerun with other options, or after the song changed, must not mix old pieces into the new video: the
job record holds the song's content hash (:func:`a2i.fileio.content_hash`) and every option that changes a
frame, and ``--resume`` refuses a folder whose record differs. The song is recognised by its bytes, not its
path, so a render resumes from any working directory and after the whole tree (song, video, work folder)
was moved.

The pieces themselves (keyframes, chunks) are kept in a format each route versions
(:data:`a2i.video.routes.PARTS_FORMAT`, recorded in ``job.json`` as ``parts``): a folder whose pieces were
made by an a2i whose route kept them in another format (an upgrade between the kill and ``--resume``) has
them drawn again, with one warning; what the job kept (an LLM's prompts) is reused, and the video being
made is never touched before it is finished.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from a2i.errors import A2IWarning, ConfigError
from a2i.fileio import atomic_write_json, content_hash

#: Version of ``job.json``; a folder written by another version is not resumed (version 1 recorded the song's
#: path, size and modification time, so a moved tree could not be resumed).
JOB_VERSION = 2

#: Name of the work folder beside the video.
PARTS_SUFFIX = ".parts"


def parts_dir(out: str | os.PathLike[str]) -> Path:
    """The work folder of video ``out``."""
    out = Path(out)
    return out.with_name(out.name + PARTS_SUFFIX)


#: The ``parts`` format of a folder whose ``job.json`` records none (written before formats were recorded).
UNVERSIONED_PARTS = 1


def job_record(song: str | os.PathLike[str], options: Mapping[str, Any], *, parts: int = UNVERSIONED_PARTS) -> dict[str, Any]:
    """What identifies a render: the song's content hash and the frame-changing options, and the format its
    route keeps its pieces in (``parts``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.wav").write_bytes(b"RIFF"); _ = (folder / "b.wav").write_bytes(b"RIFF")
    >>> job_record(folder / "a.wav", {"fps": "24"}) == job_record(folder / "b.wav", {"fps": "24"})
    True
    """
    return {"version": JOB_VERSION, "parts": parts, "song_sha256": content_hash(song), "options": dict(options)}


class WorkDir:
    """The work folder of one render.

    Parameters
    ----------
    out : path
        The video being made.
    record : dict
        From :func:`job_record`.
    resume : bool
        Reuse a folder left by an interrupted render with the same record.
    """

    def __init__(self, out: str | os.PathLike[str], record: Mapping[str, Any], *, resume: bool) -> None:
        self.root = parts_dir(out)
        record = json.loads(json.dumps(record))  # the form it takes on disk, for comparison
        job = self.root / "job.json"
        stale = False
        if self.root.exists():
            if not resume:
                raise ConfigError(f"{self.root} holds an unfinished render of {Path(out).name}; add --resume to "
                                  f"continue it, or delete the folder to start over")
            try:
                previous = json.loads(job.read_text())
            except (OSError, ValueError):
                previous = None
            if _without_parts(previous) != _without_parts(record):
                changed = _differences(previous, record)
                raise ConfigError(f"--resume: {self.root} was rendered with other settings ({changed}); rerun with "
                                  f"the same ones, or delete the folder to start over")
            stale = _parts(previous) != _parts(record)
        if stale:  # same job, pieces in another format: drawn again
            warnings.warn(A2IWarning(f"--resume: {self.root} holds pieces made by another version of a2i (format "
                                     f"{_parts(previous)}, this one makes {_parts(record)}); drawing them again"), stacklevel=2)
            for folder in ("keyframes", "chunks"):
                shutil.rmtree(self.root / folder, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        self.keyframes = self.root / "keyframes"
        self.chunks = self.root / "chunks"
        self.keyframes.mkdir(exist_ok=True)
        self.chunks.mkdir(exist_ok=True)
        if stale or not job.exists():
            atomic_write_json(job, record)

    def keep(self, name: str, value: Any) -> Any:
        """``value`` the first time; on a resumed render, what the first run kept under ``name``.

        For inputs that are not reproducible (an LLM's prompts): the resumed render must draw the same
        keyframes as the chunks already encoded.
        """
        path = self.root / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text())
        atomic_write_json(path, value)
        return value

    def chunk(self, index: int) -> Path:
        return self.chunks / f"chunk_{index:05d}.mp4"

    def keyframe(self, index: int, suffix: str) -> Path:
        return self.keyframes / f"keyframe_{index:04d}{suffix}"

    def remove(self) -> None:
        """Delete the folder (after the finished video is in place)."""
        shutil.rmtree(self.root, ignore_errors=True)


def _parts(record: Any) -> Any:
    return record.get("parts", UNVERSIONED_PARTS) if isinstance(record, dict) else None


def _without_parts(record: Any) -> Any:
    return {k: v for k, v in record.items() if k != "parts"} if isinstance(record, dict) else record


def _differences(previous: Any, record: Mapping[str, Any]) -> str:
    if not isinstance(previous, dict):
        return "its job.json is missing or unreadable"
    keys = [k for k in record if k not in ("options", "parts") and previous.get(k) != record[k]]
    old, new = previous.get("options") or {}, record["options"]
    keys += [f"--{k.replace('_', '-')}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return ", ".join("the song's content" if k == "song_sha256" else k for k in keys) or "unknown"
