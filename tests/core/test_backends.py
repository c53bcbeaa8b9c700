"""The backend protocol and registry: a new backend is one module, and every orchestrator draws with it."""

from __future__ import annotations

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


@pytest.fixture
def toy():
    import toy_backend

    return toy_backend


def check_pictures(run, toy, size):
    for picture in run.pictures:
        clip = run.clip(picture.clip)
        expected = toy.expected_colour(clip.valence, clip.energy, picture.seed, picture.style)
        image = np.asarray(Image.open(run.image_path(picture)))
        assert image.shape == (size, size, 3) and (image == expected).all(), picture
        Image.open(run.card_path(picture)).verify()


def test_a_new_backend_renders_through_generate_and_render(toy, mood_songs, tmp_path, capsys):
    """tests/core/toy_backend.py is the whole backend; no orchestrator names it."""
    assert "toy" in backend_names() and isinstance(get_backend("toy"), Backend)
    out = tmp_path / "generate"
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(out), "--backend", "toy", "--clips", "all",
                 "--variants", "2", "--style", "flat", "--size", "40"]) == 0
    run = read_run(out)
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


def test_video_refuses_a_backend_it_cannot_move(toy, mood_songs, tmp_path):
    """The motion video has routes for the painter and SDXL only; another backend is refused, not replaced."""
    from a2i.video.make import make_video

    with pytest.raises(ConfigError, match="--backend toy: the motion video moves the painter's layers or SDXL's"):
        make_video(mood_songs["dark_minor"], tmp_path / "v.mp4", backend="toy", progress=False)
    assert not (tmp_path / "v.mp4").exists()


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
