"""The task API answers every malformed request with a 400 JSON error naming the problem, never a 500."""

from __future__ import annotations

import pytest
from labeling_helpers import csrf_token, submit_current


@pytest.fixture
def task(participant):
    """The participant's current (tutorial) task and a valid answer to it."""
    data = participant.get("/api/task").get_json()
    images = [im["id"] for im in data["task"]["images"]]
    valid = {"assignment": data["task"]["assignment"], "selected": images[:2], "liked": "no",
             "bad_audio": True, "interactions": [{"type": "play", "t": 5, "position": 0}], "duration_ms": 10}
    return data, valid, {"X-CSRFToken": csrf_token(participant, "/tutorial")}


def _without(d, key):
    return {k: v for k, v in d.items() if k != key}


BAD_BODIES = [
    ("missing assignment", lambda v: _without(v, "assignment"), "assignment"),
    ("missing selected", lambda v: _without(v, "selected"), "selected"),
    ("missing liked", lambda v: _without(v, "liked"), "liked"),
    ("assignment as string", lambda v: {**v, "assignment": "1"}, "assignment"),
    ("assignment as bool", lambda v: {**v, "assignment": True}, "assignment"),
    ("selected as string", lambda v: {**v, "selected": "abc"}, "selected"),
    ("selected with numbers", lambda v: {**v, "selected": [1, 2]}, "selected"),
    ("selected duplicates", lambda v: {**v, "selected": [v["selected"][0]] * 2}, "selected"),
    ("nothing selected", lambda v: {**v, "selected": []}, "selected"),
    ("unknown image", lambda v: {**v, "selected": ["not-an-image"]}, "selected"),
    ("liked invalid", lambda v: {**v, "liked": "maybe"}, "liked"),
    ("liked as number", lambda v: {**v, "liked": 1}, "liked"),
    ("bad_audio as string", lambda v: {**v, "bad_audio": "yes"}, "bad_audio"),
    ("interactions not list", lambda v: {**v, "interactions": {"type": "play"}}, "interactions"),
    ("interaction unknown type", lambda v: {**v, "interactions": [{"type": "dance", "t": 1}]}, "interactions[0]"),
    ("interaction negative t", lambda v: {**v, "interactions": [{"type": "play", "t": -1}]}, "interactions[0]"),
    ("interaction t as string", lambda v: {**v, "interactions": [{"type": "play", "t": "1"}]}, "interactions[0]"),
    ("interaction extra key", lambda v: {**v, "interactions": [{"type": "play", "t": 1, "x": 1}]}, "interactions[0]"),
    ("interaction not object", lambda v: {**v, "interactions": ["play"]}, "interactions[0]"),
    ("duration negative", lambda v: {**v, "duration_ms": -5}, "duration_ms"),
    ("unknown task", lambda v: {**v, "assignment": 999999}, "assignment"),
    ("assignment out of range", lambda v: {**v, "assignment": 10**30}, "assignment"),
    ("duration out of range", lambda v: {**v, "duration_ms": 10**30}, "duration_ms"),
    ("t with 400 digits", lambda v: {**v, "interactions": [{"type": "play", "t": 10**400}]}, "interactions[0]"),
    ("position with 400 digits", lambda v: {**v, "interactions": [{"type": "play", "t": 1, "position": 10**400}]},
     "interactions[0]"),
    ("t infinite", lambda v: {**v, "interactions": [{"type": "play", "t": float("inf")}]}, "interactions[0]"),
    ("interaction image not in the task", lambda v: {**v, "interactions": [
        {"type": "play", "t": 1}, {"type": "select", "t": 2, "image": "9f00000000ff"}]}, "interactions[1]"),
    ("position far past the 3 s clip", lambda v: {**v, "interactions": [{"type": "seek", "t": 1, "position": 3600}]},
     "interactions[0]"),
    ("position a second and more past the clip", lambda v: {**v, "interactions": [
        {"type": "ended", "t": 1, "position": 4.5}]}, "interactions[0]"),
]


def test_events_at_the_clips_end_and_on_its_pictures_are_kept(participant, task):
    _, valid, headers = task
    events = [{"type": "select", "t": 3, "image": valid["selected"][0]}, {"type": "ended", "t": 3000, "position": 3.4}]
    response = participant.post("/api/submit", json={**valid, "interactions": events}, headers=headers)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(("name", "change", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_submissions_answer_400_naming_the_field(participant, task, name, change, field):
    _, valid, headers = task
    response = participant.post("/api/submit", json=change(valid), headers=headers)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["field"] == field and body["message"]
    # nothing was stored: the same task is still current and a valid answer goes through
    assert participant.post("/api/submit", json=valid, headers=headers).status_code == 201


def test_too_many_images_selected(participant, task):
    data, valid, headers = task
    images = [im["id"] for im in data["task"]["images"]]
    response = participant.post("/api/submit", json={**valid, "selected": images[:5]}, headers=headers)
    assert response.status_code == 400 and "between 1 and 4" in response.get_json()["message"]


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"null", b'{"assignment": ', b"\xff\xfe"])
def test_non_object_bodies(participant, task, payload):
    headers = {**task[2], "Content-Type": "application/json"}
    response = participant.post("/api/submit", data=payload, headers=headers)
    assert response.status_code == 400 and response.get_json()["field"] == "body"


