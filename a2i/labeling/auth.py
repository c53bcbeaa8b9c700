"""Accounts: invite-only registration, login with throttling, logout, anonymous study links, language."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from a2i.labeling import forms, i18n, security
from a2i.labeling.access import form_page, login_user, writes_on_get
from a2i.labeling.db import db
from a2i.labeling.models import User

bp = Blueprint("auth", __name__)

#: Prolific's identifiers are 24 hex characters; accept any short token of that alphabet family.
_PARAM_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def next_page(user: User) -> str:
    """Where a user continues: admins to the dashboard, participants to their current stage."""
    if user.is_admin:
        return url_for("admin.index")
    return url_for({"survey": "study.survey", "tutorial": "study.tutorial", "tasks": "study.tasks",
                    "feedback": "study.feedback", "done": "study.thanks"}[user.stage])


@bp.get("/")
def index():
    return redirect(next_page(g.user) if g.user else url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("auth/register.html", errors={}, values={"invite": request.args.get("invite", "")})
    values, errors = forms.validate_register(request.form)
    if errors:
        return form_page("auth/register.html", errors, 400, values=values)
    # Hash before touching the database so the SQLite write lock is not held during argon2.
    password_hash = security.hash_password(values["password"])
    taken = db.session.execute(
        select(User.id).where(func.lower(User.username) == values["username"].lower())).first()
    if taken:
        return form_page("auth/register.html", {"username": "error.username_taken"}, 400, values=values)
    invite = security.consume_invite(values["invite"], "register")
    if invite is None:
        db.session.rollback()
        return form_page("auth/register.html", {"invite": "error.invite"}, 400, values=values)
    user = User(username=values["username"], password_hash=password_hash, invite_id=invite.id,
                language=session.get("lang") or g.lang)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same username registered by a concurrent request; the invite use rolls back
        db.session.rollback()
        return form_page("auth/register.html", {"username": "error.username_taken"}, 400, values=values)
    login_user(user)
    return redirect(next_page(user))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", errors={}, values={})
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > forms.MAX_PASSWORD:
        username, password = "", ""
    username = username.strip()[:64]
    values = {"username": username}
    address = request.remote_addr
    if security.is_throttled(username, address):
        db.session.rollback()
        return form_page("auth/login.html", {"form": "login.throttled"}, 429, values=values)
    user = db.session.execute(
        select(User).where(func.lower(User.username) == username.lower())).scalar_one_or_none() if username else None
    stored = user.password_hash if user else None
    db.session.commit()  # release the write lock while argon2 works
    if not password or not security.verify_password(stored, password):
        security.record_failure(username, address)
        db.session.commit()
        return form_page("auth/login.html", {"form": "login.error"}, 401, values=values)
    security.clear_failures(username)
    db.session.commit()
    login_user(user)
    return redirect(next_page(user))


@bp.post("/logout")
def logout():
    if g.user is not None:
        g.user.session_epoch += 1  # every cookie issued to this account so far stops working
        db.session.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.get("/start/<code>")
@writes_on_get
def start(code: str):
    """An anonymous study link (recruitment platforms): no account, Prolific's identifiers kept."""
    params = {}
    for key, column in (("PROLIFIC_PID", "prolific_pid"), ("STUDY_ID", "study_id"), ("SESSION_ID", "session_id")):
        value = request.args.get(key)
        if value:
            if not _PARAM_RE.match(value):
                abort(400, f"{key} must be 1-64 letters, digits, '_' or '-'")
            params[column] = value
    if params.get("prolific_pid"):
        returning = db.session.execute(
            select(User).where(User.is_anonymous.is_(True), User.prolific_pid == params["prolific_pid"])
        ).scalars().first()
        if returning is not None:  # the same participant reopening the link resumes; no use is spent
            db.session.commit()
            login_user(returning)
            return redirect(next_page(returning))
    invite = security.consume_invite(code, "bypass")
    if invite is None:
        db.session.rollback()
        abort(400, i18n.translate("error.bypass", g.lang))
    user = User(is_anonymous=True, invite_id=invite.id, language=g.lang, **params)
    db.session.add(user)
    db.session.commit()
    login_user(user)
    return redirect(next_page(user))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in i18n.LANGUAGES:
        abort(400, f"unknown language {code!r}; choose one of {', '.join(i18n.LANGUAGES)}")
    session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("auth.index")
    return redirect(target)


def completion_redirect(user: User):
    """Anonymous participants from a recruitment platform return there; everyone else sees the thank-you."""
    url = current_app.config.get("COMPLETION_URL")
    if user.is_anonymous and url:
        return redirect(url)
    return redirect(url_for("study.thanks"))
