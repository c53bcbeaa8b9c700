"""The laptop route end to end: the painter in motion, paced by onsets, checked with ffprobe and by eye."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from video_helpers import REPO, probe, read_frames

from a2i.errors import ConfigError
from a2i.video.make import make_video
from a2i.video.workdir import parts_dir

TUTORIAL = REPO / "dataset" / "tutorial_data"


def _change(frames: np.ndarray) -> np.ndarray:
    """Per-frame visual change: mean absolute difference of consecutive frames (0..255)."""
    return np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))


@pytest.mark.parametrize("name,start,end,fps", [("example_song", None, None, "8"), ("bright_major", 10.0, 16.5, "12.5"),
                                                ("dark_minor", 3.3, 11.0, "23.976")])
def test_example_songs_make_valid_videos_as_long_as_their_audio(tmp_path, analyzer, name, start, end, fps):
    out = tmp_path / f"{name}.mp4"
    result = make_video(TUTORIAL / f"{name}.flac", out, fps=fps, size="96x54", start=start, end=end,
                        progress=False, analyzer=analyzer)
    info = probe(out)
    duration = (end or 30.0) - (start or 0.0)
    frame = 1 / float(result.fps)
    assert (info["codec"], info["pix_fmt"], info["audio_codec"], info["size"]) == ("h264", "yuv420p", "aac", (96, 54))
    assert info["fps"] == result.fps and info["frames"] == result.n_frames == round(duration * result.fps)
    assert abs(info["audio_seconds"] - duration) < 0.01
    assert abs(info["video_seconds"] - info["audio_seconds"]) <= frame
    assert abs(info["format_seconds"] - duration) <= frame
    assert not parts_dir(out).exists()


def test_in_betweens_change_smoothly_and_keyframes_follow_the_song(tmp_path, analyzer):
    out = tmp_path / "smooth.mp4"
    result = make_video(TUTORIAL / "example_song.flac", out, fps=12, size="128x72", segments="fixed", pulse=False,
                        progress=False, analyzer=analyzer)
    frames = read_frames(out, (128, 72))
    change = _change(frames)
    # The motion video has no cuts: no frame changes more than a small share of a keyframe-to-keyframe change.
    starts = [round(s.start * 12) for s in result.segments]
    chords = [np.abs(frames[a].astype(np.int16) - frames[b].astype(np.int16)).mean() for a, b in zip(starts, starts[1:])]
    assert change.max() < 0.25 * min(chords), (change.max(), chords)
    # And never a large share of the frame at once. (The re-composed song's window keyframe read 11.8 while a
    # wall beside a window's sill waited for the sill and every object's rise was squeezed to make room.)
    assert change.max() < 10.0
    # It moves all the time (never a frozen stretch of a second), and it is not a plain crossfade: the middle
    # of a transition is not the average of its ends.
    assert np.convolve(change, np.ones(12), "valid").min() > 0.5
    a, b, mid = frames[starts[0]].astype(np.float32), frames[starts[1]].astype(np.float32), None
    mid = frames[(starts[0] + starts[1]) // 2].astype(np.float32)
    assert np.abs(mid - (a + b) / 2).mean() > 4.0
    # The song builds from a quiet intro to a full ending; so do the pictures' saturation and variety.
    first, last = frames[starts[0]].astype(np.float32), frames[-1].astype(np.float32)
    saturation = [float((f.max(axis=2) - f.min(axis=2)).mean()) for f in (first, last)]
    assert saturation[1] > saturation[0]


def test_a_beat_aligned_piece_moves_more_on_its_beats_than_between(tmp_path, analyzer, beat_song):
    path, beats = beat_song
    out = tmp_path / "beats.mp4"
    make_video(path, out, fps=24, size="128x72", progress=False, analyzer=analyzer)
    change = _change(read_frames(out, (128, 72)))
    times = np.arange(1, len(change) + 1) / 24.0  # frame k+1 appears at this time, showing the change since frame k
    on_beat = np.array([any(t - 1 / 24 < b <= t for b in beats) for t in times])
    assert on_beat.sum() == len([b for b in beats if b <= times[-1]])
    assert change[on_beat].mean() > 3.0 * change[~on_beat].mean(), (change[on_beat].mean(), change[~on_beat].mean())
    # Reactivity 0 and full smoothing: the same piece moves evenly, beats or not.
    calm = tmp_path / "calm.mp4"
    make_video(path, calm, fps=24, size="128x72", reactivity=0.0, smooth=1.0, progress=False, analyzer=analyzer)
    even = _change(read_frames(calm, (128, 72)))
    assert even[on_beat].mean() < 1.5 * even[~on_beat].mean()


def test_a_stronger_onset_moves_the_picture_more():
    # One held keyframe, so only the pulse moves it: beats at 0.4 and an accent at 1.0 (a phrase's re-entry), drawn as
    # the route draws them. The accent must move the picture clearly more than a beat: a pulse full on every beat
    # (as before, from the 95th percentile of the onsets up) moved it as much on each (19.6 against 19.8).
    from fractions import Fraction

    from a2i.mood import Profile
    from a2i.render import Request, get_backend
    from a2i.video.pacing import pace
    from a2i.video.segments import Segment
    from a2i.video.timing import FrameGrid

    grid = FrameGrid(Fraction(24), 0.0, 2.0)
    onset = np.full(grid.n_frames, 0.02)
    onset[[4, 16, 40]] = 0.4
    onset[28] = 1.0
    plan = pace(grid, [Segment(0, 0.0, 2.0)], onset, smooth=0.0)
    backend = get_backend("painter")
    scene = backend.scene(Request(seed=0, profile=Profile(valence=0.5, energy=0.6), prompt="A harbour with boats at dusk."),
                          size=(96, 54))
    frames = np.stack([backend.frame(scene, scene, 0.0, time=float(t), pulse=float(plan.pulse[k]), zoom=float(plan.zoom[k]))
                       for k, t in enumerate(grid.times())])
    change = _change(frames)  # change[k - 1]: into frame k
    beats, accent = change[[15, 39]].mean(), change[27]
    assert accent > 2.0 * beats, (accent, beats)



#: Runs `a2i ARGS...` and kill -9s itself at the 5th frame of the second chunk it encodes.
KILL_IN_SECOND_CHUNK = """
import os, signal, sys
import a2i.video.make
from a2i.cli import main

