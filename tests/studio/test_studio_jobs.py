"""The job queue and the worker: pictures streamed centre first, choices saved at once, a render that
survives a crash of its worker and continues where it stopped."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from a2i.cli import build_parser
from a2i.errors import ConfigError
from a2i.fileio import content_hash
from a2i.outputs import read_run
from a2i.planner import Chosen
from a2i.seeding import picture_seed, song_seed
from a2i.studio.jobs import JobQueue

H = {"X-A2I-Studio": "1"}


def wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_queued_job_cancels_at_once_and_an_orphan_is_requeued(folder):
    queue = JobQueue(folder)
    first, second = queue.add("pictures", "a", {}), queue.add("video", "a", {"fps": "12"})
    assert queue.cancel(first["id"])["state"] == "cancelled"
    claimed = queue.claim(pid=2**22 + 12345, kinds=("video",))  # a process id no process has
    assert claimed["id"] == second["id"] and claimed["attempts"] == 1
    assert queue.requeue_orphans() == [second["id"]]
    assert queue.get(second["id"])["state"] == "queued"
    for attempt in (2, 3):
        assert queue.claim(pid=2**22 + 12345)["attempts"] == attempt
        queue.requeue_orphans()
    failed = queue.get(second["id"])
    assert failed["state"] == "failed" and "stopped 3 times" in failed["message"]


def test_pictures_choices_and_a_render_that_resumes_after_a_crash(client, folder, songs, worker):
    # 1. Add a song: the worker paints every clip, the centre one first, into a run folder the CLI reads.
    response = client.post("/api/projects", data={"file": (io.BytesIO(songs["video"].read_bytes()), "video.wav")}, headers=H)
    name = response.get_json()["project"]
    view = wait_for(lambda: (v := client.get(f"/api/projects/{name}").get_json())["clips"]
                    and all(c["pictures"] for c in v["clips"]) and v["sections"] and v, 60, "the pictures")
    assert [c["index"] for c in view["clips"]] == [0, 1, 2]
    run = read_run(folder / name)
    assert [p.clip for p in run.pictures] == [1, 0, 2]  # centre first, then outwards
    base = song_seed(0, content_hash(songs["video"]))  # the planner's seeds: the song's content and clip 1
    assert run.options["clips"] == "all" and run.pictures[0].seed == picture_seed(base, 1)
    assert view["song"]["tempo"] > 0 and 0 <= view["song"]["tempo_confidence"] <= 1

    # 2. Re-roll and own prompt: new variants, each chosen at once and kept on disk.
    reroll = client.post(f"/api/projects/{name}/clips/0/variants", json={"reroll": True}, headers=H).get_json()
    assert reroll["variant"] == 1 and reroll["seed"] == str(picture_seed(base, 0 + 1 * 3))  # variant 1 of clip 0 of 3
    own = client.post(f"/api/projects/{name}/clips/0/variants", json={"prompt": "ink drawing of a lighthouse"}, headers=H)
    assert own.status_code == 201
    state = json.loads((folder / ".studio" / name / "state.json").read_text())
    assert state["chosen"] == {"0": own.get_json()["image"]}
    assert [p.prompt for p in read_run(folder / name).pictures if p.clip == 0][-1] == "ink drawing of a lighthouse"
    back = client.post(f"/api/projects/{name}/clips/0/choose", json={"image": reroll["image"]}, headers=H)
    assert back.status_code == 200 and client.get(f"/api/projects/{name}").get_json()["chosen"] == {"0": reroll["image"]}
    own = client.post(f"/api/projects/{name}/clips/2/variants", json={"prompt": "a {mood} harbour"}, headers=H).get_json()
    assert [p.prompt for p in read_run(folder / name).pictures if p.image == own["image"]] != ["a {mood} harbour"]  # filled
    # a whole section at once: every clip whose middle lies in it gets a new variant, chosen
    sections = view["sections"]
    inside = [c["index"] for c in view["clips"] if sections[0]["start"] <= (c["start"] + c["end"]) / 2 < sections[0]["end"]]
    changed = client.post(f"/api/projects/{name}/sections/0/variants", json={"style": "ink"}, headers=H).get_json()["images"]
    assert len(changed) == len(inside) >= 1 and all(image.endswith("_ink.png") for image in changed)
    chosen = client.get(f"/api/projects/{name}").get_json()["chosen"]
    assert [chosen[str(i)] for i in inside] == changed
    assert client.post(f"/api/projects/{name}/sections/99/variants", json={"reroll": True}, headers=H).status_code == 404
    client.post(f"/api/projects/{name}/clips/0/choose", json={"image": reroll["image"]}, headers=H)
    bad = client.post(f"/api/projects/{name}/clips/0/choose", json={"image": "../../etc/passwd"}, headers=H)
    assert bad.status_code == 400

    # The ZIP: profile, run record, every picture and card the record lists.
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/download/{name}/pictures.zip").data))
    run = read_run(folder / name)
    expected = {f"{name}/{f}" for p in run.pictures for f in (p.image, p.card)} | {f"{name}/profile.json", f"{name}/prompts.json"}
    assert set(archive.namelist()) == expected

    # 3. A render; the worker dies mid-way (with its render process); a new worker continues the same job.
    job = client.post(f"/api/projects/{name}/video", json={"size": "160x90", "fps": "6", "segments": "fixed"},
                      headers=H).get_json()["job"]
    # Its keyframes are the pictures the page shows (the chosen one, else the clip's first), as make_video's chosen.
    view = client.get(f"/api/projects/{name}").get_json()
    shown = [view["chosen"].get(str(c["index"]), c["pictures"][0]["image"]) for c in view["clips"]]
    assert JobQueue(folder).get(job)["params"]["keyframes"] == shown and reroll["image"] in shown
    chosen = Chosen.from_run(read_run(folder / name), shown)
    assert [(r.clip.index, r.image) for r in chosen.requests] == list(enumerate(shown))
    # The same from the shell: `a2i video SONG --keyframes PICTURE ...` takes the files (of one run folder).
    args = build_parser().parse_args(["video", "song.wav", *(a for image in shown for a in ("--keyframes", str(folder / name / image)))])
    assert Chosen.from_files(args.keyframes) == chosen
    with pytest.raises(ConfigError, match="pictures of one run folder"):
        Chosen.from_files([folder / name / shown[0], folder / "elsewhere" / shown[1]])
    for bad, message in ((["video_clip09.png"], "not a picture of the run"),
                         ([reroll["image"], view["clips"][0]["pictures"][0]["image"]], "both pictures of clip 0")):
        with pytest.raises(ConfigError, match=message):
            Chosen.from_run(read_run(folder / name), bad)
    chunks = folder / name / f"{name}.mp4.parts" / "chunks"
    wait_for(lambda: chunks.is_dir() and any(chunks.glob("chunk_*.mp4")), 60, "the first chunk")
    assert wait_for(lambda: (JobQueue(folder).get(job).get("frames") or [0, 0])[0] > 0, 10, "frame progress")
    assert JobQueue(folder).get(job)["frames"][1] == 150  # 25 s at 6 fps: progress is counted in frames
    worker.kill()
    assert JobQueue(folder).get(job)["state"] == "running"
    worker.start()
    done = wait_for(lambda: (j := JobQueue(folder).get(job))["state"] in ("done", "failed") and j, 90, "the render")
    assert done["state"] == "done", done["message"]
    assert done["attempts"] == 2 and done["video"]["reused_chunks"] >= 1 and "kept from before the restart" in done["message"]
    video = client.get(f"/download/{name}/video.mp4")
    assert video.status_code == 200 and video.data[4:8] == b"ftyp"
    assert f'filename={name}.mp4' in video.headers["Content-Disposition"]
