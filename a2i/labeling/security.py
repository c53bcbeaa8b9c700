"""Passwords, login throttling and invite codes: the rules that keep a study's accounts safe.

Passwords are hashed with argon2id (argon2-cffi's default type). Failed logins are rows in the database,
counted per account and per client address over a sliding window, so the limit holds across every gunicorn
worker and restart. Invite codes are consumed with one conditional ``UPDATE ... WHERE uses < max_uses``: the
database decides atomically, so two simultaneous sign-ups can never both take the last use.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from a2i.labeling.db import db
from a2i.labeling.models import Invite, LoginAttempt, utcnow


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """argon2id hash with the configured cost."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, still spend the time of a check so timing leaks nothing."""
    hasher = _hasher()
    if stored is None:
        stored = current_app.extensions["a2i_dummy_hash"]
        password = password + "\0never"
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _window_start() -> datetime:
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def throttle_keys(username: str, address: str | None) -> tuple[str, str]:
    """The account and address keys a login attempt counts against."""
    return f"user:{username.strip().lower()[:100]}", f"ip:{address or 'unknown'}"


def is_throttled(username: str, address: str | None) -> bool:
    """True when the account or the address has used up its failed attempts in the window."""
    user_key, ip_key = throttle_keys(username, address)
    since = _window_start()
    counts = dict(db.session.execute(
        select(LoginAttempt.key, func.count()).where(LoginAttempt.key.in_([user_key, ip_key]),
                                                     LoginAttempt.created_at >= since)
        .group_by(LoginAttempt.key)).all())
    cfg = current_app.config
    return counts.get(user_key, 0) >= cfg["LOGIN_MAX_PER_ACCOUNT"] or counts.get(ip_key, 0) >= cfg["LOGIN_MAX_PER_IP"]


def record_failure(username: str, address: str | None) -> None:
    """Count a failed login against the account and the address (and forget rows older than the window)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < _window_start()))
    db.session.add_all([LoginAttempt(key=key) for key in throttle_keys(username, address)])


def clear_failures(username: str) -> None:
    """A successful login resets the account's count (the address count stays, against spraying)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == throttle_keys(username, None)[0]))


def new_code(nbytes: int = 9) -> str:
    """An unguessable URL-safe code for invites and bypass links."""
    return secrets.token_urlsafe(nbytes)


def create_invite(*, kind: str = "register", max_uses: int = 1, expires_in_days: float | None = 14.0,
                  note: str | None = None, code: str | None = None) -> Invite:
    """Add an invite row (the caller commits)."""
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    invite = Invite(code=code or new_code(), kind=kind, max_uses=max_uses, uses=0, expires_at=expires, note=note)
    db.session.add(invite)
    return invite


def consume_invite(code: str, kind: str) -> Invite | None:
    """Take one use of a valid, unexpired invite of ``kind`` atomically; ``None`` when it cannot be used."""
    if not code or len(code) > 64:
        return None
    now = datetime.now(UTC)
    result = db.session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.kind == kind, Invite.uses < Invite.max_uses,
               or_(Invite.expires_at.is_(None), Invite.expires_at > now))
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return db.session.execute(select(Invite).where(Invite.code == code)).scalar_one()
