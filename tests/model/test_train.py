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
from encoder_training import SHORT, records, tiny_overrides, weights

from a2i.cli import main as cli_main
from a2i.model.config import load_config
from a2i.model.encoder import AudioEncoder
from a2i.model.train import train

#: The session's tiny training run is set up inside the first test that needs it: minutes on a loaded
#: machine, so these tests get more than the suite's default timeout.
pytestmark = pytest.mark.timeout(1800)

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_run_beats_chance_on_held_out_songs(tiny_run):
    validations = records(tiny_run, "valid")
    best = max(validations, key=lambda r: r["R@1"])  # the checkpoint kept as `best`
    assert best["chance_R@1"] == pytest.approx(1 / 6)  # one unheard song per mood, 5 prompts each
    assert best["R@1"] >= 3 * best["chance_R@1"]  # its own prompts rank first for half the unheard songs
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


def test_two_processes_train_like_one(tiny_root, short_run):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "a2i", "train",
               "--config", "tiny"]
    for item in tiny_overrides(tiny_root, *SHORT, "log.run_id=two"):
        command += ["--set", item]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    two = tiny_root / "logs" / "two"
    assert [r["loss"] for r in records(two)] == pytest.approx([r["loss"] for r in records(short_run)], rel=1e-4)
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
    latents = np.load(next((tiny_root / "cache").glob("latents-64-*.npy")), mmap_mode="r")
    assert latents.shape == (24, 4, 32, 32) and latents.dtype == np.float16 and float(np.abs(latents).mean()) > 0


def test_debug_images_are_drawn_through_sdxl(tiny_root, tmp_path):
    from PIL import Image

    from a2i.render.tiny import save_tiny_sdxl

    model = save_tiny_sdxl(tmp_path / "sdxl", seed=0)
    run = train(load_config("tiny", tiny_overrides(
        tiny_root, "optim.max_steps=1", "log.run_id=debug", f"log.debug_images={model}", "log.debug_image_size=64")))
    pictures = sorted((run / "debug").glob("step-0000001-*.png"))
    assert len(pictures) == 2 and Image.open(pictures[0]).size == (64, 64)
