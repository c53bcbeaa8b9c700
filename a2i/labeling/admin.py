"""The researchers' pages: progress, per-clip agreement and exports."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import func, select

from a2i.labeling import export
from a2i.labeling.access import admin_required
from a2i.labeling.db import db
from a2i.labeling.models import STAGES, Assignment, Invite, Submission, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    stages = Counter(dict(db.session.execute(
        select(User.stage, func.count()).where(User.role == "participant").group_by(User.stage)).all()))
    assigned = Counter(dict(db.session.execute(
        select(Assignment.item_id, func.count()).where(Assignment.is_tutorial.is_(False))
        .group_by(Assignment.item_id)).all()))
    answered = Counter(dict(db.session.execute(
        select(Submission.item_id, func.count()).where(Submission.is_tutorial.is_(False))
        .group_by(Submission.item_id)).all()))
    study = current_app.extensions.get("a2i_study")
    items = [{"id": item.id, "song": item.song, "assigned": assigned[item.id], "answered": answered[item.id],
              "target": study.participants_per_item} for item in (study.items if study else ())]
    invites = db.session.execute(select(Invite).order_by(Invite.id.desc()).limit(50)).scalars().all()
    return render_template("admin/index.html", stages=[(s, stages[s]) for s in STAGES],
                           participants=sum(stages.values()), submissions=sum(answered.values()),
                           items=items, invites=invites, tables=export.TABLES)


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
