"""The explorer's web app, in the flaskr shape: ``create_app(test_config=None)``, a config, blueprints.

The page (``templates/index.html`` + ``static/``) draws the map on a canvas and pages through
``/api/points``; pictures reach it as thumbnail atlases at two levels of detail (``/api/atlas`` for the
whole map, ``/api/detail`` for what is on screen when zoomed in), popup previews (``/api/preview``) and
originals (``/files``). Only files that a track references are ever served, and each is checked again when
it is served: a file swapped for a symbolic link out of the data folder while the server runs is a 404.

Configuration, later sources winning: :data:`DEFAULTS`, ``config.py`` in the instance folder
(``$A2I_EXPLORE_INSTANCE_PATH``, else ``~/.local/share/a2i/explore``), ``A2I_EXPLORE_*`` environment
variables (``A2I_EXPLORE_DATA_DIR=/data/songs``), then ``test_config``. So gunicorn needs no Python::

    A2I_EXPLORE_DATA_DIR=/data/songs gunicorn --workers 2 --preload 'a2i.explore.app:create_app()'

Routes
------
``GET /``                                  the single-page explorer (blueprint ``page``)
``GET /api/meta``                          counts, genres, variants, numeric fields, grid, page size, atlas levels
``GET /api/points?offset=&limit=``         compact rows for drawing (one page of tracks)
``GET /api/tracks/<index>``                one track in full (schema fields plus media URLs)
``GET /api/atlas/<variant>/<sheet>.jpg``   overview thumbnails of the tracks in atlas slots sheet*256 …
``GET /api/detail/<variant>/<sheet>.jpg``  detail thumbnails of the tracks in atlas slots sheet*64 …
``GET /api/preview/<index>/<variant>.jpg`` the popup picture
``POST /api/export``                       the selected songs as CSV or JSON (song, paths, position, fields)
``GET /files/<path>``                      a picture or clip that a track references (blueprint ``files``)

Every response says ``X-Content-Type-Options: nosniff`` and carries a Content-Security-Policy: the page
may load only its own scripts and media, and anything served from the data folder (pictures, clips,
thumbnails) is sandboxed with ``default-src 'none'``, so a file that is really HTML or SVG runs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError, require
from a2i.explore.data import default_cache_dir, load_collection
from a2i.explore.explorer import ATLAS_SIZE, PAGE_CACHE_SIZE, Explorer, morton_order, parse_grid
from a2i.explore.thumbs import ATLAS_COLUMNS

__all__ = ["ATLAS_SIZE", "DEFAULTS", "PAGE_CACHE_SIZE", "Explorer", "create_app", "instance_path", "morton_order",
           "parse_grid", "serve"]

#: Environment variable naming the instance folder (where an optional ``config.py`` lives).
INSTANCE_ENV = "A2I_EXPLORE_INSTANCE_PATH"

#: Configuration keys and their defaults; ``A2I_EXPLORE_<KEY>`` environment variables override them.
DEFAULTS: dict[str, Any] = {
    # Folder of per-track JSON files (see a2i.explore.data); validated at start-up.
    "DATA_DIR": None,
    # An already loaded a2i.explore.data.Collection instead of DATA_DIR (tests, benchmarks).
    "COLLECTION": None,
    # Default colour grid, columns along valence × rows along arousal: "6x4" or [6, 4]. 6×4 gives cells of
    # about 0.17 valence × 0.25 arousal, coarse enough that each holds songs in a few hundred.
    "GRID": "6x4",
    # Where thumbnails and computed colours are cached (None: the user cache, see default_cache_dir).
    "CACHE_DIR": None,
    # Tracks per /api/points page: the first page draws while the others load (2,000 rows ≈ 150 kB).
    "PAGE_SIZE": 2000,
    # Thumbnails per overview sheet row (even); detail sheets have half as many (see thumbs.levels).
    "ATLAS_COLUMNS": ATLAS_COLUMNS,
    # Build every thumbnail atlas before serving, in parallel processes (else on first request).
    "WARM": True,
    # Leave out invalid track files, reporting each to ON_SKIP (a callable), instead of refusing to start.
    "SKIP_INVALID": False,
    "ON_SKIP": None,
    # Serve media that are symbolic links leading out of the data folder.
    "FOLLOW_SYMLINKS": False,
    # Progress bars while loading (the CLI turns them on).
    "PROGRESS": False,
}


def instance_path(test_config: dict[str, Any] | None = None) -> Path:
    """The instance folder: the test config's ``INSTANCE_PATH``, ``$A2I_EXPLORE_INSTANCE_PATH``, else the
    user's data folder (``$XDG_DATA_HOME/a2i/explore``, ``~/.local/share/a2i/explore``)."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(INSTANCE_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "a2i" / "explore"


