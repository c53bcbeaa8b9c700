"""Adding songs: every format a2i reads, clear refusals named like the CLI's, and no way out of the folder."""

from __future__ import annotations

import io
import json
import time

import pytest

from a2i.studio import create_app
from a2i.studio.projects import safe_name

H = {"X-A2I-Studio": "1"}


def upload(client, data: bytes, name: str):
    return client.post("/api/projects", data={"file": (io.BytesIO(data), name)}, headers=H)


def test_a_song_becomes_a_project_with_waveform_and_a_queued_picture_job(client, folder, songs):
    response = upload(client, songs["short"].read_bytes(), "My Song (live).wav")
    assert response.status_code == 201
    name = response.get_json()["project"]
    assert name == "My_Song_live"
    assert (folder / "songs" / "My_Song_live.wav").read_bytes() == songs["short"].read_bytes()
    peaks = client.get(f"/api/projects/{name}/peaks").get_json()
    assert peaks["duration"] == pytest.approx(12.0, abs=0.01) and len(peaks["peaks"]) == 1200
    assert all(lo <= hi for lo, hi in peaks["peaks"]) and max(hi for _, hi in peaks["peaks"]) > 0.5
    jobs = [json.loads(p.read_text()) for p in (folder / ".jobs").glob("*.json")]
    assert [(j["kind"], j["project"], j["state"]) for j in jobs] == [("pictures", name, "queued")]
    # the same name twice makes a second project, never overwrites the first
    assert upload(client, songs["short"].read_bytes(), "My Song (live).wav").get_json()["project"] == "My_Song_live-2"


def test_the_listening_copy_is_served_with_byte_ranges(client, songs):
    name = upload(client, songs["short"].read_bytes(), "a.wav").get_json()["project"]
    part = client.get(f"/media/{name}/listen.wav", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.data) == 100
    assert part.headers["Content-Range"].startswith("bytes 100-199/")


@pytest.mark.parametrize("filename", ["../../x.wav", "..\\..\\x.wav", "/etc/x.wav", "x.wav\x00.txt"])
def test_path_names_cannot_leave_the_studio_folder(client, folder, songs, filename):
    response = upload(client, songs["short"].read_bytes(), filename)
    if response.status_code == 201:
        name = response.get_json()["project"]
        assert name == safe_name(filename) and "/" not in name and ".." not in name
        assert (folder / "songs" / f"{name}.wav").is_file()
    else:
        assert response.status_code == 400 and response.get_json()["error"].startswith("a2i: error: ")
    outside = [p for p in folder.parent.rglob("x*") if folder not in p.parents]
    assert outside == []


def test_a_file_that_is_not_audio_is_named_as_the_cli_names_it(client, folder):
    response = upload(client, b"<html>this is a web page, not a song</html>" * 50, "notes.mp3")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error.startswith("a2i: error: notes.mp3: ") and ".upload-" not in error and str(folder) not in error
    assert list((folder / "songs").iterdir()) == []  # nothing is kept of a refused upload


def test_an_unknown_format_lists_the_formats_a2i_reads(client):
    error = upload(client, b"hello", "song.txt").get_json()["error"]
    assert error.startswith("a2i: error: song.txt: not an audio format a2i reads") and "flac" in error


def test_a_truncated_file_and_an_empty_one_are_refused(client, folder, songs):
    from a2i.studio.jobs import JobQueue

    data = songs["short"].read_bytes()
    cut = upload(client, data[: len(data) // 3], "cut.wav")
    assert cut.status_code == 400 and cut.get_json()["error"].startswith("a2i: error: cut.wav: ")
    assert "trunc" in cut.get_json()["error"].lower() or "cut" in cut.get_json()["error"].lower()
    # Its header promised 12 s, so its first look was queued before the whole file was decoded; the check
    # failed, so the project is gone and its job cancelled.
    assert [(j["kind"], j["state"]) for j in JobQueue(folder).all()] == [("pictures", "cancelled")]
    assert client.get("/api/projects").get_json() == {"projects": []}
    assert list((folder / "songs").iterdir()) == [] and list((folder / ".studio").iterdir()) == []
    # The page asks to be answered once the file is stored (?early=1): 201 at once, the refusal found later at the
    # song's address, in the same words; the job cancelled, nothing left.
    early = client.post("/api/projects?early=1", data={"file": (io.BytesIO(data[: len(data) // 3]), "cut.wav")}, headers=H)
    assert early.status_code == 201 and early.get_json()["checking"] is True
    name = early.get_json()["project"]
    end = time.monotonic() + 20
    while (answer := client.get(f"/api/projects/{name}")).status_code == 200 and time.monotonic() < end:
        time.sleep(0.05)
    assert answer.status_code == 400 and answer.get_json()["error"] == cut.get_json()["error"]
    assert JobQueue(folder).get(early.get_json()["job"])["state"] == "cancelled"
    assert client.get("/api/projects").get_json() == {"projects": []} and list((folder / "songs").iterdir()) == []
    good = client.post("/api/projects?early=1", data={"file": (io.BytesIO(songs["short"].read_bytes()), "cut.wav")}, headers=H)
    assert good.status_code == 201 and good.get_json()["project"] == name  # the name is free again, the refusal gone
    end = time.monotonic() + 20
    while client.get(f"/api/projects/{name}").get_json().get("checking") and time.monotonic() < end:
        time.sleep(0.05)
    assert client.get(f"/api/projects/{name}/peaks").status_code == 200
    empty = upload(client, b"", "empty.wav")
    assert empty.get_json()["error"] == "a2i: error: empty.wav: file is empty (0 bytes); re-export or re-download it"


def test_too_large_and_too_long_songs_are_refused_with_the_limit(folder, songs):
    client = create_app({"FOLDER": str(folder), "MAX_UPLOAD_BYTES": 100_000, "MAX_SECONDS": 8}).test_client()
    huge = upload(client, b"\0" * 2_000_000, "huge.wav")
    assert huge.status_code == 413
    assert huge.get_json()["error"].startswith("a2i: error: the file is larger than the studio's limit of 98 KB")
    client = create_app({"FOLDER": str(folder), "MAX_SECONDS": 8}).test_client()
    long = upload(client, songs["short"].read_bytes(), "long.wav")
    assert long.status_code == 400
    assert long.get_json()["error"] == ("a2i: error: long.wav: 0:12 long; the studio takes songs up to 0:08 "
                                        "(use `a2i generate` for longer recordings)")


def test_tags_reach_the_page_as_data_never_as_markup(client, songs):
    name = upload(client, songs["tagged"].read_bytes(), "tagged.flac").get_json()["project"]
    view = client.get(f"/api/projects/{name}").get_json()
    assert view["title"] == '<img src=x onerror="window.pwned=1">Song'
    page = client.get("/").data.decode()
    assert "onerror" not in page  # the page holds no song data; its script writes tags as text
