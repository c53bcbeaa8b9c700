"""Anonymous (Prolific-style) study links and redirects: a GET never spends a link, a known PROLIFIC_PID
needs the link's code and proof of being its participant, reopening resumes, the completion code is shown
and recorded, and ``next`` stays on the site."""

from __future__ import annotations

import re

import pytest
from labeling_helpers import csrf_token, do_survey, invite, make_app, submit_current
from sqlalchemy import select

from a2i.labeling.db import db
from a2i.labeling.models import Invite, User

PID = "5f1a2b3c4d5e6f7a8b9c0d1e"
QUERY = f"PROLIFIC_PID={PID}&STUDY_ID=study42&SESSION_ID=sess9"


def uses(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(Invite.uses).where(Invite.code == code)).scalar_one()


def start(client, code: str, query: str = QUERY):
    """Open the link, then agree on its consent page (the POST that takes a use)."""
    page = client.get(f"/start/{code}?{query}")
    assert page.status_code == 200, page.status_code
    token = csrf_token(client, f"/start/{code}?{query}")
    fields = dict(pair.split("=") for pair in query.split("&")) if query else {}
    return client.post(f"/start/{code}", data={"csrf_token": token, "agree": "yes", **fields})


def test_a_plain_get_never_uses_up_a_link(app):
    code = invite(app, bypass=True)
    for _ in range(3):  # a link scanner, a chat preview, the participant
        page = app.test_client().get(f"/start/{code}?{QUERY}")
        assert page.status_code == 200 and "Information and consent" in page.get_data(as_text=True)
    assert uses(app, code) == 0
    with app.app_context():
        assert db.session.execute(select(User).where(User.is_anonymous.is_(True))).first() is None
    client = app.test_client()
    token = csrf_token(client, f"/start/{code}?{QUERY}")
    refused = client.post(f"/start/{code}", data={"csrf_token": token})  # no "I agree"
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    assert uses(app, code) == 0
    response = start(client, code)
    assert response.status_code == 302 and response.headers["Location"] == "/survey"
    assert uses(app, code) == 1
    with app.app_context():
        user = db.session.execute(select(User).where(User.is_anonymous.is_(True))).scalar_one()
        assert (user.prolific_pid, user.study_id, user.session_id, user.username) == (PID, "study42", "sess9", None)
        assert user.consent_version == "1" and user.consented_at is not None


def test_a_known_prolific_pid_needs_the_links_code(app):
    code, other = invite(app, bypass=True, uses=5), invite(app, bypass=True, uses=5)
    start(app.test_client(), code)
    intruder = app.test_client()  # knows the PID, comes through another link
    response = intruder.get(f"/start/{other}?PROLIFIC_PID={PID}")
    assert response.status_code == 200 and "Information and consent" in response.get_data(as_text=True)
    assert intruder.get("/survey").status_code == 302  # not logged in as the participant
    assert app.test_client().get(f"/start/bogus?PROLIFIC_PID={PID}").status_code == 400


def test_reopening_the_link_resumes_the_same_participant(app):
    code = invite(app, bypass=True, uses=3)
    client = app.test_client()
    start(client, code)
    do_survey(client)
    # the same browser, with or without the platform's parameters
    assert client.get(f"/start/{code}").headers["Location"] == "/tutorial"
    # another browser of the same participant: Prolific reopens with the same PID and SESSION_ID
    again = app.test_client()
    assert again.get(f"/start/{code}?PROLIFIC_PID={PID}&SESSION_ID=sess9").headers["Location"] == "/tutorial"
    assert uses(app, code) == 1
    with app.app_context():
        assert len(db.session.execute(select(User).where(User.is_anonymous.is_(True))).all()) == 1
    assert app.test_client().get(f"/start/{code}?PROLIFIC_PID=bad%20id").status_code == 400


def test_anonymous_participants_get_no_logout_button(app, participant):
    code = invite(app, bypass=True)
    client = app.test_client()
    start(client, code)
    assert "Log out" not in client.get("/survey").get_data(as_text=True)
    assert "Log out" in participant.get("/tutorial").get_data(as_text=True)  # registered ones do


def test_completion_code_is_shown_and_recorded(app):
    code = invite(app, bypass=True)
    client = app.test_client()
    start(client, code)
    do_survey(client)
    for _ in range(3):  # one tutorial + two tasks
        assert submit_current(client)[0].status_code == 201
    done = client.post("/feedback", data={"csrf_token": csrf_token(client, "/feedback"), "action": "skip"})
    assert done.headers["Location"] == "/thanks"
    page = client.get("/thanks").get_data(as_text=True)
    assert 'id="completion-code">ABC123<' in page
    assert 'href="https://example.org/complete?cc=ABC123"' in page
    with app.app_context():
        user = db.session.execute(select(User).where(User.is_anonymous.is_(True))).scalar_one()
        assert user.completion_code == "ABC123" and user.stage == "done"


