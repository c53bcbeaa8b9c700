"""The backend protocol and registry: a new backend is one module, and every orchestrator draws with it."""

from __future__ import annotations

import subprocess
from dataclasses import fields

import numpy as np
import pytest
from PIL import Image

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.outputs import read_run
from a2i.render import Backend, backend_names, check_backend_size, get_backend
from a2i.render.options import _FIELDS
from a2i.render.sdxl import SDXLSettings


@pytest.fixture(scope="module")
def toy_module():
    import toy_backend

    return toy_backend


@pytest.fixture
def toy(toy_module):
    return toy_module


def check_pictures(run, toy, size):
    for picture in run.pictures:
        clip = run.clip(picture.clip)
        expected = toy.expected_colour(clip.valence, clip.energy, picture.seed, picture.style)
        image = np.asarray(Image.open(run.image_path(picture)))
        assert image.shape == (size, size, 3) and (image == expected).all(), picture
        Image.open(run.card_path(picture)).verify()


@pytest.fixture(scope="module")
def toy_run(toy_module, mood_songs, tmp_path_factory):
    """`a2i generate --backend toy --clips all --variants 2 --style flat` of dark_minor (two clips), made once."""
    out = tmp_path_factory.mktemp("toy") / "generate"
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(out), "--backend", "toy", "--clips", "all",
                 "--variants", "2", "--style", "flat", "--size", "40"]) == 0
    return read_run(out)


def test_a_new_backend_renders_through_generate_and_render(toy, toy_run, mood_songs, tmp_path, capsys):
    """tests/core/toy_backend.py is the whole backend; no orchestrator names it."""
    assert "toy" in backend_names() and isinstance(get_backend("toy"), Backend)
    run = toy_run
    assert run.options["backend"] == "toy" and run.options["backend_options"] == {"colour": "flat"}
    assert [(p.clip, p.variant, p.style) for p in run.pictures] == [(0, 0, "flat"), (0, 1, "flat"), (1, 0, "flat"),
                                                                     (1, 1, "flat")]
    check_pictures(run, toy, 40)
    # `a2i render` (batches of toy.batch_size) writes the same pictures into the same kind of folder.
    assert main(["render", str(mood_songs["dark_minor"]), str(mood_songs["bright_major"]), "--out", str(tmp_path / "batch"),
                 "--backend", "toy", "--clips", "all", "--variants", "2", "--style", "flat", "--size", "40"]) == 0
    assert "8 picture(s) rendered" in capsys.readouterr().out
    batch = read_run(tmp_path / "batch" / "dark_minor")
    check_pictures(batch, toy, 40)
    assert [(p.image, p.seed, p.prompt) for p in batch.pictures] == [(p.image, p.seed, p.prompt) for p in run.pictures]


def test_unknown_backends_and_styles_are_refused_up_front(toy, mood_songs, tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown backend 'dalle'; use one of painter, sdxl, .*toy"):
        get_backend("dalle")
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(tmp_path / "x"), "--backend", "toy",
                 "--style", "ink"]) == 2
    assert "style 'ink': the toy backend draws one of flat" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(ConfigError, match="multiple of 8"):
        check_backend_size("sdxl", 100)


def test_sdxl_cli_options_are_the_settings_fields():
    """render/options.py names the options without importing the backend; they must stay SDXLSettings' fields."""
    assert _FIELDS == tuple(f.name for f in fields(SDXLSettings))


