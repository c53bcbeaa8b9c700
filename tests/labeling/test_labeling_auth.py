"""Accounts: invite-only registration, argon2id, login errors and back-off, CSRF, sessions, secret key."""

from __future__ import annotations

import math
import re
import threading
import time

import pytest
from labeling_helpers import PASSWORD, csrf_token, invite, make_app, register
from sqlalchemy import select

from a2i.errors import ConfigError
from a2i.labeling.db import db
from a2i.labeling.models import Invite, User


def login(client, username, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def test_register_with_invite_stores_argon2id_and_logs_in(app, client):
    response = register(client, invite(app), "alice1")
    assert response.status_code == 302 and response.headers["Location"] == "/consent"
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "alice1")).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    assert client.get("/consent").status_code == 200


def test_owasp_minimum_argon2_cost_by_default(tmp_path, study_dir):
    from argon2 import extract_parameters

    app = make_app(tmp_path, study_dir, ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=19 * 1024)
    from a2i.labeling.app import DEFAULTS

    assert (DEFAULTS["ARGON2_MEMORY_COST"], DEFAULTS["ARGON2_TIME_COST"], DEFAULTS["ARGON2_PARALLELISM"]) == (
        19 * 1024, 2, 1)
    register(app.test_client(), invite(app), "olga1")
    with app.app_context():
        stored = db.session.execute(select(User.password_hash).where(User.username == "olga1")).scalar_one()
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)


def test_a_bogus_invite_costs_no_password_hash(app, client, monkeypatch):
    from a2i.labeling import security

    calls = []
    monkeypatch.setattr(security.PasswordHasher, "hash", lambda self, pw: calls.append(pw) or "x")
    response = register(client, "no-such-code", "mallory1")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    register(app.test_client(), invite(app), "alice1")  # a real one hashes once
    assert len(calls) == 1
    taken = register(app.test_client(), invite(app), "ALICE1")  # a taken name costs nothing either
    assert taken.status_code == 400 and len(calls) == 1


def test_the_hashing_queue_is_bounded(app, client):
    from a2i.labeling import security

    with app.app_context():
        app.config["HASH_WAIT_SECONDS"] = 0.05
        slot = security._slot()
        slot.acquire()  # every hashing slot of this worker is busy
        try:
            response = register(client, invite(app), "queued1")
        finally:
            slot.release()
    assert response.status_code == 503 and "try again" in response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "password", "confirm", "field"), [
    ("al", "longenough", None, "username"),            # too short
    ("bad name", "longenough", None, "username"),      # space
    ("bøb", "longenough", None, "username"),           # letters and digits only (ASCII)
    ("carol1", "short", None, "password"),             # < 8 characters
    ("carol1", "longenough", "different1", "confirm"),  # confirmation differs
])
def test_register_rejects_invalid_fields_without_spending_the_invite(app, client, username, password, confirm, field):
    code = invite(app)
    response = register(client, code, username, password, confirm)
    assert response.status_code == 400
    assert f'id="{field}-desc"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Invite.uses).where(Invite.code == code)).scalar_one() == 0


def test_register_json_client_gets_json_field_errors(app, client):
    token = csrf_token(client, "/register")
    response = client.post("/register", data={"csrf_token": token, "invite": "", "username": "x"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"invite", "username", "password"}


def test_invite_limits_uses_and_expiry(app, client):
    code = invite(app, uses=2)
    assert register(app.test_client(), code, "user1").status_code == 302
    assert register(app.test_client(), code, "user2").status_code == 302
    third = register(app.test_client(), code, "user3")
    assert third.status_code == 400 and "not valid" in third.get_data(as_text=True)
    expired = invite(app, days=1)
    with app.app_context():  # a day later
        from datetime import timedelta

        row = db.session.execute(select(Invite).where(Invite.code == expired)).scalar_one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()
    assert register(app.test_client(), expired, "user4").status_code == 400
    never = invite(app, days=None)  # no expiry
    assert register(app.test_client(), never, "user7").status_code == 302
    assert register(app.test_client(), "nonexistent", "user5").status_code == 400
    bypass_code = invite(app, bypass=True)  # a study link is not a registration code
    assert register(app.test_client(), bypass_code, "user6").status_code == 400


def test_taken_username_is_refused_case_insensitively(app):
    assert register(app.test_client(), invite(app), "Dana1").status_code == 302
    code = invite(app)
    response = register(app.test_client(), code, "dana1")
    assert response.status_code == 400 and "taken" in response.get_data(as_text=True)
    with app.app_context():  # the failed sign-up did not use the invite
        assert db.session.execute(select(Invite.uses).where(Invite.code == code)).scalar_one() == 0


def test_concurrent_registrations_never_exceed_max_uses(app):
    code = invite(app, uses=3)
    clients = [app.test_client() for _ in range(12)]
    tokens = [csrf_token(c, "/register") for c in clients]
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def sign_up(k: int) -> None:
        barrier.wait()
        response = clients[k].post("/register", data={"csrf_token": tokens[k], "invite": code,
                                                      "username": f"racer{k}", "password": PASSWORD,
                                                      "confirm": PASSWORD})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=sign_up, args=(k,)) for k in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302] * 3 + [400] * 9
    with app.app_context():
        assert db.session.execute(select(Invite.uses).where(Invite.code == code)).scalar_one() == 3
        assert len(db.session.execute(select(User).where(User.username.like("racer%"))).all()) == 3


