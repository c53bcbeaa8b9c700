"""Set-up commands: make-study, the manifest checks, migrations, invites and admins from the CLI."""

from __future__ import annotations

import json

import pytest
from labeling_helpers import fake_generate_output

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.labeling.manifest import load_study

CONTACT = ["--contact", "study@example.org"]


def test_make_study_cli_builds_a_valid_study(tmp_path, capsys):
    from PIL import Image

    # 6 pictures a song: a labeling grid's 6 foils all come from the other labeling song, none from the tutorial's
    outputs = [str(fake_generate_output(tmp_path / f"out{i}", i, n_images=6, size=1024)) for i in range(3)]
    study = tmp_path / "study"
    assert main(["label", "make-study", *outputs, "--out", str(study), "--tutorial", "1", "--images", "9",
                 "--own", "3", "--per-item", "5", "--backup-days", "14", *CONTACT]) == 0
    assert "room for 5 participants" in capsys.readouterr().err  # 2 items × 5 ÷ 2 tasks
    loaded = load_study(study)
    assert len(loaded.items) == 2 and len(loaded.tutorial) == 1 and loaded.capacity == 5
    for item in loaded.items + loaded.tutorial:
        assert len(item.images) == 9 and sum(im.own for im in item.images) == 3
    manifest = json.loads((study / "study.json").read_text())
    # file names give nothing away about the song
    assert all(item["id"] not in im["path"] for item in manifest["items"] for im in item["images"])
    assert len(list((study / "images").glob("*.png"))) == 18  # originals kept, info cards left out
    web, zoom = manifest["items"][0]["images"][0]["web"], manifest["items"][0]["images"][0]["zoom"]
    with Image.open(study / web) as small, Image.open(study / zoom) as large:
        assert (small.format, small.size, large.size) == ("WEBP", (512, 512), (1024, 1024))
    assert loaded.consent.contact == "study@example.org" and loaded.consent.version == "1"
    assert "15 minutes" in loaded.consent.text("duration", "en") and "minutter" in loaded.consent.text("duration", "da")
    assert "at most 14 days later" in loaded.consent.text("withdrawal", "en")
    assert main(["label", "make-study", *outputs, "--out", str(study), *CONTACT]) == 2  # refuses a non-empty folder
    assert "not empty" in capsys.readouterr().err


def test_the_clip_heard_is_the_clip_painted(tmp_path):
    """generate paints the grid clip nearest the middle (10-20 s of a 25 s song), not the exact middle."""
    import numpy as np
    import soundfile as sf

    from a2i.audio import load
    from a2i.labeling.make_study import make_study

    outputs = [fake_generate_output(tmp_path / f"out{i}", i, n_images=4, seconds=25.0) for i in range(3)]
    t = np.arange(25 * 22050) / 22050  # a sweep: every part of the song sounds different
    sf.write(tmp_path / "out0" / "song0.wav", (0.3 * np.sin(2 * np.pi * (200 * t + 20 * t**2))).astype(np.float32),
             22050)
    study = make_study(outputs, tmp_path / "study", images_per_task=8, own_per_task=4, tutorial=0,
                       contact="a@b.c").parent
    item = load_study(study).items[0]
    assert (item.start, item.end) == (10.0, 20.0)  # the exact middle would be 7.5-17.5
    info = sf.info(study / item.audio)
    assert abs(info.duration - 10.0) < 0.1
    song = load(tmp_path / "out0" / "song0.wav", sr=22050).samples
    clip = load(study / item.audio, sr=22050).samples
    expected = song[10 * 22050: 20 * 22050]
    n = min(len(clip), len(expected)) - 4000  # MP3 adds a little delay; compare the bulk by correlation
    lag = max(range(0, 3000, 1), key=lambda k: float((clip[k:k + n] * expected[:n]).sum()))
    def corr(a, b):
        return float((a * b).sum() / ((a**2).sum() * (b**2).sum()) ** 0.5)

    assert corr(clip[lag:lag + n], expected[:n]) > 0.9
    exact_middle = song[int(7.5 * 22050): int(17.5 * 22050)]
    assert max(abs(corr(clip[k:k + n], exact_middle[:n])) for k in range(0, 3000, 50)) < 0.2


