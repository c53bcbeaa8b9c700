"""Exports and agreement statistics for the researchers.

Tables (each as CSV and JSON):

* ``submissions``: one row per answered task;
* ``choices``: one row per image shown in an answered task (``selected`` 0/1, ``own`` 0/1);
* ``participants``: one row per participant with their survey answers, stage and feedback;
* ``agreement``: one row per clip (and one ``ALL`` row) with the thesis's hit rate (share of picks that are
  the clip's own song's images, against the chance level ``own_shown / shown``) and Krippendorff's alpha
  (nominal) over selected/not-selected, images as units and participants as coders;
* ``pictures``: one row per picture of each grid of each stored study definition, with where it was painted
  from (run folder, song, clip, seed, style, prompt) and the mood of its song and of the grid's song;
* ``mood_distance``: how often a picture is chosen by the distance between the mood (valence, energy) of
  the clip's song and of the picture's song, in bins of :data:`MOOD_BIN`: the thesis's question whether
  foils of a closer mood are picked more often (the clip's own pictures are their own row, ``own``).

Which items are attention checks and where pictures came from is read from the study definitions stored in
the database (:mod:`a2i.labeling.definitions`), each answer under the version it was given in, so an export
gives the same tables with or without the study folder; without any stored definition it refuses rather than
count checks as data. Tutorial answers, attention checks (``check`` 1, with ``check_passed``) and pilot
participants (``pilot`` 1) are exported but left out of the agreement and mood figures. Withdrawn or deleted participants are gone from the
database, so no export contains them. Time stamps are UTC in ISO 8601 (``2026-11-25T03:30:00+00:00``). CSV
cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return, OWASP's CSV-injection list) get a leading ``'``; the JSON files keep every value as stored.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from a2i.fileio import atomic_write_text
from a2i.labeling import definitions
from a2i.labeling.db import db
from a2i.labeling.manifest import Item, Study
from a2i.labeling.models import Assignment, Feedback, Submission, SurveyResponse, User

TABLES = ("submissions", "choices", "participants", "agreement", "pictures", "mood_distance")
#: Width of the mood-distance bins: a tenth of the valence/energy scale, coarse enough that a study of a
#: few hundred answers puts dozens of foils in each bin.
MOOD_BIN = 0.1
#: First characters that make a spreadsheet treat a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(value: Any) -> Any:
    """UTC ISO 8601; SQLite hands back naive datetimes, which the site always stored as UTC."""
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value


class Definitions:
    """The stored study definitions, and how to find the item an answer was given for."""

    def __init__(self) -> None:
        needed = db.session.execute(select(func.count()).select_from(Submission)).scalar_one() > 0
        self.by_version, self.fallback = definitions.for_export(needed)

    def study(self, version: int | None) -> Study | None:
        """The definition of ``version``; answers from before versions existed get the fallback's."""
        return self.by_version.get(version if version in self.by_version else self.fallback)

    def item(self, sub: Submission) -> Item | None:
        study = self.study(sub.study_version)
        return study.item(sub.item_id) if study is not None else None


def mood_distance(a: dict[str, float] | None, b: dict[str, float] | None) -> float | None:
    """Euclidean distance between two moods in the (valence, energy) plane; ``None`` when one is unknown.

    Examples
    --------
    >>> mood_distance({"valence": 0.2, "energy": 0.5}, {"valence": 0.5, "energy": 0.9})
    0.5
    """
    if a is None or b is None:
        return None
    return round(((a["valence"] - b["valence"]) ** 2 + (a["energy"] - b["energy"]) ** 2) ** 0.5, 6)


def _source_mood(source: dict[str, Any] | None) -> dict[str, float] | None:
    if not source or source.get("valence") is None or source.get("energy") is None:
        return None
    return {"valence": source["valence"], "energy": source["energy"]}


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
    defs = Definitions()
    for sub, position, user in rows:
        own = {s["id"] for s in sub.shown if s["own"]}
        item = defs.item(sub)
        is_check = item is not None and bool(item.expected)
        out.append({
            "submission_id": sub.id, "user_id": user.id, "username": user.username,
            "anonymous": int(user.is_anonymous), "pilot": int(user.is_pilot), "prolific_pid": user.prolific_pid,
            "item_id": sub.item_id, "tutorial": int(sub.is_tutorial), "check": int(is_check),
            "check_passed": int(check_passed(sub.selected, set(item.expected))) if is_check else None,
            "position": position, "liked": sub.liked,
            "bad_audio": int(sub.bad_audio), "n_shown": len(sub.shown), "n_own_shown": len(own),
            "n_selected": len(sub.selected), "n_own_selected": len(own.intersection(sub.selected)),
            "selected": json.dumps(sub.selected), "duration_ms": sub.duration_ms,
            "n_interactions": len(sub.interactions), "interactions": json.dumps(sub.interactions),
            "language": sub.language, "study_version": sub.study_version or defs.fallback,
            "created_at": _iso(sub.created_at),
        })
    return out


