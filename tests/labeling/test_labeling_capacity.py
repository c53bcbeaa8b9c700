"""Capacity: nobody is sent away silently. The README's set-up (8 items, --per-item 5, 20 invites) has room
for 5 participants; invites beyond that are warned about, a late participant sees a translated study-full
message (with the recruitment platform's return link), and the admin page shows who got no tasks."""

from __future__ import annotations

import pytest
from labeling_helpers import (
    PASSWORD,
    csrf_token,
    do_survey,
    fake_generate_output,
    invite,
    make_app,
    register,
)

from a2i.cli import main
from a2i.labeling.make_study import make_study


@pytest.fixture(scope="module")
def readme_study(tmp_path_factory):
    """The README's set-up: 9 songs (1 tutorial + 8 items), every participant answers every item, 5 each."""
    tmp_path = tmp_path_factory.mktemp("readme")
    outputs = [fake_generate_output(tmp_path / "runs" / f"song{i}", i, n_images=4) for i in range(9)]
    return make_study(outputs, tmp_path / "study", participants_per_item=5, contact="a@b.c").parent


def test_invites_beyond_capacity_are_warned_about(tmp_path, monkeypatch, capsys, readme_study):
    study = readme_study
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = str(tmp_path / "inst")
    assert main(["label", "init-db", "--instance", instance]) == 0
    capsys.readouterr()
    assert main(["label", "invite", "--instance", instance, "--study", str(study), "--count", "5"]) == 0
    assert "warning" not in capsys.readouterr().err  # 5 invites, 5 places
    assert main(["label", "invite", "--instance", instance, "--study", str(study), "--count", "15"]) == 0
    err = capsys.readouterr().err
    assert "the open invites allow 20 more participants but the study has places for 5" in err
    assert "8 items × 5 answers ÷ 8 tasks" in err
    assert main(["label", "invite", "--instance", instance, "--study", str(study), "--pilot"]) == 0
    assert "allow 20 more" in capsys.readouterr().err  # pilot invites do not count


def test_a_late_participant_is_told_the_study_is_full(tmp_path, readme_study):
    study = readme_study
    app = make_app(tmp_path, study, SCREENOUT_URL="https://example.org/return?cc=FULL")
    for k in range(5):
        client = app.test_client()
        register(client, invite(app), f"early{k}")
        assert do_survey(client).headers["Location"] == "/tutorial"
    late = app.test_client()
    register(late, invite(app), "late1")
    assert late.get("/consent").headers["Location"] == "/full"
    page = late.get("/full").get_data(as_text=True)
    assert "The study is full" in page and "return?cc=FULL" not in page  # registered: no platform to return to
    late.get("/lang/da")
    assert "Undersøgelsen er fuld" in late.get("/full").get_data(as_text=True)
    # an anonymous participant from a platform sees the full message at the link, with the return link
    link = invite(app, bypass=True)
    prolific = app.test_client().get(f"/start/{link}?PROLIFIC_PID=abc")
    assert "The study is full" in prolific.get_data(as_text=True)
    assert 'href="https://example.org/return?cc=FULL"' in prolific.get_data(as_text=True)
    # a pilot participant still gets tasks, without taking a place
    pilot = app.test_client()
    register(pilot, invite(app, pilot=True), "pilot1")
    assert do_survey(pilot).headers["Location"] == "/tutorial"
    # the admin page shows capacity, places left and who got no tasks
    from a2i.labeling.manage import add_admin

    add_admin(app, "admin1", PASSWORD)
    admin = app.test_client()
    admin.post("/login", data={"csrf_token": csrf_token(admin, "/login"), "username": "admin1",
                               "password": PASSWORD})
    page = admin.get("/admin/").get_data(as_text=True)
    assert 'id="capacity">5<' in page and 'id="places-left">0<' in page
    assert "late1" in page and "Turned away (full)" in page


def test_places_left_counts_open_answer_slots(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir)  # 4 items × 3 answers ÷ 2 tasks: 6 places
    from a2i.labeling.assignment import places_left

    with app.app_context():
        study = app.extensions["a2i_study"]
        assert study.capacity == 6 and places_left(study) == 6
    client = app.test_client()
    register(client, invite(app), "one1")
    do_survey(client)
    with app.app_context():
        assert places_left(app.extensions["a2i_study"]) == 5