def _load_config(app, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("A2I_EXPLORE")
    if test_config:
        app.config.from_mapping(test_config)
    grid = app.config["GRID"]
    app.config["GRID"] = parse_grid(grid) if isinstance(grid, str) else tuple(grid)
    if (app.config["DATA_DIR"] is None) == (app.config["COLLECTION"] is None):
        raise ConfigError("explorer: set DATA_DIR (A2I_EXPLORE_DATA_DIR) to a folder of track files, "
                          "or pass a loaded COLLECTION, not both")
    if int(app.config["PAGE_SIZE"]) < 1:
        raise ConfigError(f"PAGE_SIZE must be positive, got {app.config['PAGE_SIZE']}")


def _make_explorer(config) -> Explorer:
    collection = config["COLLECTION"]
    if collection is None:
        collection = load_collection(config["DATA_DIR"], skip_invalid=config["SKIP_INVALID"],
                                     cache_dir=config["CACHE_DIR"], progress=config["PROGRESS"],
                                     on_skip=config["ON_SKIP"], follow_symlinks=config["FOLLOW_SYMLINKS"])
    cache = Path(config["CACHE_DIR"]) if config["CACHE_DIR"] is not None else default_cache_dir(collection.root)
    return Explorer(collection, grid=config["GRID"], cache_dir=cache, page_size=int(config["PAGE_SIZE"]),
                    columns=int(config["ATLAS_COLUMNS"]), follow_symlinks=bool(config["FOLLOW_SYMLINKS"]))


def create_app(test_config: dict[str, Any] | None = None):
    """Build the explorer's Flask app (the flaskr factory: config, instance folder, blueprints).

    Parameters
    ----------
    test_config
        Configuration that wins over every other source (see :data:`DEFAULTS` for the keys), e.g.
        ``{"DATA_DIR": "songs/", "WARM": False}``.

    Returns
    -------
    flask.Flask
        With the loaded :class:`Explorer` in ``app.extensions["a2i_explore"]``.

    Raises
    ------
    ConfigError
        Without a data folder, or with a bad grid or page size.
    DatasetError
        When the data folder is invalid (naming the file and field), unless ``SKIP_INVALID``.

    Examples
    --------
    >>> import tempfile
    >>> from a2i.explore.synthetic import make_folder
    >>> folder = make_folder(Path(tempfile.mkdtemp()) / "songs", 3, size=16, audio="none")
    >>> app = create_app({"DATA_DIR": folder, "CACHE_DIR": folder.parent / "cache", "WARM": False})
    >>> app.test_client().get("/api/meta").get_json()["total"]
    3
    """
    flask = require("flask", "web")
    from a2i.explore import views

    app = flask.Flask(__name__, static_folder="static", template_folder="templates",
                      instance_path=str(instance_path(test_config)), instance_relative_config=True)
    _load_config(app, test_config)
    explorer = _make_explorer(app.config)
    app.extensions["a2i_explore"] = explorer
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(views.page)
    app.register_blueprint(views.api)
    app.register_blueprint(views.files)
    app.after_request(views.security_headers)
    if app.config["WARM"]:
        explorer.build_thumbnails(progress=app.config["PROGRESS"])
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
