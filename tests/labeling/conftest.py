"""Fixtures for the labeling site: a study built from synthesized generate outputs, an app on a fresh
database, its test client and CLI runner, and a participant who has done the survey."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import alembic.config  # noqa: F401  (before any test captures stdout: see below)
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# alembic's Config takes ``stdout=sys.stdout`` as a default argument, bound when alembic is first imported:
# imported first inside a test that captures stdout (capsys), every later `flask db check` wrote to that
# closed capture ("I/O operation on closed file"). Importing it here binds the real stdout.
sys.path.insert(0, str(Path(__file__).parent))

from labeling_helpers import build_study, do_survey, invite, make_app, register


@pytest.fixture(scope="session")
def study_dir(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("labeling"))


@pytest.fixture
def app(tmp_path, study_dir):
    return make_app(tmp_path, study_dir)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def participant(app, client):
    """A registered participant who has done the survey (now at the tutorial)."""
    register(client, invite(app), "alice1")
    do_survey(client)
    return client
