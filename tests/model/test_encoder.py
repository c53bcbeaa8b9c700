"""AudioEncoder: every parameter registered, trained, saved and reloaded; real loading code on tiny towers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from a2i.errors import ConfigError
from a2i.model.encoder import AudioEncoder, EncoderConfig
from a2i.model.tiny import TINY_CLAP_AUDIO, TINY_FEATURE_EXTRACTOR, tiny_encoder_config


def tiny(seed: int = 0, **overrides) -> AudioEncoder:
    torch.manual_seed(seed)
    return AudioEncoder.from_config(tiny_encoder_config(**overrides))


def chord(seconds: float = 2.0, sr: int = 48_000, base: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.2 * np.sin(2 * np.pi * base * t) + 0.1 * np.sin(2 * np.pi * base * 1.5 * t)).astype(np.float32)


def test_every_parameter_is_registered_trained_saved_and_reloaded(tmp_path):
    model = tiny().train()
    names = {n for n, _ in model.named_parameters()}
    assert {"frame_pos", "queries", "token_bias"} <= names  # the thesis's positional embeddings were lost
    for head in (model.token_head, model.pooled_head):  # zero at init: give the layers below a gradient
        torch.nn.init.normal_(head.weight, std=0.02)
    tokens, pooled = model(torch.from_numpy(np.stack([chord(), chord(base=330.0)])))
    (tokens.pow(2).mean() + pooled.pow(2).mean()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not bool(p.grad.abs().sum() > 0)]
    assert no_grad == []
    import os
    import stat

    mask = os.umask(0o022)
    try:
        model.save_pretrained(tmp_path / "enc", card={"run": "test"})
    finally:
        os.umask(mask)
    # Every file honours the umask (safetensors alone wrote 0600; issue 20).
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "enc").iterdir()} == dict.fromkeys(
        ["model.safetensors", "config.json", "README.md"], 0o644)
    from safetensors.torch import load_file

    saved = load_file(str(tmp_path / "enc" / "model.safetensors"))
    assert set(saved) == set(model.state_dict()) and names <= set(saved)
    reloaded = AudioEncoder.from_pretrained(tmp_path / "enc")
    for name, tensor in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[name], tensor), name
    card = (tmp_path / "enc" / "README.md").read_text()
    assert "- run: test" in card and "--encoder THIS_FOLDER" in card
    config = json.loads((tmp_path / "enc" / "config.json").read_text())
    assert config["clap_audio_config"]["hidden_size"] == 32 and config["format_version"] == 1


def test_outputs_start_at_the_mean_target():
    model = tiny().eval()
    model.init_output_bias(torch.full((77, 64), 2.0), torch.full((32,), -1.0))
    tokens, pooled = model.encode([chord()], sr=48_000)
    assert torch.equal(tokens, torch.full((1, 77, 64), 2.0)) and torch.equal(pooled, torch.full((1, 32), -1.0))


def test_outputs_are_pinned_and_follow_the_input():
    model = tiny().eval()
    for i, head in enumerate((model.token_head, model.pooled_head)):  # trained heads are not zero
        head.weight.data = torch.randn(head.weight.shape, generator=torch.Generator().manual_seed(i)) * 0.1
    with torch.no_grad():
        tokens, pooled = model(torch.from_numpy(np.stack([chord(), chord(base=330.0)])))
    assert tokens.shape == (2, 77, 64) and pooled.shape == (2, 32)
    expected_tokens = torch.tensor([0.0013, 0.3307, -0.4750, -0.7739, -0.0292])
    expected_pooled = torch.tensor([-0.6274, -0.9080, 0.5372, -0.2390, -0.6892])
    torch.testing.assert_close(tokens[0, 5, :5], expected_tokens, atol=2e-3, rtol=0)
    torch.testing.assert_close(pooled[0, :5], expected_pooled, atol=2e-3, rtol=0)
    assert float((tokens[0] - tokens[1]).abs().max()) > 1e-3  # the audio matters
    assert float((tokens[0, 1] - tokens[0, 2]).abs().max()) > 1e-3  # positions differ (not one broadcast vector)


def test_encode_resamples_and_fits_length():
    model = tiny()
    at_48k = chord(seconds=2.0)
    import soxr

    at_16k = soxr.resample(at_48k, 48_000, 16_000)
    a, pa = model.encode([at_48k], sr=48_000)
    b, pb = model.encode([at_16k], sr=16_000)
    torch.testing.assert_close(a, b, atol=0.05, rtol=0)  # same music through the resampler
    short, _ = model.encode([at_48k[:20_000]], sr=48_000, dtype=torch.float16)
    assert short.dtype == torch.float16 and short.shape == (1, 77, 64)
    long, _ = model.encode(np.stack([np.concatenate([at_48k, at_48k])]), sr=48_000)
    torch.testing.assert_close(long, a, atol=1e-5, rtol=0)  # longer clips are cut to the tower's length


def test_frontend_matches_the_clap_feature_extractor():
    model = tiny()
    wave = np.random.default_rng(0).normal(0, 0.1, model.clip_samples).astype(np.float32)
    ref = model.extractor(wave, sampling_rate=48_000, return_tensors="pt").input_features
    ours = model.frontend(torch.from_numpy(wave)[None])
    torch.testing.assert_close(ours, ref, atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize("mode", ["frozen", "partial", "full"])
def test_tower_modes_choose_what_trains(mode):
    model = tiny(tower=mode).train()
    for head in (model.token_head, model.pooled_head):
        torch.nn.init.constant_(head.weight, 0.01)
    tokens, pooled = model(torch.from_numpy(chord()[None]))
    (tokens.mean() + pooled.mean()).backward()
    first = [p.grad is not None for p in model.tower.audio_encoder.layers[0].parameters()]
    last = [p.grad is not None for p in model.tower.audio_encoder.layers[-1].parameters()]
    assert all(first) == (mode == "full") and all(last) == (mode != "frozen")
    assert model.frame_pos.grad is not None
    # Only what learns is in train mode: a frozen stage must not drop activations (dropout 0.1 in HTSAT).
    assert model.tower.audio_encoder.layers[0].training == (mode == "full")
    assert model.tower.audio_encoder.layers[-1].training == (mode != "frozen")
    assert model.tower.audio_encoder.norm.training == (mode != "frozen")
    assert not model.tower.audio_encoder.patch_embed.training or mode == "full"
    assert not model.tower.audio_encoder.batch_norm.training  # batch statistics never depend on the batch split


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_frontend_is_float32_under_autocast(dtype):
    """Mixed precision must not reach the log-mel front end: in fp16 a quiet clip's mel energies underflow
    to the floor (-100 dB or -inf), and bf16 moves features by tenths of a dB from inference's float32."""
    model = tiny()
    wave = torch.from_numpy(chord(base=330.0) * 0.25)[None]  # amplitude 0.05: a quiet passage
    reference = model.frontend(wave)
    with torch.autocast("cpu", dtype=dtype):
        mixed = model.frontend(wave)
    assert mixed.dtype == torch.float32 and bool(torch.isfinite(mixed).all())
    torch.testing.assert_close(mixed, reference, atol=1e-4, rtol=1e-5)


