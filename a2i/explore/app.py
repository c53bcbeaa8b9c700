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
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError, DatasetError, require
from a2i.explore.data import Collection, Track, default_cache_dir, load_collection
from a2i.explore.thumbs import ATLAS_COLUMNS, ThumbnailCache

#: Tracks per atlas sheet.
ATLAS_SIZE = ATLAS_COLUMNS**2


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
        self._pages: dict[tuple[int, int], bytes] = {}

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
            if len(self._pages) < 256:  # odd offsets/limits from other clients are served, not hoarded
                self._pages[key] = page
        return page

    def atlas_images(self, variant: int, sheet: int) -> list[Path]:
        """The picture of each track on a sheet; a track with fewer variants shows its last one."""
        block = self.tracks[sheet * ATLAS_SIZE:(sheet + 1) * ATLAS_SIZE]
        root = self.collection.root
        return [root / t.variants[min(variant, len(t.variants) - 1)].image_path for t in block]

    def warm(self) -> None:
        """Build every atlas ahead of the browser asking, current variant first."""
        sheets = -(-len(self.tracks) // ATLAS_SIZE)
        for variant in range(self.collection.max_variants):
            for sheet in range(sheets):
                try:
                    self.thumbs.atlas(self.atlas_images(variant, sheet))
                except OSError:
                    return  # cache folder not writable or disk full: the routes will report it per request


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
        Build every thumbnail atlas in a background thread at start-up.
    skip_invalid, on_skip
        Leave out invalid track files instead of refusing to start, reporting each to ``on_skip``.
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
                                     on_skip=on_skip)
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
            v["image_url"] = flask.url_for("media", path=variant.image_path)
            v["audio_url"] = flask.url_for("media", path=variant.audio_path) if variant.audio_path else None
            v["preview_url"] = flask.url_for("preview", index=index, variant=i)
        return flask.jsonify(body)

    @app.get("/api/atlas/<int:variant>/<int:sheet>.jpg")
    def atlas(variant: int, sheet: int):
        if variant >= collection.max_variants or sheet * ATLAS_SIZE >= len(explorer.tracks):
            flask.abort(404)
        return jpeg(explorer.thumbs.atlas(explorer.atlas_images(variant, sheet)))

    @app.get("/api/preview/<int:index>/<int:variant>.jpg")
    def preview(index: int, variant: int):
        item = track_or_404(index)
        if variant >= len(item.variants):
            flask.abort(404)
        return jpeg(explorer.thumbs.preview(collection.root / item.variants[variant].image_path))

    @app.get("/files/<path:path>")
    def media(path: str):
        # Only files a track references; anything else, '..' included, is simply not there.
        if path not in explorer.media:
            flask.abort(404)
        return flask.send_from_directory(collection.root, path, max_age=3600)

    if warm:
        threading.Thread(target=explorer.warm, name="a2i-explore-warm", daemon=True).start()
    return app


def serve(app, *, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the app on Werkzeug's threaded server (enough for one person exploring on their machine)."""
    from werkzeug.serving import run_simple

    explorer: Explorer = app.extensions["a2i_explore"]
    print(f"a2i explorer: {len(explorer.tracks)} tracks from {explorer.collection.root}")
    print(f"open http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    run_simple(host, port, app, threaded=True)
