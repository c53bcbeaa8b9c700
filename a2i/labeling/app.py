"""The application factory.

Configuration is read in this order, later sources winning: built-in defaults, ``instance/config.py``
(``a2i label init-db`` writes a random ``SECRET_KEY`` there), environment variables prefixed ``A2I_``
(``A2I_STUDY_DIR``, ``A2I_COMPLETION_URL``, ``A2I_SESSION_COOKIE_SECURE=false``...), the plain ``SECRET_KEY``
and ``DATABASE_URL`` variables, and finally ``test_config``. Outside debug and testing the app refuses to
start without a ``SECRET_KEY``: a key made up at start would differ between workers and restarts and log
everybody out.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, render_template, request, session
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError

from a2i.errors import ConfigError
from a2i.labeling import i18n
from a2i.labeling.db import configure_sqlite, db, mark_write_request
from a2i.labeling.manifest import load_study

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
DATABASE_FILE = "labeling.sqlite3"

DEFAULTS: dict[str, Any] = {
    "STUDY_DIR": None,
    "COMPLETION_URL": None,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "MAX_INTERACTIONS": 5000,
    "SQLITE_BUSY_TIMEOUT_MS": 20000,
    "SQLITE_SYNCHRONOUS": "FULL",
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 64 * 1024,
    "ARGON2_PARALLELISM": 1,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_MAX_PER_ACCOUNT": 5,
    "LOGIN_MAX_PER_IP": 50,
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
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise ConfigError(
                "SECRET_KEY is not set: run `a2i label init-db` (it writes one to "
                f"{Path(app.instance_path) / 'config.py'}) or export SECRET_KEY; a made-up key would differ "
                "between workers and restarts and log participants out")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("SECRET_KEY not set; using a temporary one (debug/testing only)")


def _init_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
                             synchronous=app.config["SQLITE_SYNCHRONOUS"])


def wants_json() -> bool:
    """API paths and clients that sent or asked for JSON get JSON errors; browsers get a page."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            return jsonify(error=exc.name, message=exc.description, status=exc.code), exc.code
        return render_template("error.html", error=exc), exc.code

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
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("A2I_INSTANCE_PATH") or "instance"
    app = Flask(__name__, instance_path=str(Path(instance).resolve()), instance_relative_config=True)
    if test_config:
        app.testing = bool(test_config.get("TESTING", False))
        app.debug = bool(test_config.get("DEBUG", False))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _load_config(app, test_config)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _init_database(app)
    csrf.init_app(app)
    app.extensions["a2i_study"] = load_study(app.config["STUDY_DIR"]) if app.config["STUDY_DIR"] else None
    with app.app_context():
        from a2i.labeling.security import hash_password

        app.extensions["a2i_dummy_hash"] = hash_password(secrets.token_hex(8))

    from a2i.labeling import admin, api, auth, study

    for blueprint in (auth.bp, study.bp, api.bp, admin.bp):
        app.register_blueprint(blueprint)
    _register_error_handlers(app)
    _register_request_hooks(app)
    return app
