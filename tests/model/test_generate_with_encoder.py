"""`a2i generate --backend sdxl --model <tiny pipeline> --encoder <tiny trained encoder>` draws the music."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from a2i.audio import write
from a2i.cli import main
from a2i.outputs import read_run
from a2i.render.tiny import save_tiny_sdxl
from a2i.synth import PIECES, render

#: The session's tiny training run is set up inside the first test that needs it: minutes on a loaded
#: machine, so these tests get more than the suite's default timeout.
# xdist_group: the files that use the session's tiny training run share one `make test` worker (tests/conftest.py).
pytestmark = [pytest.mark.timeout(1800), pytest.mark.xdist_group("tiny_run")]


def test_generate_draws_from_the_trained_encoder(tiny_run, tmp_path, capsys):
    model = save_tiny_sdxl(tmp_path / "sdxl", seed=0)
    encoder = tiny_run / "checkpoints" / "best"
    pictures = []
    for name in ("bright_major", "dark_minor"):
        song = write(tmp_path / f"{name}.flac", render(PIECES[name], seconds=12.0))
        out = tmp_path / name
        code = main(["generate", str(song), "--out", str(out), "--backend", "sdxl", "--model", str(model),
                     "--encoder", str(encoder), "--steps", "2", "--size", "64", "--seed", "3"])
        assert code == 0, capsys.readouterr().err
        run = read_run(out)
        (picture,) = run.pictures
        assert run.options["backend_options"]["route"] == "embeddings"
        assert run.options["backend_options"]["encoder"] == str(encoder)
        image = np.asarray(Image.open(run.image_path(picture)))
        assert image.shape == (64, 64, 3) and image.std() > 1.0
        pictures.append(image)
    assert np.abs(pictures[0].astype(int) - pictures[1].astype(int)).mean() > 1.0  # same seed, other music
