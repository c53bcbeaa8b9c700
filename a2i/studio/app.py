"""The studio's Flask app: one page, a JSON API, media, downloads and server-sent events.

Routes
------
``GET  /``                                        the page (English or Danish)
``GET  /api/projects``                            every song, newest first
``POST /api/projects``                            add a song (multipart ``file``); queues its pictures
``GET  /api/projects/<name>``                     a song in full: analysis, clips, sections, pictures, jobs, video
``DELETE /api/projects/<name>``                   remove a song and everything made from it
``GET  /api/projects/<name>/peaks``               the waveform (compact min/max JSON)
``POST /api/projects/<name>/clips/<i>/variants``  a new variant: ``{"reroll": true}``, ``{"prompt": …}``, ``{"style": …}``
``POST /api/projects/<name>/sections/<i>/variants`` the same for every clip of a detected section
``POST /api/projects/<name>/clips/<i>/choose``    ``{"image": …}``: the clip's chosen picture
``POST /api/projects/<name>/video``               queue a render (segments, size, fps, reactivity, smooth)
``POST /api/jobs/<id>/cancel``                    stop a job
``GET  /api/projects/<name>/events``              server-sent events: the song's jobs and a version that changes
                                                  whenever a picture, choice or video is written
``GET  /api/backends``                            the picture engines and why one is unavailable
``GET  /media/<name>/<file>``                     pictures, cards, the preview, the listening copy (byte ranges)
``GET  /download/<name>/video.mp4``, ``/download/<name>/pictures.zip``

Errors are JSON ``{"error": "a2i: error: …"}``, worded as the CLI words them.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from a2i.errors import A2IError, ConfigError, require
from a2i.studio import security
from a2i.studio.jobs import FINISHED, JobQueue
from a2i.studio.projects import MAX_SECONDS, MAX_UPLOAD_BYTES, Project, Studio, size_text
from a2i.studio.work import PICTURE_SIZE

#: How often the event stream looks at the disk for news: a fifth of a second feels live and is cheap
#: (a few ``stat`` calls).
EVENT_POLL_SECONDS = 0.2
#: A comment line every so often keeps proxies and the browser from closing a quiet stream.
EVENT_KEEPALIVE_SECONDS = 15.0


def sdxl_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The SDXL options given (``a2i studio --model ... --steps ...``, the CLI's flags), checked as ``a2i generate
    --backend sdxl`` checks them (:class:`a2i.render.sdxl.SDXLSettings`); raises :class:`~a2i.errors.ConfigError`.

    Examples
    --------
    >>> sdxl_options({"model": "weights", "steps": None})
    {'model': 'weights'}
    >>> sdxl_options({"model": "weights", "steps": 0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: --steps must be an integer in 1..1000, got 0
    """
    given = {k: v for k, v in (options or {}).items() if v is not None}
    if given:
        from a2i.render.sdxl import SDXLSettings  # the settings' checks only; torch is imported when weights load

        SDXLSettings(**given)
    return given


