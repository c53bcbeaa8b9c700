"""Exports (CSV/JSON, CLI and admin pages) and the agreement figures on a small example worked by hand."""

from __future__ import annotations

import csv
import json

import pytest
from labeling_helpers import (
    PASSWORD,
    SECRET,
    csrf_token,
    do_survey,
    invite,
    register,
    submit_current,
)

from a2i.labeling.export import agreement_rows


def _choices(selections: dict[int, set[str]], own: set[str], item: str = "clip") -> list[dict]:
    images = ["im1", "im2", "im3", "im4"]
    return [{"submission_id": uid, "user_id": uid, "item_id": item, "tutorial": 0, "grid_position": k,
             "image_id": im, "own": int(im in own), "selected": int(im in chosen)}
            for uid, chosen in selections.items() for k, im in enumerate(images)]


def test_agreement_on_a_hand_worked_example():
    # Two participants, own images im1 and im3. A picks im1+im2, B picks im1.
    # Picks: 3, own picks: 2 -> hit rate 2/3; chance = 4 own shown / 8 shown = 1/2.
    # Alpha (nominal), units im1..im4: A = 1 1 0 0, B = 1 0 0 0. Coincidences: o11 = 2, o00 = 4,
    # o01 = o10 = 1; n = 8, n0 = 5, n1 = 3. D_o = 2/8, D_e = 2*5*3/(8*7) = 30/56, alpha = 1 - 14/30 = 8/15.
    rows = agreement_rows(_choices({1: {"im1", "im2"}, 2: {"im1"}}, own={"im1", "im3"}))
    clip, total = rows
    assert clip["item_id"] == "clip" and total["item_id"] == "ALL"
    assert clip["n_submissions"] == 2 and clip["n_selected"] == 3 and clip["n_own_selected"] == 2
    assert clip["hit_rate"] == pytest.approx(2 / 3)
    assert clip["chance"] == pytest.approx(0.5)
    assert clip["lift"] == pytest.approx(4 / 3)
    assert clip["own_pick_rate"] == pytest.approx(0.5) and clip["other_pick_rate"] == pytest.approx(0.25)
    assert clip["alpha"] == pytest.approx(8 / 15)


def test_agreement_perfect_and_undefined_cases():
    perfect = agreement_rows(_choices({1: {"im1"}, 2: {"im1"}, 3: {"im1"}}, own={"im1"}))[0]
    assert perfect["alpha"] == pytest.approx(1.0) and perfect["hit_rate"] == 1.0
    single = agreement_rows(_choices({1: {"im2"}}, own={"im1"}))[0]
    assert single["alpha"] is None and single["hit_rate"] == 0.0  # one participant: no agreement to measure
    assert agreement_rows([]) == []
    tutorial_only = [dict(c, tutorial=1) for c in _choices({1: {"im1"}}, own={"im1"})]
    assert agreement_rows(tutorial_only) == []


@pytest.fixture
def answered(app):
    """Two participants who finished the study, and an admin."""
    from a2i.labeling.manage import add_admin

    for name in ("ann1", "ben1"):
        client = app.test_client()
        register(client, invite(app), name)
        do_survey(client)
        for _ in range(3):
            assert submit_current(client)[0].status_code == 201
    add_admin(app, "admin1", PASSWORD)
    return app


def test_cli_export_writes_every_table(answered, tmp_path, monkeypatch):
    from a2i.cli import main

    monkeypatch.setenv("A2I_INSTANCE_PATH", answered.instance_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    out = tmp_path / "export"
    assert main(["label", "export", "--out", str(out), "--study", answered.config["STUDY_DIR"]]) == 0
    submissions = list(csv.DictReader((out / "submissions.csv").open()))
    assert len(submissions) == 6 and sum(int(r["tutorial"]) for r in submissions) == 2
    choices = json.loads((out / "choices.json").read_text())
    assert len(choices) == 6 * 12 and sum(c["selected"] for c in choices) == 6 * 2
    assert all(set(c) >= {"submission_id", "image_id", "own", "selected", "grid_position"} for c in choices)
    participants = list(csv.DictReader((out / "participants.csv").open()))
    assert [p["username"] for p in participants] == ["ann1", "ben1"] and participants[0]["age"] == "31"
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement[-1]["item_id"] == "ALL" and agreement[-1]["n_submissions"] == 4
    assert json.loads(submissions[0]["interactions"])[0]["type"] == "play"


def test_admin_pages_and_downloads(answered):
    admin = answered.test_client()
    token = csrf_token(admin, "/login")
    assert admin.post("/login", data={"csrf_token": token, "username": "admin1", "password": PASSWORD}
                      ).headers["Location"] == "/admin/"
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Study progress" in page and "submissions" in page
    assert "Hit rate" in admin.get("/admin/agreement").get_data(as_text=True)
    danish = admin.get("/admin/agreement", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Træfrate" in danish and "Tilfældighed" in danish and "hit rate" not in danish.lower()
    download = admin.get("/admin/export/choices.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(download.get_data(as_text=True).strip().splitlines()) == 1 + 6 * 12
    assert len(admin.get("/admin/export/submissions.json").get_json()) == 6
    assert admin.get("/admin/export/secrets.csv").status_code == 404
    pictures = admin.get("/admin/export/pictures.json").get_json()
    assert len(pictures) == 5 * 12 and all(p["source_run"] and p["prompt"] for p in pictures)  # 4 items + tutorial
    assert admin.get("/admin/export/mood_distance.json").get_json()[0]["bin"] == "own"
    assert "pictures.csv" in page and "mood_distance.csv" in page
    participant = answered.test_client()
    token = csrf_token(participant, "/login")
    participant.post("/login", data={"csrf_token": token, "username": "ann1", "password": PASSWORD})
    assert participant.get("/admin/").status_code == 403
    assert participant.get("/admin/export/choices.csv").status_code == 403
