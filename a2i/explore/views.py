"""The explorer's blueprints: ``page`` (the map), ``api`` (JSON, atlases, previews, export), ``files`` (media).

Each view reads the loaded :class:`a2i.explore.app.Explorer` from ``current_app.extensions["a2i_explore"]``;
:func:`a2i.explore.app.create_app` registers the three blueprints and :func:`security_headers`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_file, url_for

from a2i.explore.explorer import EXPORT_MAX, Explorer, export_body

page = Blueprint("page", __name__)
api = Blueprint("api", __name__, url_prefix="/api")
files = Blueprint("files", __name__, url_prefix="/files")

#: The page itself: its own scripts only, pictures from itself (and decoded blobs), its own clips.
PAGE_CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self' 'unsafe-inline'; "
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Anything from the data folder is inert even if it is HTML or SVG in disguise.
MEDIA_CSP = "default-src 'none'; sandbox"
#: Endpoints that send data-folder content (or pictures made from it) and get :data:`MEDIA_CSP`.
MEDIA_ENDPOINTS = frozenset({"files.media", "api.atlas", "api.detail", "api.preview"})

#: How long the browser may reuse a thumbnail, preview or media file without asking (an hour: a rebuilt
#: folder shows within the hour, and a session of zooming never fetches the same sheet twice).
MEDIA_MAX_AGE = 3600

#: Most neighbours one request may ask for: more than any map shows, few enough to answer at once.
NEIGHBOURS_MAX = 100


def explorer() -> Explorer:
    return current_app.extensions["a2i_explore"]


def security_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP if request.endpoint in MEDIA_ENDPOINTS else PAGE_CSP
    return response


def _track_or_404(index: int):
    tracks = explorer().tracks
    if not 0 <= index < len(tracks):
        abort(404)
    return tracks[index]


def _jpeg(data: bytes) -> Response:
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.max_age = MEDIA_MAX_AGE
    return response


@page.get("/")
def index():
    ex = explorer()
    return render_template("index.html", title=ex.collection.root.name, meta=ex.meta())


@api.get("/meta")
def meta():
    return jsonify(explorer().meta())


@api.get("/points")
def points():
    ex, args = explorer(), request.args
    try:
        offset = int(args.get("offset", 0))
        limit = int(args.get("limit", ex.page_size))
    except ValueError:
        return jsonify(error="offset and limit must be integers"), 400
    if offset < 0 or limit < 1:
        return jsonify(error="offset must be >= 0 and limit >= 1"), 400
    limit = min(limit, 10 * ex.page_size)
    return Response(ex.points_page(offset, limit), mimetype="application/json")


@api.get("/tracks/<int:index>")
def track(index: int):
    ex = explorer()
    item = _track_or_404(index)
    body: dict[str, Any] = item.to_dict()
    body.update(index=index, id=item.id, track_file=f"{ex.collection.json_dir / item.id}.json")
    for i, (v, variant) in enumerate(zip(body["data"], item.variants)):
        v["image_url"] = None if variant.image_missing else url_for("files.media", path=variant.image_path)
        playable = variant.audio_path and not variant.audio_missing
        v["audio_url"] = url_for("files.media", path=variant.audio_path) if playable else None
        v["preview_url"] = url_for("api.preview", index=index, variant=i)
        v["image_missing"], v["audio_missing"] = variant.image_missing, variant.audio_missing
        # A picture made by `a2i explore build` / `a2i generate` sits in its run folder, beside profile.json.
        folder = variant.image_path.rsplit("/", 1)[0] if "/" in variant.image_path else ""
        profile = f"{folder}/profile.json" if folder else "profile.json"
        has_run = not variant.image_missing and ex.servable(profile) is not None
        v["profile_url"] = url_for("files.media", path=profile) if has_run else None
        v["run_folder"] = str(ex.collection.root / folder) if has_run else None
    return jsonify(body)


@api.get("/atlas/<int:variant>/<int:sheet>.jpg")
def atlas(variant: int, sheet: int):
    return _sheet(variant, sheet, 0)


@api.get("/detail/<int:variant>/<int:sheet>.jpg")
def detail(variant: int, sheet: int):
    return _sheet(variant, sheet, 1)


def _sheet(variant: int, sheet: int, level: int) -> Response:
    ex = explorer()
    if variant >= ex.collection.max_variants or sheet * ex.levels[level].size >= len(ex.tracks):
        abort(404)
    return _jpeg(ex.thumbs.atlas(ex.atlas_cells(variant, sheet, level), level))


@api.get("/preview/<int:index>/<int:variant>.jpg")
def preview(index: int, variant: int):
    item = _track_or_404(index)
    if variant >= len(item.variants):
        abort(404)
    return _jpeg(explorer().thumbs.preview(explorer().cell(item, variant)))


@api.get("/neighbours/<int:index>")
def neighbours(index: int):
    """``?space=mood|<embedding>&k=8`` → the track's nearest songs in that space, nearest first."""
    ex = explorer()
    _track_or_404(index)
    space = request.args.get("space", "mood")
    if space != "mood" and space not in ex.embeddings:
        return jsonify(error=f"space must be 'mood' or one of {ex.embeddings}, got {space!r}"), 400
    try:
        k = int(request.args.get("k", 8))
    except ValueError:
        return jsonify(error="k must be an integer"), 400
    if not 1 <= k <= NEIGHBOURS_MAX:
        return jsonify(error=f"k must be between 1 and {NEIGHBOURS_MAX}"), 400
    found = ex.neighbours(index, space, k)
    return jsonify(space=space, neighbours=[j for j, _ in found], distances=[round(d, 6) for _, d in found])


@api.post("/export")
def export():
    """``{"indices": [...], "format": "csv" | "json"}`` → a download of those songs."""
    ex, body = explorer(), request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error='send JSON: {"indices": [0, 5, ...], "format": "csv" or "json"}'), 400
    indices, fmt = body.get("indices"), body.get("format", "csv")
    if (not isinstance(indices, list) or len(indices) > EXPORT_MAX
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(ex.tracks) for i in indices)):
        return jsonify(error=f"indices: a list of up to {EXPORT_MAX} track indices, each 0..{len(ex.tracks) - 1}"), 400
    if fmt not in ("csv", "json"):
        return jsonify(error=f"format must be 'csv' or 'json', got {fmt!r}"), 400
    data, mimetype = export_body(ex.export_rows(indices), fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="selection-{len(indices)}.{fmt}"'
    return response


@files.get("/<path:path>")
def media(path: str):
    # Only files a track references (or a run's profile beside its picture); anything else, '..' included,
    # is simply not there. The file is checked again now: it may have become a symbolic link since start-up.
    ex = explorer()
    folder, _, name = path.rpartition("/")
    if path not in ex.media and not (name == "profile.json" and (folder or ".") in ex.picture_dirs):
        abort(404)
    full = ex.servable(path)
    if full is None:
        abort(404)
    return send_file(full, max_age=MEDIA_MAX_AGE)
