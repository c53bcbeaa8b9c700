"""Set-up tasks behind ``a2i label``: create or upgrade the database, the secret key, admins and invites."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from a2i.errors import ConfigError
from a2i.labeling import forms, security
from a2i.labeling.app import MIGRATIONS_DIR
from a2i.labeling.assignment import places_left
from a2i.labeling.db import db
from a2i.labeling.models import Invite, User, utcnow


def ensure_secret_key(instance_path: str | Path) -> Path | None:
    """Write a random ``SECRET_KEY`` to ``instance/config.py`` unless one is configured already.

    A key kept in the instance folder is shared by every worker and survives restarts, so sessions do too.
    Returns the file written, or ``None`` when nothing had to be done.
    """
    if os.environ.get("SECRET_KEY") or os.environ.get("A2I_SECRET_KEY"):
        return None
    path = Path(instance_path) / "config.py"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if any(line.strip().startswith("SECRET_KEY") for line in text.splitlines()):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as f:
        f.write(f"{'' if not text or text.endswith(chr(10)) else chr(10)}"
                f"# Signs session cookies; keep it secret and the same for every worker.\n"
                f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
    return path


def init_db(app: Flask) -> None:
    """Create the tables, or upgrade an existing database to the newest migration (data is kept), and store
    the study's definition (:mod:`a2i.labeling.definitions`) when the app has one."""
    from flask_migrate import upgrade

    from a2i.labeling.definitions import record_served

    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    record_served(app)


def add_admin(app: Flask, username: str, password: str) -> User:
    """Create an admin account, or make an existing account an admin with this password."""
    if not forms.USERNAME_RE.match(username):
        raise ConfigError(f"username {username!r}: use 3 to 32 letters and digits")
    if len(password) < forms.MIN_PASSWORD:
        raise ConfigError(f"the password needs at least {forms.MIN_PASSWORD} characters")
    with app.app_context():
        user = db.session.execute(
            select(User).where(func.lower(User.username) == username.lower())).scalar_one_or_none()
        if user is None:
            user = User(username=username, stage="done")
            db.session.add(user)
        user.role = "admin"
        user.password_hash = security.hash_password(password)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def create_invites(app: Flask, *, count: int, max_uses: int, days: float | None, bypass: bool,
                   note: str | None, pilot: bool = False) -> list[str]:
    """Make ``count`` invite codes (or anonymous study links with ``bypass``); returns the codes."""
    if not 1 <= count <= 10_000 or not 1 <= max_uses <= 1_000_000:
        raise ConfigError(f"--count ({count}) must be 1-10000 and --uses ({max_uses}) 1-1000000")
    if days is not None and not 0 < days <= 3650:
        raise ConfigError(f"--days ({days}) must be between 0 (never expires) and 3650")
    with app.app_context():
        invites: list[Invite] = [security.create_invite(kind="bypass" if bypass else "register", max_uses=max_uses,
                                                        expires_in_days=days, note=note, pilot=pilot)
                                 for _ in range(count)]
        db.session.commit()
        return [invite.code for invite in invites]


def capacity_warning(app: Flask) -> str | None:
    """A warning when the unexpired non-pilot invites allow more participants than the study has places for."""
    study = app.extensions.get("a2i_study")
    if study is None:
        return ("no study given (--study or $A2I_STUDY_DIR), so the invites could not be checked against its "
                "capacity")
    with app.app_context():
        now = utcnow()
        open_uses = db.session.execute(
            select(func.coalesce(func.sum(Invite.max_uses - Invite.uses), 0))
            .where(Invite.pilot.is_(False), (Invite.expires_at.is_(None)) | (Invite.expires_at > now))).scalar_one()
        left = places_left(study)
    if open_uses > left:
        return (f"the open invites allow {open_uses} more participants but the study has places for {left} "
                f"(capacity {study.capacity}: {len(study.items)} items × {study.participants_per_item} answers ÷ "
                f"{min(study.tasks_per_participant, len(study.items))} tasks each); the others will be told the "
                "study is full. Raise participants_per_item in study.json or invite fewer.")
    return None


def backup(target: str | Path) -> Path:
    """Copy the app's SQLite database to ``target`` with SQLite's online backup API (inside an app context).

    A plain file copy of a database in WAL mode misses the answers still in the ``-wal`` file; the backup API
    copies the database as a reader sees it, consistent, while workers keep writing.
    """
    import sqlite3

    target = Path(target)
    if db.engine.dialect.name != "sqlite":
        raise ConfigError("backup copies SQLite databases; for PostgreSQL run pg_dump (see "
                          "experiment_website/README.md)")
    if target.exists():
        raise ConfigError(f"{target} exists; choose a new file so no earlier backup is overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)  # answers are personal data
    os.close(fd)
    source = sqlite3.connect(db.engine.url.database)
    try:
        dest = sqlite3.connect(partial)
        with dest:
            source.backup(dest)
        dest.close()
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return target
