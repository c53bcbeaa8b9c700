"""Participants' data rights: withdrawal, deletion by an admin, and the retention period.

Withdrawing and deleting are the same act: every row the participant produced (assignments, answers, survey,
feedback, failed logins under their username) and the account itself are deleted in one transaction, so no
export made afterwards can contain them, and the places they held in the quotas open again. On SQLite the
deleted rows are overwritten with zeros (``secure_delete``) and :func:`erase_deleted` then empties the
write-ahead log, so they cannot be read from the database files either. Backups made before keep them until
the backups are deleted (the consent text states the period). The retention period (``RETENTION_DAYS``) removes
identifiers (username, password, the recruitment platform's IDs) from participants who finished longer ago
than that, keeping their anonymous answers for the analysis.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from a2i.errors import ConfigError
from a2i.labeling.db import checkpoint_wal, db
from a2i.labeling.models import (
    Assignment,
    Feedback,
    LoginAttempt,
    Submission,
    SurveyResponse,
    User,
    utcnow,
)
from a2i.labeling.security import account_prefix

log = logging.getLogger(__name__)


def delete_participant(user_id: int) -> bool:
    """Delete a participant and everything they answered (the caller commits); ``False`` if there is none.

    Raises
    ------
    ConfigError
        ``user_id`` is an admin account (admins are removed by hand, never by a participant's request).
    """
    user = db.session.get(User, user_id)
    if user is None:
        return False
    if user.is_admin:
        raise ConfigError(f"user {user_id} is an admin, not a participant; nothing was deleted")
    for model in (Submission, Assignment, SurveyResponse, Feedback):
        db.session.execute(delete(model).where(model.user_id == user_id))
    if user.username:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.key.startswith(account_prefix(user.username),
                                                                                  autoescape=True)))
    db.session.delete(user)
    return True


def erase_deleted() -> None:
    """After a deletion has committed: fold the write-ahead log into the (securely overwritten) database and
    truncate it, so the deleted rows are in no database file; warns when readers kept it from finishing."""
    if not checkpoint_wal():
        log.warning("the write-ahead log could not be emptied after a deletion (busy readers); the next "
                    "deletion or `a2i label purge` empties it")


def purge_identifiers(retention_days: float) -> int:
    """Remove identifiers of participants who finished more than ``retention_days`` ago; returns how many.

    Their answers stay, under their anonymous numeric id. The caller commits.
    """
    if retention_days is None or retention_days <= 0:
        raise ConfigError(f"the retention period must be a positive number of days, got {retention_days!r}; "
                          "set RETENTION_DAYS (A2I_RETENTION_DAYS) or pass --days")
    cutoff = utcnow() - timedelta(days=float(retention_days))
    ids = db.session.execute(select(User.id).where(
        User.role == "participant", User.finished_at.is_not(None), User.finished_at < cutoff,
        (User.username.is_not(None)) | (User.prolific_pid.is_not(None)) | (User.password_hash.is_not(None))
    )).scalars().all()
    if ids:
        db.session.execute(update(User).where(User.id.in_(ids)).values(
            username=None, password_hash=None, prolific_pid=None, study_id=None, session_id=None,
            resume_hash=None))
    return len(ids)
