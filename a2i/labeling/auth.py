"""Accounts: invite-only registration, login with back-off, logout, anonymous study links, language."""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from a2i.labeling import forms, i18n, security
from a2i.labeling.access import fail, form_page, get_study, login_user
from a2i.labeling.assignment import study_is_full
from a2i.labeling.db import db
from a2i.labeling.models import FULL, Invite, User, utcnow

bp = Blueprint("auth", __name__)

#: Prolific's identifiers are 24 hex characters; accept any short token of that alphabet family.
_PARAM_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
#: The recruitment platform's query parameters an anonymous link keeps, and the user columns they go to.
PLATFORM_PARAMS = (("PROLIFIC_PID", "prolific_pid"), ("STUDY_ID", "study_id"), ("SESSION_ID", "session_id"))
#: How long a browser remembers that it logged in to an account (the device cookie exempts it from back-off).
DEVICE_COOKIE_DAYS = 180

STAGE_ENDPOINTS = {"consent": "study.consent", "survey": "study.survey", "tutorial": "study.tutorial",
                   "tasks": "study.tasks", "feedback": "study.feedback", "done": "study.thanks",
                   FULL: "study.full"}


def next_page(user: User) -> str:
    """Where a user continues: admins to the dashboard, participants to their current stage."""
    if user.is_admin:
        return url_for("admin.index")
    return url_for(STAGE_ENDPOINTS[user.stage])


def safe_next(target: object) -> str | None:
    """``target`` when it is a path on this site, else ``None``.

    Browsers drop tabs and newlines from addresses and read ``\\`` as ``/``, so ``/\\t/evil.example`` would
    leave the site: any control character, space or backslash disqualifies a target.

    Examples
    --------
    >>> safe_next("/survey?x=1"), safe_next("//evil.example"), safe_next("/\\t/evil.example")
    ('/survey?x=1', None, None)
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def completion_code() -> str | None:
    """The code a recruitment platform checks: COMPLETION_CODE, else COMPLETION_URL's ``cc`` parameter."""
    cfg = current_app.config
    if cfg.get("COMPLETION_CODE"):
        return str(cfg["COMPLETION_CODE"])
    url = cfg.get("COMPLETION_URL")
    codes = parse_qs(urlsplit(url).query).get("cc") if url else None
    return codes[0] if codes else None


@bp.get("/")
def index():
    return redirect(next_page(g.user) if g.user else url_for("auth.login"))


