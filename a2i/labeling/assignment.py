"""Handing out items: each participant gets their own random order, and items fill evenly.

A participant's place is reserved when they agree on the consent page: they receive every tutorial item (in
manifest order), then
``tasks_per_participant`` labeling items with the study's attention checks mixed in among them. Labeling
items are chosen among those with the fewest assignments so far (ties broken at random) and never beyond
``participants_per_item``; pilot participants are not counted toward those quotas (and are never turned
away). Because the whole list is written at once, a participant who leaves and returns resumes exactly at
their first unanswered position. A participant who agreed but has not finished the survey holds the place for
``RESERVATION_MINUTES`` (60 by default) from the reservation; after that the place counts as free again, and
if they finish the survey later they get a new set of tasks when places remain (:func:`reserve`), else the
study-full message. The choice runs inside a write transaction holding :class:`StudyLock`, so
two participants starting at the same moment see each other's assignments.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from a2i.errors import ConfigError
from a2i.labeling.db import db
from a2i.labeling.manifest import Study, places_for
from a2i.labeling.models import FULL, Assignment, StudyLock, Submission, User, utcnow


def _lock() -> None:
    """Hold the study-lock row (migration 0003 creates it) until the transaction ends."""
    if db.session.get(StudyLock, 1, with_for_update=True) is None:
        raise ConfigError("the study_lock row is missing: run `a2i label init-db` to upgrade the database")


def reservation_cutoff() -> datetime:
    """Reservations made before this moment have lapsed (for participants still at the survey)."""
    return utcnow() - timedelta(minutes=current_app.config["RESERVATION_MINUTES"])


def item_counts(study: Study) -> Counter[str]:
    """Assignments per labeling item that count toward the quotas: not pilots', and not those of a
    participant still at the survey whose reservation has lapsed."""
    item_ids = [item.id for item in study.items]
    held = or_(User.stage != "survey", Assignment.created_at >= reservation_cutoff())
    return Counter(dict(db.session.execute(
        select(Assignment.item_id, func.count()).join(User, User.id == Assignment.user_id)
        .where(Assignment.is_tutorial.is_(False), User.is_pilot.is_(False), Assignment.item_id.in_(item_ids), held)
        .group_by(Assignment.item_id)).all()))


def places_left(study: Study, counts: Counter[str] | None = None) -> int:
    """How many more participants will get tasks: the open answer slots over the tasks each one takes."""
    counts = item_counts(study) if counts is None else counts
    open_slots = sum(max(0, study.participants_per_item - counts[item.id]) for item in study.items)
    return places_for(open_slots, min(study.tasks_per_participant, len(study.items)))


def study_is_full(study: Study) -> bool:
    """True when no labeling item wants more answers: a newcomer would get no task."""
    return places_left(study) == 0


def assign(user: User, study: Study, *, rng: random.Random | None = None) -> list[Assignment]:
    """Create ``user``'s assignments (the caller commits); idempotent when they already exist.

    A participant who arrives when every item has its answers gets the tutorial only; the caller sees no
    labeling row and shows the study-full message instead.
    """
    existing = db.session.execute(select(Assignment).where(Assignment.user_id == user.id)
                                  .order_by(Assignment.position)).scalars().all()
    if existing:
        return list(existing)
    rng = rng or random.SystemRandom()
    _lock()
    counts = item_counts(study)
    cap = float("inf") if user.is_pilot else study.participants_per_item
    open_items = [item.id for item in study.items if counts[item.id] < cap]
    rng.shuffle(open_items)
    open_items.sort(key=lambda item_id: counts[item_id])  # stable: random order among equally filled items
    chosen = open_items[:study.tasks_per_participant]
    if chosen:  # attention checks only go with real tasks
        chosen += [item.id for item in study.checks]
    rng.shuffle(chosen)
    rows = [Assignment(user_id=user.id, item_id=item.id, position=k, is_tutorial=True,
                       order_seed=rng.randrange(2**31)) for k, item in enumerate(study.tutorial)]
    rows += [Assignment(user_id=user.id, item_id=item_id, position=len(study.tutorial) + k, is_tutorial=False,
                        order_seed=rng.randrange(2**31)) for k, item_id in enumerate(chosen)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def reserve(user: User, study: Study) -> list[Assignment]:
    """Hold ``user``'s place (at consent), or renew a lapsed reservation (at the survey): the caller commits.

    A reservation of a participant still at the survey older than ``RESERVATION_MINUTES`` is dropped and made
    again from the places left now; otherwise this is :func:`assign`. No labeling row in the result means the
    study is full for them.
    """
    lapsed = db.session.execute(
        select(func.count()).select_from(Assignment)
        .where(Assignment.user_id == user.id, Assignment.created_at < reservation_cutoff())).scalar_one()
    if lapsed and user.stage == "survey":
        db.session.execute(delete(Assignment).where(Assignment.user_id == user.id))
    return assign(user, study)


def turn_away(user: User) -> None:
    """The study filled up before this participant got a task: end at the study-full message."""
    user.stage = FULL
    user.finished_at = utcnow()


def hold_place(user: User, study: Study) -> bool:
    """Reserve (or renew) ``user``'s tasks (:func:`reserve`); ``False``, and the study-full stage, when no
    labeling task is left for them."""
    if any(not row.is_tutorial for row in reserve(user, study)):
        return True
    turn_away(user)
    return False


def current_assignment(user: User, *, tutorial: bool) -> tuple[Assignment | None, int, int]:
    """The first unanswered assignment of the tutorial or labeling part, its 1-based number and the total."""
    rows = db.session.execute(
        select(Assignment, Submission.id)
        .outerjoin(Submission, Submission.assignment_id == Assignment.id)
        .where(Assignment.user_id == user.id, Assignment.is_tutorial.is_(tutorial))
        .order_by(Assignment.position)).all()
    for k, (assignment, submission_id) in enumerate(rows):
        if submission_id is None:
            return assignment, k + 1, len(rows)
    return None, len(rows), len(rows)


def upcoming_assignment(user: User, *, after: Assignment) -> Assignment | None:
    """The unanswered assignment of the same part that follows ``after`` (whose media can be preloaded)."""
    return db.session.execute(
        select(Assignment).outerjoin(Submission, Submission.assignment_id == Assignment.id)
        .where(Assignment.user_id == user.id, Assignment.is_tutorial.is_(after.is_tutorial),
               Assignment.position > after.position, Submission.id.is_(None))
        .order_by(Assignment.position).limit(1)).scalar_one_or_none()


def image_order(assignment: Assignment, n: int) -> list[int]:
    """The grid order of an assignment's ``n`` images, the same on every reload."""
    order = list(range(n))
    random.Random(assignment.order_seed).shuffle(order)
    return order
