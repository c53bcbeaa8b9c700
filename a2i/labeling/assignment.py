"""Handing out items: each participant gets their own random order, and items fill evenly.

When a participant finishes the survey they receive every tutorial item (in manifest order) and
``tasks_per_participant`` labeling items. Items are chosen among those with the fewest assignments so far
(ties broken at random) and never beyond ``participants_per_item``; the chosen items are then shuffled.
Because the whole list is written at once, a participant who leaves and returns resumes exactly at their
first unanswered position. The choice runs inside a write transaction holding :class:`StudyLock`, so two
participants starting at the same moment see each other's assignments.
"""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import func, select

from a2i.labeling.db import db
from a2i.labeling.manifest import Study
from a2i.labeling.models import Assignment, StudyLock, Submission, User


def _lock() -> None:
    if db.session.get(StudyLock, 1, with_for_update=True) is None:
        db.session.add(StudyLock(id=1))
        db.session.flush()


def assign(user: User, study: Study, *, rng: random.Random | None = None) -> list[Assignment]:
    """Create ``user``'s assignments (the caller commits); idempotent when they already exist."""
    existing = db.session.execute(select(Assignment).where(Assignment.user_id == user.id)
                                  .order_by(Assignment.position)).scalars().all()
    if existing:
        return list(existing)
    rng = rng or random.SystemRandom()
    _lock()
    counts = Counter(dict(db.session.execute(
        select(Assignment.item_id, func.count()).where(Assignment.is_tutorial.is_(False))
        .group_by(Assignment.item_id)).all()))
    open_items = [item.id for item in study.items if counts[item.id] < study.participants_per_item]
    rng.shuffle(open_items)
    open_items.sort(key=lambda item_id: counts[item_id])  # stable: random order among equally filled items
    chosen = open_items[:study.tasks_per_participant]
    rng.shuffle(chosen)
    rows = [Assignment(user_id=user.id, item_id=item.id, position=k, is_tutorial=True,
                       order_seed=rng.randrange(2**31)) for k, item in enumerate(study.tutorial)]
    rows += [Assignment(user_id=user.id, item_id=item_id, position=len(study.tutorial) + k, is_tutorial=False,
                        order_seed=rng.randrange(2**31)) for k, item_id in enumerate(chosen)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


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


def image_order(assignment: Assignment, n: int) -> list[int]:
    """The grid order of an assignment's ``n`` images, the same on every reload."""
    order = list(range(n))
    random.Random(assignment.order_seed).shuffle(order)
    return order
