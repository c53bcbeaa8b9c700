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
from a2i.labeling.db import db
from a2i.labeling.models import Invite, User


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
    """Create the tables, or upgrade an existing database to the newest migration (data is kept)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)


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
                   note: str | None) -> list[str]:
    """Make ``count`` invite codes (or anonymous study links with ``bypass``); returns the codes."""
    if not 1 <= count <= 10_000 or not 1 <= max_uses <= 1_000_000:
        raise ConfigError(f"--count ({count}) must be 1-10000 and --uses ({max_uses}) 1-1000000")
    if days is not None and not 0 < days <= 3650:
        raise ConfigError(f"--days ({days}) must be between 0 (never expires) and 3650")
    with app.app_context():
        invites: list[Invite] = [security.create_invite(kind="bypass" if bypass else "register", max_uses=max_uses,
                                                        expires_in_days=days, note=note) for _ in range(count)]
        db.session.commit()
        return [invite.code for invite in invites]