def test_an_explicit_completion_code_wins(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir, COMPLETION_CODE="C0DE42", COMPLETION_URL="https://example.org/done")
    with app.test_request_context():
        from a2i.labeling.auth import completion_code

        assert completion_code() == "C0DE42"


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                                    "/%0A/evil.example", "/%0d%0aSet-Cookie:x=1", "/%20/evil.example"])
def test_language_switch_stays_on_the_site(client, target):
    response = client.get(f"/lang/da?next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_language_switch_keeps_a_local_next(client):
    assert client.get("/lang/da?next=/register%3Finvite%3Dabc").headers["Location"] == "/register?invite=abc"


def _victim(app):
    """A participant who started through a shared link (with Prolific's SESSION_ID) and did the survey."""
    code = invite(app, bypass=True, uses=200)
    victim = app.test_client()
    assert start(victim, code).status_code == 302
    do_survey(victim)
    return code, victim


@pytest.mark.parametrize("query", [f"PROLIFIC_PID={PID}", f"PROLIFIC_PID={PID}&SESSION_ID=guessed",
                                   f"PROLIFIC_PID={PID}&STUDY_ID=study42"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_known_pid_with_the_shared_link_is_not_a_login(app, query, method):
    code, _ = _victim(app)
    stranger = app.test_client()
    if method == "GET":
        page = stranger.get(f"/start/{code}?{query}")
    else:
        fields = dict(pair.split("=") for pair in query.split("&"))
        token = csrf_token(stranger, "/login")
        page = stranger.post(f"/start/{code}", data={"csrf_token": token, "agree": "yes", **fields})
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and "You have already started this study" in html
    assert "personal link" in html and "study@example.org" in html
    assert stranger.get("/api/task").status_code == 401  # the victim's task stays out of reach
    assert stranger.get("/withdraw").status_code == 302
    with app.app_context():  # nobody new was created in the victim's name, and no use was spent
        assert db.session.execute(select(User).where(User.prolific_pid == PID)).scalars().all()[0].stage == "tutorial"
        assert len(db.session.execute(select(User).where(User.prolific_pid == PID)).all()) == 1
    assert uses(app, code) == 1


def test_the_resume_cookie_and_the_personal_link_bring_the_participant_back(app):
    code, victim = _victim(app)
    footer = victim.get("/tutorial").get_data(as_text=True)
    link = re.search(r'id="resume-link">http://localhost(/resume/[^<]+)<', footer).group(1)
    # the session ends (a cleared cookie jar but the long-lived resume cookie): the link resumes
    victim.delete_cookie("a2i_session")
    assert victim.get(f"/start/{code}?PROLIFIC_PID={PID}").headers["Location"] == "/tutorial"
    # another device with the personal link
    phone = app.test_client()
    assert phone.get(link).headers["Location"] == "/tutorial"
    assert phone.get("/api/task").get_json()["stage"] == "tutorial"
    assert phone.get(f"/start/{code}?PROLIFIC_PID={PID}").headers["Location"] == "/tutorial"  # now remembered
    assert app.test_client().get("/resume/not-a-real-secret").status_code == 404
    with app.app_context():  # only a hash of the secret is stored
        stored = db.session.execute(select(User.resume_hash).where(User.prolific_pid == PID)).scalar_one()
        assert link.rsplit("/", 1)[1] not in stored and len(stored) == 64


def test_withdrawal_needs_the_confirmation_box_inside_the_session(app):
    code, victim = _victim(app)
    token = csrf_token(victim, "/withdraw")
    assert victim.post("/withdraw", data={"confirm": "yes"}).status_code == 400  # no CSRF token
    unticked = victim.post("/withdraw", data={"csrf_token": token})
    assert unticked.status_code == 400 and "Tick the box to confirm" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(User).where(User.prolific_pid == PID)).first() is not None
    done = victim.post("/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 200 and "a2i_resume=;" in done.headers.get("Set-Cookie", "")
    with app.app_context():
        assert db.session.execute(select(User).where(User.prolific_pid == PID)).first() is None


def test_head_on_a_study_link_is_not_an_error_and_spends_nothing(app):
    code = invite(app, bypass=True)
    assert app.test_client().head(f"/start/{code}?{QUERY}").status_code == 200
    assert uses(app, code) == 0
