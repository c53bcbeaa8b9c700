"""Who may open which page: login and admin guards, the session renewal at login, and form answers."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, g, jsonify, redirect, render_template, session, url_for

from a2i.labeling import i18n
from a2i.labeling.models import User


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
            from a2i.labeling.app import wants_json

            if wants_json():
                abort(401, "log in first")
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.user.is_admin:
            abort(403, "this page is for the study's administrators")
        return view(*args, **kwargs)

    return wrapped


def writes_on_get(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET view that writes, so its SQLite transaction takes the write lock first."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def form_page(template: str, errors: dict[str, str], status: int, **context: Any):
    """Re-show a form with its errors, or answer JSON clients with the same errors in English."""
    from a2i.labeling.app import wants_json

    if wants_json():
        fields = {name: i18n.translate(key, "en", n=context.get("max_len", "")) for name, key in errors.items()}
        return jsonify(error="Bad Request", message="the form has invalid fields", fields=fields,
                       status=status), status
    return render_template(template, errors=errors, **context), status
