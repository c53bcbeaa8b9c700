"""The video is as long as its audio, to within one frame, for any frame rate and duration."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import soundfile as sf
from video_helpers import probe

from a2i.errors import ConfigError, EncodeError
from a2i.video.encoder import concat_and_mux, encode_frames
from a2i.video.timing import FrameGrid, parse_fps

RATES = ["1", "7", "12", "15", "23.976", "24", "25", "29.97", "30000/1001", "30", "48", "50", "59.94", "60", "120"]
DURATIONS = [0.5, 0.999, 1.0, 2.345, 3.37, 10.02, 59.99, 61.7, 180.0, 3601.3]


@pytest.mark.parametrize("fps,duration", list(itertools.product(RATES, DURATIONS)))
def test_frame_count_ends_within_half_a_frame_of_the_audio(fps, duration):
    grid = FrameGrid(parse_fps(fps), 3.0, duration)
    frame = 1 / float(grid.fps)
    if duration >= frame:
        assert abs(grid.n_frames * frame - duration) <= 0.5 * frame + 1e-9
    else:  # shorter than a frame: one frame, never none
        assert grid.n_frames == 1
    # Chunks tile the grid exactly: no frame lost or doubled at a chunk boundary.
    chunks = grid.chunks(10.0)
    assert chunks[0].first == 0 and chunks[-1].stop == grid.n_frames
    assert all(a.stop == b.first for a, b in zip(chunks, chunks[1:]))
    times = grid.times()
    assert times[0] == 3.0 and np.allclose(np.diff(times), frame)


def test_frame_rates_are_exact_fractions():
    assert parse_fps("30000/1001") == Fraction(30000, 1001)
    assert parse_fps("29.97") == parse_fps("29.970") == Fraction(30000, 1001)
    assert parse_fps("23.976") == Fraction(24000, 1001) and parse_fps("12.5") == Fraction(25, 2)
    assert parse_fps(24) == 24
    for bad in ("0", "-5", "abc", "1/0", "500"):
        with pytest.raises(ConfigError, match="--fps"):
            parse_fps(bad)


def _tone(path, seconds, sr=22050):
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), sr)
    return path


@pytest.mark.parametrize("fps,duration,start", [("7", 3.37, 0.0), ("23.976", 4.51, 1.25), ("30", 2.02, 0.5),
                                                ("60", 3.37, 0.0), ("12", 1.01, 2.0)])
def test_chunked_video_with_audio_passes_ffprobe(tmp_path, fps, duration, start):
    song = _tone(tmp_path / "song.wav", 7.0)
    grid = FrameGrid(parse_fps(fps), start, duration)
    parts = []
    for chunk in grid.chunks(1.5):
        part = tmp_path / f"part{chunk.index}.mp4"
        frames = (np.full((24, 32, 3), 10 * k % 256, np.uint8) for k in range(chunk.first, chunk.stop))
        assert encode_frames(frames, part, size=(32, 24), fps=grid.fps, preset="ultrafast") == chunk.n_frames
        parts.append(part)
    out = concat_and_mux(parts, song, tmp_path / "video.mp4", start=start, duration=duration)
    info = probe(out)
    frame = 1 / float(grid.fps)
    assert (info["codec"], info["pix_fmt"], info["audio_codec"]) == ("h264", "yuv420p", "aac")
    assert info["fps"] == grid.fps and info["frames"] == grid.n_frames
    assert abs(info["video_seconds"] - duration) <= frame
    assert abs(info["audio_seconds"] - duration) <= 0.005  # the audio is cut to the span, not to the frames
    assert abs(info["video_seconds"] - info["audio_seconds"]) <= frame
    assert not list(tmp_path.glob(".*a2i-tmp*"))


def test_encoder_rejects_a_wrong_frame_and_leaves_nothing(tmp_path):
    frames = [np.zeros((24, 32, 3), np.uint8), np.zeros((20, 32, 3), np.uint8)]
    with pytest.raises(EncodeError, match="frame 1"):
        encode_frames(iter(frames), tmp_path / "x.mp4", size=(32, 24), fps=Fraction(10))
    assert list(tmp_path.iterdir()) == []
