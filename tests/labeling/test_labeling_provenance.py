"""The study's definition lives in the database: exports need no study folder to tell attention checks from
data, every picture says where it was painted from, choices are analysed by mood distance, and practice
pictures never return in task grids."""

from __future__ import annotations

import json
import shutil

import pytest
from labeling_helpers import SECRET, do_survey, invite, make_app, register, study_with_check, submit_current
from sqlalchemy import text

from a2i.errors import ConfigError
from a2i.labeling import export
from a2i.labeling.db import db
from a2i.labeling.manifest import load_study
from a2i.outputs import read_run


def _answer_all(app, names, expected):
    for name in names:
        client = app.test_client()
        register(client, invite(app), name)
        do_survey(client)
        while (task := client.get("/api/task").get_json())["done"] is False:
            is_check = any(im["id"] == expected[0] for im in task["task"]["images"]) and task["stage"] == "tasks"
            assert submit_current(client, pick=(lambda t: expected) if is_check else None)[0].status_code == 201


def test_export_without_the_study_folder_gives_the_same_tables(tmp_path, study_dir, monkeypatch):
    from a2i.cli import main

    study, expected = study_with_check(tmp_path, study_dir)
    app = make_app(tmp_path, study)
    _answer_all(app, ["ann1", "ben1"], expected)
    monkeypatch.setenv("A2I_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("A2I_STUDY_DIR", raising=False)
    assert main(["label", "export", "--out", str(tmp_path / "with"), "--study", str(study), "--format", "json"]) == 0
    shutil.rmtree(study)  # the folder is gone: the database still knows the study
    assert main(["label", "export", "--out", str(tmp_path / "without"), "--format", "json"]) == 0
    for name in export.TABLES:
        with_folder = json.loads((tmp_path / "with" / f"{name}.json").read_text())
        assert json.loads((tmp_path / "without" / f"{name}.json").read_text()) == with_folder, name
    agreement = json.loads((tmp_path / "without" / "agreement.json").read_text())
    assert agreement[-1]["item_id"] == "ALL" and agreement[-1]["n_submissions"] == 4  # 2 tasks each, no check
    assert "check-1" not in {row["item_id"] for row in agreement}
    submissions = json.loads((tmp_path / "without" / "submissions.json").read_text())
    assert [r["check_passed"] for r in submissions if r["check"]] == [1, 1]
    assert {r["study_version"] for r in submissions} == {1}


def test_export_refuses_a_database_without_the_study_definition(tmp_path, study_dir, monkeypatch, capsys):
    from a2i.cli import main

    app = make_app(tmp_path, study_dir)
    _answer_all(app, ["ann1"], ["none"])
    with app.app_context():  # a database from before the definitions were stored
        db.session.execute(text("UPDATE submission SET study_version = NULL"))
        db.session.execute(text("DELETE FROM study_definition"))
        db.session.commit()
    monkeypatch.setenv("A2I_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("A2I_STUDY_DIR", raising=False)
    assert main(["label", "export", "--out", str(tmp_path / "out")]) == 2
    assert "holds no study definition" in capsys.readouterr().err
    assert not (tmp_path / "out" / "agreement.csv").exists()
    # init-db with the folder records it; old answers then count under it
    assert main(["label", "init-db", "--study", str(study_dir)]) == 0
    assert main(["label", "export", "--out", str(tmp_path / "out")]) == 0


def test_pictures_say_where_they_were_painted_and_choices_are_analysed_by_mood(tmp_path, study_dir):
    app = make_app(tmp_path, study_dir)
    _answer_all(app, ["ann1", "ben1", "cat1"], ["none"])
    outputs = study_dir.parent / "outputs"
    with app.app_context():
        pictures = export.picture_rows()
        choices = export.choice_rows()
        moods = export.mood_distance_rows()
    study = load_study(study_dir)
    assert len(pictures) == sum(len(item.images) for item in (*study.items, *study.tutorial))
    for row in pictures:
        run = read_run(outputs / row["source_run"])
        record = next(p for p in run.pictures if (p.clip, p.variant) == (row["source_clip"], row["variant"]))
        assert (row["seed"], row["prompt"], row["clip_start"], row["clip_end"]) == (
            record.seed, record.prompt, record.start, record.end)
        assert (row["source_valence"], row["source_energy"]) == (run.profile.valence, run.profile.energy)
        assert row["source_song"] == run.profile.title and row["source_song_file"] == run.song_path().name
        assert row["source_song_sha256"] == run.song_record["sha256"] and len(row["source_song_sha256"]) == 64
        item_run = read_run(outputs / row["item_id"])
        assert (row["item_valence"], row["item_energy"]) == (item_run.profile.valence, item_run.profile.energy)
        assert (row["source_run"] == row["item_id"]) == bool(row["own"])
        expected = ((run.profile.valence - item_run.profile.valence) ** 2
                    + (run.profile.energy - item_run.profile.energy) ** 2) ** 0.5
        assert row["mood_distance"] == pytest.approx(expected, abs=1e-6)
    distance = {(r["item_id"], r["image_id"]): r["mood_distance"] for r in pictures}
    assert all(c["mood_distance"] == distance[(c["item_id"], c["image_id"])] for c in choices)
    # the analysis: one row for the clip's own pictures, then foils by distance bin; every counted choice once
    counted = [c for c in choices if not c["tutorial"]]
    assert moods[0]["bin"] == "own" and sum(r["n_shown"] for r in moods) == len(counted)
    for row in moods[1:]:
        in_bin = [c for c in counted if not c["own"] and row["distance_from"] <= c["mood_distance"] + 1e-9
                  and c["mood_distance"] < row["distance_to"] - 1e-9]
        assert row["n_shown"] == len(in_bin) and row["n_selected"] == sum(c["selected"] for c in in_bin)
        assert row["choice_rate"] == pytest.approx(row["n_selected"] / row["n_shown"])
    assert len(moods) >= 3  # the demo songs' moods spread the foils over several bins


def test_practice_pictures_never_come_back_in_task_grids(study_dir):
    study = load_study(study_dir)
    tutorial_songs = {item.id for item in study.tutorial}
    practice = {im.id for item in study.tutorial for im in item.images if im.source["run"] in tutorial_songs}
    assert practice
    for item in study.items:
        assert not practice & {im.id for im in item.images}, item.id
        assert not tutorial_songs & {im.source["run"] for im in item.images}
    manifest = json.loads((study_dir / "study.json").read_text())
    revealed = next(im for im in manifest["tutorial"][0]["images"] if im["own"])
    manifest["items"][0]["images"][-1] = dict(revealed, own=False)  # hand-edited back in as a foil
    from a2i.labeling.manifest import parse_study

    with pytest.raises(ConfigError, match="the tutorial reveals"):
        parse_study(manifest, "study.json", None)
