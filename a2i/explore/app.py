"""The explorer's web app: one page, a small JSON API and the data folder's media.

The page (``templates/index.html`` + ``static/``) draws the map on a canvas and pages through
``/api/points``; pictures reach it as thumbnail atlases (``/api/atlas``), popup previews
(``/api/preview``) and originals (``/files``). Only files that a track references are ever served.

Routes
------
``GET /``                                  the single-page explorer
``GET /api/meta``                          counts, genres, variants, grid, page size, atlas layout
``GET /api/points?offset=&limit=``         compact rows for drawing (one page of tracks)
``GET /api/tracks/<index>``                one track in full (schema fields plus media URLs)
``GET /api/atlas/<variant>/<sheet>.jpg``   thumbnails of tracks sheet*256 … sheet*256+255
``GET /api/preview/<index>/<variant>.jpg`` the popup picture
``GET /files/<path>``                      a picture or clip that a track references

Every response says ``X-Content-Type-Options: nosniff`` and carries a Content-Security-Policy: the page
may load only its own scripts and media, and anything served from the data folder (pictures, clips,
thumbnails) is sandboxed with ``default-src 'none'``, so a file that is really HTML or SVG runs nothing.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError, DatasetError, require
from a2i.explore.data import Collection, Track, default_cache_dir, load_collection
from a2i.explore.thumbs import ATLAS_COLUMNS, Cell, ThumbnailCache, build_atlases

#: Tracks per atlas sheet.
ATLAS_SIZE = ATLAS_COLUMNS**2

#: Point pages kept in memory: a few page sizes × 10,000 songs; odd offsets from other clients push out the
#: oldest instead of growing the server without bound.
PAGE_CACHE_SIZE = 64

#: The page itself: its own scripts only, pictures from itself (and decoded blobs), its own clips.
PAGE_CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self' 'unsafe-inline'; "
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Anything from the data folder is inert even if it is HTML or SVG in disguise.
MEDIA_CSP = "default-src 'none'; sandbox"


def parse_grid(text: str) -> tuple[int, int]:
    """``"6x4"`` → ``(6, 4)``: columns along valence × rows along arousal, each 1..32."""
    try:
        cols, rows = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise ConfigError(f"grid size {text!r}: expected COLUMNSxROWS, e.g. 6x4") from None
    if not (1 <= cols <= 32 and 1 <= rows <= 32):
        raise ConfigError(f"grid size {text!r}: columns and rows must each be between 1 and 32")
    return cols, rows


class Explorer:
    """The loaded collection plus what the routes precompute from it."""

    def __init__(self, collection: Collection, *, grid: tuple[int, int], cache_dir: Path, page_size: int,
                 thumb_size: int) -> None:
        self.collection = collection
        self.grid = grid
        self.page_size = page_size
        self.thumbs = ThumbnailCache(cache_dir, thumb_size=thumb_size)
        self.genres = list(collection.genres)
        self._genre_index = {name: i for i, name in enumerate(self.genres)}
        self.media = collection.media_paths()
        self._pages: OrderedDict[tuple[int, int], bytes] = OrderedDict()

    @property
    def tracks(self) -> list[Track]:
        return self.collection.tracks

    def meta(self) -> dict[str, Any]:
        counts = self.collection.genres
        return {
            "total": len(self.tracks),
            "genres": [{"name": name, "count": counts[name]} for name in self.genres],
            "max_variants": self.collection.max_variants,
            "grid": list(self.grid),
            "page_size": self.page_size,
            "atlas": {"columns": ATLAS_COLUMNS, "size": ATLAS_SIZE, "thumb": self.thumbs.thumb_size},
        }

    def point_row(self, track: Track) -> list[Any]:
        """What the map needs to draw, filter and search one track, as a compact array."""
        colors = [(r << 16) | (g << 8) | b for r, g, b in (v.mean_color or (0, 0, 0) for v in track.variants)]
        return [track.id, round(track.x, 4), round(track.y, 4), self._genre_index[track.track_genre],
                track.track_name, track.artists, track.metadata.get("popularity"), colors]

    def points_page(self, offset: int, limit: int) -> bytes:
        """One page of point rows as JSON bytes, cached: every visitor asks for the same pages."""
        key = (offset, limit)
        page = self._pages.get(key)
        if page is None:
            rows = [self.point_row(t) for t in self.tracks[offset:offset + limit]]
            page = json.dumps({"total": len(self.tracks), "offset": offset, "rows": rows},
                              separators=(",", ":"), ensure_ascii=False).encode()
            self._pages[key] = page
            while len(self._pages) > PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(key)
        return page

    def cell(self, track: Track, variant: int) -> Cell:
        """A track's picture for ``variant`` (its last one if it has fewer) and the colour standing in for it."""
        v = track.variants[min(variant, len(track.variants) - 1)]
        path = None if v.image_missing else self.collection.root / v.image_path
        return path, v.mean_color or (0, 0, 0)

    def atlas_cells(self, variant: int, sheet: int) -> list[Cell]:
        return [self.cell(t, variant) for t in self.tracks[sheet * ATLAS_SIZE:(sheet + 1) * ATLAS_SIZE]]

    def build_thumbnails(self, *, workers: int | None = None, progress: bool = False) -> int:
        """Make every atlas of every variant now, in parallel, and the default point pages, so the first
        browser to open the map waits for neither."""
        for offset in range(0, len(self.tracks), self.page_size):
            self.points_page(offset, self.page_size)
        sheets = -(-len(self.tracks) // ATLAS_SIZE)
        jobs = [self.atlas_cells(v, s) for v in range(self.collection.max_variants) for s in range(sheets)]
        return build_atlases(self.thumbs, jobs, workers=workers, progress=progress)


def create_app(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    collection: Collection | None = None,
    grid: tuple[int, int] = (6, 4),
    cache_dir: str | os.PathLike[str] | None = None,
    page_size: int = 2000,
    thumb_size: int = 48,
    warm: bool = True,
    skip_invalid: bool = False,
    progress: bool = False,
    on_skip: Callable[[DatasetError], None] | None = None,
    follow_symlinks: bool = False,
):
    """Build the explorer's Flask app for a data folder.

    Parameters
    ----------
    data_dir
        Folder of per-track JSON files (see :mod:`a2i.explore.data`); validated here, so a bad file stops
        start-up with an error naming the file and field.
    collection
        An already loaded collection (instead of ``data_dir``).
    grid
        Default colour-grid size (columns along valence, rows along arousal).
    cache_dir
        Where thumbnails and computed colours are cached (default: the user cache).
    page_size
        Tracks per ``/api/points`` page; the page draws after the first one arrives.
    thumb_size
        Thumbnail side in the atlases, in pixels.
    warm
        Build every thumbnail atlas not yet cached before returning, in parallel processes.
    skip_invalid, on_skip
        Leave out invalid track files instead of refusing to start, reporting each to ``on_skip``.
    follow_symlinks
        Serve media that are symbolic links leading out of the data folder.
    progress
        Show progress bars while loading.

    Returns
    -------
    flask.Flask
    """
    flask = require("flask", "web")
    if (data_dir is None) == (collection is None):
        raise ConfigError("create_app: pass either data_dir or collection")
    if page_size < 1:
        raise ConfigError(f"page_size must be positive, got {page_size}")
    if collection is None:
        assert data_dir is not None
        collection = load_collection(data_dir, skip_invalid=skip_invalid, cache_dir=cache_dir, progress=progress,
                                     on_skip=on_skip, follow_symlinks=follow_symlinks)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(collection.root)
    explorer = Explorer(collection, grid=grid, cache_dir=cache, page_size=page_size, thumb_size=thumb_size)

    app = flask.Flask(__name__, static_folder="static", template_folder="templates")
    app.extensions["a2i_explore"] = explorer
    app.json.sort_keys = False  # type: ignore[attr-defined]

    def track_or_404(index: int) -> Track:
        if not 0 <= index < len(explorer.tracks):
            flask.abort(404)
        return explorer.tracks[index]

    def jpeg(data: bytes):
        response = flask.Response(data, mimetype="image/jpeg")
        response.cache_control.max_age = 3600
        return response

    @app.after_request
    def security_headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        endpoint = flask.request.endpoint
        response.headers["Content-Security-Policy"] = MEDIA_CSP if endpoint in {"media", "atlas", "preview"} else PAGE_CSP
        return response

    @app.get("/")
    def index():
        return flask.render_template("index.html", title=collection.root.name, meta=explorer.meta())

    @app.get("/api/meta")
    def meta():
        return flask.jsonify(explorer.meta())

    @app.get("/api/points")
    def points():
        args = flask.request.args
        try:
            offset = int(args.get("offset", 0))
            limit = int(args.get("limit", explorer.page_size))
        except ValueError:
            return flask.jsonify(error="offset and limit must be integers"), 400
        if offset < 0 or limit < 1:
            return flask.jsonify(error="offset must be >= 0 and limit >= 1"), 400
        limit = min(limit, 10 * explorer.page_size)
        return flask.Response(explorer.points_page(offset, limit), mimetype="application/json")

    @app.get("/api/tracks/<int:index>")
    def track(index: int):
        item = track_or_404(index)
        body = item.to_dict()
        body.update(index=index, id=item.id)
        for i, (v, variant) in enumerate(zip(body["data"], item.variants)):
            v["image_url"] = None if variant.image_missing else flask.url_for("media", path=variant.image_path)
            playable = variant.audio_path and not variant.audio_missing
            v["audio_url"] = flask.url_for("media", path=variant.audio_path) if playable else None
            v["preview_url"] = flask.url_for("preview", index=index, variant=i)
            v["image_missing"], v["audio_missing"] = variant.image_missing, variant.audio_missing
        return flask.jsonify(body)

    @app.get("/api/atlas/<int:variant>/<int:sheet>.jpg")
    def atlas(variant: int, sheet: int):
        if variant >= collection.max_variants or sheet * ATLAS_SIZE >= len(explorer.tracks):
            flask.abort(404)
        return jpeg(explorer.thumbs.atlas(explorer.atlas_cells(variant, sheet)))

    @app.get("/api/preview/<int:index>/<int:variant>.jpg")
    def preview(index: int, variant: int):
        item = track_or_404(index)
        if variant >= len(item.variants):
            flask.abort(404)
        return jpeg(explorer.thumbs.preview(explorer.cell(item, variant)))

    @app.get("/files/<path:path>")
    def media(path: str):
        # Only files a track references; anything else, '..' included, is simply not there.
        if path not in explorer.media:
            flask.abort(404)
        return flask.send_from_directory(collection.root, path, max_age=3600)

    if warm:
        explorer.build_thumbnails(progress=progress)
    return app


def serve(app, *, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the app on Werkzeug's threaded server (one person on their machine; see the README for gunicorn).

    The socket is bound before anything is printed, so a port in use is one error, not an address to open.
    """
    import socket

    from werkzeug.serving import make_server

    explorer: Explorer = app.extensions["a2i_explore"]
    try:  # bound here, so werkzeug's own "port in use" message and exit never run
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                          "pass another --port, or stop what is using it") from None
    server = make_server(host, port, app, threaded=True, fd=sock.fileno())
    print(f"a2i explorer: {len(explorer.tracks)} tracks from {explorer.collection.root}")
    print(f"open http://{host}:{server.port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        sock.close()
