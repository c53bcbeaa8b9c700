"""The study's tables.

Participants and admins share :class:`User`; an anonymous participant (bypass link) has no username or
password. Each participant gets :class:`Assignment` rows (tutorial first, then labeling items in their own
random order) when they finish the survey, so a returning participant resumes exactly where they stopped.
A :class:`Submission` is unique per assignment: a task cannot be answered twice, even by two racing requests.
Submissions keep the images as they were shown (order and which came from the clip's own song) so exports
do not depend on the manifest staying unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from a2i.labeling.db import db

#: The stages a participant moves through, in order.
STAGES = ("consent", "survey", "tutorial", "tasks", "feedback", "done")
#: Where a participant ends who arrived when every item had its answers (the study-full message).
FULL = "full"


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC."""
    return datetime.now(UTC)


class Invite(db.Model):
    """A registration code (or, with ``kind='bypass'``, an anonymous study link) with limited uses."""

    __tablename__ = "invite"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="register")
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Participants who join with a pilot invite try the study without counting toward its quotas.
    pilot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)


class User(db.Model):
    """A participant (registered or anonymous) or an admin."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="participant")
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite.id"), nullable=True)
    prolific_pid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    study_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stage: Mapped[str] = mapped_column(String(16), default="consent")
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Bumped at logout: session cookies carry the epoch they were issued in, so a copied or stolen cookie
    # stops working the moment its owner logs out (signed cookies cannot be revoked otherwise).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    is_pilot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    #: The manifest's consent version the participant agreed to, and when (UTC).
    consent_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The code shown on the thank-you page, as the recruitment platform will check it.
    completion_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: SHA-256 of the anonymous participant's resume secret (their browser's cookie and personal link hold
    #: the secret itself): the only thing besides a live session that lets them back in.
    resume_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)

    survey: Mapped[SurveyResponse | None] = relationship(back_populates="user", uselist=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class SurveyResponse(db.Model):
    """The demographic survey, one per participant."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    age: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(32))
    #: ISO 3166-1 alpha-2 codes, the thesis site's questions (so both data sets can be pooled).
    country_of_birth: Mapped[str | None] = mapped_column(String(2), nullable=True)
    country_of_residence: Mapped[str | None] = mapped_column(String(2), nullable=True)
    #: Free-text answers of participants from before revision 0003.
    nationality: Mapped[str | None] = mapped_column(String(64), nullable=True)
    birth_nationality: Mapped[str | None] = mapped_column(String(64), nullable=True)
    music_listening: Mapped[str] = mapped_column(String(32))
    preferred_language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="survey")


class Assignment(db.Model):
    """One item a participant has to answer, at a fixed position in their own order."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id", name="uq_assignment_user_item"),
        UniqueConstraint("user_id", "position", name="uq_assignment_user_position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(128), index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_tutorial: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Seeds the image order so a reload (or a resume) shows the grid exactly as before.
    order_seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission | None] = relationship(back_populates="assignment", uselist=False)


class Submission(db.Model):
    """A participant's answer to one assignment, with every interaction that led to it."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(128), index=True)
    is_tutorial: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``[{"id": ..., "own": bool}, ...]`` in the order the grid showed them.
    shown: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    selected: Mapped[list[str]] = mapped_column(JSON)
    liked: Mapped[str] = mapped_column(String(8))
    bad_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    interactions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The study definition (manifest) the answer was given under; empty for answers from before 0004.
    study_version: Mapped[int | None] = mapped_column(ForeignKey("study_definition.id"), nullable=True)

    assignment: Mapped[Assignment] = relationship(back_populates="submission")


class Feedback(db.Model):
    """Free-text feedback at the end of the study (optional)."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StudyDefinition(db.Model):
    """A study manifest as the site served it, stored once per distinct content (its SHA-256 ``digest``).

    Exports read attention checks and picture provenance from here, so they never depend on the study
    folder being at hand or unchanged; the ``id`` is the definition's version number.
    """

    __tablename__ = "study_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttempt(db.Model):
    """A failed login, keyed by account and by client address; kept in the database so every worker sees it."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class StudyLock(db.Model):
    """A single row locked (``SELECT ... FOR UPDATE``) while items are handed out, so PostgreSQL workers
    assigning at the same moment see each other's counts; SQLite already serializes writers."""

    __tablename__ = "study_lock"
    id: Mapped[int] = mapped_column(primary_key=True)