def backends(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The picture engines: the painter always; SDXL when torch and weights are there, else the reason.

    SDXL's entry carries the options it draws with (``config["SDXL"]``, checked by :func:`sdxl_options`).
    """
    import importlib.util

    options = dict(config.get("SDXL") or {})
    sdxl: dict[str, Any] = {"name": "sdxl", "available": False, "reason": None, "options": options}
    model = options.get("model")
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("diffusers") is None:
        sdxl["reason"] = "torch and diffusers are not installed: pip install 'a2i[sdxl]'"
    elif not model:
        sdxl["reason"] = "no weights: start the studio with --model PATH_OR_ID (a diffusers SDXL folder)"
    elif not Path(model).exists() and "/" not in str(model):
        sdxl["reason"] = f"--model {model}: not found; give a diffusers SDXL folder or a Hugging Face id in the cache"
    else:
        sdxl.update(available=True, model=str(model))
    return [{"name": "painter", "available": True, "reason": None, "options": {}}, sdxl]


def engine(config: dict[str, Any], name: str | None) -> tuple[str, dict[str, Any]]:
    """``(backend, options)`` for a request's ``backend`` field: the painter, or SDXL when available (else the
    reason, as a :class:`~a2i.errors.ConfigError`)."""
    name = name or "painter"
    found = next((b for b in backends(config) if b["name"] == name), None)
    if found is None:
        raise ConfigError(f"backend {name!r}: use 'painter' or 'sdxl'")
    if not found["available"]:
        raise ConfigError(f"{name} cannot be used: {found['reason']}")
    return name, found["options"]


def _error(exc: Exception, status: int = 400):  # noqa: ANN202
    from flask import jsonify

    response = jsonify(error=f"a2i: error: {exc}")
    response.status_code = status
    return response


def _describe(picture: Any, clip: Any) -> str:
    """What a picture shows, in words: the painter's own account when it records one, else its style, motifs
    and mood as the painter reads them from the prompt."""
    drawn = getattr(picture, "drawn", None)
    if isinstance(drawn, dict) and drawn.get("description"):
        return str(drawn["description"])
    from a2i.prompts import mood_words
    from a2i.render.painter.text import read_prompt
    from a2i.vocabulary import choose_style

    style = picture.style or choose_style(picture.prompt, picture.seed)
    emotion, atmosphere = mood_words(clip)
    motifs = sorted(read_prompt(picture.prompt).subjects)
    scene = f" with {', '.join(motifs)}" if motifs else ""
    return f"{style} style{scene}: {emotion}, {atmosphere}"


def project_view(project: Project, queue: JobQueue) -> dict[str, Any]:
    """Everything the page shows of one song (no file paths: names inside the song's folders only)."""
    state = project.state()
    run = project.run()
    out: dict[str, Any] = {"name": project.name, "upload": state.get("upload"), "title": state.get("title"),
                           "artist": state.get("artist"), "duration": state.get("duration"),
                           "sections": state.get("sections") or [], "chosen": state.get("chosen", {}),
                           "preview": None, "song": None, "clips": [], "video": None, "warnings": state.get("warnings", []),
                           "checking": bool(state.get("checking")),
                           "jobs": [j for j in queue.all() if j["project"] == project.name][-6:]}
    if project.preview_path.exists():
        out["preview"] = {**(state.get("preview") or {}), "image": "preview.png"}
    if run is not None:
        song = run.profile
        features = run.analysis.get("features") or {}
        out["song"] = {"valence": song.valence, "energy": song.energy, "tempo": song.tempo, "tempo_text": song.tempo_text,
                       "tempo_confidence": features.get("tempo_confidence"), "key": song.key_name,
                       "loudness": round(song.loudness, 1), "title": song.title, "artist": song.artist, "genre": song.genre}
        for clip in run.clips:
            pictures = [p for p in run.pictures if p.clip == clip.index]
            out["clips"].append({
                "index": clip.index, "start": clip.start, "end": clip.end, "valence": clip.valence, "energy": clip.energy,
                "pictures": [{"image": p.image, "card": p.card, "prompt": p.prompt, "seed": str(p.seed),
                              "variant": p.variant, "style": p.style, "description": _describe(p, clip)} for p in pictures],
            })
    if project.video_path.exists():
        out["video"] = {"file": project.video_path.name, "mtime": int(project.video_path.stat().st_mtime),
                        "params": (state.get("video") or {}).get("params")}
    return out


def project_version(project: Project, queue: JobQueue) -> str:
    """A fingerprint that changes whenever anything the page shows of the song changes."""
    stamps = []
    for path in (project.state_path, project.run_dir / "prompts.json", project.preview_path, project.video_path):
        try:
            stamps.append(path.stat().st_mtime_ns)
        except FileNotFoundError:
            stamps.append(0)
    jobs = [(j["id"], j["state"], j["progress"], j["stage"]) for j in queue.all() if j["project"] == project.name]
    return f"{stamps}{jobs}"


def create_app(test_config: dict[str, Any] | None = None):  # noqa: ANN201 - flask.Flask, imported lazily
    """The studio app for one folder.

    Parameters
    ----------
    test_config : dict, optional
        Overrides: ``FOLDER`` (the studio folder; default ``studio``), ``ACCESS_TOKEN`` (required from every
        client when set: what ``--host`` turns on), ``SDXL`` (the SDXL options given, :func:`sdxl_options`),
        ``MAX_UPLOAD_BYTES``, ``MAX_SECONDS``,
        ``PICTURE_SIZE`` (side of a new song's pictures; tests use small ones).

    Examples
    --------
    >>> import tempfile
    >>> app = create_app({"FOLDER": tempfile.mkdtemp()})
    >>> app.test_client().get("/api/projects").get_json()
    {'projects': []}
    >>> app.test_client().get("/api/projects", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
    403
    """
    flask = require("flask", "studio")
    app = flask.Flask(__name__)
    app.config.update(FOLDER="studio", ACCESS_TOKEN=None, SDXL={}, MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES,
                      MAX_SECONDS=MAX_SECONDS, PICTURE_SIZE=PICTURE_SIZE)
    app.config.update(test_config or {})
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024  # the file plus its form
    folder = Path(app.config["FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    app.extensions["a2i_studio"] = {"studio": Studio(folder), "queue": JobQueue(folder)}
    security.install(app)

    from a2i.studio.views import api, pages

    app.register_blueprint(pages)
    app.register_blueprint(api)

    @app.errorhandler(413)
    def too_large(exc):  # noqa: ANN001, ANN202
        limit = size_text(app.config["MAX_UPLOAD_BYTES"])
        return _error(ConfigError(f"the file is larger than the studio's limit of {limit}; use `a2i generate` "
                                  f"for longer recordings"), 413)

    @app.errorhandler(A2IError)
    def a2i_error(exc):  # noqa: ANN001, ANN202
        return _error(exc, 404 if "not found" in str(exc) else 400)

    return app


def event_stream(project: Project, queue: JobQueue, *, once: bool = False):  # noqa: ANN201 - a generator of str
    """Server-sent events: ``project`` (the song's jobs and version) whenever something changes."""
    last, quiet = None, time.monotonic()
    yield "retry: 1000\n\n"
    while True:
        version = project_version(project, queue)
        if version != last:
            jobs = [j for j in queue.all() if j["project"] == project.name]
            payload = {"version": str(hash(version)), "jobs": [j for j in jobs if j["state"] not in FINISHED or
                                                               time.time() - (j.get("finished") or 0) < 5]}
            yield f"event: project\ndata: {json.dumps(payload)}\n\n"
            last, quiet = version, time.monotonic()
            if once:
                return
        elif time.monotonic() - quiet > EVENT_KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet = time.monotonic()
        time.sleep(EVENT_POLL_SECONDS)


def zip_project(project: Project) -> io.BytesIO:
    """The song's pictures, cards, ``profile.json`` and ``prompts.json`` as a ZIP in memory (PNGs stored, not
    deflated: they are compressed already)."""
    run = project.run()
    if run is None:
        raise ConfigError("the song has no pictures yet; wait until they are painted")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("profile.json", "prompts.json"):
            archive.write(project.run_dir / name, f"{project.name}/{name}", compress_type=zipfile.ZIP_DEFLATED)
        for picture in run.pictures:
            for file in (picture.image, picture.card):
                if file and (project.run_dir / file).is_file():
                    archive.write(project.run_dir / file, f"{project.name}/{file}", compress_type=zipfile.ZIP_STORED)
    buffer.seek(0)
    return buffer


def media_file(project: Project, file: str) -> Path:
    """A file the page may load: a picture or card the run record lists, the preview or the listening copy."""
    if file in ("preview.png", "listen.wav"):
        path = project.preview_path if file == "preview.png" else project.listen_path
    else:
        run = project.run()
        listed = {f for p in (run.pictures if run else []) for f in (p.image, p.card) if f}
        if file not in listed:
            raise ConfigError(f"{file}: not found in song {project.name!r}")
        path = project.run_dir / file
    if not path.is_file():
        raise ConfigError(f"{file}: not found in song {project.name!r}")
    return path


__all__ = ["backends", "create_app", "engine", "sdxl_options", "event_stream", "media_file", "project_view", "zip_project"]
