"""The participant's pages: consent → survey → tutorial → tasks → feedback → thank-you, the study-full
message, withdrawal, and the study's media."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

from a2i.labeling import forms
from a2i.labeling.access import form_page, get_study, login_required, writes_on_get
from a2i.labeling.assignment import hold_place, study_is_full, turn_away
from a2i.labeling.auth import RESUME_COOKIE, completion_code, next_page
from a2i.labeling.db import db
from a2i.labeling.models import FULL, Feedback, SurveyResponse, utcnow
from a2i.labeling.privacy import delete_participant, erase_deleted

bp = Blueprint("study", __name__)


def _at_stage(*stages: str):
    """Redirect a participant who opens a page of another stage to where they actually are."""
    if g.user.is_admin or g.user.stage not in stages:
        return redirect(next_page(g.user))
    return None




@bp.route("/consent", methods=["GET", "POST"])
@login_required
@writes_on_get  # a participant who arrives when the study is full is moved to the study-full message
def consent():
    if (elsewhere := _at_stage("consent")) is not None:
        return elsewhere
    study = get_study()
    if not g.user.is_pilot and study_is_full(study):
        turn_away(g.user)
        db.session.commit()
        return redirect(next_page(g.user))
    if request.method == "GET":
        return render_template("study/consent.html", study=study, errors={}, action=url_for("study.consent"),
                               params={})
    if request.form.get("agree") != "yes":
        return form_page("study/consent.html", {"agree": "consent.required"}, 400, study=study,
                         action=url_for("study.consent"), params={})
    g.user.consent_version = study.consent.version
    g.user.consented_at = utcnow()
    g.user.stage = "survey"
    hold_place(g.user, study)
    db.session.commit()
    return redirect(next_page(g.user))


@bp.route("/survey", methods=["GET", "POST"])
@login_required
def survey():
    if (elsewhere := _at_stage("survey")) is not None:
        return elsewhere
    study = get_study()
    if request.method == "GET":
        return render_template("study/survey.html", errors={}, values={"preferred_language": g.lang},
                               countries=forms.country_choices(g.lang))
    values, errors = forms.validate_survey(request.form)
    if errors:
        return form_page("study/survey.html", errors, 400, values=values, countries=forms.country_choices(g.lang))
    db.session.add(SurveyResponse(user_id=g.user.id, **values))
    g.user.language = values["preferred_language"]
    session["lang"] = values["preferred_language"]
    if hold_place(g.user, study):
        g.user.stage = "tutorial" if study.tutorial else "tasks"
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
    if g.user.is_anonymous:
        g.user.completion_code = completion_code()
    db.session.commit()
    return redirect(url_for("study.thanks"))


@bp.get("/thanks")
@login_required
def thanks():
    if (elsewhere := _at_stage("done")) is not None:
        return elsewhere
    url = current_app.config.get("COMPLETION_URL") if g.user.is_anonymous else None
    return render_template("study/thanks.html", completion_url=url, completion_code=g.user.completion_code)


@bp.get("/full")
@login_required
def full():
    if (elsewhere := _at_stage(FULL)) is not None:
        return elsewhere
    url = current_app.config.get("SCREENOUT_URL") if g.user.is_anonymous else None
    return render_template("study/full.html", screenout_url=url)


@bp.route("/withdraw", methods=["GET", "POST"])
@login_required
def withdraw():
    """Leave the study: every answer is deleted at once, after the participant ticks the confirmation box
    on this page (a POST with the session's CSRF token, so no other site and no link can do it for them)."""
    if g.user.is_admin:
        abort(403, "admins are not participants; delete participants from the admin page")
    study = current_app.extensions.get("a2i_study")
    if request.method == "GET":
        return render_template("study/withdraw.html", error=False, study=study)
    if request.form.get("confirm") != "yes":
        return render_template("study/withdraw.html", error=True, study=study), 400
    delete_participant(g.user.id)
    db.session.commit()
    erase_deleted()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    response = make_response(render_template("study/withdrawn.html", user=None))
    response.delete_cookie(RESUME_COOKIE)
    return response


@bp.get("/media/<path:filename>")
@login_required
def media(filename: str):
    study = get_study()
    if filename not in study.media:
        abort(404, "no such study file")
    return send_from_directory(study.root, filename, max_age=3600)
