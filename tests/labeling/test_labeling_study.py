"""The study flow: consent, survey, tutorial, tasks, feedback, thank-you; assignment balance and the full
study; resume; languages; the survey's ISO 3166 countries."""

from __future__ import annotations

from collections import Counter

from labeling_helpers import (
    PASSWORD,
    SURVEY,
    csrf_token,
    do_survey,
    invite,
    make_app,
    register,
    submit_current,
)
from sqlalchemy import func, select

from a2i.labeling.db import db
from a2i.labeling.models import Assignment, Feedback, Submission, SurveyResponse, User


def test_full_participant_flow(app, client):
    register(client, invite(app), "alice1")
    assert client.get("/").headers["Location"] == "/consent"
    assert client.get("/survey").headers["Location"] == "/consent"  # cannot skip the consent page
    consent = client.get("/consent").get_data(as_text=True)
    for text in ("Information and consent", "The a2i test team", "About 15 minutes", "without your name",
                 "withdraw at any time", "study@example.org", "Consent text version 1"):
        assert text in consent
    token = csrf_token(client, "/consent")
    assert client.post("/consent", data={"csrf_token": token}).status_code == 400  # no box ticked
    assert client.post("/consent", data={"csrf_token": token, "agree": "yes"}).headers["Location"] == "/survey"
    assert client.get("/tasks").headers["Location"] == "/survey"  # cannot skip ahead
    assert do_survey(client).headers["Location"] == "/tutorial"
    assert client.get("/tutorial").status_code == 200
    answer, task = submit_current(client)
    body = answer.get_json()
    assert answer.status_code == 201 and body["done"] and body["next"] == "/tasks"
    assert len(body["reveal"]) == 4  # tutorial shows which images came from the song
    assert task["task"]["explanation"] and len(task["task"]["images"]) == 12
    first, t1 = submit_current(client)
    second, t2 = submit_current(client)
    assert first.get_json()["next"] == "/tasks" and second.get_json()["next"] == "/feedback"
    assert t1["number"] == 1 and t2["number"] == 2 and t2["total"] == 2
    assert "reveal" not in first.get_json()
    response = client.post("/feedback", data={"csrf_token": csrf_token(client, "/feedback"),
                                              "text": "Lovely pictures", "action": "send"})
    assert response.headers["Location"] == "/thanks"  # registered participants see the thank-you page
    page = client.get("/thanks").get_data(as_text=True)
    assert "Thank you!" in page and "example.org" not in page
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "alice1")).scalar_one()
        assert user.stage == "done" and user.finished_at is not None
        assert user.consent_version == "1" and user.consented_at <= user.finished_at
        subs = db.session.execute(select(Submission).order_by(Submission.id)).scalars().all()
        assert [s.is_tutorial for s in subs] == [True, False, False]
        assert subs[1].interactions[0] == {"type": "play", "t": 10, "position": 0.0}
        assert len(subs[1].shown) == 12 and sum(s["own"] for s in subs[1].shown) == 4
        assert db.session.execute(select(Feedback.text)).scalar_one() == "Lovely pictures"
        survey = db.session.execute(select(SurveyResponse)).scalar_one()
        assert (survey.age, survey.country_of_birth, survey.country_of_residence, survey.music_listening) == (
            31, "DK", "SE", "daily")


def test_survey_validation_rerenders_with_errors(app, client):
    register(client, invite(app), "bob22")
    response = do_survey(client, age="twelve", sex="robot", country_of_birth="", country_of_residence="Narnia",
                         preferred_language="fr")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for field in ("age", "sex", "country_of_birth", "country_of_residence", "preferred_language"):
        assert f'id="{field}-desc"' in html
    assert client.get("/").headers["Location"] == "/survey"


def test_survey_countries_are_iso_3166_choices_in_both_languages(app, client):
    register(client, invite(app), "bob23")
    do_survey(client, age="x")  # agree, stay on the survey
    english = client.get("/survey").get_data(as_text=True)
    assert english.count('<option value="DK"') == 2 and ">Denmark</option>" in english
    assert english.count("<option value=") >= 2 * 249
    client.get("/lang/da")
    danish = client.get("/survey").get_data(as_text=True)
    assert ">Danmark</option>" in danish and ">Tyskland</option>" in danish and "Fødeland" in danish


def test_resume_exactly_where_the_participant_left(app, client):
    register(client, invite(app), "cara1")
    do_survey(client)
    submit_current(client)
    submit_current(client)  # tutorial + first task answered
    before = client.get("/api/task").get_json()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks")})
    assert client.get("/api/task").status_code == 401
    fresh = app.test_client()
    token = csrf_token(fresh, "/login")
    response = fresh.post("/login", data={"csrf_token": token, "username": "cara1", "password": PASSWORD})
    assert response.headers["Location"] == "/tasks"
    after = fresh.get("/api/task").get_json()
    assert after == before  # same task, same number, same image order


