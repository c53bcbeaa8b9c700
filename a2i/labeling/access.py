"""Who may open which page: the study in use, login and admin guards, the session renewal at login, and
form answers."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any, NoReturn

from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from a2i.labeling import i18n
from a2i.labeling.manifest import Study
from a2i.labeling.models import User


class Translated(str):
    """An error description already in the participant's language (the error page shows it as it is)."""


def fail(code: int, key: str, **params: Any) -> NoReturn:
    """Abort with the message ``key`` in the page's language."""
    abort(code, Translated(i18n.translate(key, g.get("lang", i18n.DEFAULT_LANGUAGE), **params)))


def error_message(exc: HTTPException) -> str:
    """The participant-facing text of an error: its own when translated, else the status code's."""
    if isinstance(exc.description, Translated):
        return exc.description
    lang = g.get("lang", i18n.DEFAULT_LANGUAGE)
    if isinstance(exc, CSRFError):
        return i18n.translate("error.csrf", lang)
    key = f"errors.{exc.code}"
    return i18n.translate(key if key in i18n.STRINGS else "errors.400", lang)


def get_study() -> Study:
    """The loaded study, or a clear 503 when the site runs without one (admin-only set-up)."""
    study = current_app.extensions.get("a2i_study")
    if study is None:
        fail(503, "error.no_study")
    return study


def wants_json() -> bool:
    """API paths and clients that sent or asked for JSON get JSON errors; browsers get a page."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def login_user(user: User) -> None:
    """Start a fresh session for ``user``: drop everything from before (session fixation) but the language."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session["nonce"] = secrets.token_hex(8)  # a new cookie value even for the same user
    if lang:
        session["lang"] = lang


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            if wants_json():
                fail(401, "errors.401")
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.user.is_admin:
            fail(403, "error.admin_only")
        return view(*args, **kwargs)

    return wrapped


def writes_on_get(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET view that writes, so its SQLite transaction takes the write lock first."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def form_page(template: str, errors: dict[str, str], status: int, **context: Any):
    """Re-show a form with its errors, or answer JSON clients with the same errors in English."""
    if wants_json():
        fields = {name: i18n.translate(key, "en", n=context.get("max_len", ""), wait=context.get("wait", ""))
                  for name, key in errors.items()}
        return jsonify(error="Bad Request", message="the form has invalid fields", fields=fields,
                       status=status), status
    return render_template(template, errors=errors, **context), status