def test_form_encoded_body_is_refused(participant, task):
    response = participant.post("/api/submit", data={"assignment": "1"}, headers=task[2])
    assert response.status_code == 400 and response.is_json


def test_oversized_body_is_413_json(participant, task):
    _, valid, headers = task
    huge = {**valid, "interactions": [{"type": "play", "t": k} for k in range(40000)]}
    response = participant.post("/api/submit", json=huge, headers=headers)
    assert response.status_code == 413 and response.is_json and response.get_json()["status"] == 413


def test_double_submission_is_409_and_stored_once(app, participant, task):
    _, valid, headers = task
    assert participant.post("/api/submit", json=valid, headers=headers).status_code == 201
    again = participant.post("/api/submit", json=valid, headers=headers)
    assert again.status_code == 409 and "perhaps in another tab" in again.get_json()["message"]
    participant.get("/lang/da")  # the second tab tells the participant what happened, in their language
    danish = participant.post("/api/submit", json=valid, headers=headers)
    assert danish.status_code == 409 and "en anden fane" in danish.get_json()["message"]
    from a2i.labeling.db import db
    from a2i.labeling.models import Submission

    with app.app_context():
        assert db.session.query(Submission).count() == 1


def test_only_the_current_task_can_be_answered(app, participant):
    from a2i.labeling.db import db
    from a2i.labeling.models import Assignment

    submit_current(participant)  # tutorial done; now at the first labeling task
    with app.app_context():
        later = db.session.query(Assignment).filter_by(is_tutorial=False).order_by(Assignment.position.desc()).first()
        later_id = later.id
    current = participant.get("/api/task").get_json()["task"]
    body = {"assignment": later_id, "selected": [current["images"][0]["id"]], "liked": "yes"}
    response = participant.post("/api/submit", json=body, headers={"X-CSRFToken": csrf_token(participant, "/tasks")})
    assert response.status_code == 400 and "current task" in response.get_json()["message"]


def test_other_participants_task_is_unknown(app, participant, task):
    from labeling_helpers import do_survey, invite, register

    other = app.test_client()
    register(other, invite(app), "bob22")
    do_survey(other)
    _, valid, _ = task
    response = other.post("/api/submit", json=valid, headers={"X-CSRFToken": csrf_token(other, "/tutorial")})
    assert response.status_code == 400 and "unknown task" in response.get_json()["message"]


def test_api_needs_login_and_answers_json(app):
    client = app.test_client()
    response = client.get("/api/task")
    assert response.status_code == 401 and response.is_json
    assert client.get("/api/nothing-here").get_json()["status"] == 404
    assert client.put("/api/submit").get_json()["status"] == 405


GARBAGE = [
    {"data": b"\x00\xff" * 50, "content_type": "application/octet-stream"},
    {"data": b'{"a": [1, {"b": null}]}', "content_type": "application/json"},
    {"data": "username=%ff%fe&password=" + "x" * 300, "content_type": "application/x-www-form-urlencoded"},
    {"data": {"age": ["1", "2"], "text": "y" * 6000, "action": "skip", "invite": "z" * 100}},
    {"json": [{"assignment": None}]},
]


def test_json_nested_1000_levels_deep_is_a_400(participant, task):
    _, valid, headers = task
    for depth in (1000, 5000):
        body = '{"assignment": ' + "[" * depth + "]" * depth + "}"
        response = participant.post("/api/submit", data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400 and response.get_json()["field"] == "body"
    assert participant.post("/api/submit", json=valid, headers=headers).status_code == 201


def test_the_next_tasks_media_are_preloaded(participant):
    submit_current(participant)  # tutorial done
    first = participant.get("/api/task").get_json()
    following = first["preload"]
    assert len(following) == 13 and following[0].startswith("/media/audio/")  # clip + 12 grid pictures
    assert first["task"]["audio"] not in following
    submit_current(participant)
    second = participant.get("/api/task").get_json()
    assert second["task"]["audio"] == following[0]
    assert {im["url"] for im in second["task"]["images"]} == set(following[1:])
    assert second["preload"] == []  # the last task: nothing after it


def test_no_endpoint_answers_500(app, participant):
    """Every route, with and without a session and a CSRF token, with garbage bodies: never a 5xx."""
    from labeling_helpers import invite, register

    token = csrf_token(participant, "/tutorial")
    anonymous = app.test_client()
    newcomer = app.test_client()  # registered, still at the survey
    register(newcomer, invite(app), "newbie1")
    paths = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", "x").replace(f"<path:{name}>", "x").replace(f"<string:{name}>", "x")
        paths.add(path)
    assert {"/api/submit", "/register", "/survey", "/feedback", "/start/x"} <= paths
    clients = ((anonymous, {}), (participant, {"X-CSRFToken": token}),
               (newcomer, {"X-CSRFToken": csrf_token(newcomer, "/survey")}))
    for path in sorted(paths, key=lambda p: (p == "/logout", p)):  # log out last
        for client, headers in clients:
            assert client.get(path, headers=headers).status_code < 500, path
            for body in GARBAGE:
                response = client.post(path, headers=headers, **body)
                assert response.status_code < 500, (path, body, response.status_code)
