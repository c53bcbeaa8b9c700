"""Accounts: invite-only registration, login with back-off, logout, anonymous study links, language.

An anonymous participant (a recruitment platform's link) has no password, and their ``PROLIFIC_PID`` is no
secret: researchers, the platform and anyone shown a screenshot know it. So a PID alone never logs in. At
consent the participant gets a resume secret, kept in a long-lived cookie of their browser and in a personal
resume link shown on every page; the database stores only its SHA-256. Reopening the study link resumes
with that cookie, with the link, or with the platform's ``SESSION_ID`` of the first visit (Prolific sends
the same one when the participant reopens their submission). A known PID with none of these gets a page
that explains how to resume, and nothing of the participant's.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
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
from a2i.labeling.assignment import hold_place, study_is_full
from a2i.labeling.db import db
from a2i.labeling.models import FULL, Invite, User, utcnow

bp = Blueprint("auth", __name__)

#: Prolific's identifiers are 24 hex characters; accept any short token of that alphabet family.
_PARAM_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
#: The recruitment platform's query parameters an anonymous link keeps, and the user columns they go to.
PLATFORM_PARAMS = (("PROLIFIC_PID", "prolific_pid"), ("STUDY_ID", "study_id"), ("SESSION_ID", "session_id"))
#: How long a browser remembers that it logged in to an account (the device cookie exempts it from back-off).
DEVICE_COOKIE_DAYS = 180
#: The cookie holding an anonymous participant's resume secret.
RESUME_COOKIE = "a2i_resume"
#: How long the browser keeps it: longer than any study stays open (Prolific's longest is about 3 weeks).
RESUME_COOKIE_DAYS = 60
#: Bytes of randomness in a resume secret (192 bits: unguessable, and short enough for a link).
RESUME_BYTES = 24

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
    address = request.remote_addr
    wait = math.ceil(security.retry_after(username, address, known_device=known_device))
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
        security.record_failure(username, address, known_device=known_device)
        db.session.commit()
        return form_page("auth/login.html", {"form": "login.error"}, 401, values=values)
    security.clear_failures(username, address, known_device=known_device)
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


def resume_hash(secret: str) -> str:
    """What the database keeps of a resume secret: its SHA-256 (a stolen database lets nobody in)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_resume_secret(user: User) -> str:
    """Give ``user`` a fresh resume secret (the caller commits) and return it."""
    secret = secrets.token_urlsafe(RESUME_BYTES)
    user.resume_hash = resume_hash(secret)
    session_resume(secret)
    return secret


def session_resume(secret: str) -> None:
    """Keep the secret in the session so every page can show the personal resume link."""
    session["resume"] = secret


def _resume_user(secret: object) -> User | None:
    """The anonymous participant whose resume secret this is, else ``None``."""
    if not isinstance(secret, str) or not 0 < len(secret) <= 64:
        return None
    user = db.session.execute(
        select(User).where(User.resume_hash == resume_hash(secret), User.is_anonymous.is_(True))
    ).scalar_one_or_none()
    return user


def _set_resume_cookie(response, secret: str):
    response.set_cookie(RESUME_COOKIE, secret, max_age=RESUME_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _invite_code(user: User) -> str | None:
    invite = db.session.get(Invite, user.invite_id) if user.invite_id else None
    return invite.code if invite is not None else None


def _returning(code: str, params: dict[str, str]) -> tuple[User | None, bool]:
    """The anonymous participant this link already belongs to, and whether the request proves it is them.

    Proof is the session already logged in as them, their resume cookie, or the platform's SESSION_ID of
    their first visit. ``(user, False)``: a participant with this PROLIFIC_PID started through this link,
    but nothing shows that this browser is theirs.
    """
    if g.user is not None and g.user.is_anonymous and _invite_code(g.user) == code:
        return g.user, True
    cookie = request.cookies.get(RESUME_COOKIE)
    cookie_user = _resume_user(cookie)
    if cookie_user is not None and _invite_code(cookie_user) == code:
        if cookie_user is not g.user:
            login_user(cookie_user)
            session_resume(cookie)
        return cookie_user, True
    if params.get("prolific_pid"):
        known = db.session.execute(
            select(User).join(Invite, Invite.id == User.invite_id)
            .where(User.is_anonymous.is_(True), User.prolific_pid == params["prolific_pid"], Invite.code == code)
        ).scalars().first()
        if known is not None:
            sent = params.get("session_id")
            proven = bool(sent and known.session_id) and hmac.compare_digest(sent, known.session_id)
            return known, proven
    return None, False


def _resume_needed(code: str):
    """The page for a known PID without proof: how to get back in, and nothing of the participant's."""
    contact = get_study().consent.contact
    return render_template("study/resume.html", contact=contact), 409


@bp.route("/start/<code>", methods=["GET", "POST"])
def start(code: str):
    """An anonymous study link (recruitment platforms): no account, the platform's identifiers kept.

    A GET only shows the information and consent page: link scanners and previews open links, and must not
    use them up. The participant's "I agree" (a POST) takes one use and starts the study.
    """
    showing = request.method in ("GET", "HEAD")  # HEAD is a GET without the body
    params = _platform_params(request.args if showing else request.form)
    returning, proven = _returning(code, params)
    if returning is not None and not proven:
        return _resume_needed(code)
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
    if showing:
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
    db.session.flush()  # the id the session cookie names
    hold_place(user, study)  # the place is reserved now, so the survey cannot end at "study full"
    login_user(user)
    secret = new_resume_secret(user)
    db.session.commit()
    return _set_resume_cookie(redirect(next_page(user)), secret)


@bp.get("/resume/<secret>")
def resume(secret: str):
    """A participant's personal resume link: logs them in on any browser and remembers it there."""
    user = _resume_user(secret)
    if user is None:
        fail(404, "error.resume")
    if user is not g.user:
        login_user(user)
    session_resume(secret)
    return _set_resume_cookie(redirect(next_page(user)), secret)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in i18n.LANGUAGES:
        fail(400, "error.language", choices=", ".join(i18n.LANGUAGES))
    session["lang"] = code
    return redirect(safe_next(request.args.get("next", "")) or url_for("auth.index"))
