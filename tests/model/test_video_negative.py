"""The SDXL video's encoder route honours --negative, as stills do (tiny SDXL and a tiny trained-shape encoder)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from a2i.audio import Audio
from a2i.model.encoder import AudioEncoder
from a2i.model.tiny import tiny_encoder_config
from a2i.mood import ClipProfile
from a2i.render.tiny import save_tiny_sdxl
from a2i.video.pacing import pace
from a2i.video.sdxl_route import SDXLRoute
from a2i.video.segments import Segment
from a2i.video.timing import FrameGrid
from a2i.video.workdir import WorkDir


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("negative")
    torch.manual_seed(0)
    encoder = AudioEncoder.from_config(tiny_encoder_config())
    with torch.no_grad():  # trained-looking outputs instead of the zero-initialised heads
        for head in (encoder.token_head, encoder.pooled_head):
            head.weight.normal_(0, 0.5)
    return str(save_tiny_sdxl(root / "sdxl")), str(encoder.save_pretrained(root / "encoder"))


def _frames(models, tmp_path, negative):
    from a2i.render import get_backend

    sdxl, encoder = models
    backend = get_backend("sdxl", model=sdxl, encoder=encoder, steps=2, negative=negative)
    plan = pace(FrameGrid(Fraction(2), 0.0, 1.0), [Segment(0, 0.0, 1.0)], np.zeros(2), smooth=0.0)
    rng = np.random.default_rng(0)
    route = SDXLRoute(backend, [ClipProfile(valence=0.5, energy=0.5)], ["unused"], plan,
                      audio_of=lambda i: Audio(rng.normal(0, 0.1, 48_000).astype(np.float32), 48_000),
                      size=(32, 32), seeds=[3, 4], every=1, work=WorkDir(tmp_path / "v.mp4", {"n": negative}, resume=False))
    return np.stack(list(route.frames(0, 2))).astype(np.int16)


def test_negative_changes_the_encoder_route_frames(models, tmp_path):
    plain = _frames(models, tmp_path / "a", None)
    blurry = _frames(models, tmp_path / "b", "blurry")
    assert plain.shape == blurry.shape == (2, 32, 32, 3)
    assert np.abs(plain - blurry).mean() > 1.0
