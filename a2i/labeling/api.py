"""The JSON task API the task page talks to: fetch the current task, submit an answer.

Every body is checked field by field; a problem answers 400 with ``{"error", "message", "field"}`` naming
the field, never a 500. A task can be answered once: a second submission answers 409, whether it arrives
later or races the first (the unique constraint on ``submission.assignment_id`` decides).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from a2i.labeling import i18n
from a2i.labeling.access import get_study, login_required
from a2i.labeling.assignment import current_assignment, image_order, upcoming_assignment
from a2i.labeling.auth import next_page
from a2i.labeling.db import db
from a2i.labeling.definitions import VERSION_KEY
from a2i.labeling.manifest import Item, Study
from a2i.labeling.models import Assignment, Submission

bp = Blueprint("api", __name__, url_prefix="/api")

LIKED = ("yes", "no", "unsure")
#: ``load``: the task opened; ``image_load``: one picture finished loading (it can be chosen from then on);
#: ``zoom_open``/``zoom_close``: the enlarged view of a picture, so viewing times can be measured.
INTERACTION_TYPES = ("play", "pause", "ended", "seek", "select", "deselect", "load", "image_load", "zoom_open",
                     "zoom_close")
INTERACTION_KEYS = {"type", "t", "image", "position"}
NEXT_STAGE = {"tutorial": "tasks", "tasks": "feedback"}
#: The largest value an INTEGER column holds on every supported database (PostgreSQL's int4).
MAX_INT = 2**31 - 1
#: An interaction's time stamp is at most a week of milliseconds after the task opened.
MAX_EVENT_MS = 7 * 24 * 3600 * 1000
#: An audio position is at most a day of seconds into the clip (when the manifest does not give its length).
MAX_POSITION_S = 24 * 3600
#: How far past the clip's recorded length a position may be: MP3 encoder padding and players rounding make
#: a browser report up to a few tenths of a second more; a second covers them.
POSITION_SLACK_S = 1.0


class BadField(Exception):
    """An invalid request field; becomes a 400 JSON answer naming it."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@bp.errorhandler(BadField)
def _bad_field(exc: BadField):
    return jsonify(error="Bad Request" if exc.status == 400 else "Conflict", message=exc.message,
                   field=exc.field, status=exc.status), exc.status


def _shown(item: Item, assignment: Assignment) -> list[Any]:
    return [item.images[k] for k in image_order(assignment, len(item.images))]


def _media(path: str) -> str:
    return url_for("study.media", filename=path)


def _task_payload(study: Study, item: Item, assignment: Assignment) -> dict[str, Any]:
    return {
        "assignment": assignment.id,
        "audio": _media(item.audio),
        "images": [{"id": im.id, "url": _media(im.web), "zoom": _media(im.zoom)} for im in _shown(item, assignment)],
        "min_select": study.min_select,
        "max_select": study.max_select,
        "explanation": (item.explanation.get(g.lang) or item.explanation.get("en")) if assignment.is_tutorial else None,
    }


def _preload(study: Study, assignment: Assignment) -> list[str]:
    """The media of the task after ``assignment``, for the browser to fetch while this one is answered."""
    following = upcoming_assignment(g.user, after=assignment)
    item = study.item(following.item_id) if following is not None else None
    return [_media(item.audio), *(_media(im.web) for im in item.images)] if item is not None else []


@bp.get("/task")
@login_required
def task():
    """The participant's current task (tutorial or labeling, from their stage), or where to go when done."""
    study = get_study()
    stage = g.user.stage
    if stage not in NEXT_STAGE:
        return jsonify(done=True, stage=stage, next=next_page(g.user))
    assignment, number, total = current_assignment(g.user, tutorial=stage == "tutorial")
    if assignment is None:
        return jsonify(done=True, stage=stage, next=next_page(g.user))
    item = study.item(assignment.item_id)
    if item is None:
        raise BadField("assignment", f"item {assignment.item_id!r} is no longer in the study manifest", 409)
    return jsonify(done=False, stage=stage, number=number, total=total, task=_task_payload(study, item, assignment),
                   preload=_preload(study, assignment))