def _places(app) -> int:
    from a2i.labeling.assignment import places_left

    with app.app_context():
        return places_left(app.extensions["a2i_study"])


def test_consent_reserves_a_place_for_the_documented_time(tmp_path, study_dir):
    """4 items × 3 answers ÷ 2 tasks: 6 places. Who agreed first keeps their place while the study fills;
    who agrees when it is full is told at once; a reservation left untouched for RESERVATION_MINUTES lapses."""
    from labeling_helpers import agree

    app = make_app(tmp_path, study_dir, RESERVATION_MINUTES=30)
    first = app.test_client()
    register(first, invite(app), "first1")
    assert agree(first).headers["Location"] == "/survey"
    assert _places(app) == 5  # the place is taken at consent, before the survey
    for k in range(5):
        other = app.test_client()
        register(other, invite(app), f"other{k}")
        assert do_survey(other).headers["Location"] == "/tutorial"
    assert _places(app) == 0
    assert do_survey(first).headers["Location"] == "/tutorial"  # not "/full": the place was held
    late = app.test_client()
    register(late, invite(app), "late1")
    assert late.get("/consent").headers["Location"] == "/full"
    # an anonymous participant is checked (and reserved) at "I agree" too
    link = invite(app, bypass=True)
    assert "The study is full" in app.test_client().get(f"/start/{link}?PROLIFIC_PID=abc").get_data(as_text=True)


def test_a_lapsed_reservation_frees_the_place(tmp_path, study_dir):
    from datetime import timedelta

    from labeling_helpers import agree
    from sqlalchemy import select

    from a2i.labeling.db import db
    from a2i.labeling.models import Assignment, User

    app = make_app(tmp_path, study_dir, RESERVATION_MINUTES=30)
    slow = app.test_client()
    register(slow, invite(app), "slow1")
    agree(slow)
    for k in range(5):
        other = app.test_client()
        register(other, invite(app), f"other{k}")
        do_survey(other)
    assert _places(app) == 0
    with app.app_context():  # the slow participant's reservation is 31 minutes old
        slow_id = db.session.execute(select(User.id).where(User.username == "slow1")).scalar_one()
        for row in db.session.execute(select(Assignment).where(Assignment.user_id == slow_id)).scalars():
            row.created_at = row.created_at - timedelta(minutes=31)
        db.session.commit()
    assert _places(app) == 1  # offered to others again
    taker = app.test_client()
    register(taker, invite(app), "taker1")
    assert do_survey(taker).headers["Location"] == "/tutorial"
    assert do_survey(slow).headers["Location"] == "/full"  # came back too late: told so, not given extra tasks
    with app.app_context():
        assert db.session.execute(select(Assignment).where(Assignment.user_id == slow_id,
                                                           Assignment.is_tutorial.is_(False))).first() is None


def test_make_study_and_invite_agree_on_the_number_of_places(tmp_path, monkeypatch, capsys):
    """7 items × 5 answers ÷ 2 tasks = 17.5: both say 18 (the last participant gets one task)."""
    outputs = [str(fake_generate_output(tmp_path / "runs" / f"song{i}", i, n_images=4)) for i in range(8)]
    study = tmp_path / "study"
    assert main(["label", "make-study", *outputs, "--out", str(study), "--per-item", "5", "--tasks", "2",
                 "--contact", "a@b.c"]) == 0
    said = capsys.readouterr().err
    assert "room for 18 participants, the last with fewer than 2 tasks" in said
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = str(tmp_path / "inst")
    assert main(["label", "init-db", "--instance", instance, "--study", str(study)]) == 0
    capsys.readouterr()
    assert main(["label", "invite", "--instance", instance, "--study", str(study), "--count", "18"]) == 0
    assert "warning" not in capsys.readouterr().err  # as many invites as make-study said there is room for
    assert main(["label", "invite", "--instance", instance, "--study", str(study)]) == 0
    assert "allow 19 more participants but the study has places for 18 (capacity 18:" in capsys.readouterr().err
