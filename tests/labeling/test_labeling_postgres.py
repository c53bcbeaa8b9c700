"""The site on a real PostgreSQL server (a throwaway cluster: initdb, pg_ctl, a Unix socket in a temporary
folder): the migrations, the study flow, concurrent sign-ups and assignments, and the load benchmark with
kill -9, as on SQLite."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from labeling_helpers import csrf_token, do_survey, invite, make_app, register, submit_current
from sqlalchemy import create_engine, func, select, text

from a2i.labeling import export
from a2i.labeling.db import db
from a2i.labeling.models import Assignment, Invite, Submission, User
from a2i.labeling.pgcluster import ThrowawayPostgres, available

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()


@pytest.fixture(scope="module")
def cluster():
    # `make system-deps` installs PostgreSQL; a missing server is a set-up failure, never a skipped feature.
    assert available(), "PostgreSQL is missing: run `make system-deps` (apt-get install postgresql)"
    server = ThrowawayPostgres()
    url = server.start()
    yield server, url
    server.stop()


@pytest.fixture
def pg_url(cluster):
    """A fresh database on the cluster for one test."""
    _, url = cluster
    name = f"t{next(_names)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return url.replace("/a2i?", f"/{name}?")


@pytest.fixture
def pg_app(tmp_path, study_dir, pg_url):
    return make_app(tmp_path, study_dir, SQLALCHEMY_DATABASE_URI=pg_url)


def test_migrations_run_up_and_down_and_keep_data(pg_app):
    from flask_migrate import downgrade, upgrade

    from a2i.labeling.manage import MIGRATIONS_DIR

    assert pg_app.test_cli_runner().invoke(args=["db", "check"]).exit_code == 0  # models match the migrations
    code = invite(pg_app)
    with pg_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        downgrade(directory=MIGRATIONS_DIR, revision="0002")
        assert db.session.execute(text("SELECT count(*) FROM invite WHERE code = :c"), {"c": code}).scalar() == 1
        db.session.rollback()  # end the read, or ALTER TABLE waits for its lock forever
        upgrade(directory=MIGRATIONS_DIR)
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        assert db.session.execute(select(Invite.pilot).where(Invite.code == code)).scalar_one() is False
        assert db.session.execute(text("SELECT count(*) FROM study_lock")).scalar() == 1


def test_the_study_flow_and_exports(pg_app):
    client = pg_app.test_client()
    register(client, invite(pg_app), "alice1")
    do_survey(client)
    for _ in range(3):  # tutorial + two tasks
        assert submit_current(client)[0].status_code == 201
    done = client.post("/feedback", data={"csrf_token": csrf_token(client, "/feedback"), "text": "=1+1",
                                          "action": "send"})
    assert done.headers["Location"] == "/thanks"
    with pg_app.app_context():
        rows = export.participant_rows()
        assert rows[0]["country_of_birth"] == "DK" and rows[0]["consent_version"] == "1"
        assert rows[0]["created_at"].endswith("+00:00")
        assert export.to_csv(rows).count("'=1+1") == 1
        assert export.agreement_rows()[-1]["n_submissions"] == 2
    withdrawn = pg_app.test_client()
    register(withdrawn, invite(pg_app), "bert1")
    do_survey(withdrawn)
    submit_current(withdrawn)
    withdrawn.post("/withdraw", data={"csrf_token": csrf_token(withdrawn, "/withdraw"), "confirm": "yes"})
    with pg_app.app_context():
        assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 1
        assert db.session.execute(select(func.count()).select_from(Submission)).scalar_one() == 3


def test_concurrent_sign_ups_and_assignments_stay_consistent(pg_app):
    """Twelve participants at once: the invite's 10 uses are never exceeded, and the study's 6 places (4 items ×
    3 answers ÷ 2 tasks) are handed out under the row lock, never beyond an item's quota."""
    code = invite(pg_app, uses=10)
    results: list[int] = []

    def join(k: int) -> None:
        client = pg_app.test_client()
        status = register(client, code, f"racer{k}").status_code
        if status == 302:
            do_survey(client)
        results.append(status)

    threads = [threading.Thread(target=join, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results).count(302) == 10
    with pg_app.app_context():
        assert db.session.execute(select(Invite.uses).where(Invite.code == code)).scalar_one() == 10
        per_item = db.session.execute(select(Assignment.item_id, func.count()).where(Assignment.is_tutorial.is_(False))
                                      .group_by(Assignment.item_id)).all()
        assert per_item and max(n for _, n in per_item) <= 3 and sum(n for _, n in per_item) == 12
        assert db.session.execute(select(func.count()).where(User.stage == "full")).scalar_one() == 4


def test_load_with_kill_9_against_postgres():
    """The load benchmark, smaller: concurrent participants and a gunicorn SIGKILL mid-load, on PostgreSQL."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_labeling_load.py"), "--postgres", "--participants", "6",
         "--fault-participants", "2", "--fetchers", "2", "--fetch-requests", "20", "--fetch-concurrency", "2",
         "--workers", "2", "--songs", "6", "--kill-after", "6", "--no-first-task"],
        capture_output=True, text=True, timeout=400, check=False)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "PASS on PostgreSQL" in summary and "lost 0, duplicated 0, 5xx 0" in summary, summary
    assert "kill -9 mid-load" in summary


def test_init_db_never_prints_the_database_password(pg_url, tmp_path, monkeypatch, capsys):
    from sqlalchemy.engine import make_url

    from a2i.cli import main

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with_password = make_url(pg_url).set(password="hunter2-Secret").render_as_string(hide_password=False)
    assert "hunter2-Secret" in with_password  # the server trusts local connections, so any password works
    assert main(["label", "init-db", "--instance", str(tmp_path / "inst"), "--database", with_password]) == 0
    out, err = capsys.readouterr()
    assert "Database ready: postgresql" in out and ":***@" in out
    assert "hunter2-Secret" not in out + err
