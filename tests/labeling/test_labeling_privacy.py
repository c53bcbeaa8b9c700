"""Research-grade data handling: withdrawal and deletion, retention, attention checks and pilots in the
exports, CSV formula injection and UTC time stamps, online backups, private database files."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from labeling_helpers import (
    PASSWORD,
    csrf_token,
    do_survey,
    invite,
    make_app,
    register,
    study_with_check,
    submit_current,
)
from sqlalchemy import func, select, text

from a2i.cli import main
from a2i.labeling import export
from a2i.labeling.db import db
from a2i.labeling.models import Assignment, Submission, SurveyResponse, User


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(model)).scalar_one()
                     for model in (User, SurveyResponse, Assignment, Submission))


def test_a_participant_withdraws_from_any_page_and_their_data_is_gone(app, participant):
    submit_current(participant)
    assert counts(app) == (1, 1, 3, 1)
    for page in ("/tutorial", "/tasks", "/survey", "/feedback"):  # every page carries the link
        html = participant.get(page, follow_redirects=True).get_data(as_text=True)
        assert 'href="/withdraw"' in html, page
    confirm = participant.get("/withdraw").get_data(as_text=True)
    assert "every answer you gave is deleted" in confirm
    done = participant.post("/withdraw", data={"csrf_token": csrf_token(participant, "/withdraw"), "confirm": "yes"})
    assert done.status_code == 200 and "You have withdrawn" in done.get_data(as_text=True)
    assert counts(app) == (0, 0, 0, 0)
    assert participant.get("/tasks").headers["Location"] == "/login"
    with app.app_context():
        assert export.submission_rows() == [] and export.participant_rows() == []


def test_an_admin_deletes_a_participant_from_the_page_and_the_cli(app, participant, tmp_path, monkeypatch, capsys):
    from a2i.labeling.manage import add_admin

    other = app.test_client()
    register(other, invite(app), "bert1")
    do_survey(other)
    add_admin(app, "admin1", PASSWORD)
    with app.app_context():
        alice, bert = (db.session.execute(select(User.id).where(User.username == name)).scalar_one()
                       for name in ("alice1", "bert1"))
    admin = app.test_client()
    admin.post("/login", data={"csrf_token": csrf_token(admin, "/login"), "username": "admin1", "password": PASSWORD})
    response = admin.post("/admin/participants/delete", data={"csrf_token": csrf_token(admin, "/admin/"),
                                                              "user_id": str(alice)}, follow_redirects=True)
    assert f"Participant {alice} and all their answers were deleted" in response.get_data(as_text=True)
    missing = admin.post("/admin/participants/delete", data={"csrf_token": csrf_token(admin, "/admin/"),
                                                             "user_id": "99999"}, follow_redirects=True)
    assert "There is no participant 99999" in missing.get_data(as_text=True)
    assert counts(app)[0] == 2  # bert and the admin
    monkeypatch.setenv("A2I_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    assert main(["label", "delete-participant", str(bert)]) == 0
    assert counts(app) == (1, 0, 0, 0)
    assert main(["label", "delete-participant", "12345"]) == 2
    assert "no participant with id 12345" in capsys.readouterr().err


def test_retention_removes_identifiers_and_keeps_answers(app, participant, monkeypatch, capsys):
    from datetime import timedelta

    from a2i.labeling.models import utcnow

    submit_current(participant)
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "alice1")).scalar_one()
        user.finished_at = utcnow() - timedelta(days=40)
        db.session.commit()
    monkeypatch.setenv("A2I_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("A2I_RETENTION_DAYS", "30")
    assert main(["label", "purge"]) == 0
    assert "identifiers of 1 participant" in capsys.readouterr().out
    with app.app_context():
        user = db.session.execute(select(User)).scalars().first()
        assert (user.username, user.password_hash) == (None, None)
        assert db.session.execute(select(func.count()).select_from(Submission)).scalar_one() == 1
    monkeypatch.delenv("A2I_RETENTION_DAYS")
    assert main(["label", "purge"]) == 2
    assert "RETENTION_DAYS" in capsys.readouterr().err


def test_attention_checks_and_pilots_are_flagged_and_left_out_of_agreement(tmp_path, study_dir):
    study, expected = study_with_check(tmp_path, study_dir)
    app = make_app(tmp_path, study)

    def answer_all(client):
        do_survey(client)
        while (task := client.get("/api/task").get_json())["done"] is False:
            pick = (lambda t: expected) if task["task"]["images"] and any(
                im["id"] == expected[0] for im in task["task"]["images"]) and task["stage"] == "tasks" else None
            assert submit_current(client, pick=pick)[0].status_code == 201

    counted, pilot = app.test_client(), app.test_client()
    register(counted, invite(app), "real1")
    register(pilot, invite(app, pilot=True), "pilot1")
    answer_all(counted)
    answer_all(pilot)
    with app.app_context():
        rows = export.submission_rows()
        checks = [r for r in rows if r["check"]]
        assert len(checks) == 2 and all(r["check_passed"] == 1 for r in checks)  # one per participant
        assert {r["pilot"] for r in rows if r["username"] == "pilot1"} == {1}
        assert sum(not r["tutorial"] and not r["check"] for r in rows) == 4  # 2 tasks each
        agreement = export.agreement_rows()
        assert agreement[-1]["n_submissions"] == 2  # only the counted participant's two tasks
        from a2i.labeling.assignment import item_counts

        assert sum(item_counts(app.extensions["a2i_study"]).values()) == 2  # the pilot takes no place
    assert export.check_passed(["x"], set(expected)) is False


def test_csv_cells_cannot_run_as_formulas_and_times_are_utc(app, participant):
    participant.post("/feedback", data={"csrf_token": csrf_token(participant, "/tutorial"),
                                        "text": "=HYPERLINK(\"http://evil.example\")"})
    with app.app_context():
        from a2i.labeling.models import Feedback

        db.session.add(Feedback(user_id=1, text="=HYPERLINK(\"http://evil.example\")"))
        db.session.commit()
        rows = export.participant_rows()
    parsed = list(csv.DictReader(io.StringIO(export.to_csv(rows))))
    assert parsed[0]["feedback"] == "'=HYPERLINK(\"http://evil.example\")"
    for value in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert export.to_csv([{"v": value}]).splitlines()[1].lstrip('"').startswith("'")
    assert export.to_csv([{"v": -3}]).splitlines()[1] == "-3"  # numbers stay numbers
    assert json.loads(export.to_json(rows))[0]["feedback"].startswith("=")  # JSON keeps the value as stored
    assert parsed[0]["created_at"].endswith("+00:00") and "T" in parsed[0]["created_at"]


def test_the_database_and_its_wal_are_private(app, participant):
    from pathlib import Path

    database = Path(app.instance_path) / "labeling.sqlite3"
    for path in (database, Path(f"{database}-wal")):
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_backup_captures_answers_still_in_the_wal(app, participant, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    submit_current(participant)
    database = Path(app.instance_path) / "labeling.sqlite3"
    assert Path(f"{database}-wal").stat().st_size > 0  # the answer is in the write-ahead log
    monkeypatch.setenv("A2I_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    target = tmp_path / "backup.sqlite3"
    assert main(["label", "backup", str(target)]) == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM submission").fetchone()[0] == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert main(["label", "backup", str(target)]) == 2  # never overwrites an earlier backup
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["en", "da"])
def test_error_pages_speak_the_pages_language(app, participant, lang):
    from markupsafe import escape

    from a2i.labeling.i18n import translate

    participant.get(f"/lang/{lang}")
    cases = {"/no-such-page": (404, "errors.404"), "/admin/": (403, "error.admin_only")}
    for path, (status, key) in cases.items():
        response = participant.get(path)
        assert response.status_code == status and str(escape(translate(key, lang))) in response.get_data(as_text=True)
    csrf = participant.post("/feedback", data={"text": "x"})
    assert csrf.status_code == 400 and translate("error.csrf", lang) in csrf.get_data(as_text=True)
    api = participant.post("/api/submit", json={})
    assert api.get_json()["message"] == translate("error.csrf", lang)
    ended = app.test_client()
    ended.get(f"/lang/{lang}")
    assert ended.get("/api/task").get_json()["message"] == translate("errors.401", lang)


def _database_bytes(app) -> dict[str, bytes]:
    """The raw bytes of the SQLite database and its -wal and -shm files, as a disk image would show them."""
    files = sorted(Path(app.instance_path).glob("labeling.sqlite3*"))
    return {path.name: path.read_bytes() for path in files}


def test_withdrawn_data_is_unreadable_in_the_database_files(app, tmp_path):
    """The withdrawn participant's identifiers are in no database file, not merely absent from queries; the
    admin's deletion and the registered participants' usernames too."""
    from a2i.labeling.manage import add_admin

    pid, session_id = "feedfacefeedfacefeedface", "sessWITHDRAWN42"
    code = invite(app, bypass=True)
    client = app.test_client()
    token = csrf_token(client, f"/start/{code}")
    client.post(f"/start/{code}", data={"csrf_token": token, "agree": "yes", "PROLIFIC_PID": pid,
                                        "SESSION_ID": session_id})
    do_survey(client)
    submit_current(client)
    registered = app.test_client()
    register(registered, invite(app), "zebulonwithdraws")
    do_survey(registered)
    registered.post("/login", data={"csrf_token": csrf_token(app.test_client(), "/login"),
                                    "username": "zebulonwithdraws", "password": "wrong one"})
    markers = (pid.encode(), session_id.encode(), b"zebulonwithdraws")
    assert all(m in _database_bytes(app)["labeling.sqlite3-wal"] for m in markers)  # stored at first
    with app.app_context():  # deleted rows are overwritten, whatever SQLite was compiled to do by default
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
    done = client.post("/withdraw", data={"csrf_token": csrf_token(client, "/withdraw"), "confirm": "yes"})
    assert done.status_code == 200
    add_admin(app, "admin1", PASSWORD)
    admin = app.test_client()
    admin.post("/login", data={"csrf_token": csrf_token(admin, "/login"), "username": "admin1", "password": PASSWORD})
    with app.app_context():
        zebulon = db.session.execute(select(User.id).where(User.username == "zebulonwithdraws")).scalar_one()
    admin.post("/admin/participants/delete", data={"csrf_token": csrf_token(admin, "/admin/"), "user_id": zebulon})
    for name, data in _database_bytes(app).items():
        for marker in markers:
            assert data.count(marker) == 0, (name, marker)
    assert _database_bytes(app).get("labeling.sqlite3-wal", b"") == b""  # the log was folded in and truncated


def test_the_consent_and_withdrawal_pages_say_how_long_backups_keep_answers(app, participant):
    consent = app.extensions["a2i_study"].consent
    assert "at most 30 days later" in consent.text("withdrawal", "en")
    assert "højst 30 dage senere" in consent.text("withdrawal", "da")
    page = participant.get("/withdraw").get_data(as_text=True)
    assert "Backup copies of the database made before that still hold them" in page
