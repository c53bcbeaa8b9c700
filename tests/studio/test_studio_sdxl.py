"""SDXL in the studio: offered when pointed at weights, with the CLI's options checked the CLI's way, greyed out
with the reason otherwise; a picture painted by a tiny SDXL pipeline (built from configs, no download) through the
studio's API and its worker."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.fileio import content_hash
from a2i.outputs import read_run
from a2i.seeding import picture_seed, song_seed
from a2i.studio.app import backends, create_app, sdxl_options
from a2i.studio.jobs import JobQueue
from a2i.studio.projects import Studio
from a2i.studio.work import make_pictures, video_options
from a2i.studio.worker import run_variants

H = {"X-A2I-Studio": "1"}


def test_sdxl_is_greyed_out_with_the_reason_and_its_options_are_checked_as_the_cli_checks_them(tmp_path, monkeypatch, capsys):
    import importlib.util

    client = create_app({"FOLDER": str(tmp_path / "studio")}).test_client()
    sdxl = client.get("/api/backends").get_json()["backends"][1]
    assert not sdxl["available"] and sdxl["reason"].startswith("no weights: start the studio with --model")
    page = client.get("/").get_data(as_text=True)
    assert 'name="picture-backend" value="sdxl"' in page and 'disabled aria-describedby="why-pictures-sdxl"' in page
    refused = client.post("/api/projects/x/clips/0/variants", json={"reroll": True, "backend": "sdxl"}, headers=H)
    assert refused.status_code in (400, 404)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else find_spec(name, *a))
    assert backends({"SDXL": {"model": str(tmp_path)}})[1]["reason"].startswith("torch and diffusers are not installed")
    monkeypatch.undo()
    # The CLI's SDXL flags, refused before the studio starts, in the CLI's words.
    with pytest.raises(ConfigError, match="--guidance must be in"):
        sdxl_options({"model": str(tmp_path), "guidance": 99.0})
    assert main(["studio", str(tmp_path / "studio"), "--no-browser", "--model", str(tmp_path), "--steps", "0"]) != 0
    assert "a2i: error: --steps must be an integer" in capsys.readouterr().err


def test_an_sdxl_picture_through_the_studio(tmp_path, songs, monkeypatch):
    from a2i.mood import default_analyzer
    from a2i.render.tiny import save_tiny_sdxl

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = save_tiny_sdxl(tmp_path / "tiny-sdxl", seed=0)
    folder = tmp_path / "studio"
    app = create_app({"FOLDER": str(folder), "PICTURE_SIZE": 64, "SDXL": sdxl_options({"model": str(model), "steps": 1})})
    client = app.test_client()
    sdxl = client.get("/api/backends").get_json()["backends"][1]
    assert sdxl["available"] and sdxl["options"] == {"model": str(model), "steps": 1}

    # A song's pictures (the painter's, by the worker's own function, in this process).
    name = client.post("/api/projects", data={"file": (io.BytesIO(songs["tagged"].read_bytes()), "tagged.flac")},
                       headers=H).get_json()["project"]
    queue, studio = JobQueue(folder), Studio(folder)
    queue.claim(pid=os.getpid(), kinds=("pictures",))
    assert make_pictures(studio.project(name), default_analyzer(), lambda *a: False) == 1

    # Re-roll clip 0 with SDXL: queued for the worker (which loads the weights once), painted, recorded, chosen.
    answer = client.post(f"/api/projects/{name}/clips/0/variants", json={"reroll": True, "backend": "sdxl"}, headers=H)
    assert answer.status_code == 202 and answer.get_json()["backend"] == "sdxl"
    job = queue.claim(pid=os.getpid(), kinds=("variant",))
    engines: dict = {}
    run_variants(queue, studio, job, engines)
    done = queue.get(job["id"])
    assert done["state"] == "done", done.get("message")
    picture = next(p for p in read_run(folder / name).pictures if p.image == done["images"][0])
    assert (picture.backend, picture.variant) == ("sdxl", 1)
    assert picture.seed == picture_seed(song_seed(0, content_hash(songs["tagged"])), 0 + 1 * 1)  # the planner's variant 1
    with Image.open(folder / name / picture.image) as image:
        assert image.size == (64, 64)
    assert client.get(f"/api/projects/{name}").get_json()["chosen"] == {"0": picture.image}
    # A video in SDXL gets the same options (make_video validates them as `a2i video --backend sdxl` does).
    assert video_options({"backend": "sdxl"}, sdxl=sdxl)["backend_options"] == {"model": str(model), "steps": 1}