def test_assignment_balances_items_and_respects_the_cap(tmp_path, study_dir):
    # 4 labeling items, 3 participants per item, 2 items per participant: 6 participants fill the study.
    app = make_app(tmp_path, study_dir)
    orders = []
    for k in range(7):
        client = app.test_client()
        register(client, invite(app), f"p{k}x")
        do_survey(client)
        with app.app_context():
            uid = db.session.execute(select(User.id).where(User.username == f"p{k}x")).scalar_one()
            orders.append(tuple(db.session.execute(
                select(Assignment.item_id).where(Assignment.user_id == uid, Assignment.is_tutorial.is_(False))
                .order_by(Assignment.position)).scalars()))
            counts = Counter(dict(db.session.execute(
                select(Assignment.item_id, func.count()).where(Assignment.is_tutorial.is_(False))
                .group_by(Assignment.item_id)).all()))
        assert max(counts.values()) - min(counts.values(), default=0) <= 1 or len(counts) < 4
        if k == 6:
            last = client
    assert all(len(o) == 2 for o in orders[:6]) and orders[6] == ()
    assert set(counts.values()) == {3} and len(counts) == 4
    assert len(set(orders[:6])) > 1  # participants do not all get the same items in the same order
    # the participant who came after the study filled is told so, at once, and is not counted as finished
    assert last.get("/").headers["Location"] == "/full"
    assert "The study is full" in last.get("/full").get_data(as_text=True)
    assert last.get("/tutorial").headers["Location"] == "/full"


def test_image_order_differs_between_participants(app):
    grids = set()
    for k in range(4):
        client = app.test_client()
        register(client, invite(app), f"q{k}x")
        do_survey(client)
        grids.add(tuple(im["id"] for im in client.get("/api/task").get_json()["task"]["images"]))
    assert len(grids) > 1


def test_pages_in_danish(app, client):
    page = client.get("/login", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert 'lang="da"' in page and "Log ind" in page
    client.get("/lang/en?next=/login")
    assert "Log in" in client.get("/login", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert client.get("/lang/xx").status_code == 400
    assert client.get("/lang/da?next=//evil.example").headers["Location"] == "/"
    register(client, invite(app), "dina1")
    do_survey(client, preferred_language="da")  # the survey's choice becomes the site language
    assert "Øvelse" in client.get("/tutorial").get_data(as_text=True)
    task = client.get("/api/task").get_json()["task"]
    assert "Lyt til klippet" in task["explanation"]


def test_every_page_is_translated(app):
    from a2i.labeling.i18n import LANGUAGES, STRINGS

    assert all(set(entry) == set(LANGUAGES) and all(entry.values()) for entry in STRINGS.values())


def test_media_only_serves_manifest_files_to_logged_in_users(app, participant):
    task = participant.get("/api/task").get_json()["task"]
    audio = participant.get(task["audio"])
    assert audio.status_code == 200 and audio.data[:3] == b"ID3"  # an MP3 clip
    image = participant.get(task["images"][0]["url"]).data
    assert image[:4] == b"RIFF" and image[8:12] == b"WEBP"  # the web-sized copy
    assert participant.get(task["images"][0]["zoom"]).data[8:12] == b"WEBP"
    assert participant.get("/media/study.json").status_code == 404
    assert participant.get("/media/../study.json").status_code == 404
    anonymous = app.test_client().get(task["audio"])
    assert anonymous.status_code == 302


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_survey_values_are_kept_per_field(app, client):
    register(client, invite(app), "ella1")
    assert do_survey(client, **{**SURVEY, "age": "121"}).status_code == 400
    assert do_survey(client).status_code == 302


def test_unicode_digits_are_a_400_with_a_message_not_a_500(app, client):
    from labeling_helpers import PASSWORD as ADMIN_PASSWORD

    from a2i.labeling.manage import add_admin

    register(client, invite(app), "dora1")
    for age in ("²", "٣١", "3²", "1" * 40, "-20"):
        response = do_survey(client, age=age)
        assert response.status_code == 400 and "Enter your age in years" in response.get_data(as_text=True), age
    assert do_survey(client, age=" 31 ").status_code == 302
    add_admin(app, "admin1", ADMIN_PASSWORD)
    admin = app.test_client()
    admin.post("/login", data={"csrf_token": csrf_token(admin, "/login"), "username": "admin1",
                               "password": ADMIN_PASSWORD})
    for user_id in ("²", "٣", "1" * 12, "", "0"):
        response = admin.post("/admin/participants/delete",
                              data={"csrf_token": csrf_token(admin, "/admin/"), "user_id": user_id})
        assert response.status_code == 400, user_id
        assert "must be a whole number written in the digits 0-9" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 2  # nobody deleted


def test_country_lists_follow_each_languages_alphabet(app, client):
    import re

    register(client, invite(app), "erik1")
    do_survey(client, age="x")  # agree, stay on the survey

    def names(html):
        first = html.split('id="country_of_birth"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', first)

    english = names(client.get("/survey").get_data(as_text=True))
    assert english.index("Åland Islands") < english.index("Albania") < english.index("Zimbabwe") == len(english) - 1
    client.get("/lang/da")
    danish = names(client.get("/survey").get_data(as_text=True))
    assert danish[-3:] == ["Ækvatorialguinea", "Østrig", "Åland"]
    assert danish.index("Zimbabwe") == len(danish) - 4
