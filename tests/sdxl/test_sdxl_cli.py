"""`a2i generate --backend sdxl` end to end on a saved tiny model: routes (a) and (d), options recorded."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from a2i.cli import main
from a2i.outputs import read_run


def test_generate_text_route_records_every_option(tiny_model_dir, text_backend, songs, tmp_path, capsys):
    out = tmp_path / "a"
    code = main(["generate", str(songs[0]), "--out", str(out), "--backend", "sdxl", "--model", str(tiny_model_dir),
                 "--steps", "2", "--size", "64", "--seed", "7", "--negative", "grey"])
    assert code == 0, capsys.readouterr().err
    run = read_run(out)
    (picture,) = run.pictures
    options = run.options["backend_options"]
    assert run.options["backend"] == "sdxl" and picture.backend == "sdxl"
    assert options["route"] == "text" and options["steps"] == 2 and options["negative"] == "grey"
    assert options["guidance"] == 5.0 and options["model"] == str(tiny_model_dir) and options["init"] == "none"
    # The picture is the backend's for the recorded prompt and seed (nothing lost between CLI and backend).
    expected = text_backend.with_options(negative="grey").render(prompt=picture.prompt, size=64, seed=picture.seed)
    assert np.array_equal(np.asarray(Image.open(run.image_path(picture))), np.asarray(expected))


def test_generate_painter_initialised_route(tiny_model_dir, songs, tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["generate", str(songs[1]), "--out", str(out), "--backend", "sdxl", "--model", str(tiny_model_dir),
                 "--steps", "2", "--size", "64", "--init", "painter", "--strength", "0.5"]) == 0, capsys.readouterr().err
    run = read_run(out)
    assert run.options["backend_options"]["init"] == "painter" and run.options["backend_options"]["strength"] == 0.5
    assert Image.open(run.image_path(run.pictures[0])).size == (64, 64)


@pytest.mark.parametrize(("extra", "message"), [
    (["--strength", "0"], "--strength must be in (0, 1]"),
    (["--guidance", "100"], "--guidance must be in [1, 30]"),
    (["--size", "60"], "--size: width must be a multiple of 8"),
])
def test_generate_refuses_bad_sdxl_options_in_one_line(tiny_model_dir, songs, tmp_path, capsys, extra, message):
    code = main(["generate", str(songs[0]), "--out", str(tmp_path / "x"), "--backend", "sdxl",
                 "--model", str(tiny_model_dir), "--steps", "2", *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("a2i: error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_missing_weights_and_painter_misuse(songs, tmp_path, capsys):
    assert main(["generate", str(songs[0]), "--out", str(tmp_path / "m"), "--backend", "sdxl", "--model", "me/nothing"]) == 2
    assert "SDXL weights not found" in capsys.readouterr().err
    assert main(["generate", str(songs[0]), "--out", str(tmp_path / "p"), "--steps", "3"]) == 2
    assert "the painter backend takes no steps option" in capsys.readouterr().err
