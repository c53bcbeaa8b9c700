"""Routes (b) and (c) with a real (tiny, random) audio encoder folder: the music itself conditions SDXL."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from a2i.synth import PIECES, render


@pytest.fixture(scope="module")
def audio_backend(tiny_model_dir, tmp_path_factory):
    from a2i.model.encoder import AudioEncoder
    from a2i.model.tiny import tiny_encoder_config
    from a2i.render.sdxl import SDXLBackend

    torch.manual_seed(0)
    encoder = AudioEncoder.from_config(tiny_encoder_config())
    with torch.no_grad():  # untrained output heads are zeros (every clip alike); random ones make the music matter
        for name, parameter in encoder.named_parameters():
            if "head" in name:
                parameter.normal_(0.0, 0.5)
    folder = encoder.save_pretrained(tmp_path_factory.mktemp("encoder"))
    return SDXLBackend(model=str(tiny_model_dir), encoder=str(folder), steps=2)


def pixels(image) -> np.ndarray:
    return np.asarray(image).astype(np.int16)


def test_audio_route_is_the_encoders_embeddings(audio_backend):
    bright, dark = render(PIECES["bright_major"], seconds=3.0), render(PIECES["dark_minor"], seconds=3.0)
    assert audio_backend.route == "embeddings" and audio_backend.needs_audio
    by_audio = pixels(audio_backend.render(audio=bright, size=64, seed=2))
    cond = audio_backend.encode_audio([bright])
    assert cond.prompt_embeds.shape == (1, 77, 64) and cond.pooled_prompt_embeds.shape == (1, 32)
    assert np.array_equal(by_audio, pixels(audio_backend.render(embeddings=cond, size=64, seed=2)))
    assert not np.array_equal(by_audio, pixels(audio_backend.render(audio=dark, size=64, seed=2)))
    with pytest.raises(Exception, match="waveform"):
        audio_backend.render(prompt="no audio given", size=64, seed=2)

    blended = audio_backend.with_options(text="a watercolour", text_weight=0.5)
    assert blended.route == "blend" and blended.options["route"] == "blend"
    mixed = pixels(blended.render(audio=bright, size=64, seed=2))
    assert not np.array_equal(mixed, by_audio)


def test_generate_blends_the_songs_audio_with_text(audio_backend, tiny_model_dir, songs, tmp_path, capsys):
    from PIL import Image

    from a2i.cli import main
    from a2i.outputs import read_run

    out = tmp_path / "blend"
    code = main(["generate", str(songs[0]), "--out", str(out), "--backend", "sdxl", "--model", str(tiny_model_dir),
                 "--encoder", audio_backend.settings.encoder, "--text", "a watercolour", "--text-weight", "0.3",
                 "--steps", "2", "--size", "64"])
    assert code == 0, capsys.readouterr().err
    run = read_run(out)
    options = run.options["backend_options"]
    assert options["route"] == "blend" and options["text"] == "a watercolour" and options["text_weight"] == 0.3
    assert Image.open(run.image_path(run.pictures[0])).size == (64, 64)
