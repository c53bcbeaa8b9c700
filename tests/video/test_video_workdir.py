"""The work folder of an interrupted video: pieces made by another version of a2i are drawn again, never a crash."""

from __future__ import annotations

import copyreg
import json
import pickle

import numpy as np
import pytest

from a2i.errors import A2IWarning, ConfigError
from a2i.mood import Profile
from a2i.video.routes import PARTS_FORMAT, KeyframeCache, _load_pickle, _save_pickle
from a2i.video.workdir import WorkDir, job_record, parts_dir


def old_folder(tmp_path, record):
    """A folder left by a render killed under an older a2i: a job record without ``parts``, pieces, prompts."""
    parts = parts_dir(tmp_path / "v.mp4")
    (parts / "keyframes").mkdir(parents=True)
    (parts / "chunks").mkdir()
    (parts / "keyframes" / "keyframe_0000.pickle").write_bytes(b"old")
    (parts / "chunks" / "chunk_00000.mp4").write_bytes(b"old")
    (parts / "prompts.json").write_text('["a sunrise"]')
    (parts / "job.json").write_text(json.dumps({k: v for k, v in record.items() if k != "parts"}))
    return parts


def test_pieces_of_another_format_are_drawn_again_and_the_job_kept(tmp_path):
    song = tmp_path / "song.wav"
    song.write_bytes(b"RIFF")
    (tmp_path / "v.mp4").write_bytes(b"the user's earlier video")
    record = job_record(song, {"fps": "24"}, parts=PARTS_FORMAT["layers"])
    parts = old_folder(tmp_path, record)
    with pytest.warns(A2IWarning, match=rf"{parts}.*format 1, this one makes {PARTS_FORMAT['layers']}.*again"):
        work = WorkDir(tmp_path / "v.mp4", record, resume=True)
    assert not any(work.keyframes.iterdir()) and not any(work.chunks.iterdir())  # stale pieces gone
    assert work.keep("prompts", ["a storm"]) == ["a sunrise"]  # what the job kept is reused
    assert json.loads((parts / "job.json").read_text())["parts"] == PARTS_FORMAT["layers"]
    assert (tmp_path / "v.mp4").read_bytes() == b"the user's earlier video"
    (work.chunks / "chunk_00000.mp4").write_bytes(b"new")
    WorkDir(tmp_path / "v.mp4", record, resume=True)  # the same format now: resumed as it is, no warning
    assert (work.chunks / "chunk_00000.mp4").read_bytes() == b"new"
    # A folder in the format of the route (unversioned = 1) keeps its pieces; other settings are still refused.
    old = job_record(song, {"fps": "24"}, parts=PARTS_FORMAT["review"])
    (tmp_path / "other").mkdir()
    parts = old_folder(tmp_path / "other", old)
    WorkDir(tmp_path / "other" / "v.mp4", old, resume=True)
    assert (parts / "chunks" / "chunk_00000.mp4").exists()
    with pytest.raises(ConfigError, match="--fps"):
        WorkDir(tmp_path / "other" / "v.mp4", job_record(song, {"fps": "30"}, parts=PARTS_FORMAT["review"]), resume=True)


def test_a_keyframe_this_version_cannot_read_is_made_again(tmp_path):
    from a2i.render.painter.motion import Scene

    made = []
    cache = KeyframeCache(lambda i: made.append(i) or np.full(3, i), lambda i: tmp_path / f"k{i}.pickle", _save_pickle, _load_pickle)
    (tmp_path / "k0.pickle").write_bytes(b"not a pickle")
    # A keyframe of the half-size motion (it had no arrival map): unpickled into today's class, it cannot stand.
    scene = Scene.prepare(Profile(), seed=0, size=(32, 18))
    state = scene.__getstate__()
    del state["arrive"]
    (tmp_path / "k1.pickle").write_bytes(pickle.dumps(OldScene(state)))
    _save_pickle(np.full(3, 7), tmp_path / "k2.pickle")
    assert cache[0].tolist() == [0, 0, 0] and cache[1].tolist() == [1, 1, 1] and cache[2].tolist() == [7, 7, 7]
    assert made == [0, 1]
    assert _load_pickle(tmp_path / "k0.pickle").tolist() == [0, 0, 0]  # replaced by the keyframe made again


class OldScene:
    """Pickles as a :class:`Scene` with the given state (a keyframe another version saved)."""

    def __init__(self, state):
        self.state = state

    def __reduce__(self):
        from a2i.render.painter.motion import Scene

        return copyreg._reconstructor, (Scene, object, None), self.state
