"""Set-up commands: make-study, the manifest checks, migrations, invites and admins from the CLI."""

from __future__ import annotations

import json

import pytest
from labeling_helpers import fake_generate_output

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.labeling.manifest import load_study


def test_make_study_cli_builds_a_valid_study(tmp_path, capsys):
    outputs = [str(fake_generate_output(tmp_path / f"out{i}", i, n_images=5)) for i in range(3)]
    study = tmp_path / "study"
    assert main(["label", "make-study", *outputs, "--out", str(study), "--tutorial", "1", "--images", "9",
                 "--own", "3", "--clip-seconds", "2"]) == 0
    loaded = load_study(study)
    assert len(loaded.items) == 2 and len(loaded.tutorial) == 1
    for item in loaded.items + loaded.tutorial:
        assert len(item.images) == 9 and sum(im.own for im in item.images) == 3
    manifest = json.loads((study / "study.json").read_text())
    # file names give nothing away about the song
    assert all(item["id"] not in im["path"] for item in manifest["items"] for im in item["images"])
    assert len(list((study / "images").glob("*.png"))) == 15  # info cards are left out
    assert main(["label", "make-study", *outputs, "--out", str(study)]) == 2  # refuses a non-empty folder
    assert "not empty" in capsys.readouterr().err


def test_make_study_explains_bad_input(tmp_path, capsys):
    one = str(fake_generate_output(tmp_path / "one", 0))
    assert main(["label", "make-study", one, "--out", str(tmp_path / "s1")]) == 2
    assert "at least two" in capsys.readouterr().err
    broken = fake_generate_output(tmp_path / "broken", 1)
    (broken / "song1.wav").unlink()
    (broken / "profile.json").write_text('{"path": "missing.wav", "song": "not a dict"}')
    assert main(["label", "make-study", one, str(broken), "--out", str(tmp_path / "s3"), "--images", "6"]) == 2
    assert "cannot find the song's audio" in capsys.readouterr().err
    assert not (tmp_path / "s3").exists()  # nothing half-written left behind
    (tmp_path / "empty").mkdir()
    assert main(["label", "make-study", one, str(tmp_path / "empty"), "--out", str(tmp_path / "s2")]) == 2
    assert "profile.json" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(version=2), "version"),
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

        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    code = invite(app)
    init_db(app)  # upgrading an up-to-date database changes nothing
    from a2i.labeling.db import db
    from a2i.labeling.models import Invite

    with app.app_context():
        assert db.session.query(Invite).filter_by(code=code).count() == 1


def test_a_running_study_upgrades_without_losing_data(app, runner):
    """A database made by the first release (0001) gains the session epoch at init-db; its rows stay."""
    from flask_migrate import downgrade
    from labeling_helpers import invite
    from sqlalchemy import text

    from a2i.labeling.db import db
    from a2i.labeling.manage import MIGRATIONS_DIR, init_db

    code = invite(app)
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="0001")
        columns = [row[1] for row in db.session.execute(text("PRAGMA table_info('user')"))]
        assert "session_epoch" not in columns
    init_db(app)
    with app.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        assert db.session.execute(text("SELECT count(*) FROM invite WHERE code = :c"), {"c": code}).scalar() == 1
        columns = [row[1] for row in db.session.execute(text("PRAGMA table_info('user')"))]
        assert "session_epoch" in columns


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
        for _ in range(100):
            try:
                response = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response.status_code == 200 and "Log in" in response.text
        assert "Secure" not in response.headers["Set-Cookie"]  # plain-http localhost: browsers must keep it
    finally:
        server.terminate()
        server.wait(10)