def _remember_device(response, username: str):
    response.set_cookie(security.DEVICE_COOKIE, security.device_token(username),
                        max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("auth/register.html", errors={}, values={"invite": request.args.get("invite", "")})
    values, errors = forms.validate_register(request.form)
    if errors:
        return form_page("auth/register.html", errors, 400, values=values)
    # Every cheap check first: a bogus invite or a taken name must never cost an argon2 hash.
    if security.usable_invite(values["invite"], "register") is None:
        return form_page("auth/register.html", {"invite": "error.invite"}, 400, values=values)
    taken = db.session.execute(
        select(User.id).where(func.lower(User.username) == values["username"].lower())).first()
    if taken:
        return form_page("auth/register.html", {"username": "error.username_taken"}, 400, values=values)
    db.session.rollback()  # no transaction (no SQLite write lock) held while argon2 works
    password_hash = security.hash_password(values["password"])
    invite = security.consume_invite(values["invite"], "register")
    if invite is None:
        db.session.rollback()
        return form_page("auth/register.html", {"invite": "error.invite"}, 400, values=values)
    user = User(username=values["username"], password_hash=password_hash, invite_id=invite.id,
                is_pilot=invite.pilot, language=session.get("lang") or g.lang)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same username registered by a concurrent request; the invite use rolls back
        db.session.rollback()
        return form_page("auth/register.html", {"username": "error.username_taken"}, 400, values=values)
    login_user(user)
    return _remember_device(redirect(next_page(user)), user.username)


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
    known_device = security.is_known_device(username, request.cookies.get(security.DEVICE_COOKIE))
    address = "device" if known_device else request.remote_addr
    wait = math.ceil(security.retry_after(username, address))
    if wait > 0:
        db.session.rollback()
        response = make_response(*form_page("auth/login.html", {"form": "login.throttled"}, 429, values=values,
                                            wait=wait))
        response.headers["Retry-After"] = str(wait)
        return response
    user = db.session.execute(
        select(User).where(func.lower(User.username) == username.lower())).scalar_one_or_none() if username else None
    stored = user.password_hash if user else None
    db.session.commit()  # release the write lock while argon2 works
    if not password or not security.verify_password(stored, password):
        security.record_failure(username, address)
        db.session.commit()
        return form_page("auth/login.html", {"form": "login.error"}, 401, values=values)
    security.clear_failures(username, address)
    db.session.commit()
    login_user(user)
    return _remember_device(redirect(next_page(user)), user.username)


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


def _platform_params(source) -> dict[str, str]:
    params = {}
    for key, column in PLATFORM_PARAMS:
        value = source.get(key)
        if value:
            if not isinstance(value, str) or not _PARAM_RE.match(value):
                fail(400, "error.platform_param", name=key)
            params[column] = value
    return params


def _returning(code: str, params: dict[str, str]) -> User | None:
    """The anonymous participant this link already belongs to: the one logged in here, or the one with this
    ``PROLIFIC_PID`` who came through this very link (a known ID alone, without the link's code, is not enough)."""
    if g.user is not None and g.user.is_anonymous:
        invite = db.session.get(Invite, g.user.invite_id) if g.user.invite_id else None
        if invite is not None and invite.code == code:
            return g.user
    if params.get("prolific_pid"):
        return db.session.execute(
            select(User).join(Invite, Invite.id == User.invite_id)
            .where(User.is_anonymous.is_(True), User.prolific_pid == params["prolific_pid"], Invite.code == code)
        ).scalars().first()
    return None


@bp.route("/start/<code>", methods=["GET", "POST"])
def start(code: str):
    """An anonymous study link (recruitment platforms): no account, the platform's identifiers kept.

    A GET only shows the information and consent page: link scanners and previews open links, and must not
    use them up. The participant's "I agree" (a POST) takes one use and starts the study.
    """
    params = _platform_params(request.args if request.method == "GET" else request.form)
    returning = _returning(code, params)
    if returning is not None:  # reopening the link resumes the same participant; no use is spent
        if returning is not g.user:
            login_user(returning)
        return redirect(next_page(returning))
    invite = security.usable_invite(code, "bypass")
    if invite is None:
        fail(400, "error.bypass")
    study = get_study()
    if not invite.pilot and study_is_full(study):
        return render_template("study/full.html", screenout_url=current_app.config.get("SCREENOUT_URL"))
    if request.method == "GET":
        return render_template("study/consent.html", study=study, errors={}, action=url_for("auth.start", code=code),
                               params=params)
    if request.form.get("agree") != "yes":
        return form_page("study/consent.html", {"agree": "consent.required"}, 400, study=study,
                         action=url_for("auth.start", code=code), params=params)
    invite = security.consume_invite(code, "bypass")
    if invite is None:
        db.session.rollback()
        fail(400, "error.bypass")
    user = User(is_anonymous=True, invite_id=invite.id, is_pilot=invite.pilot, language=g.lang, stage="survey",
                consent_version=study.consent.version, consented_at=utcnow(), **params)
    db.session.add(user)
    db.session.commit()
    login_user(user)
    return redirect(next_page(user))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in i18n.LANGUAGES:
        fail(400, "error.language", choices=", ".join(i18n.LANGUAGES))
    session["lang"] = code
    return redirect(safe_next(request.args.get("next", "")) or url_for("auth.index"))