def test_login_error_is_the_same_for_unknown_user_and_wrong_password(app, client):
    register(app.test_client(), invite(app), "erin1")
    wrong = login(client, "erin1", "wrong password")
    unknown = login(client, "nobody9", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Invalid username or password." in wrong.get_data(as_text=True)

    def page(response, username):  # the page but the name typed and the CSRF token (signed with the second it was made)
        return re.sub(r'("csrf[-_]token" (?:content|value)=")[^"]*', r"\1TOKEN", response.get_data(as_text=True)).replace(username, "X")

    assert page(wrong, "erin1") == page(unknown, "nobody9")


def test_login_renews_the_session(app, client):
    register(app.test_client(), invite(app), "fred1")
    before = csrf_token(client, "/login")
    response = login(client, "fred1")
    assert response.status_code == 302
    after = csrf_token(client, "/survey")
    assert before != after  # a fresh session (new CSRF secret) after login


def test_backoff_grows_for_the_guesser_not_the_owner(tmp_path, study_dir):
    from a2i.labeling.models import LoginAttempt

    app = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=3)
    register(app.test_client(), invite(app), "gina1")
    attacker = app.test_client()
    for _ in range(3):
        assert login(attacker, "gina1", "bad password").status_code == 401
    assert login(attacker, "gina1", "bad password").status_code == 401  # the 4th failure starts the delay
    throttled = login(attacker, "gina1")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert "try again in 1 s" in throttled.get_data(as_text=True)
    # A second app (another worker) on the same database sees the same count.
    other = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=3)
    assert login(other.test_client(), "gina1").status_code == 429
    # The owner from another address logs in at once, even with the right password.
    owner = app.test_client()
    token = csrf_token(owner, "/login")
    response = owner.post("/login", data={"csrf_token": token, "username": "gina1", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302
    # The delay doubles with each failure after the free ones, up to the cap.
    from a2i.labeling import security

    with app.app_context():
        for _ in range(20):
            db.session.add(LoginAttempt(key=security.throttle_key("gina1", "127.0.0.1")))
        db.session.commit()
        with app.test_request_context():
            assert 59 < security.retry_after("gina1", "127.0.0.1") <= 60


def _age_attempts(app, seconds: float) -> None:
    """Move every failed login ``seconds`` into the past (instead of sleeping through a delay)."""
    from datetime import UTC, timedelta

    from a2i.labeling.models import LoginAttempt

    with app.app_context():
        for attempt in db.session.execute(select(LoginAttempt)).scalars():
            when = attempt.created_at if attempt.created_at.tzinfo else attempt.created_at.replace(tzinfo=UTC)
            attempt.created_at = when - timedelta(seconds=seconds)
        db.session.commit()


def test_password_spraying_from_one_address_is_slowed(tmp_path, study_dir):
    """150 usernames × 1 password from one address: after the address's free budget a guess is only checked
    once the previous wait has passed, and the waits double up to the cap; the real owner from elsewhere, or
    with their device cookie, is never held up, and a real user behind the same address waits at most the
    cap."""
    app = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=3, LOGIN_ADDRESS_FREE_ATTEMPTS=5,
                   LOGIN_MAX_DELAY_SECONDS=8)
    owner = app.test_client()
    register(owner, invite(app), "hank1")  # leaves the device cookie
    sprayer = app.test_client()
    started = time.monotonic()
    answers = [login(sprayer, f"spray{k}", "Summer2026!") for k in range(150)]
    elapsed = time.monotonic() - started
    checked = [a.status_code for a in answers].count(401)
    # the 5 free failures, the 6th that starts the delay, then one per expired wait (1, 2, 4, 8, 8 ... s)
    assert [a.status_code for a in answers[:6]] == [401] * 6
    assert checked <= 7 + elapsed / 8 + math.log2(elapsed + 1), (checked, elapsed)
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)
    for _ in range(3):  # each expired wait lets one more guess through, and the next wait is twice as long
        _age_attempts(app, 60)
        assert login(sprayer, "again", "Summer2026!").status_code == 401
    probe = login(sprayer, "next", "Summer2026!")
    assert probe.status_code == 429 and probe.headers["Retry-After"] == "8", probe.get_data(as_text=True)[-300:]
    assert login(owner, "hank1").status_code == 302  # same address, but this browser logged in before
    elsewhere = app.test_client()
    token = csrf_token(elsewhere, "/login")
    assert elsewhere.post("/login", data={"csrf_token": token, "username": "hank1", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302
    classmate = app.test_client()  # behind the spraying address, no device cookie: waits, is not locked out
    assert login(classmate, "hank1").status_code == 429
    _age_attempts(app, 8)
    assert login(classmate, "hank1").status_code == 302


def test_one_address_cannot_lock_out_everyone_behind_it(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=3)
    register(app.test_client(), invite(app), "hank1")
    classroom = app.test_client()
    for k in range(19):  # a classroom's typos, spread over many accounts, within the address's budget
        assert login(classroom, f"typo{k}", "bad password").status_code == 401
    assert login(app.test_client(), "hank1").status_code == 302  # a classmate behind the same address


def test_a_known_device_is_never_delayed(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=1)
    owner = app.test_client()
    register(owner, invite(app), "kira1")  # registering leaves the device cookie
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/consent")})
    attacker = app.test_client()
    for _ in range(3):
        login(attacker, "kira1", "bad password")
    assert login(attacker, "kira1").status_code == 429
    assert login(owner, "kira1").status_code == 302  # same address, but the browser logged in before


def test_successful_login_resets_the_pairs_count(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir, LOGIN_FREE_ATTEMPTS=3)
    register(app.test_client(), invite(app), "ivan1")
    client = app.test_client()
    for _ in range(3):
        login(client, "ivan1", "bad password")
    assert login(client, "ivan1").status_code == 302
    client.delete_cookie("a2i_device")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/consent")})
    for _ in range(3):
        assert login(client, "ivan1", "bad password").status_code == 401
    assert login(client, "ivan1").status_code == 302


def test_logout_revokes_copies_of_the_session_cookie(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir)
    register(app.test_client(), invite(app), "judy1")
    client = app.test_client()
    assert login(client, "judy1").status_code == 302
    name = app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(name).value
    assert client.get("/consent").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/consent")})
    thief = app.test_client()
    thief.set_cookie(name, stolen)
    response = thief.get("/consent")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert login(client, "judy1").status_code == 302  # the owner logs in again as usual
    assert client.get("/consent").status_code == 200


def test_csrf_required_on_forms_and_json(app, participant):
    fresh = app.test_client()
    response = fresh.post("/login", data={"username": "x", "password": "y" * 8})
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    api = participant.post("/api/submit", json={"assignment": 1})
    assert api.status_code == 400 and "CSRF" in api.get_json()["detail"]
    wrong = participant.post("/api/submit", json={"assignment": 1}, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    logout = participant.post("/logout")
    assert logout.status_code == 400


@pytest.mark.parametrize("env", [{}, {"FLASK_DEBUG": "1"}, {"A2I_DEBUG": "true"}, {"A2I_TESTING": "true"}])
def test_no_mode_starts_without_a_secret_key(tmp_path, monkeypatch, env):
    """gunicorn workers that each made up a key would reject each other's cookies (14 of 15 sign-ups failed)."""
    from a2i.labeling import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path / "inst"), "CREATE_DATABASE": True})


def test_short_secret_keys_are_refused(tmp_path, monkeypatch):
    from a2i.labeling import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        create_app({"INSTANCE_PATH": str(tmp_path / "inst"), "CREATE_DATABASE": True, "TESTING": True})


def test_init_db_writes_a_persistent_secret_key_and_cookies_are_secure(tmp_path, monkeypatch):
    from a2i.cli import main
    from a2i.labeling import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "inst"
    assert main(["label", "init-db", "--instance", str(instance)]) == 0
    config = (instance / "config.py").read_text()
    assert "SECRET_KEY" in config and oct((instance / "config.py").stat().st_mode)[-3:] == "600"
    assert main(["label", "init-db", "--instance", str(instance)]) == 0  # idempotent: same key kept
    assert (instance / "config.py").read_text() == config
    app = create_app({"INSTANCE_PATH": str(instance)})  # production defaults
    assert app.config["SECRET_KEY"] and not app.debug
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
