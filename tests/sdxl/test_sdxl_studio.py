"""An SDXL picture through the studio's API and its worker, painted by the tiny SDXL pipeline the SDXL tests share
(built from configs in code and saved to a folder: what ``a2i studio --model DIR`` loads; nothing downloaded)."""

from __future__ import annotations

import io
import os

from PIL import Image

from a2i.fileio import content_hash
from a2i.outputs import read_run
from a2i.seeding import picture_seed, song_seed
from a2i.studio.app import create_app, sdxl_options
from a2i.studio.jobs import JobQueue
from a2i.studio.projects import Studio
from a2i.studio.work import make_pictures, video_options
from a2i.studio.worker import run_variants

H = {"X-A2I-Studio": "1"}


def test_an_sdxl_picture_through_the_studio(tmp_path, songs, tiny_model_dir, monkeypatch):
    from a2i.mood import default_analyzer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = tiny_model_dir
    folder = tmp_path / "studio"
    app = create_app({"FOLDER": str(folder), "PICTURE_SIZE": 64, "SDXL": sdxl_options({"model": str(model), "steps": 1})})
    client = app.test_client()
    sdxl = client.get("/api/backends").get_json()["backends"][1]
    assert sdxl["available"] and sdxl["options"] == {"model": str(model), "steps": 1}

    # A song's pictures (the painter's, by the worker's own function, in this process).
    name = client.post("/api/projects", data={"file": (io.BytesIO(songs[0].read_bytes()), "bright.flac")},
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
    assert picture.seed == picture_seed(song_seed(0, content_hash(songs[0])), 0 + 1 * 1)  # the planner's variant 1
    with Image.open(folder / name / picture.image) as image:
        assert image.size == (64, 64)
    assert client.get(f"/api/projects/{name}").get_json()["chosen"] == {"0": picture.image}
    # A video in SDXL gets the same options (make_video validates them as `a2i video --backend sdxl` does).
    assert video_options({"backend": "sdxl"}, sdxl=sdxl)["backend_options"] == {"model": str(model), "steps": 1}
