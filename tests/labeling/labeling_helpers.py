"""Helpers for the labeling tests: an app on a fresh SQLite database (created through the shipped
migrations) and functions that act like a participant, CSRF token included. A uniquely named module (not
``conftest``) so the test files can import it without clashing with the other areas' conftest modules."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from a2i.labeling.demo import demo_study as build_study
from a2i.labeling.demo import fake_generate_output

__all__ = ["PASSWORD", "SECRET", "SURVEY", "agree", "build_study", "csrf_token", "do_survey",
           "fake_generate_output", "invite", "make_app", "register", "submit_current"]

PASSWORD = "correct horse"
#: 32 bytes, the shortest key the site accepts.
SECRET = "test-secret-test-secret-test-sec"
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024, "ARGON2_PARALLELISM": 1}


def make_app(tmp_path: Path, study_dir: Path | None, **overrides):
    from a2i.labeling import create_app
    from a2i.labeling.manage import init_db

    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": SECRET,
              "SESSION_COOKIE_SECURE": False, "STUDY_DIR": str(study_dir) if study_dir else None,
              "CREATE_DATABASE": True, "COMPLETION_URL": "https://example.org/complete?cc=ABC123",
              **FAST_ARGON2, **overrides}
    app = create_app(config)
    init_db(app)
    return app


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token the site put in a page's <meta> tag for this client's session."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def invite(app, *, uses: int = 1, days: float | None = 14.0, bypass: bool = False, pilot: bool = False) -> str:
    from a2i.labeling.manage import create_invites

    return create_invites(app, count=1, max_uses=uses, days=days, bypass=bypass, note=None, pilot=pilot)[0]


def register(client, code: str, username: str, password: str = PASSWORD, confirm: str | None = None):
    token = csrf_token(client, "/register")
    return client.post("/register", data={"csrf_token": token, "invite": code, "username": username,
                                          "password": password, "confirm": password if confirm is None else confirm})


SURVEY = {"age": "31", "sex": "female", "country_of_birth": "DK", "country_of_residence": "SE",
          "music_listening": "daily", "preferred_language": "en"}


def agree(client):
    """Agree on the consent page (a registered participant's first step)."""
    return client.post("/consent", data={"csrf_token": csrf_token(client, "/consent"), "agree": "yes"})


def do_survey(client, **changes):
    """Agree to the consent page when it is the participant's stage, then fill in the survey."""
    if client.get("/consent").status_code == 200:
        agree(client)
    token = csrf_token(client, "/survey")
    return client.post("/survey", data={"csrf_token": token, **SURVEY, **changes})


def submit_current(client, *, n: int = 2, liked: str = "yes", pick=None):
    """Fetch the current task and answer it by picking ``n`` images (or the ids ``pick`` chooses)."""
    task = client.get("/api/task").get_json()
    assert task["done"] is False, task
    images = [im["id"] for im in task["task"]["images"]]
    selected = pick(task["task"]) if pick else images[:n]
    body = {"assignment": task["task"]["assignment"], "selected": selected, "liked": liked, "bad_audio": False,
            "interactions": [{"type": "play", "t": 10, "position": 0.0},
                             *({"type": "select", "t": 100 + k, "image": s} for k, s in enumerate(selected))],
            "duration_ms": 1234}
    return client.post("/api/submit", json=body, headers={"X-CSRFToken": csrf_token(client, "/")}), task


def study_with_check(tmp_path: Path, study_dir: Path) -> tuple[Path, list[str]]:
    """A copy of the study under ``tmp_path`` whose first item is also an attention check, and the check's
    expected answer (the item's first image)."""
    study = tmp_path / "study"
    shutil.copytree(study_dir, study)
    manifest = json.loads((study / "study.json").read_text())
    check = dict(manifest["items"][0], id="check-1", expected=[manifest["items"][0]["images"][0]["id"]])
    manifest["checks"] = [check]
    (study / "study.json").write_text(json.dumps(manifest))
    return study, check["expected"]
