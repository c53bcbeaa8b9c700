"""Test content for the labeling site: fake ``a2i generate`` outputs and a study built from them.

Songs are a few seconds of synthesized tones and pictures are flat colours with a shape, so the study folder
builds in well under a second and needs nothing from outside the project.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw

from a2i.labeling.make_study import make_study

COLORS = [(236, 72, 153), (99, 102, 241), (16, 185, 129), (245, 158, 11), (14, 165, 233), (139, 92, 246)]


def fake_generate_output(folder: Path, index: int, *, n_images: int = 4, seconds: float = 3.0) -> Path:
    """A folder shaped like ``a2i generate --out``: song audio, pictures, profile.json, prompts.json."""
    folder.mkdir(parents=True, exist_ok=True)
    sr = 22050
    t = np.arange(int(seconds * sr)) / sr
    freq = 220.0 * (1 + index * 0.25)
    wave = 0.3 * np.sin(2 * np.pi * freq * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    song = folder / f"song{index}.wav"
    sf.write(song, wave.astype(np.float32), sr)
    for k in range(n_images):
        image = Image.new("RGB", (96, 96), COLORS[(index + k) % len(COLORS)])
        draw = ImageDraw.Draw(image)
        draw.ellipse((16 + 4 * k, 16, 72, 72 - 4 * k), fill=COLORS[(index * 2 + k + 1) % len(COLORS)])
        image.save(folder / f"clip{k:02d}.png")
    # an info card is not a study image
    Image.new("RGB", (32, 32), "white").save(folder / "clip00_card.png")
    (folder / "profile.json").write_text(json.dumps({"path": str(song), "title": f"Song {index}", "valence": 0.5}))
    (folder / "prompts.json").write_text(json.dumps([f"a prompt for song {index}"]))
    return folder


def build_study(tmp: Path, *, songs: int = 5, tutorial: int = 1, per_item: int = 3, tasks: int | None = 2,
                images: int = 12) -> Path:
    """Generate outputs for ``songs`` songs and build a study from them; returns the study folder."""
    outputs = [fake_generate_output(tmp / "outputs" / f"song{i}", i) for i in range(songs)]
    study = tmp / "study"
    make_study(outputs, study, images_per_task=images, tutorial=tutorial, participants_per_item=per_item,
               tasks_per_participant=tasks, clip_seconds=2.0)
    return study
