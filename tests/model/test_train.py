"""The tiny configuration trains end to end: beats chance on held-out songs, resumes exactly, and two
processes (accelerate launch, gloo on CPU) train to the same result as one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from encoder_training import DROPOUT, SHORT, records, tiny_overrides, weights

from a2i.cli import main as cli_main
from a2i.model.config import load_config
from a2i.model.encoder import AudioEncoder
from a2i.model.train import train

#: The session's tiny training run is set up inside the first test that needs it: minutes on a loaded
#: machine, so these tests get more than the suite's default timeout.
# xdist_group: the files that use the session's tiny training run share one `make test` worker (tests/conftest.py).
pytestmark = [pytest.mark.timeout(1800), pytest.mark.xdist_group("tiny_run")]

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_run_beats_chance_on_held_out_songs(tiny_run):
    validations = records(tiny_run, "valid")
    best = max(validations, key=lambda r: r["R@1"])  # the checkpoint kept as `best`
    assert best["chance_R@1"] == pytest.approx(1 / 6)  # one unheard song per mood, 5 prompts each
    # Its own prompts rank first for half the unheard songs (3 of 6; the logged chance is float32 1/6).
    assert best["R@1"] >= 3 * best["chance_R@1"] - 1e-6
    assert validations[-1]["probe_r2_energy"] > 0.5  # the embedding carries the music's energy
    assert 0.5 < validations[-1]["token_norm_ratio"] < 2.0
    losses = [r["loss"] for r in records(tiny_run)]  # one batch of 6 per record: compare averages
    assert np.mean(losses[-4:]) < 0.9 * np.mean(losses[:4])
    for name in ("config.json", "curves.png", "token_norms.png"):
        assert (tiny_run / name).is_file()
    best = tiny_run / "checkpoints" / "best"
    assert best.is_symlink() and (tiny_run / "checkpoints" / "latest").is_symlink()
    assert json.loads((best / "train_config.json").read_text())["optim"]["batch_size"] == 6
    encoder = AudioEncoder.from_pretrained(best)
    tokens, pooled = encoder.encode([np.zeros(48_000, dtype=np.float32)], sr=48_000)
    assert tokens.shape == (1, 77, 64) and pooled.shape == (1, 32)


def test_resume_latest_continues_exactly(tiny_root, short_run):
    cut = tiny_overrides(tiny_root, *SHORT, "log.run_id=cut")
    train(load_config("tiny", cut), stop_after=3)
    assert [r["step"] for r in records(tiny_root / "logs" / "cut")] == [1, 2, 3]
    resumed = train(load_config("tiny", cut), resume="latest")
    full_losses = [r["loss"] for r in records(short_run)]
    assert [r["loss"] for r in records(resumed)] == pytest.approx(full_losses, rel=1e-6, abs=1e-7)
    a, b = weights(short_run / "checkpoints" / "latest"), weights(resumed / "checkpoints" / "latest")
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-6)


def test_resume_is_exact_with_dropout_on(tiny_root, short_run):
    """Dropout 0.1 in the tower, its last stage training: resuming must restore every random stream (and the
    data loader must not draw from them), or the dropout masks after the resume differ."""
    def run(name, **kwargs):
        return train(load_config("tiny", tiny_overrides(tiny_root, *SHORT, *DROPOUT, f"log.run_id={name}")), **kwargs)

    full = [r["loss"] for r in records(run("drop-full"))]
    run("drop-cut", stop_after=3)
    resumed = [r["loss"] for r in records(run("drop-cut", resume="latest"))]
    assert resumed == pytest.approx(full, rel=1e-6, abs=1e-7)
    plain = [r["loss"] for r in records(short_run)]
    assert full[1:] != pytest.approx(plain[1:], rel=1e-4)  # dropout is really on


def _launch(args: list[str], overrides: list[str]) -> subprocess.CompletedProcess:
    """``torchrun --nproc_per_node 2 -m a2i train ...``: two real processes on CPU (gloo)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "a2i", "train", "--config", "tiny", *args]
    for item in overrides:
        command += ["--set", item]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_two_processes_train_like_one_and_resume_exactly(tiny_root, short_run):
    """Two ranks (torchrun, gloo on CPU), interrupted after step 3 and resumed: the same losses as one
    uninterrupted process, one checkpoint writer, both ranks' random states saved."""
    overrides = tiny_overrides(tiny_root, *SHORT, "log.run_id=two")
    done = _launch(["--stop-after", "3"], overrides)
    assert done.returncode == 0, done.stderr[-3000:]
    two = tiny_root / "logs" / "two"
    state = torch.load(two / "checkpoints" / "latest" / "training_state.pt", weights_only=False)
    assert state["processes"] == 2 and len(state["rng"]) == 2 and state["writer"] == 0
    done = _launch(["--resume", "latest"], overrides)
    assert done.returncode == 0, done.stderr[-3000:]
    logged = records(two)
    assert [r["step"] for r in logged] == list(range(1, 7)) and {r["processes"] for r in logged} == {2}
    one = [r["loss"] for r in records(short_run)]
    assert [r["loss"] for r in logged] == pytest.approx(one, rel=1e-4)
    print("largest relative loss difference, two processes vs one:",
          max(abs(a["loss"] - b) / abs(b) for a, b in zip(logged, one)))
    folder = two / "checkpoints"
    assert os.readlink(folder / "latest") == "step-0000006" and not list(folder.glob(".*"))  # no torn writes
    a, b = weights(short_run / "checkpoints" / "latest"), weights(two / "checkpoints" / "latest")
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-3, atol=1e-4)


