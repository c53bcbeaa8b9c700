"""The participant's pages: survey → tutorial → tasks → feedback → thank-you, and the study's media."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_from_directory, session

from a2i.labeling import forms
from a2i.labeling.access import form_page, login_required
from a2i.labeling.assignment import assign
from a2i.labeling.auth import completion_redirect, next_page
from a2i.labeling.db import db
from a2i.labeling.manifest import Study
from a2i.labeling.models import Feedback, SurveyResponse, utcnow

bp = Blueprint("study", __name__)


def get_study() -> Study:
    """The loaded study, or a clear 503 when the site runs without one (admin-only set-up)."""
    study = current_app.extensions.get("a2i_study")
    if study is None:
        abort(503, "no study is configured: set A2I_STUDY_DIR (or --study) to a folder with a study.json")
    return study


def _at_stage(*stages: str):
    """Redirect a participant who opens a page of another stage to where they actually are."""
    if g.user.is_admin or g.user.stage not in stages:
        return redirect(next_page(g.user))
    return None


@bp.route("/survey", methods=["GET", "POST"])
@login_required
def survey():
    if (elsewhere := _at_stage("survey")) is not None:
        return elsewhere
    study = get_study()
    if request.method == "GET":
        return render_template("study/survey.html", errors={}, values={"preferred_language": g.lang})
    values, errors = forms.validate_survey(request.form)
    if errors:
        return form_page("study/survey.html", errors, 400, values=values, max_len=forms.MAX_COUNTRY)
    db.session.add(SurveyResponse(user_id=g.user.id, **values))
    g.user.language = values["preferred_language"]
    session["lang"] = values["preferred_language"]
    rows = assign(g.user, study)
    if study.tutorial:
        g.user.stage = "tutorial"
    else:
        g.user.stage = "tasks" if any(not r.is_tutorial for r in rows) else "feedback"
    db.session.commit()
    return redirect(next_page(g.user))


@bp.get("/tutorial")
@login_required
def tutorial():
    return _at_stage("tutorial") or render_template("study/task.html", mode="tutorial", study=get_study())


@bp.get("/tasks")
@login_required
def tasks():
    return _at_stage("tasks") or render_template("study/task.html", mode="tasks", study=get_study())


@bp.route("/feedback", methods=["GET", "POST"])
@login_required
def feedback():
    if (elsewhere := _at_stage("feedback")) is not None:
        return elsewhere
    if request.method == "GET":
        return render_template("study/feedback.html", errors={}, values={})
    values, errors = forms.validate_feedback(request.form)
    if request.form.get("action") == "skip":
        values, errors = {"text": ""}, {}
    if errors:
        return form_page("study/feedback.html", errors, 400, values=values, max_len=forms.MAX_FEEDBACK)
    if values["text"]:
        db.session.add(Feedback(user_id=g.user.id, text=values["text"]))
    g.user.stage = "done"
    g.user.finished_at = utcnow()
    db.session.commit()
    return completion_redirect(g.user)


@bp.get("/thanks")
@login_required
def thanks():
    if (elsewhere := _at_stage("done")) is not None:
        return elsewhere
    url = current_app.config.get("COMPLETION_URL") if g.user.is_anonymous else None
    return render_template("study/thanks.html", completion_url=url)


@bp.get("/media/<path:filename>")
@login_required
def media(filename: str):
    study = get_study()
    if filename not in study.media:
        abort(404, "no such study file")
    return send_from_directory(study.root, filename, max_age=3600)