def _require(body: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if key not in body:
        raise BadField(key, f"missing {key!r}: {what}")
    value = body[key]
    if isinstance(value, bool) and kind is not bool:
        raise BadField(key, f"{key!r} must be {what}")
    if not isinstance(value, kind):
        raise BadField(key, f"{key!r} must be {what}")
    return value


def _check_interactions(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise BadField("interactions", "'interactions' must be a list of {type, t} objects")
    if len(raw) > current_app.config["MAX_INTERACTIONS"]:
        raise BadField("interactions", f"at most {current_app.config['MAX_INTERACTIONS']} interactions per task")
    for k, event in enumerate(raw):
        where = f"interactions[{k}]"
        if not isinstance(event, dict):
            raise BadField(where, f"{where} must be an object with 'type' and 't'")
        unknown = set(event) - INTERACTION_KEYS
        if unknown:
            raise BadField(where, f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(INTERACTION_KEYS)}")
        if event.get("type") not in INTERACTION_TYPES:
            raise BadField(where, f"{where}.type must be one of {', '.join(INTERACTION_TYPES)}")
        if not _in_range(event.get("t"), MAX_EVENT_MS):
            raise BadField(where, f"{where}.t must be the milliseconds since the task opened (0 to {MAX_EVENT_MS})")
        if "image" in event and (not isinstance(event["image"], str) or len(event["image"]) > 128):
            raise BadField(where, f"{where}.image must be an image id")
        if event.get("position") is not None and not _in_range(event["position"], MAX_POSITION_S):
            raise BadField(where, f"{where}.position must be the audio position in seconds (0 to {MAX_POSITION_S})")
    return raw


def _check_event_references(events: list[dict[str, Any]], item: Item) -> None:
    """Every event's image is one of the task's, and its audio position lies within the clip."""
    longest = item.end - item.start + POSITION_SLACK_S if item.start is not None and item.end is not None \
        else MAX_POSITION_S
    for k, event in enumerate(events):
        where = f"interactions[{k}]"
        if "image" in event and item.image(event["image"]) is None:
            raise BadField(where, f"{where}.image {event['image']!r} is not one of this task's images")
        if event.get("position") is not None and event["position"] > longest:
            raise BadField(where, f"{where}.position {event['position']} s is past the end of the clip "
                                  f"({longest:g} s at most)")


def _in_range(value: Any, upper: float) -> bool:
    """A JSON number from 0 to ``upper``; integers of any length are compared exactly, never as floats."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return 0 <= value <= upper


def _json_body() -> Any:
    try:
        return request.get_json(silent=True)
    except RecursionError:  # JSON nested deeper than Python's parser can follow
        raise BadField("body", "the JSON body is nested too deeply; send a flat answer object") from None


@bp.post("/submit")
@login_required
def submit():
    """Store one answer with its interactions; tells the page what comes next."""
    study = get_study()
    body = _json_body()
    if not isinstance(body, dict):
        raise BadField("body", "send a JSON object (Content-Type: application/json)")
    assignment_id = _require(body, "assignment", int, "the task's assignment id (integer)")
    if not 1 <= assignment_id <= MAX_INT:
        raise BadField("assignment", f"unknown task {assignment_id}; fetch the current one from /api/task")
    selected = _require(body, "selected", list, "a list of selected image ids")
    liked = _require(body, "liked", str, f"one of {', '.join(LIKED)}")
    if liked not in LIKED:
        raise BadField("liked", f"'liked' must be one of {', '.join(LIKED)}")
    bad_audio = body.get("bad_audio", False)
    if not isinstance(bad_audio, bool):
        raise BadField("bad_audio", "'bad_audio' must be true or false")
    interactions = _check_interactions(body.get("interactions", []))
    duration = body.get("duration_ms")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 0 <= duration <= MAX_INT):
        raise BadField("duration_ms", f"'duration_ms' must be an integer from 0 to {MAX_INT}")

    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.user_id != g.user.id:
        raise BadField("assignment", f"unknown task {assignment_id}; fetch the current one from /api/task")
    if db.session.execute(select(Submission.id).where(Submission.assignment_id == assignment.id)).first():
        raise BadField("assignment", i18n.translate("task.conflict", g.lang), 409)
    stage = "tutorial" if assignment.is_tutorial else "tasks"
    current, _, _ = current_assignment(g.user, tutorial=assignment.is_tutorial)
    if g.user.stage != stage or current is None or current.id != assignment.id:
        raise BadField("assignment", "this is not your current task; fetch it from /api/task")
    item = study.item(assignment.item_id)
    if item is None:
        raise BadField("assignment", f"item {assignment.item_id!r} is no longer in the study manifest", 409)
    if not all(isinstance(s, str) for s in selected) or len(set(selected)) != len(selected):
        raise BadField("selected", "'selected' must list distinct image ids (strings)")
    if not study.min_select <= len(selected) <= study.max_select:
        raise BadField("selected", f"select between {study.min_select} and {study.max_select} images "
                                   f"(got {len(selected)})")
    unknown = [s for s in selected if item.image(s) is None]
    if unknown:
        raise BadField("selected", f"images {unknown} are not part of this task")
    _check_event_references(interactions, item)

    shown = [{"id": im.id, "own": im.own} for im in _shown(item, assignment)]
    db.session.add(Submission(
        assignment_id=assignment.id, user_id=g.user.id, item_id=item.id, is_tutorial=assignment.is_tutorial,
        shown=shown, selected=selected, liked=liked, bad_audio=bad_audio, interactions=interactions,
        duration_ms=duration, language=g.lang, study_version=current_app.extensions.get(VERSION_KEY)))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise BadField("assignment", i18n.translate("task.conflict", g.lang), 409) from None
    following, _, _ = current_assignment(g.user, tutorial=assignment.is_tutorial)
    if following is None:
        g.user.stage = NEXT_STAGE[stage]
        if g.user.stage == "tasks" and current_assignment(g.user, tutorial=False)[0] is None:
            g.user.stage = "feedback"  # the study was full when this participant started
    db.session.commit()
    answer: dict[str, Any] = {"ok": True, "submission": assignment.id, "done": following is None,
                              "next": next_page(g.user), "message": i18n.translate("task.saved", g.lang)}
    if assignment.is_tutorial:
        answer["reveal"] = [im.id for im in item.images if im.own]
    return jsonify(answer), 201