def test_cli_errors_are_one_line(tiny_root, tiny_run, capsys):
    assert cli_main(["train", "--config", "no-such-config"]) == 2
    assert "no such file (built-in configs: sdxl, tiny)" in capsys.readouterr().err
    assert cli_main(["train", "--config", "tiny", "--set", "lr=1"]) == 2
    assert "write section.key=value" in capsys.readouterr().err
    args = ["train", "--config", "tiny"] + [x for item in tiny_overrides(tiny_root, "log.run_id=tiny") for x in ("--set", item)]
    assert cli_main(args) == 2
    assert "already holds a run; continue it with --resume latest" in capsys.readouterr().err
    assert cli_main(["train", "--config", "tiny", "--set", "optim.colour=1"]) == 2
    assert "unknown keys in [optim]: colour" in capsys.readouterr().err


def test_denoising_loss_trains_through_the_frozen_unet(tiny_root):
    run = train(load_config("tiny", tiny_overrides(
        tiny_root, "optim.max_steps=2", "optim.eval_every=100", "log.log_every=1", "log.run_id=denoise",
        "loss.denoise=0.5", "loss.denoise_image_size=64", "loss.denoise_steps=2")))
    logged = records(run)
    assert len(logged) == 2 and all(0.0 < r["denoise"] < 10.0 for r in logged)
    latents = np.load(next((tiny_root / "cache").glob("latents-*/chunk-00000.npy")), mmap_mode="r")
    assert latents.shape == (24, 4, 32, 32) and latents.dtype == np.float16 and float(np.abs(latents).mean()) > 0


def test_latent_cache_key_follows_its_inputs(tiny_root, tiny_run):
    """Steps, size, prompts, tracks and weights each change the latent cache's folder."""
    from a2i.model.prepare import _corpus, _latent_cache, make_accelerator, sdxl_pipeline

    def folder(*extra, corpus_edit=None):
        config = load_config("tiny", tiny_overrides(tiny_root, "loss.denoise=0.5", "loss.denoise_image_size=64",
                                                    "loss.denoise_steps=2", *extra))
        corpus = _corpus(config, make_accelerator(config))
        if corpus_edit:
            corpus_edit(corpus)
        return _latent_cache(config, corpus, sdxl)[0].folder

    sdxl = sdxl_pipeline(load_config("tiny"), "tiny", "cpu")
    base = folder()
    assert folder() == base
    assert folder("loss.denoise_steps=10") != base
    assert folder("loss.denoise_image_size=128") != base
    assert folder(corpus_edit=lambda c: c.prompts.__setitem__(0, "another prompt")) != base
    assert folder(corpus_edit=lambda c: c.track_ids.__setitem__(0, "another-id")) != base
    with torch.no_grad():
        next(sdxl.unet.parameters()).add_(1.0)
    assert folder() != base


def test_debug_images_are_drawn_through_sdxl(tiny_root, tmp_path):
    from PIL import Image

    from a2i.render.tiny import save_tiny_sdxl

    model = save_tiny_sdxl(tmp_path / "sdxl", seed=0)
    run = train(load_config("tiny", tiny_overrides(
        tiny_root, "optim.max_steps=1", "log.run_id=debug", f"log.debug_images={model}", "log.debug_image_size=64")))
    pictures = sorted((run / "debug").glob("step-0000001-*.png"))
    assert len(pictures) == 2 and Image.open(pictures[0]).size == (64, 64)
