"""The studio's worker: takes jobs from the on-disk queue (:mod:`a2i.studio.jobs`) and runs them.

One worker process per studio folder, started beside the web server (:func:`start_worker`). It keeps the
mood analyzer loaded, so a new song's first picture is painted within a second or two, and runs picture
jobs itself, one at a time. Each video render runs in a child process of its own (``python -m
a2i.studio.worker --video FOLDER JOB``): a render can then be cancelled at any moment (the child stops like
``a2i video`` on Ctrl-C, keeping its finished chunks), and a render whose process died (a crash, the
server stopped) is queued again and continues with :func:`a2i.video.make.make_video`'s ``resume``.

Run it by hand with ``python -m a2i.studio.worker FOLDER``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from a2i.errors import A2IError
from a2i.studio.jobs import JobQueue
from a2i.studio.projects import Studio

#: How often an idle worker looks for new jobs: a fifth of a second keeps the first picture of a new song
#: within the studio's 3-second budget while costing nothing measurable.
POLL_SECONDS = 0.2
#: How often a render reports its progress (and looks for a cancel request).
REPORT_SECONDS = 0.5
#: File in the queue folder holding the id of a worker that is warm and taking jobs.
READY_NAME = "worker.ready"
#: Renders at once: one, since a 720p painter render already keeps both cores of a small machine busy.
MAX_RENDERS = 1


def _message(exc: BaseException) -> str:
    if isinstance(exc, A2IError):
        return f"a2i: error: {exc}"
    if isinstance(exc, OSError):  # the CLI's wording (a2i.cli.describe_os_error), which the studio may not import
        paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
        reason = exc.strerror or str(exc)
        return f"a2i: error: {paths + ': ' if paths else ''}{reason}; check the path and its permissions"
    return f"a2i: error: unexpected {type(exc).__name__}: {exc}"


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_pictures(queue: JobQueue, studio: Studio, job: dict[str, Any], analyzer: Any) -> None:
    """One picture job, in this process."""
    from a2i.studio.work import Cancelled, make_pictures

    def report(progress: float, stage: str, eta: float | None) -> bool:
        current = queue.update(job["id"], progress=round(progress, 4), stage=stage,
                               eta=None if eta is None else round(eta, 1))
        return bool(current and current.get("cancel"))

    try:
        project = studio.project(job["project"])
        n = make_pictures(project, analyzer, report)
        queue.update(job["id"], state="done", stage="done", progress=1.0, eta=0, finished=time.time(),
                     message=f"{n} picture(s) painted")
    except Cancelled:
        queue.update(job["id"], state="cancelled", stage="cancelled", finished=time.time())
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, reported on its page, never the worker's end
        if not isinstance(exc, (A2IError, OSError)):
            traceback.print_exc()
        queue.update(job["id"], state="failed", stage="failed", finished=time.time(), message=_message(exc))


def run_variants(queue: JobQueue, studio: Studio, job: dict[str, Any], engines: dict[str, Any]) -> None:
    """One picture job of a backend with weights (SDXL), in this process: :func:`a2i.studio.work.paint_variant` for a
    clip or :func:`a2i.studio.work.paint_section` for a section, with the backend loaded once and kept in ``engines``
    (keyed by its options), so the next picture costs no reload."""
    import json

    from a2i.render import get_backend
    from a2i.studio.work import paint_section, paint_variant

    params = job["params"]
    try:
        queue.update(job["id"], stage="loading", progress=0.05)
        key = json.dumps([params["backend"], params["backend_options"]], sort_keys=True)
        if key not in engines:
            engines.clear()  # one set of weights in memory at a time
            engines[key] = get_backend(params["backend"], **params["backend_options"])
        queue.update(job["id"], stage="painting", progress=0.2)
        change = {"reroll": params["reroll"], "prompt": params["prompt"], "style": params["style"], "backend": engines[key]}
        project = studio.project(job["project"])
        if "section" in params:
            pictures = paint_section(project, params["section"], **change)
        else:
            pictures = [paint_variant(project, params["clip"], **change)]
        queue.update(job["id"], state="done", stage="done", progress=1.0, eta=0, finished=time.time(),
                     images=[p.image for p in pictures], message=f"{len(pictures)} picture(s) painted by {params['backend']}")
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, reported on its page, never the worker's end
        if not isinstance(exc, (A2IError, OSError)):
            traceback.print_exc()
        queue.update(job["id"], state="failed", stage="failed", finished=time.time(), message=_message(exc))


def run_video(folder: str, job_id: str) -> int:
    """One render, in this (child) process: :func:`a2i.video.make.make_video` with the pictures shown on the page as
    its keyframes (:class:`a2i.planner.Chosen`), its progress per frame with the time left, a cancel flag honoured
    within :data:`REPORT_SECONDS`, and ``resume`` after a crash."""
    from a2i.planner import Chosen
    from a2i.studio.work import TimeLeft
    from a2i.video.make import make_video
    from a2i.video.workdir import parts_dir

    queue, studio = JobQueue(folder), Studio(folder)
    job = queue.get(job_id)
    project = studio.project(job["project"])
    params = dict(job["params"])
    keyframes = params.pop("keyframes", [])  # the pictures shown when the render was asked for (kept for a resume)
    chosen = Chosen.from_run(project.run(), keyframes) if keyframes else None
    out = project.video_path
    parts = parts_dir(out)
    resume = job["attempts"] > 1 and parts.exists()  # a render this job already began: continue it
    if not resume:
        shutil.rmtree(parts, ignore_errors=True)
    now = {"stage": "analysing", "done": 0, "total": 0}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, _terminated)

    def on_progress(stage: str, done: int, total: int) -> None:  # on make_video's drawing thread: just note it
        now.update(stage=stage, done=done, total=total)

    def watch() -> None:
        left = TimeLeft()
        while not stop.wait(REPORT_SECONDS):
            stage, done, total = now["stage"], now["done"], now["total"]
            eta = left.update(done, total) if stage == "rendering" else None
            share = done / total if total else 0.0
            current = queue.update(job_id, progress=round(0.05 + 0.9 * share, 4), stage=stage,
                                   eta=None if eta is None else round(eta, 1), frames=[done, total])
            if current and current.get("cancel"):
                os.kill(os.getpid(), signal.SIGTERM)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = make_video(project.song_path, out, resume=resume, overwrite=True, progress=False, chosen=chosen,
                            on_progress=on_progress, **params)
    except KeyboardInterrupt:
        stop.set()
        cancelled = bool((queue.get(job_id) or {}).get("cancel"))
        queue.update(job_id, state="cancelled" if cancelled else "queued", stage="cancelled" if cancelled else "resuming",
                     finished=time.time() if cancelled else None, pid=None)
        return 130
    except Exception as exc:  # noqa: BLE001 - reported on the page
        stop.set()
        queue.update(job_id, state="failed", stage="failed", finished=time.time(), message=_message(exc))
        return 2
    stop.set()
    reused = f"; {result.reused_chunks} chunk(s) kept from before the restart" if result.reused_chunks else ""
    queue.update(job_id, state="done", stage="done", progress=1.0, eta=0, finished=time.time(),
                 frames=[result.n_frames, result.n_frames], message=f"{result.n_frames} frames, {result.duration:.1f} s{reused}",
                 video={"file": out.name, "mtime": out.stat().st_mtime, "reused_chunks": result.reused_chunks})
    project.update_state(video={"file": out.name, "params": job["params"], "job": job_id, "made": time.time()})
    return 0


def warm_up(analyzer: Any) -> None:
    """Do once, at start, what a new song's first look does (analyse 10 seconds, paint a picture), so the
    first song does not pay for imports and caches (librosa's filters, the painter's modules: about a second
    on a 2-core machine)."""
    import tempfile

    from a2i.audio import write
    from a2i.mood import ClipProfile
    from a2i.render import get_backend
    from a2i.synth import tone

    with tempfile.TemporaryDirectory() as tmp:
        analyzer.analyze(write(Path(tmp) / "warm-up.wav", tone(10.0)), per_clip=True)
    get_backend("painter").render(profile=ClipProfile(), size=64)


def serve(folder: str, *, stop: threading.Event | None = None) -> None:
    """The worker's loop: requeue what a dead worker left, then take jobs until ``stop`` (or SIGTERM)."""
    from a2i.mood import default_analyzer

    queue, studio = JobQueue(folder), Studio(folder)
    analyzer = default_analyzer()  # loaded once: the first picture of every song is painted with it warm
    warm_up(analyzer)
    (queue.root / READY_NAME).write_text(str(os.getpid()))  # benchmarks wait for this before timing a first song
    renders: dict[str, subprocess.Popen] = {}
    engines: dict[str, Any] = {}  # a backend with weights (SDXL), loaded at its first picture job
    stop = stop or threading.Event()
    parent = os.getppid()
    try:
        while not stop.is_set() and os.getppid() == parent:  # the studio that started it is gone: stop too
            queue.requeue_orphans()
            for job_id, child in list(renders.items()):
                if child.poll() is not None:
                    del renders[job_id]
            if len(renders) < MAX_RENDERS:
                job = queue.claim(pid=os.getpid(), kinds=("video",))
                if job is not None:
                    child = subprocess.Popen([sys.executable, "-m", "a2i.studio.worker", "--video", job["id"], folder])
                    renders[job["id"]] = child
                    queue.update(job["id"], pid=child.pid, stage="analysing")
                    continue
            job = queue.claim(pid=os.getpid(), kinds=("pictures", "variant"))
            if job is not None:
                if job["kind"] == "variant":
                    run_variants(queue, studio, job, engines)
                else:
                    run_pictures(queue, studio, job, analyzer)
                continue
            stop.wait(POLL_SECONDS)
    finally:
        for child in renders.values():  # they stop like Ctrl-C, keeping finished chunks for the resume
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
        for child in renders.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)


def start_worker(folder: str | os.PathLike[str]) -> subprocess.Popen:
    """Start the worker for ``folder`` as a process of its own; stop it with ``terminate()``.

    It runs in a session of its own, so Ctrl-C in the studio's terminal reaches the server alone, which then
    stops the worker (and the worker its renders, keeping their finished chunks); it also stops by itself
    when the process that started it is gone.
    """
    return subprocess.Popen([sys.executable, "-m", "a2i.studio.worker", str(Path(folder).resolve())], start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m a2i.studio.worker", description="The a2i studio's job worker.")
    parser.add_argument("folder", help="the studio folder")
    parser.add_argument("--video", metavar="JOB", help="run one render job (what the worker starts per render)")
    args = parser.parse_args(argv)
    if args.video:
        return run_video(args.folder, args.video)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        serve(args.folder)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