def test_a_new_backend_makes_a_motion_video_by_the_motion_it_declares(toy, toy_run, mood_songs, analyzer, tmp_path):
    """The toy declares ``motion = "crossfade"``: `a2i video --backend toy` cross-fades its keyframes, which are
    the pictures `a2i generate --clips all --variants 2` paints (segment i: clip i's variant 0; the coda: the
    last clip's variant 1; the video forces no style, so their unstyled colours). No video code names the toy."""
    from a2i.video.make import make_video

    song = mood_songs["dark_minor"]  # two 10-second clips: one segment each, then the coda
    result = make_video(song, tmp_path / "v.mp4", backend="toy", fps=2, size="32x32", segments="fixed", pulse=False,
                        progress=False, analyzer=analyzer)
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "v.mp4"), "-f", "rawvideo", "-pix_fmt", "rgb24",
                              "pipe:1"], capture_output=True, check=True).stdout
    frames = np.frombuffer(decoded, np.uint8).reshape(-1, 32, 32, 3).astype(np.float32)
    assert len(frames) == result.n_frames == 40
    run = toy_run

    def colour(clip, variant):
        picture = next(p for p in run.pictures if (p.clip, p.variant) == (clip, variant))
        return np.array(toy.expected_colour(run.clip(clip).valence, run.clip(clip).energy, picture.seed), np.float32)

    assert frames.std(axis=(1, 2)).max() < 1.5  # flat pictures, so a blend of two is flat too (H.264 rounding)
    middle = frames[:, 16, 16]
    keys = [colour(0, 0), colour(1, 0), colour(1, 1)]  # segment 0, segment 1, the coda
    assert np.abs(middle[0] - keys[0]).max() <= 4 and np.abs(middle[20] - keys[1]).max() <= 4
    # In between, each frame is a cross-fade of its segment's two keyframes: one share p for all channels.
    for k, frame in enumerate(middle):
        a, b = keys[k // 20], keys[k // 20 + 1]
        p = float(np.clip((frame - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1))
        assert np.abs(frame - ((1 - p) * a + p * b)).max() <= 4, (k, frame, a, b)  # yuv420p rounding
    assert not np.allclose(middle[1:20], middle[0], atol=4)  # it moves within the first segment


def test_a_backend_declares_its_motion_and_whether_it_runs_in_parallel(toy):
    """Every kind of motion a backend may declare has a video route; the orchestrators read the class only."""
    from a2i.render import MOTIONS, backend_class, check_motion
    from a2i.video.routes import MOTION_ROUTES

    assert set(MOTION_ROUTES) == set(MOTIONS)
    assert {n: (backend_class(n).motion, backend_class(n).parallel) for n in ("painter", "sdxl", "toy")} == {
        "painter": ("layers", True), "sdxl": ("latents", False), "toy": ("crossfade", True)}

    class Wobbly(toy.ToyBackend):
        motion = "wobble"

    from a2i.render import register_backend

    register_backend("toy-wobbly", Wobbly)
    with pytest.raises(ConfigError, match="the toy-wobbly backend declares motion 'wobble'; .*one of crossfade, layers"):
        check_motion("toy-wobbly")


def test_render_runs_a_backend_in_worker_processes_only_if_it_says_so(toy, mood_songs, tmp_path, capsys):
    """`parallel = False` refuses --workers 2 up front (nothing written). The toy is parallel, so the `a2i render`
    of two songs above ran in two worker processes (the default: every core), as the painter does."""
    class Serial(toy.ToyBackend):
        parallel = False

    from a2i.render import register_backend

    register_backend("toy-serial", Serial)
    assert main(["render", str(mood_songs["dark_minor"]), str(mood_songs["bright_major"]), "--size", "16",
                 "--out", str(tmp_path / "a"), "--backend", "toy-serial", "--workers", "2"]) == 2
    assert "--workers > 1: the toy-serial backend renders one song at a time per process" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


def test_an_installed_package_adds_a_backend_by_entry_point(toy, monkeypatch):
    """A package declaring `[project.entry-points."a2i.backends"] name = "module:Class"` needs no code in a2i."""
    import importlib.metadata
    from importlib.metadata import EntryPoint

    import a2i.render

    point = EntryPoint(name="toy-installed", value="toy_backend:ToyBackend", group=a2i.render.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group, name=None: [p for p in [point] if p.group == group and name in (None, p.name)])
    a2i.render._installed_names.cache_clear()
    try:
        assert "toy-installed" in backend_names()
        assert isinstance(get_backend("toy-installed"), toy.ToyBackend)
    finally:
        monkeypatch.undo()
        a2i.render._installed_names.cache_clear()
