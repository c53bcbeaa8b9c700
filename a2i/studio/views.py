"""The studio's blueprints: ``pages`` (the page, media, downloads) and ``api`` (JSON and events)."""

from __future__ import annotations

import json
import threading
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_file

from a2i.errors import ConfigError
from a2i.studio import i18n
from a2i.studio.app import backends, engine, event_stream, media_file, project_view, zip_project
from a2i.studio.jobs import JobQueue
from a2i.studio.projects import Studio

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")

#: Strings the page's script needs (the template renders the rest).
SCRIPT_STRINGS = ("stage.queued", "stage.starting", "stage.loading", "stage.resuming", "stage.preview", "stage.analysing", "stage.painting",
                  "stage.rendering", "stage.joining", "stage.done", "stage.failed", "stage.cancelled", "left", "frames", "cancel",
                  "song.tempo", "song.confidence", "song.key", "song.loudness", "song.length", "song.valence", "song.energy",
                  "song.sections", "clip", "preview", "reroll", "reroll.help", "style", "style.auto", "prompt", "prompt.own",
                  "variants", "variant.choose", "variant.chosen", "description", "video.none", "video.download",
                  "upload.sending", "upload.checking", "error.network", "song.remove.confirm", "songs.none", "section")


def _studio() -> Studio:
    return current_app.extensions["a2i_studio"]["studio"]


def _queue() -> JobQueue:
    return current_app.extensions["a2i_studio"]["queue"]


def _language() -> str:
    return i18n.pick_language(request.headers.get("Accept-Language"), request.args.get("lang") or request.cookies.get("lang"))


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ConfigError("expected a JSON object in the request body")
    return data


@pages.get("/")
def index() -> Response:
    from a2i.render.painter import STYLES

    lang = _language()
    strings = {key: i18n.translate(key, lang) for key in SCRIPT_STRINGS}
    config = {"lang": lang, "strings": strings, "styles": list(STYLES), "backends": backends(current_app.config),
              "max_bytes": current_app.config["MAX_UPLOAD_BYTES"]}
    html = render_template("studio.html", t=lambda key, **kw: i18n.translate(key, lang, **kw), lang=lang,
                           languages=i18n.LANGUAGES, config=json.dumps(config),
                           mb=round(current_app.config["MAX_UPLOAD_BYTES"] / 2**20),
                           minutes=round(current_app.config["MAX_SECONDS"] / 60), backends=config["backends"])
    response = Response(html, mimetype="text/html")
    if request.args.get("lang") in i18n.LANGUAGES:
        response.set_cookie("lang", request.args["lang"], samesite="Strict", max_age=365 * 86400)
    return response


@pages.get("/media/<name>/<file>")
def media(name: str, file: str) -> Response:
    path = media_file(_studio().project(name), file)
    response = send_file(path, conditional=True, max_age=0)  # conditional: byte ranges for the audio
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@pages.get("/download/<name>/video.mp4")
def download_video(name: str) -> Response:
    project = _studio().project(name)
    if not project.video_path.is_file():
        raise ConfigError(f"song {name!r} has no video yet: render one first (not found)")
    return send_file(project.video_path, as_attachment=True, download_name=f"{name}.mp4", conditional=True,
                     max_age=0)


@pages.get("/download/<name>/pictures.zip")
def download_zip(name: str) -> Response:
    project = _studio().project(name)
    return send_file(zip_project(project), mimetype="application/zip", as_attachment=True,
                     download_name=f"{name}-pictures.zip")


@api.get("/projects")
def projects() -> Response:
    rows = []
    for p in _studio().projects():
        state = p.state()
        rows.append({"name": p.name, "title": state.get("title"), "artist": state.get("artist"),
                     "upload": state.get("upload"), "duration": state.get("duration")})
    return jsonify(projects=rows)


@api.post("/projects")
def add_project() -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ConfigError("no file in the upload; choose a song (mp3, wav, flac, ogg, m4a)")
    # The pictures job is queued as soon as the song is stored (its first look needs only an excerpt); the whole
    # file is checked after that. ``?early=1`` (the page): answer at once then, and record a late refusal for the
    # page to find (Studio.refuse); otherwise (scripts) answer once the check is over.
    studio, queue, config = _studio(), _queue(), current_app.config
    early = request.args.get("early") == "1"
    stored, outcome = threading.Event(), {}

    def on_stored(project: Any) -> None:
        outcome.update(project=project, job=queue.add("pictures", project.name, {}))
        if early:
            stored.set()

    def on_refused(project: Any, exc: BaseException) -> None:  # before the project goes: no moment without either
        if "job" in outcome:  # the song did not pass its check: its job stops
            queue.cancel(outcome["job"]["id"])
        if stored.is_set():
            studio.refuse(project.name, str(exc))

    def add() -> None:
        try:
            outcome["project"] = studio.add_song(upload.stream, upload.filename, max_bytes=config["MAX_UPLOAD_BYTES"],
                                                 max_seconds=config["MAX_SECONDS"], on_stored=on_stored,
                                                 on_refused=on_refused,
                                                 settings={"size": config["PICTURE_SIZE"], "seed": 0})  # song_job's
        except BaseException as exc:  # noqa: BLE001 - answered below, or recorded for the page
            outcome["error"] = exc
        finally:
            stored.set()

    if early:
        threading.Thread(target=add, daemon=True).start()
        stored.wait()
    else:
        add()
    if "error" in outcome and not (early and "job" in outcome):
        raise outcome["error"]
    return jsonify(project=outcome["project"].name, job=outcome["job"]["id"], checking=early), 201