real, calls = a2i.video.make.encode_frames, []

def frames_then_die(frames):
    for k, frame in enumerate(frames):
        if k == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        yield frame

def encode(frames, path, **options):
    calls.append(path)
    return real(frames_then_die(frames) if len(calls) == 2 else frames, path, **options)

a2i.video.make.encode_frames = encode
sys.exit(main(sys.argv[1:]))
"""


def test_resume_after_a_kill_gives_a_complete_video(tmp_path, example_song):
    out = tmp_path / "resumed.mp4"
    options = ["--fps", "12", "--size", "192x108", "--end", "20"]
    cmd = [sys.executable, "-m", "a2i", "video", str(example_song), "--out", str(out), *options]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # kill -9 at one exact point (fault injection, no race): the 5th frame of the second chunk.
    killed = subprocess.run([sys.executable, "-c", KILL_IN_SECOND_CHUNK, *cmd[3:]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    chunks = parts_dir(out) / "chunks"
    assert not out.exists() and sorted(p.name for p in chunks.glob("chunk_*.mp4")) == ["chunk_00000.mp4"]
    assert list((parts_dir(out) / "keyframes").glob("keyframe_*.pickle"))

    resumed = subprocess.run([*cmd, "--resume"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "1 chunk(s) reused" in resumed.stdout
    info = probe(out)
    assert info["frames"] == 240 and abs(info["video_seconds"] - info["audio_seconds"]) <= 1 / 12
    assert not parts_dir(out).exists()
    # The resumed video is the video an uninterrupted render makes.
    fresh = tmp_path / "fresh.mp4"
    subprocess.run([*cmd[:6], str(fresh), *options], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    a, b = read_frames(out, (192, 108)).astype(np.int16), read_frames(fresh, (192, 108)).astype(np.int16)
    assert a.shape == b.shape and np.abs(a - b).mean() < 0.5


def test_a_chosen_picture_is_drawn_again_as_its_clips_keyframe(tmp_path, analyzer, beat_song):
    from PIL import Image

    from a2i.fileio import content_hash
    from a2i.planner import Chosen, RenderRequest, tagged
    from a2i.render.painter import paint

    song = beat_song[0]
    analysis = analyzer.analyze(song, per_clip=True)
    clip = tagged(analysis, analysis.clips[0])
    pick = RenderRequest(clip, "a lighthouse on a stormy coast", seed=4242, style="ink")
    options = {"fps": 4, "size": "64x36", "segments": "fixed", "progress": False, "analyzer": analyzer}
    events = []
    make_video(song, tmp_path / "chosen.mp4", chosen=Chosen(content_hash(song), (pick,)),
               on_progress=lambda *e: events.append(e), **options)
    make_video(song, tmp_path / "plain.mp4", **options)
    chosen, plain = (read_frames(tmp_path / f"{n}.mp4", (64, 36)).astype(np.int16) for n in ("chosen", "plain"))
    # The keyframe is the chosen picture's scene (its prompt, seed, style and clip), not the planner's own: its
    # composition and colours (16 x 9 box means; the moving frame's fine texture differs from the still's).
    still = paint(clip, prompt=pick.prompt, style="ink", seed=4242, size=(64, 36)).convert("RGB")

    def coarse(picture):
        return np.asarray(Image.fromarray(np.asarray(picture, np.uint8)).resize((16, 9), Image.Resampling.BOX), np.float32)

    assert np.abs(coarse(chosen[0]) - coarse(still)).mean() < 0.5 * np.abs(coarse(plain[0]) - coarse(still)).mean()
    assert np.abs(chosen - plain).mean(axis=(1, 2, 3)).min() > 5.0  # every frame changes
    # Progress per frame: the analysis, every frame in order, the join.
    assert events[0] == ("analysing", 0, 32) and events[-1] == ("joining", 32, 32)
    assert [e[1] for e in events if e[0] == "rendering"] == list(range(33))
    with pytest.raises(ConfigError, match="another song than beats.wav"):
        make_video(song, tmp_path / "other.mp4", chosen=Chosen("0" * 64, (pick,)), **options)