def test_gradient_checkpointing_gives_the_same_gradients():
    grads = []
    for checkpointing in (False, True):
        model = tiny(gradient_checkpointing=checkpointing).train()
        for head in (model.token_head, model.pooled_head):
            torch.nn.init.constant_(head.weight, 0.01)
        tokens, pooled = model(torch.from_numpy(chord()[None]))
        (tokens.pow(2).mean() + pooled.mean()).backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    torch.testing.assert_close(grads[0], grads[1], atol=1e-6, rtol=1e-4)


def test_loads_a_saved_clap_model_folder(tmp_path):
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    text = {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
            "intermediate_size": 37, "projection_dim": 32, "max_position_embeddings": 64}
    torch.manual_seed(0)
    clap = ClapModel(ClapConfig(text_config=text, audio_config=TINY_CLAP_AUDIO, projection_dim=32))
    clap.save_pretrained(tmp_path / "clap")
    ClapFeatureExtractor(**TINY_FEATURE_EXTRACTOR).save_pretrained(tmp_path / "clap")
    model = AudioEncoder.from_config(tiny_encoder_config(clap=str(tmp_path / "clap"), clap_audio_config=None,
                                                         feature_extractor_config=None))
    for name, tensor in clap.audio_model.state_dict().items():
        assert torch.equal(model.tower.state_dict()[name], tensor), name


def test_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="not a trained audio encoder"):
        AudioEncoder.from_pretrained(tmp_path)
    with pytest.raises(ConfigError, match="no CLAP model there"):
        AudioEncoder.from_config(EncoderConfig(clap=str(tmp_path / "missing")))
    with pytest.raises(ConfigError, match="tower must be one of"):
        tiny_encoder_config(tower="half")
    with pytest.raises(ConfigError, match="unknown encoder config keys: colour"):
        EncoderConfig.from_dict({"colour": 1})