def choice_rows() -> list[dict[str, Any]]:
    """One row per picture shown in an answered task, with the mood distance between the clip's song and the
    picture's song (empty when the definition does not know both moods)."""
    subs = db.session.execute(select(Submission, User.is_pilot).join(User, User.id == Submission.user_id)
                              .order_by(Submission.id)).all()
    defs = Definitions()
    rows = []
    for sub, pilot in subs:
        item = defs.item(sub)
        for k, shown in enumerate(sub.shown):
            image = item.image(shown["id"]) if item is not None else None
            rows.append({
                "submission_id": sub.id, "user_id": sub.user_id, "item_id": sub.item_id,
                "tutorial": int(sub.is_tutorial), "check": int(item is not None and bool(item.expected)),
                "pilot": int(pilot), "grid_position": k, "image_id": shown["id"], "own": int(shown["own"]),
                "selected": int(shown["id"] in sub.selected),
                "mood_distance": mood_distance(item.mood if item else None,
                                               _source_mood(image.source if image else None)),
            })
    return rows


def picture_rows() -> list[dict[str, Any]]:
    """Every picture of every grid of every stored definition, with its provenance."""
    out = []
    for version, study in Definitions().by_version.items():
        for kind, items in (("item", study.items), ("tutorial", study.tutorial), ("check", study.checks)):
            for item in items:
                for image in item.images:
                    source = image.source or {}
                    out.append({
                        "study_version": version, "item_id": item.id, "kind": kind, "image_id": image.id,
                        "own": int(image.own), "path": image.path, "source_run": source.get("run"),
                        "source_song": source.get("song"), "source_song_file": source.get("song_file"),
                        "source_song_sha256": source.get("song_sha256"),
                        "source_clip": source.get("clip"), "clip_start": source.get("start"),
                        "clip_end": source.get("end"), "seed": source.get("seed"),
                        "variant": source.get("variant"), "style": source.get("style"),
                        "prompt": source.get("prompt"), "source_valence": source.get("valence"),
                        "source_energy": source.get("energy"),
                        "item_valence": item.mood["valence"] if item.mood else None,
                        "item_energy": item.mood["energy"] if item.mood else None,
                        "mood_distance": mood_distance(item.mood, _source_mood(image.source)),
                    })
    return out


def mood_distance_rows(choices: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Choice rate by mood distance (labeling tasks of counted participants): an ``own`` row for the clip's
    own pictures, then one row per :data:`MOOD_BIN`-wide distance bin of the other songs' pictures.

    Examples
    --------
    >>> rows = mood_distance_rows([
    ...     {"tutorial": 0, "own": 1, "selected": 1, "mood_distance": 0.0},
    ...     {"tutorial": 0, "own": 0, "selected": 1, "mood_distance": 0.05},
    ...     {"tutorial": 0, "own": 0, "selected": 0, "mood_distance": 0.07},
    ...     {"tutorial": 0, "own": 0, "selected": 0, "mood_distance": 0.31}])
    >>> [(r["bin"], r["n_shown"], r["choice_rate"]) for r in rows]
    [('own', 1, 1.0), ('0.0-0.1', 2, 0.5), ('0.3-0.4', 1, 0.0)]
    """
    choices = [c for c in (choice_rows() if choices is None else choices)
               if not (c["tutorial"] or c.get("check") or c.get("pilot"))]
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for c in choices:
        if c["own"]:
            groups[-1].append(c)
        elif c["mood_distance"] is not None:
            groups[math.floor(round(c["mood_distance"] / MOOD_BIN, 9))].append(c)  # 0.3 is in 0.3-0.4
    rows = []
    for key in sorted(groups):
        cs = groups[key]
        low, high = (None, None) if key < 0 else (round(key * MOOD_BIN, 6), round((key + 1) * MOOD_BIN, 6))
        distances = [c["mood_distance"] for c in cs if c["mood_distance"] is not None]
        picked = sum(c["selected"] for c in cs)
        rows.append({"bin": "own" if key < 0 else f"{low:.1f}-{high:.1f}", "distance_from": low, "distance_to": high,
                     "mean_distance": sum(distances) / len(distances) if distances else None,
                     "n_shown": len(cs), "n_selected": picked, "choice_rate": picked / len(cs)})
    return rows


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
            "agreement": agreement_rows, "pictures": picture_rows, "mood_distance": mood_distance_rows}[name]()


def _neutralise(value: Any) -> Any:
    r"""A text cell a spreadsheet would run as a formula, prefixed with ``'`` so it is shown as text.

    Examples
    --------
    >>> _neutralise('=HYPERLINK("http://x")'), _neutralise("-3"), _neutralise(-3), _neutralise("ok")
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
