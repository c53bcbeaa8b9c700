"""The application factory.

Configuration is read in this order, later sources winning: built-in defaults, ``instance/config.py``
(``a2i label init-db`` writes a random ``SECRET_KEY`` there), environment variables prefixed ``A2I_``
(``A2I_STUDY_DIR``, ``A2I_COMPLETION_URL``, ``A2I_SESSION_COOKIE_SECURE=false``...), the plain ``SECRET_KEY``
and ``DATABASE_URL`` variables, and finally ``test_config``.

The app refuses to start without a ``SECRET_KEY`` of at least 32 bytes, whatever ``FLASK_DEBUG`` or
``A2I_TESTING`` say: a key made up at start would differ between gunicorn workers and restarts and log
everybody out. Only an in-process caller (a test, or ``a2i label serve --debug``, one process) may ask for a
throw-away key by passing ``DEBUG``/``TESTING`` in ``test_config``.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, render_template, request, session
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError

from a2i.errors import ConfigError
from a2i.labeling import i18n
from a2i.labeling.access import error_message, wants_json
from a2i.labeling.db import configure_sqlite, db, mark_write_request
from a2i.labeling.manifest import load_study

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
DATABASE_FILE = "labeling.sqlite3"
#: Shortest accepted SECRET_KEY: 256 bits, the size of the HMAC-SHA256 key that signs the cookies.
MIN_SECRET_KEY_BYTES = 32
#: Environment variable naming the instance folder; every ``a2i label`` command and gunicorn read it.
INSTANCE_ENV = "A2I_INSTANCE_PATH"

DEFAULTS: dict[str, Any] = {
    "STUDY_DIR": None,
    "COMPLETION_URL": None,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "MAX_INTERACTIONS": 5000,
    "SQLITE_BUSY_TIMEOUT_MS": 20000,
    "SQLITE_SYNCHRONOUS": "FULL",
    # OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1.
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST": 19 * 1024,
    "ARGON2_PARALLELISM": 1,
    # Passwords hashed at once per worker (the work is CPU-bound) and how long a request waits for a slot
    # before it answers 503 "try again" rather than queueing without end.
    "HASH_CONCURRENCY": 1,
    "HASH_WAIT_SECONDS": 10.0,
    # Failed logins per account-and-address pair before the delay starts, and its cap (then 1, 2, 4 ... s).
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_FREE_ATTEMPTS": 5,
    "LOGIN_MAX_DELAY_SECONDS": 60,
    # Failed logins per address across all usernames before that address waits too (password spraying): a
    # class of 30 behind one NAT mistyping now and then stays under it; 150 accounts × 1 guess does not.
    "LOGIN_ADDRESS_FREE_ATTEMPTS": 20,
    # Minutes a participant's place stays reserved between agreeing on the consent page and finishing the
    # survey (a few minutes' work); after that the place is offered to others (see a2i.labeling.assignment).
    "RESERVATION_MINUTES": 60,
    # Recruitment platforms: where a finished (completion) or turned-away (study full) participant returns,
    # and the completion code they must see; the code defaults to COMPLETION_URL's ``cc`` parameter.
    "COMPLETION_CODE": None,
    "SCREENOUT_URL": None,
    # Days after which `a2i label purge` removes participants' identifiers (None: keep until deleted).
    "RETENTION_DAYS": None,
    # Only `a2i label init-db` (and tests) create the SQLite file; every other start needs it to exist.
    "CREATE_DATABASE": False,
    "PROXY_FIX": 0,
    "SESSION_COOKIE_NAME": "a2i_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    # A participant may take longer than an hour; the token stays bound to the session instead.
    "WTF_CSRF_TIME_LIMIT": None,
    # The cookie is re-signed only when the session changes, not on every request.
    "SESSION_REFRESH_EACH_REQUEST": False,
}

csrf = CSRFProtect()
migrate = Migrate()
log = logging.getLogger(__name__)


def _load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("A2I")
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or f"sqlite:///{Path(app.instance_path) / DATABASE_FILE}"
    if uri.startswith("postgres://"):  # the scheme hosting providers hand out; SQLAlchemy wants postgresql://
        uri = "postgresql://" + uri[len("postgres://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if not uri.startswith("sqlite"):  # a server may drop idle connections; a local file cannot
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault("pool_pre_ping", True)
    elif not app.config.get("CREATE_DATABASE"):
        _require_sqlite_file(app, uri)
    _check_secret_key(app, test_config or {})


def _sqlite_path(uri: str) -> Path | None:
    from sqlalchemy.engine import make_url

    name = make_url(uri).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _require_sqlite_file(app: Flask, uri: str) -> None:
    """Only ``init-db`` creates a database: anything else on a missing file would leave an empty one behind."""
    path = _sqlite_path(uri)
    if path is not None and not path.is_file():
        raise ConfigError(f"no study database at {path}: run `a2i label init-db` first, or point to the "
                          f"instance folder that has one with --instance DIR or ${INSTANCE_ENV}")


def _check_secret_key(app: Flask, test_config: dict[str, Any]) -> None:
    key = app.config.get("SECRET_KEY")
    where = f"{Path(app.instance_path) / 'config.py'}"
    if not key:
        if not (test_config.get("DEBUG") or test_config.get("TESTING")):
            raise ConfigError(
                f"SECRET_KEY is not set: run `a2i label init-db` (it writes one to {where}) or export SECRET_KEY; "
                "a made-up key would differ between workers and restarts and log participants out")
        app.config["SECRET_KEY"] = key = secrets.token_hex(MIN_SECRET_KEY_BYTES)
        log.warning("SECRET_KEY not set; using a temporary one (one process, debug/testing only)")
    if len(key.encode() if isinstance(key, str) else key) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes; use a random one, e.g. "
                          "python -c 'import secrets; print(secrets.token_hex(32))', or delete it from "
                          f"{where} and run `a2i label init-db`")


def instance_path(test_config: dict[str, Any] | None = None) -> Path:
    """The instance folder every command agrees on: the test config, ``$A2I_INSTANCE_PATH``, else the user's
    data folder (``$XDG_DATA_HOME/a2i/labeling``, ``~/.local/share/a2i/labeling``), whatever the current
    directory is."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(INSTANCE_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "a2i" / "labeling"


