"""Exports and agreement statistics for the researchers.

Tables (each as CSV and JSON):

* ``submissions``: one row per answered task;
* ``choices``: one row per image shown in an answered task (``selected`` 0/1, ``own`` 0/1);
* ``participants``: one row per participant with their survey answers, stage and feedback;
* ``agreement``: one row per clip (and one ``ALL`` row) with the thesis's hit rate (share of picks that are
  the clip's own song's images, against the chance level ``own_shown / shown``) and Krippendorff's alpha
  (nominal) over selected/not-selected, images as units and participants as coders.

Tutorial answers, attention checks (``check`` 1, with ``check_passed``) and pilot participants (``pilot`` 1)
are exported but left out of the agreement figures. Withdrawn or deleted participants are gone from the
database, so no export contains them. Time stamps are UTC in ISO 8601 (``2026-11-25T03:30:00+00:00``). CSV
cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return, OWASP's CSV-injection list) get a leading ``'``; the JSON files keep every value as stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from a2i.fileio import atomic_write_text
from a2i.labeling.db import db
from a2i.labeling.models import Assignment, Feedback, Submission, SurveyResponse, User

TABLES = ("submissions", "choices", "participants", "agreement")
#: First characters that make a spreadsheet treat a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(value: Any) -> Any:
    """UTC ISO 8601; SQLite hands back naive datetimes, which the site always stored as UTC."""
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value


def _expected() -> dict[str, set[str]]:
    """Attention check item id → the images that answer it (none when no study is loaded)."""
    study = current_app.extensions.get("a2i_study")
    return {item.id: set(item.expected) for item in study.checks} if study else {}


def check_passed(selected: list[str], expected: set[str]) -> bool:
    """An attention check is passed when every picked image is one of the expected ones.

    Examples
    --------
    >>> check_passed(["a"], {"a", "b"}), check_passed(["a", "c"], {"a", "b"})
    (True, False)
    """
    return bool(selected) and set(selected) <= expected


def submission_rows() -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Submission, Assignment.position, User)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(User, User.id == Submission.user_id).order_by(Submission.id)).all()
    out = []
    checks = _expected()
    for sub, position, user in rows:
        own = {s["id"] for s in sub.shown if s["own"]}
        is_check = sub.item_id in checks
        out.append({
            "submission_id": sub.id, "user_id": user.id, "username": user.username,
            "anonymous": int(user.is_anonymous), "pilot": int(user.is_pilot), "prolific_pid": user.prolific_pid,
            "item_id": sub.item_id, "tutorial": int(sub.is_tutorial), "check": int(is_check),
            "check_passed": int(check_passed(sub.selected, checks[sub.item_id])) if is_check else None,
            "position": position, "liked": sub.liked,
            "bad_audio": int(sub.bad_audio), "n_shown": len(sub.shown), "n_own_shown": len(own),
            "n_selected": len(sub.selected), "n_own_selected": len(own.intersection(sub.selected)),
            "selected": json.dumps(sub.selected), "duration_ms": sub.duration_ms,
            "n_interactions": len(sub.interactions), "interactions": json.dumps(sub.interactions),
            "language": sub.language, "created_at": _iso(sub.created_at),
        })
    return out


def choice_rows() -> list[dict[str, Any]]:
    subs = db.session.execute(select(Submission, User.is_pilot).join(User, User.id == Submission.user_id)
                              .order_by(Submission.id)).all()
    checks = _expected()
    return [{"submission_id": sub.id, "user_id": sub.user_id, "item_id": sub.item_id,
             "tutorial": int(sub.is_tutorial), "check": int(sub.item_id in checks), "pilot": int(pilot),
             "grid_position": k, "image_id": shown["id"], "own": int(shown["own"]),
             "selected": int(shown["id"] in sub.selected)}
            for sub, pilot in subs for k, shown in enumerate(sub.shown)]


def participant_rows() -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(User, SurveyResponse, Feedback.text)
        .outerjoin(SurveyResponse, SurveyResponse.user_id == User.id)
        .outerjoin(Feedback, Feedback.user_id == User.id)
        .where(User.role == "participant").order_by(User.id)).all()
    out = []
    for user, survey, feedback in rows:
        out.append({
            "user_id": user.id, "username": user.username, "anonymous": int(user.is_anonymous),
            "pilot": int(user.is_pilot), "prolific_pid": user.prolific_pid, "study_id": user.study_id,
            "session_id": user.session_id, "stage": user.stage, "consent_version": user.consent_version,
            "consented_at": _iso(user.consented_at), "completion_code": user.completion_code,
            "created_at": _iso(user.created_at), "finished_at": _iso(user.finished_at),
            "age": survey.age if survey else None, "sex": survey.sex if survey else None,
            "country_of_birth": survey.country_of_birth if survey else None,
            "country_of_residence": survey.country_of_residence if survey else None,
            "nationality": survey.nationality if survey else None,
            "birth_nationality": survey.birth_nationality if survey else None,
            "music_listening": survey.music_listening if survey else None,
            "preferred_language": survey.preferred_language if survey else None, "feedback": feedback,
        })
    return out


def _alpha(matrix: list[list[float]]) -> float | None:
    """Nominal Krippendorff's alpha of a coders × units matrix (NaN = not rated); None when undefined."""
    import krippendorff
    import numpy as np

    data = np.asarray(matrix, dtype=float)
    values = data[~np.isnan(data)]
    paired = (~np.isnan(data)).sum(axis=0) >= 2
    if not paired.any() or np.unique(values).size < 2:
        return None  # no image seen by two participants, or one value everywhere: nothing to measure
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement_rows(choices: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per-clip hit rate and alpha from the ``choices`` table (labeling tasks of counted participants only:
    no tutorial, attention check or pilot rows), plus an ``ALL`` row."""
    choices = [c for c in (choice_rows() if choices is None else choices)
               if not (c["tutorial"] or c.get("check") or c.get("pilot"))]
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in choices:
        by_item[c["item_id"]].append(c)
    rows = [_agreement(item_id, cs) for item_id, cs in sorted(by_item.items())]
    if choices:
        rows.append(_agreement("ALL", choices))
    return rows


def _agreement(item_id: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    users = sorted({c["user_id"] for c in choices})
    units = sorted({(c["item_id"], c["image_id"]) for c in choices})
    col = {u: k for k, u in enumerate(units)}
    row = {u: k for k, u in enumerate(users)}
    matrix = [[float("nan")] * len(units) for _ in users]
    for c in choices:
        matrix[row[c["user_id"]]][col[(c["item_id"], c["image_id"])]] = float(c["selected"])
    picks = [c for c in choices if c["selected"]]
    own_shown = sum(c["own"] for c in choices)
    own_picked = sum(c["own"] for c in picks)
    other_shown = len(choices) - own_shown
    hit_rate = own_picked / len(picks) if picks else None
    chance = own_shown / len(choices) if choices else None
    return {
        "item_id": item_id, "n_submissions": len({c["submission_id"] for c in choices}),
        "n_participants": len(users), "n_selected": len(picks), "n_own_selected": own_picked,
        "hit_rate": hit_rate, "chance": chance,
        "lift": hit_rate / chance if hit_rate is not None and chance else None,
        "own_pick_rate": own_picked / own_shown if own_shown else None,
        "other_pick_rate": (len(picks) - own_picked) / other_shown if other_shown else None,
        "alpha": _alpha(matrix),
    }


def table(name: str) -> list[dict[str, Any]]:
    """One export table by name (see :data:`TABLES`)."""
    return {"submissions": submission_rows, "choices": choice_rows, "participants": participant_rows,
            "agreement": agreement_rows}[name]()


def _neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so it is shown as text.

    Examples
    --------
    >>> _neutralise("=HYPERLINK(\"http://x\")"), _neutralise("-3"), _neutralise(-3), _neutralise("ok")
    ('\'=HYPERLINK("http://x")', "'-3", -3, 'ok')
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _neutralise(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=1, ensure_ascii=False, default=str)


def export_all(out_dir: str | Path, formats: tuple[str, ...] = ("csv", "json")) -> list[Path]:
    """Write every table in every format to ``out_dir`` (inside an app context); returns the files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        rows = table(name)
        for fmt in formats:
            written.append(atomic_write_text(out / f"{name}.{fmt}", to_csv(rows) if fmt == "csv" else to_json(rows)))
    return written