@api.get("/projects/<name>")
def project(name: str) -> Response:
    return jsonify(project_view(_studio().project(name), _queue()))


@api.delete("/projects/<name>")
def remove_project(name: str) -> Response:
    project = _studio().project(name)
    for job in _queue().active(name):
        _queue().cancel(job["id"])
    _studio().remove(project)
    return jsonify(removed=name)


@api.get("/projects/<name>/peaks")
def peaks(name: str) -> Response:
    return send_file(_studio().project(name).peaks_path, mimetype="application/json", max_age=0)


def _queue_variants(project_name: str, where: dict[str, int], body: dict[str, Any]) -> Response | None:
    """An SDXL picture is painted by the worker (which keeps the weights loaded): queue it, 202 with the job.
    None for the painter, whose pictures the web process paints at once."""
    backend, options = engine(current_app.config, body.get("backend"))
    if backend == "painter":
        return None
    prompt = body.get("prompt")
    if prompt is not None and (not isinstance(prompt, str) or not prompt.strip()):
        raise ConfigError("the prompt is empty; write what the picture should show, or re-roll instead")
    job = _queue().add("variant", project_name, {**where, "reroll": bool(body.get("reroll")), "prompt": prompt,
                                                 "style": body.get("style") or None, "backend": backend,
                                                 "backend_options": options})
    return jsonify(job=job["id"], backend=backend), 202


@api.post("/projects/<name>/clips/<int:clip>/variants")
def variant(name: str, clip: int) -> Response:
    from a2i.studio.work import paint_variant

    body = _body()
    project = _studio().project(name)
    queued = _queue_variants(project.name, {"clip": clip}, body)
    if queued is not None:
        return queued
    picture = paint_variant(project, clip, reroll=bool(body.get("reroll")),
                            prompt=body.get("prompt"), style=body.get("style") or None)
    return jsonify(image=picture.image, seed=str(picture.seed), variant=picture.variant), 201


@api.post("/projects/<name>/sections/<int:section>/variants")
def section_variants(name: str, section: int) -> Response:
    from a2i.studio.work import paint_section, section_clips

    body = _body()
    project = _studio().project(name)
    section_clips(project, section)  # a section that does not exist is refused before anything is queued
    queued = _queue_variants(project.name, {"section": section}, body)
    if queued is not None:
        return queued
    pictures = paint_section(project, section, reroll=bool(body.get("reroll")),
                             prompt=body.get("prompt"), style=body.get("style") or None)
    return jsonify(images=[p.image for p in pictures]), 201


@api.post("/projects/<name>/clips/<int:clip>/choose")
def choose(name: str, clip: int) -> Response:
    image = _body().get("image")
    if not isinstance(image, str):
        raise ConfigError("choose: give the picture's file name as \"image\"")
    _studio().project(name).choose(clip, image)
    return jsonify(chosen=image)


@api.post("/projects/<name>/video")
def video(name: str) -> Response:
    from a2i.studio.work import shown_pictures, video_options

    project = _studio().project(name)
    sdxl = next(b for b in backends(current_app.config) if b["name"] == "sdxl")
    options = {**video_options(_body(), sdxl=sdxl), "keyframes": shown_pictures(project)}
    if any(j["kind"] == "video" for j in _queue().active(name)):
        raise ConfigError("a video of this song is already being rendered; cancel it first")
    job = _queue().add("video", project.name, options)
    return jsonify(job=job["id"], options=options), 202


@api.post("/jobs/<job_id>/cancel")
def cancel(job_id: str) -> Response:
    job = _queue().cancel(job_id)
    if job is None:
        raise ConfigError(f"job {job_id}: not found")
    return jsonify(state=job["state"], cancel=job["cancel"])


@api.get("/projects/<name>/events")
def events(name: str) -> Response:
    project = _studio().project(name)
    response = Response(event_stream(project, _queue()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@api.get("/backends")
def list_backends() -> Response:
    return jsonify(backends=backends(current_app.config))