def _private_sqlite_file(uri: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does; its WAL and shared-memory files copy
    the database file's mode."""
    path = _sqlite_path(uri)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, stat.S_IRUSR | stat.S_IWUSR))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def _init_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        if app.config.get("CREATE_DATABASE"):
            _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
        with app.app_context():
            configure_sqlite(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
                             synchronous=app.config["SQLITE_SYNCHRONOUS"])


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        message = error_message(exc)
        if wants_json():
            return jsonify(error=exc.name, message=message, detail=str(exc.description), status=exc.code), exc.code
        return render_template("error.html", error=exc, message=message), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _http_error(InternalServerError())


def _register_request_hooks(app: Flask) -> None:
    from a2i.labeling.models import User

    @app.before_request
    def _load_user() -> None:
        if getattr(app.view_functions.get(request.endpoint or ""), "writes_on_get", False):
            mark_write_request()
        g.user = None
        uid = session.get("uid")
        if uid is not None:
            g.user = db.session.get(User, uid)
            if g.user is None or session.get("epoch") != g.user.session_epoch:
                g.user = None  # the account is gone, or this cookie was issued before a logout
                session.clear()
        requested = session.get("lang") or (g.user.language if g.user else None)
        g.lang = i18n.best_language(requested, request.accept_languages.best_match(list(i18n.LANGUAGES)))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        lang = g.get("lang", i18n.DEFAULT_LANGUAGE)
        study = app.extensions.get("a2i_study")
        title = (study.title.get(lang) or study.title.get("en")) if study and study.title else None
        return {"t": lambda key, **kw: i18n.translate(key, lang, **kw), "lang": lang,
                "languages": i18n.LANGUAGES, "user": g.get("user"),
                "site_title": title or i18n.translate("site.title", lang)}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the labeling site.

    Parameters
    ----------
    test_config : dict, optional
        Configuration that overrides every other source (tests, ``a2i label serve`` options).

    Raises
    ------
    ConfigError
        No ``SECRET_KEY`` outside debug/testing, or an invalid study manifest.
    """
    app = Flask(__name__, instance_path=str(instance_path(test_config)), instance_relative_config=True)
    if test_config:
        app.testing = bool(test_config.get("TESTING", False))
        app.debug = bool(test_config.get("DEBUG", False))
    _load_config(app, test_config)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _init_database(app)
    # The user and language are loaded before the CSRF check, so even its error speaks the page's language.
    _register_request_hooks(app)
    csrf.init_app(app)
    app.extensions["a2i_study"] = load_study(app.config["STUDY_DIR"]) if app.config["STUDY_DIR"] else None
    with app.app_context():
        from a2i.labeling.security import hash_password

        app.extensions["a2i_dummy_hash"] = hash_password(secrets.token_hex(8))

    from a2i.labeling import admin, api, auth, study

    for blueprint in (auth.bp, study.bp, api.bp, admin.bp):
        app.register_blueprint(blueprint)
    _register_error_handlers(app)
    from a2i.labeling.definitions import record_served

    record_served(app)
    return app
