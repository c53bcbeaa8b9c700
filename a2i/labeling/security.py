"""Passwords, login back-off and invite codes: the rules that keep a study's accounts safe.

Passwords are hashed with argon2id at OWASP's minimum cost (m = 19 MiB, t = 2, p = 1, the Password Storage
Cheat Sheet's first choice): a class of 50 signing up at once must not wait on the server. Each worker hashes
at most ``HASH_CONCURRENCY`` passwords at a time and a request that cannot start hashing within
``HASH_WAIT_SECONDS`` answers 503 "try again" instead of joining an ever longer queue.

Failed logins are rows in the database, so every worker and restart sees them. They are counted twice: per
account *and* client address together (the delay grows for whoever keeps guessing one account from one
address), and per address across every username, with a larger free budget (password spraying: one
password tried on many accounts). A browser holding the device cookie its last successful login left
(OWASP's "device cookies") is exempt from both; the owner from another address logs in at once; a real
user behind a guessing address (a lab's NAT) waits at most ``LOGIN_MAX_DELAY_SECONDS``. Nothing locks an
account out, and a successful login clears only its own pair's count, never the address's (an attacker with
one account of their own cannot reset their spraying budget).

Invite codes are consumed with one conditional ``UPDATE ... WHERE uses < max_uses``: the
database decides atomically, so two simultaneous sign-ups can never both take the last use.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from a2i.labeling.access import fail
from a2i.labeling.db import db
from a2i.labeling.models import Invite, LoginAttempt, utcnow

#: Cookie that marks a browser which logged in to an account before (exempt from that account's back-off).
DEVICE_COOKIE = "a2i_device"
_hash_slots: dict[int, threading.BoundedSemaphore] = {}
_hash_slots_lock = threading.Lock()


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"])


def _slot() -> threading.BoundedSemaphore:
    size = int(current_app.config["HASH_CONCURRENCY"])
    with _hash_slots_lock:
        return _hash_slots.setdefault(size, threading.BoundedSemaphore(size))


def _bounded(work):
    """Run ``work`` in one of this process's hashing slots, or answer 503 when the queue is too long."""
    slot = _slot()
    if not slot.acquire(timeout=current_app.config["HASH_WAIT_SECONDS"]):
        fail(503, "error.busy")
    try:
        return work()
    finally:
        slot.release()


def hash_password(password: str) -> str:
    """argon2id hash with the configured cost, in a bounded hashing slot."""
    hasher = _hasher()
    return _bounded(lambda: hasher.hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, still spend the time of a check so timing leaks nothing."""
    hasher = _hasher()
    if stored is None:
        stored = current_app.extensions["a2i_dummy_hash"]
        password = password + "\0never"

    def check() -> bool:
        try:
            return hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return _bounded(check)


def _window_start() -> datetime:
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def account_prefix(username: str) -> str:
    """The start of every :func:`throttle_key` of ``username`` (a withdrawal deletes them all)."""
    return f"u:{username.strip().lower()[:64]}|"


def throttle_key(username: str, address: str | None) -> str:
    """The key a failed login counts against: the account and the client address together."""
    return account_prefix(username) + (address or "unknown")[:90]


def address_key(address: str | None) -> str:
    """The key every failed login from one address counts against, whatever the username (``a:`` keeps it
    apart from :func:`throttle_key`'s ``u:`` keys)."""
    return f"a:{(address or 'unknown')[:90]}"


def backoff_seconds(failures: int, *, free: int, cap: float) -> float:
    """How long the next attempt must wait after ``failures`` failures: 0 for the first ``free``, then
    1, 2, 4, ... seconds up to ``cap``.

    Examples
    --------
    >>> [backoff_seconds(n, free=5, cap=60) for n in (0, 5, 6, 7, 12)]
    [0.0, 0.0, 1.0, 2.0, 60]
    """
    if failures <= free:
        return 0.0
    return min(cap, math.ldexp(1.0, failures - free - 1))


def _wait(key: str, free: int) -> float:
    """Seconds still to wait on ``key`` after its failures in the window (0 = go ahead)."""
    failures, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.created_at))
        .where(LoginAttempt.key == key, LoginAttempt.created_at >= _window_start())).one()
    wait = backoff_seconds(failures, free=free, cap=current_app.config["LOGIN_MAX_DELAY_SECONDS"])
    if not wait or last is None:
        return 0.0
    last = last if last.tzinfo else last.replace(tzinfo=UTC)  # SQLite returns naive UTC
    return max(0.0, wait - (utcnow() - last).total_seconds())


def _keys(username: str, address: str | None, known_device: bool) -> list[tuple[str, int]]:
    cfg = current_app.config
    if known_device:  # the browser proved an earlier login to this account: its own count, no address budget
        return [(throttle_key(username, "device"), cfg["LOGIN_FREE_ATTEMPTS"])]
    return [(throttle_key(username, address), cfg["LOGIN_FREE_ATTEMPTS"]),
            (address_key(address), cfg["LOGIN_ADDRESS_FREE_ATTEMPTS"])]


def retry_after(username: str, address: str | None, *, known_device: bool = False) -> float:
    """Seconds before this login attempt may be checked: the longer of the account-and-address pair's wait
    and the address's (0 = go ahead)."""
    return max(_wait(key, free) for key, free in _keys(username, address, known_device))


def record_failure(username: str, address: str | None, *, known_device: bool = False) -> None:
    """Count a failed login against the pair and the address (and forget rows older than the window)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < _window_start()))
    db.session.add_all(LoginAttempt(key=key) for key, _ in _keys(username, address, known_device))


def clear_failures(username: str, address: str | None, *, known_device: bool = False) -> None:
    """A successful login forgets the pair's failures (the address's stay: see the module docstring)."""
    key, _ = _keys(username, address, known_device)[0]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))


def device_token(username: str) -> str:
    """The device cookie's value for ``username``: an HMAC under the app's secret key."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"device:" + username.lower().encode(), hashlib.sha256).hexdigest()


def is_known_device(username: str, cookie: str | None) -> bool:
    """True when this browser logged in to ``username`` before (its device cookie matches)."""
    return bool(cookie) and hmac.compare_digest(cookie, device_token(username))


def new_code(nbytes: int = 9) -> str:
    """An unguessable URL-safe code for invites and bypass links."""
    return secrets.token_urlsafe(nbytes)


def create_invite(*, kind: str = "register", max_uses: int = 1, expires_in_days: float | None = 14.0,
                  note: str | None = None, code: str | None = None, pilot: bool = False) -> Invite:
    """Add an invite row (the caller commits)."""
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    invite = Invite(code=code or new_code(), kind=kind, max_uses=max_uses, uses=0, expires_at=expires, note=note,
                    pilot=pilot)
    db.session.add(invite)
    return invite


def _usable(code: str, kind: str):
    now = datetime.now(UTC)
    return (Invite.code == code, Invite.kind == kind, Invite.uses < Invite.max_uses,
            or_(Invite.expires_at.is_(None), Invite.expires_at > now))


def usable_invite(code: str, kind: str) -> Invite | None:
    """The invite if it could be used now, without using it: checked before any password is hashed."""
    if not code or len(code) > 64:
        return None
    return db.session.execute(select(Invite).where(*_usable(code, kind))).scalar_one_or_none()


def consume_invite(code: str, kind: str) -> Invite | None:
    """Take one use of a valid, unexpired invite of ``kind`` atomically; ``None`` when it cannot be used."""
    if not code or len(code) > 64:
        return None
    result = db.session.execute(
        update(Invite).where(*_usable(code, kind)).values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return db.session.execute(select(Invite).where(Invite.code == code)).scalar_one()
