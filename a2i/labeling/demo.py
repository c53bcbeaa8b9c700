"""Synthetic ``a2i generate`` outputs: tones and simple pictures to try the site, test it and load it.

Real studies are built from real generate outputs; these stand in for them where only the site's behaviour
matters (tests, the load benchmark, a first look at the pages), build in well under a second and need
nothing outside the project.
"""

from __future__ import annotations

import json
from pathlib import Path

COLORS = [(236, 72, 153), (99, 102, 241), (16, 185, 129), (245, 158, 11), (14, 165, 233), (139, 92, 246)]


def fake_generate_output(folder: str | Path, index: int, *, n_images: int = 4, seconds: float = 3.0,
                         size: int = 96) -> Path:
    """Write a folder shaped like ``a2i generate --out``: the song, pictures, an info card, profile and prompts."""
    import numpy as np
    import soundfile as sf
    from PIL import Image, ImageDraw

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sr = 22050
    t = np.arange(int(seconds * sr)) / sr
    wave = 0.3 * np.sin(2 * np.pi * 220.0 * (1 + index * 0.25) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    song = folder / f"song{index}.wav"
    sf.write(song, wave.astype(np.float32), sr)
    for k in range(n_images):
        image = Image.new("RGB", (size, size), COLORS[(index + k) % len(COLORS)])
        s = size / 96
        ImageDraw.Draw(image).ellipse((int((16 + 4 * k) * s), int(16 * s), int(72 * s), int((72 - 4 * k) * s)),
                                      fill=COLORS[(index * 2 + k + 1) % len(COLORS)])
        image.save(folder / f"clip{k:02d}.png")
    Image.new("RGB", (32, 32), "white").save(folder / "clip00_card.png")  # info cards are not study images
    (folder / "profile.json").write_text(json.dumps({"path": str(song), "title": f"Song {index}"}))
    (folder / "prompts.json").write_text(json.dumps([f"a prompt for song {index}"]))
    return folder


def demo_study(folder: str | Path, *, songs: int = 5, tutorial: int = 1, per_item: int = 3,
               tasks: int | None = 2, images: int = 12, n_images: int = 4) -> Path:
    """Synthesize ``songs`` generate outputs under ``folder/outputs`` and build ``folder/study`` from them."""
    from a2i.labeling.make_study import make_study

    folder = Path(folder)
    outputs = [fake_generate_output(folder / "outputs" / f"song{i}", i, n_images=n_images) for i in range(songs)]
    study = folder / "study"
    make_study(outputs, study, images_per_task=images, tutorial=tutorial, participants_per_item=per_item,
               tasks_per_participant=tasks, clip_seconds=2.0)
    return study
