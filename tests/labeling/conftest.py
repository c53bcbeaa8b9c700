"""Fixtures for the labeling site: a study built from fake generate outputs, an app on a fresh SQLite
database (created through the shipped migrations), its test client and CLI runner, and helpers that act like
a participant (CSRF token included)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from fixtures import build_study  # noqa: E402

PASSWORD = "correct horse"
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024, "ARGON2_PARALLELISM": 1}


@pytest.fixture(scope="session")
def study_dir(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("labeling"))


def make_app(tmp_path: Path, study_dir: Path | None, **overrides):
    from a2i.labeling import create_app
    from a2i.labeling.manage import init_db

    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
              "SESSION_COOKIE_SECURE": False, "STUDY_DIR": str(study_dir) if study_dir else None,
              "COMPLETION_URL": "https://example.org/complete?cc=ABC123", **FAST_ARGON2, **overrides}
    app = create_app(config)
    init_db(app)
    return app


@pytest.fixture
def app(tmp_path, study_dir):
    return make_app(tmp_path, study_dir)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token the site put in a page's <meta> tag for this client's session."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def invite(app, *, uses: int = 1, days: float | None = 14.0, bypass: bool = False) -> str:
    from a2i.labeling.manage import create_invites

    return create_invites(app, count=1, max_uses=uses, days=days, bypass=bypass, note=None)[0]


def register(client, code: str, username: str, password: str = PASSWORD, confirm: str | None = None):
    token = csrf_token(client, "/register")
    return client.post("/register", data={"csrf_token": token, "invite": code, "username": username,
                                          "password": password, "confirm": password if confirm is None else confirm})


SURVEY = {"age": "31", "sex": "female", "nationality": "Danish", "birth_nationality": "Danish",
          "music_listening": "daily", "preferred_language": "en"}


def do_survey(client, **changes):
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


@pytest.fixture
def participant(app, client):
    """A registered participant who has done the survey (now at the tutorial)."""
    register(client, invite(app), "alice1")
    do_survey(client)
    return client