def test_make_study_explains_bad_input(tmp_path, capsys):
    one = str(fake_generate_output(tmp_path / "one", 0))
    two = str(fake_generate_output(tmp_path / "two", 1))
    three = str(fake_generate_output(tmp_path / "three", 2, n_images=2))
    assert main(["label", "make-study", one, "--out", str(tmp_path / "s1"), *CONTACT]) == 2
    assert "at least two" in capsys.readouterr().err
    # `make demo` leaves pictures in outputs/ that a glob picks up: they are skipped, not fatal
    stray = tmp_path / "stray.png"
    stray.write_bytes(b"not a run")
    assert main(["label", "make-study", one, two, three, str(stray), "--out", str(tmp_path / "s0"), "--images", "6",
                 "--own", "4", *CONTACT]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 file" in err and "--own 4 is cut for 1 song(s)" in err and "three: 2" in err
    assert "--variants 4" in err  # says how to get more pictures
    assert main(["label", "make-study", one, two, three, "--out", str(tmp_path / "s4"), "--tasks", "3",
                 *CONTACT]) == 2
    assert "--tasks 3 must be between 1 and the number of labeling items (2" in capsys.readouterr().err
    assert main(["label", "make-study", one, two, "--out", str(tmp_path / "s5"), "--images", "12",
                 "--tutorial", "0", *CONTACT]) == 2
    err = capsys.readouterr().err
    assert "12-picture grid" in err and "a2i render" in err and "--clips all" in err
    broken = fake_generate_output(tmp_path / "broken", 37)  # a tone no other test writes: not found by content
    (broken / "song37.wav").unlink()
    assert main(["label", "make-study", one, str(broken), "--out", str(tmp_path / "s3"), "--images", "6",
                 *CONTACT]) == 2
    err = capsys.readouterr().err
    assert "the song it was made from is not at" in err and "song37.wav" in err
    assert not (tmp_path / "s3").exists()  # nothing half-written left behind
    (tmp_path / "empty").mkdir()
    assert main(["label", "make-study", one, str(tmp_path / "empty"), "--out", str(tmp_path / "s2"), *CONTACT]) == 2
    assert "prompts.json" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --contact is required
        main(["label", "make-study", one, two, "--out", str(tmp_path / "s6")])
    assert "--contact" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(version=1), "version"),
    (lambda m: m.pop("consent"), "consent"),
    (lambda m: m["consent"].update(contact=""), "contact"),
    (lambda m: m["consent"].update(data_use={"da": "kun dansk"}), "data_use"),
    (lambda m: m.update(items=[]), "at least one"),
    (lambda m: m["items"][0].update(audio="../outside.wav"), "inside the study folder"),
    (lambda m: m["items"][0]["images"][0].update(path="images/missing.png"), "does not exist"),
    (lambda m: m.update(min_select=5, max_select=2), "larger than"),
    (lambda m: m["tutorial"][0].pop("explanation"), "explanation"),
    (lambda m: m.update(participants_per_item="five"), "positive integer"),
])
def test_manifest_errors_name_the_problem(study_dir, tmp_path, change, message):
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study_dir, copy)
    manifest = json.loads((copy / "study.json").read_text())
    change(manifest)
    (copy / "study.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match=message):
        load_study(copy)


def test_migrations_are_at_head_and_init_db_keeps_data(app, runner):
    from labeling_helpers import invite
    from sqlalchemy import text

    from a2i.labeling.manage import init_db

    assert runner.invoke(args=["db", "check"]).exit_code == 0  # models and migrations agree (`flask db check`)
    with app.app_context():
        from a2i.labeling.db import db

        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    code = invite(app)
    init_db(app)  # upgrading an up-to-date database changes nothing
    from a2i.labeling.db import db
    from a2i.labeling.models import Invite

    with app.app_context():
        assert db.session.query(Invite).filter_by(code=code).count() == 1


def test_a_running_study_upgrades_without_losing_data(app, runner):
    """A database at 0002 with a participant mid-study gains consent, pilot, completion and country columns at
    init-db (0003); every row stays, and the participant carries on."""
    from flask_migrate import downgrade
    from sqlalchemy import text

    from a2i.labeling.db import db
    from a2i.labeling.manage import MIGRATIONS_DIR, init_db

    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="0002")
        db.session.execute(text(
            "INSERT INTO invite (id, code, kind, max_uses, uses, created_at) "
            "VALUES (1, 'old-code', 'register', 5, 1, '2026-11-01 10:00:00')"))
        db.session.execute(text(
            "INSERT INTO user (id, username, password_hash, role, is_anonymous, invite_id, stage, created_at, "
            "session_epoch) VALUES (1, 'early1', 'x', 'participant', 0, 1, 'tasks', '2026-11-01 10:00:00', 0)"))
        db.session.execute(text(
            "INSERT INTO survey_response (user_id, age, sex, nationality, birth_nationality, music_listening, "
            "preferred_language, created_at) VALUES (1, 40, 'male', 'Danish', 'Swedish', 'daily', 'da', "
            "'2026-11-01 10:01:00')"))
        db.session.execute(text(
            "INSERT INTO assignment (id, user_id, item_id, position, is_tutorial, order_seed, created_at) "
            "VALUES (1, 1, 'song1', 0, 0, 7, '2026-11-01 10:01:00')"))
        db.session.execute(text(
            "INSERT INTO submission (assignment_id, user_id, item_id, is_tutorial, shown, selected, liked, bad_audio,"
            " interactions, duration_ms, language, created_at) VALUES (1, 1, 'song1', 0, '[]', '[\"a\"]', 'yes', 0,"
            " '[]', 1000, 'da', '2026-11-01 10:02:00')"))
        db.session.commit()
    init_db(app)
    with app.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        row = db.session.execute(text("SELECT username, stage, is_pilot, consent_version, completion_code "
                                      "FROM user WHERE id = 1")).one()
        assert tuple(row) == ("early1", "tasks", 0, None, None)
        survey = db.session.execute(text("SELECT nationality, birth_nationality, country_of_birth "
                                         "FROM survey_response WHERE user_id = 1")).one()
        assert tuple(survey) == ("Danish", "Swedish", None)
        assert db.session.execute(text("SELECT pilot FROM invite WHERE code = 'old-code'")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM submission")).scalar() == 1
        from a2i.labeling import export

        assert export.participant_rows()[0]["nationality"] == "Danish"
        assert export.submission_rows()[0]["selected"] == '["a"]'


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app):
    from sqlalchemy import text

    from a2i.labeling.db import db

    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/labeling.sqlite3")


