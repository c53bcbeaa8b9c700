"""The studio's job queue: one JSON file per job under ``FOLDER/.jobs/``, so it outlives the page and the server.

Why files and not memory: a render takes minutes; the page may be reloaded and the server restarted in
between. The web process only *adds* jobs and sets their ``cancel`` flag; the worker
(:mod:`a2i.studio.worker`) claims them, writes their progress and finishes them. Every write is atomic
(:func:`a2i.fileio.atomic_write_json`), so a reader never sees half a job, and a job the worker was
running when it died (its ``pid`` gone) is put back in the queue to be resumed.

A job is a dict::

    {"id": "…", "kind": "pictures" | "video" | "variant", "project": "…", "state": "queued" | "running" | "done" |
     "failed" | "cancelled", "created": t, "started": t, "finished": t, "progress": 0..1, "stage": "…",
     "eta": seconds or null, "message": "…", "params": {…}, "pid": n, "attempts": n, "cancel": bool}

Examples
--------
>>> import tempfile
>>> queue = JobQueue(tempfile.mkdtemp())
>>> job = queue.add("pictures", "song", {})
>>> queue.claim(pid=1)["id"] == job["id"]
True
>>> queue.get(job["id"])["state"]
'running'
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError
from a2i.fileio import atomic_write_json, file_lock

JOBS_DIR = ".jobs"
KINDS = ("pictures", "video", "variant")
ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
#: Starts a job gets: a job whose process died this often (a crash that recurs, not a restart) is failed
#: instead of being retried for ever.
MAX_ATTEMPTS = 3


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists (a zombie child counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


class JobQueue:
    """The jobs of one studio folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.root = Path(folder) / JOBS_DIR
        self.root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise read-modify-write of job files between the web process and the worker."""
        with file_lock(self.root / ".lock"):
            yield

    def _path(self, job_id: str) -> Path:
        if not job_id or not all(c in "0123456789abcdef" for c in job_id):
            raise ConfigError(f"job {job_id!r}: not a job id")
        return self.root / f"{job_id}.json"

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job, or ``None`` if there is no such job."""
        try:
            return json.loads(self._path(job_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def all(self) -> list[dict[str, Any]]:
        """Every job, oldest first."""
        jobs = []
        for path in self.root.glob("*.json"):
            try:
                jobs.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return sorted(jobs, key=lambda j: (j.get("created", 0), j["id"]))

    def add(self, kind: str, project: str, params: dict[str, Any]) -> dict[str, Any]:
        """Queue a job; returns it."""
        if kind not in KINDS:
            raise ConfigError(f"job kind {kind!r}: expected one of {', '.join(KINDS)}")
        job = {"id": uuid.uuid4().hex, "kind": kind, "project": project, "state": "queued", "created": time.time(),
               "started": None, "finished": None, "progress": 0.0, "stage": "queued", "eta": None, "message": "",
               "params": params, "pid": None, "attempts": 0, "cancel": False}
        with self._locked():
            atomic_write_json(self._path(job["id"]), job)
        return job

    def update(self, job_id: str, **changes: Any) -> dict[str, Any] | None:
        """Change fields of a job atomically; returns the job as written (``None`` if it is gone)."""
        with self._locked():
            job = self.get(job_id)
            if job is None:
                return None
            job.update(changes)
            atomic_write_json(self._path(job_id), job)
            return job

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Ask for a job to stop; a queued one stops at once, a running one when the worker sees the flag."""
        with self._locked():
            job = self.get(job_id)
            if job is None:
                return None
            if job["state"] == "queued":
                job.update(state="cancelled", stage="cancelled", finished=time.time(), cancel=True)
            elif job["state"] == "running":
                job["cancel"] = True
            atomic_write_json(self._path(job_id), job)
            return job

    def claim(self, *, pid: int, kinds: tuple[str, ...] = KINDS) -> dict[str, Any] | None:
        """Take the oldest queued job of these kinds for process ``pid``; ``None`` when there is none."""
        with self._locked():
            for job in self.all():
                if job["state"] == "queued" and job["kind"] in kinds:
                    job.update(state="running", stage="starting", started=time.time(), pid=pid,
                               attempts=int(job.get("attempts", 0)) + 1)
                    atomic_write_json(self._path(job["id"]), job)
                    return job
        return None

    def requeue_orphans(self) -> list[str]:
        """Put running jobs whose process is gone (a crash, a restart) back in the queue; returns their ids."""
        ids = []
        with self._locked():
            for job in self.all():
                if job["state"] == "running" and not pid_alive(job.get("pid")):
                    if int(job.get("attempts", 0)) >= MAX_ATTEMPTS:
                        job.update(state="failed", stage="failed", pid=None, finished=time.time(),
                                   message=f"a2i: error: the job's process stopped {job['attempts']} times without "
                                           f"finishing; see the studio's terminal for why")
                    else:
                        job.update(state="queued", stage="resuming", pid=None)
                    atomic_write_json(self._path(job["id"]), job)
                    ids.append(job["id"])
        return ids

    def active(self, project: str | None = None) -> list[dict[str, Any]]:
        """Queued and running jobs (of one project)."""
        return [j for j in self.all() if j["state"] in ACTIVE and (project is None or j["project"] == project)]
