"""The SDXL route on a tiny random SDXL (built from configs in code): interpolated in-betweens, batched."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from video_helpers import probe

from a2i.mood import ClipProfile
from a2i.video.pacing import pace
from a2i.video.segments import Segment
from a2i.video.timing import FrameGrid
from a2i.video.workdir import WorkDir, parts_dir

PROMPTS = ["a calm blue sea at dawn", "a red storm over the city"]
#: Frame 2 (between keyframes 0 and 1), row 16, pixels 16..18, RGB, on the seeded tiny model.
EXPECTED_SLICE = np.array([206, 192, 178, 129, 105, 155, 163, 16, 255])


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from a2i.render.tiny import save_tiny_sdxl

    return str(save_tiny_sdxl(tmp_path_factory.mktemp("tiny_sdxl")))


@pytest.fixture(scope="module")
def backend(tiny_model):
    from a2i.render import get_backend

    return get_backend("sdxl", model=tiny_model, steps=2, batch_size=4)


def _route(backend, tmp_path, every):
    from a2i.video.sdxl_route import SDXLRoute

    grid = FrameGrid(Fraction(4), 0.0, 2.0)  # 8 frames, two segments of 4
    segments = [Segment(0, 0.0, 1.0), Segment(1, 1.0, 2.0)]
    onset = np.array([0.0, 1.0, 0.1, 0.1, 0.1, 1.0, 0.1, 0.1])
    plan = pace(grid, segments, onset, smooth=0.0)
    profiles = [ClipProfile(valence=0.2, energy=0.3), ClipProfile(valence=0.8, energy=0.9, index=1)]
    work = WorkDir(tmp_path / "v.mp4", {"test": every}, resume=True)
    return SDXLRoute(backend, profiles, PROMPTS, plan, audio_of=None, size=(32, 32), seeds=[7, 8, 9], every=every, work=work), plan


@pytest.fixture(scope="module")
def dense(backend, tmp_path_factory):
    """Every frame diffused (``every=1``), and the work folder it left."""
    root = tmp_path_factory.mktemp("dense")
    route, plan = _route(backend, root, every=1)
    return np.stack(list(route.frames(0, 8))).astype(np.int16), plan, root


def test_keyframes_are_the_backends_pictures_and_in_betweens_move(backend, dense):
    frames, plan, root = dense
    assert frames.shape == (8, 32, 32, 3)
    # A segment's first frame is what the backend renders for its prompt and seed (no pulse there).
    still = np.asarray(backend.render(prompt=PROMPTS[0], size=32, seed=7), dtype=np.int16)
    assert plan.pulse[0] == 0.0 and np.abs(frames[0] - still).max() <= 1
    # Every frame differs from the one before: the noise and the conditioning move between keyframes.
    change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    assert change.min() > 0.5
    np.testing.assert_allclose(frames[2, 16, 16:19].ravel(), EXPECTED_SLICE, atol=2)  # atol: CPU float differences
    # Keyframes (conditioning + initial noise) are kept in the work folder and reloaded by --resume.
    saved = sorted(p.name for p in (parts_dir(root / "v.mp4") / "keyframes").iterdir())
    assert saved == ["keyframe_0000.pt", "keyframe_0001.pt", "keyframe_0002.pt"]
    again, _ = _route(backend, root, every=1)
    first = again._keys[1]
    assert set(first) >= {"latents", "prompt_embeds", "pooled_prompt_embeds"}
    assert tuple(first["latents"].shape) == (1, 4, 16, 16) and tuple(first["prompt_embeds"].shape) == (1, 77, 64)


def test_every_k_diffuses_anchors_and_blends_between(backend, dense, tmp_path):
    frames, plan, _ = dense
    sparse, _ = _route(backend, tmp_path, every=3)
    light = np.stack(list(sparse.frames(0, 8))).astype(np.float32)
    dense_f = frames.astype(np.float32)
    for k in (0, 3, 6, 7):  # the anchors: every third frame and the last
        assert np.abs(light[k] - dense_f[k]).max() <= 1

    def unpulsed(frame, k):
        return frame / (1.0 + 0.15 * plan.pulse[k])

    for k, (a, b, w) in {1: (0, 3, 1 / 3), 5: (3, 6, 2 / 3)}.items():
        blended = (1 - w) * unpulsed(dense_f[a], a) + w * unpulsed(dense_f[b], b)
        assert np.abs(unpulsed(light[k], k) - blended).mean() < 1.5


def test_sdxl_video_end_to_end(tiny_model, tmp_path, analyzer, example_song):
    from a2i.video.make import make_video

    out = tmp_path / "sdxl.mp4"
    result = make_video(example_song, out, backend="sdxl", backend_options={"model": tiny_model, "steps": 1, "batch_size": 4},
                        fps=4, size="32x32", start=10.0, end=12.5, every=2, progress=False, analyzer=analyzer)
    info = probe(out)
    assert (info["codec"], info["audio_codec"], info["frames"]) == ("h264", "aac", result.n_frames) and result.n_frames == 10
    assert abs(info["video_seconds"] - info["audio_seconds"]) <= 0.25


def test_sdxl_sizes_must_suit_the_vae(backend, tmp_path):
    from a2i.errors import ConfigError
    from a2i.video.sdxl_route import SDXLRoute

    grid = FrameGrid(Fraction(4), 0.0, 1.0)
    plan = pace(grid, [Segment(0, 0.0, 1.0)], np.zeros(4))
    with pytest.raises(ConfigError, match="multiple of 8"):
        SDXLRoute(backend, [ClipProfile()], ["x"], plan, audio_of=None, size=(36, 32), seeds=[0, 1], every=1,
                  work=WorkDir(tmp_path / "w.mp4", {}, resume=True))

