"""The researchers' pages: progress and capacity, per-clip agreement, exports and deleting a participant."""

from __future__ import annotations

from collections import Counter

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from a2i.labeling import export, forms, i18n
from a2i.labeling.access import admin_required, fail
from a2i.labeling.api import MAX_INT
from a2i.labeling.assignment import item_counts, places_left
from a2i.labeling.db import db
from a2i.labeling.models import FULL, STAGES, Invite, Submission, User
from a2i.labeling.privacy import delete_participant, erase_deleted

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    stages = Counter(dict(db.session.execute(
        select(User.stage, func.count()).where(User.role == "participant").group_by(User.stage)).all()))
    answered = Counter(dict(db.session.execute(
        select(Submission.item_id, func.count()).join(User, User.id == Submission.user_id)
        .where(Submission.is_tutorial.is_(False), User.is_pilot.is_(False))
        .group_by(Submission.item_id)).all()))
    study = current_app.extensions.get("a2i_study")
    assigned = item_counts(study) if study else Counter()
    items = [{"id": item.id, "song": item.song, "assigned": assigned[item.id], "answered": answered[item.id],
              "target": study.participants_per_item} for item in (study.items if study else ())]
    invites = db.session.execute(select(Invite).order_by(Invite.id.desc()).limit(50)).scalars().all()
    turned_away = db.session.execute(select(User).where(User.stage == FULL).order_by(User.id)).scalars().all()
    capacity = None
    if study:
        capacity = {"capacity": study.capacity, "left": places_left(study, assigned), "items": len(study.items),
                    "per_item": study.participants_per_item,
                    "tasks": min(study.tasks_per_participant, len(study.items))}
    return render_template("admin/index.html", stages=[(s, stages[s]) for s in (*STAGES, FULL)],
                           participants=sum(stages.values()), submissions=sum(answered.values()),
                           items=items, invites=invites, tables=export.TABLES, capacity=capacity,
                           turned_away=turned_away, retention=current_app.config.get("RETENTION_DAYS"))


@bp.post("/participants/delete")
@admin_required
def delete():
    """Delete one participant's data by id (a withdrawal that reached the researchers by other means)."""
    raw = request.form.get("user_id", "")
    user_id = forms.parse_int(raw, 1, MAX_INT)
    if user_id is None:
        fail(400, "admin.bad_user_id")
    user = db.session.get(User, user_id)
    if user is not None and user.role == "participant":
        delete_participant(user_id)
        db.session.commit()
        erase_deleted()
        flash(i18n.translate("admin.deleted", g.lang, id=user_id))
    else:
        flash(i18n.translate("admin.not_found", g.lang, id=user_id), "error")
    return redirect(url_for("admin.index"))


@bp.get("/agreement")
@admin_required
def agreement():
    return render_template("admin/agreement.html", rows=export.agreement_rows())


@bp.get("/export/<name>.<fmt>")
@admin_required
def download(name: str, fmt: str):
    if name not in export.TABLES or fmt not in ("csv", "json"):
        abort(404, f"unknown export {name}.{fmt}; choose one of {', '.join(export.TABLES)} as csv or json")
    rows = export.table(name)
    body = export.to_csv(rows) if fmt == "csv" else export.to_json(rows)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