def test_cli_invites_admin_and_serve_help(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = str(tmp_path / "inst")
    assert main(["label", "init-db", "--instance", instance]) == 0
    capsys.readouterr()
    assert main(["label", "invite", "--instance", instance, "--count", "3", "--uses", "2"]) == 0
    codes = capsys.readouterr().out.split()
    assert len(codes) == 3 and len(set(codes)) == 3
    for bad in (["--uses", str(10**30)], ["--count", "0"], ["--days", "1e9"]):
        assert main(["label", "invite", "--instance", instance, *bad]) == 2
        assert "a2i: error:" in capsys.readouterr().err
    assert main(["label", "invite", "--instance", instance, "--bypass", "--base-url", "https://study.example/"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://study.example/start/") and "PROLIFIC_PID={{%PROLIFIC_PID%}}" in link
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["label", "add-admin", "boss1", "--instance", instance, "--password-stdin"]) == 2
    assert "8 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long password\n"))
    assert main(["label", "add-admin", "boss1", "--instance", instance, "--password-stdin"]) == 0
    with pytest.raises(SystemExit):
        main(["label", "serve", "--help"])
    assert "gunicorn" in capsys.readouterr().out


def test_commands_work_from_anywhere_and_never_leave_a_stray_database(tmp_path, monkeypatch, capsys):
    """Every command finds the instance folder the same way (option, $A2I_INSTANCE_PATH, else the user's data
    folder), whatever the current directory; a missing database is one line, and nothing is created."""
    from a2i.labeling.app import instance_path

    monkeypatch.delenv("A2I_INSTANCE_PATH", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert instance_path() == tmp_path / "data" / "a2i" / "labeling"
    for command in (["export", "--out", "x"], ["invite"], ["backup", "b.sqlite3"], ["purge", "--days", "1"],
                    ["delete-participant", "1"], ["serve"]):
        assert main(["label", *command]) == 2, command
        err = capsys.readouterr().err
        assert err.startswith("a2i: error: no study database at") and "a2i label init-db" in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "data").exists()  # no stray database anywhere
    assert main(["label", "init-db"]) == 0
    assert (tmp_path / "data" / "a2i" / "labeling" / "labeling.sqlite3").is_file()
    monkeypatch.chdir(tmp_path)  # another directory: the same database
    assert main(["label", "invite", "--count", "2"]) == 0
    assert main(["label", "invite", "--instance", str(tmp_path / "other")]) == 2  # the option wins


def test_label_registration_module_imports_no_flask():
    import subprocess
    import sys

    code = "import sys, a2i.labeling.cli; print('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_experiment_website_main_serves_the_study(tmp_path, study_dir):
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, A2I_INSTANCE_PATH=str(tmp_path / "inst"), HF_HUB_OFFLINE="1")
    env.pop("SECRET_KEY", None)
    script = [sys.executable, str(root / "experiment_website" / "main.py"), "--study", str(study_dir)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    early = subprocess.run([*script, "--port", str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert early.returncode == 2 and "init-db" in early.stderr  # no key and no tables yet: a clear message
    assert main(["label", "init-db", "--instance", env["A2I_INSTANCE_PATH"]]) == 0
    server = subprocess.Popen([*script, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        response = None
        deadline = time.monotonic() + 90  # a loaded CI machine can take many seconds to import the web stack
        while response is None and time.monotonic() < deadline and server.poll() is None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response is not None, f"the server did not answer (exit status {server.poll()})"
        assert response.status_code == 200 and "Log in" in response.text
        assert "Secure" not in response.headers["Set-Cookie"]  # plain-http localhost: browsers must keep it
    finally:
        server.terminate()
        server.wait(10)


def test_the_labeling_package_has_no_import_cycle():
    """Every import between the package's modules, at the top or inside a function, points one way."""
    import ast
    from pathlib import Path

    import a2i.labeling

    package = Path(a2i.labeling.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in modules:
        edges = set()
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "a2i.labeling":
                edges |= {alias.name for alias in node.names} & modules
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("a2i.labeling."):
                edges.add(node.module.split(".")[2])
        graph[name] = edges - {name}

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        for following in graph[name]:
            visit(following, (*path, name))

    for name in modules:
        visit(name, ())
